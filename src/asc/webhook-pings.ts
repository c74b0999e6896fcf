/** `/v1/webhookPings`: asks Apple to send the webhook a signed test delivery now. */
import type { AscHttp } from './http.js';
import type { Document, ResourceObject } from './types.js';

export class WebhookPingsApi {
  constructor(private readonly http: AscHttp) {}

  /** A ping cannot be read back: one whose answer was lost is not sent again (at most one test delivery). */
  async send(webhookId: string): Promise<string> {
    const body = { data: { type: 'webhookPings', relationships: { webhook: { data: { type: 'webhooks', id: webhookId } } } } };
    return (await this.http.post<Document<ResourceObject<'webhookPings'>>>('/v1/webhookPings', body, {})).data.id;
  }
}
