/** A webhook's deliveries (`/v1/webhooks/{id}/deliveries`): what Apple sent and what the URL answered. */
import { enc } from './apps.js';
import type { AscHttp } from './http.js';
import type { ResourceObject } from './types.js';

export type WebhookDelivery = ResourceObject<
  'webhookDeliveries',
  {
    createdDate?: string;
    deliveryState?: 'SUCCEEDED' | 'FAILED' | 'PENDING';
    errorMessage?: string;
    sentDate?: string;
    response?: { httpStatusCode?: number };
  }
>;
type WebhookEvent = ResourceObject<'webhookEvents', { eventType?: string; ping?: boolean; createdDate?: string }>;

const PAGE_SIZE = 200;

export class WebhookDeliveriesApi {
  constructor(private readonly http: AscHttp) {}

  /**
   * The finished deliveries of pings created at or after `since`, newest first. The payload is not asked
   * for: only whether it is a ping.
   */
  async pings(webhookId: string, since: Date): Promise<WebhookDelivery[]> {
    const query = {
      'filter[deliveryState]': ['SUCCEEDED', 'FAILED'],
      'filter[createdDateGreaterThanOrEqualTo]': [since.toISOString()],
      'fields[webhookDeliveries]': 'createdDate,deliveryState,errorMessage,sentDate,response,event',
      'fields[webhookEvents]': 'eventType,ping,createdDate',
      include: 'event',
      limit: PAGE_SIZE,
    };
    const pings: WebhookDelivery[] = [];
    for await (const page of this.http.pages<WebhookDelivery>(`/v1/webhooks/${enc(webhookId)}/deliveries`, query)) {
      const events = new Map((page.included ?? []).filter((r): r is WebhookEvent => r.type === 'webhookEvents').map((e) => [e.id, e]));
      for (const delivery of page.data) {
        const link = delivery.relationships?.event?.data;
        const event = link && !Array.isArray(link) ? events.get(link.id) : undefined;
        if (event?.attributes?.ping) pings.push(delivery);
      }
    }
    return pings.sort((a, b) => (b.attributes?.createdDate ?? '').localeCompare(a.attributes?.createdDate ?? ''));
  }
}
