/** The app's webhooks (`/v1/webhooks`): Apple's deliveries of the app's events to a URL, signed with a secret. */
import { enc } from './apps.js';
import type { AscHttp } from './http.js';
import type { Document, ResourceObject } from './types.js';

/** Apple's webhook event types (`WebhookEventType` in its schema). */
export const WEBHOOK_EVENT_TYPES = [
  'ALTERNATIVE_DISTRIBUTION_PACKAGE_AVAILABLE_UPDATED',
  'ALTERNATIVE_DISTRIBUTION_PACKAGE_VERSION_CREATED',
  'ALTERNATIVE_DISTRIBUTION_TERRITORY_AVAILABILITY_UPDATED',
  'APP_STORE_VERSION_APP_VERSION_STATE_UPDATED',
  'BACKGROUND_ASSET_VERSION_APP_STORE_RELEASE_STATE_UPDATED',
  'BACKGROUND_ASSET_VERSION_EXTERNAL_BETA_RELEASE_STATE_UPDATED',
  'BACKGROUND_ASSET_VERSION_INTERNAL_BETA_RELEASE_CREATED',
  'BACKGROUND_ASSET_VERSION_STATE_UPDATED',
  'BETA_FEEDBACK_CRASH_SUBMISSION_CREATED',
  'BETA_FEEDBACK_SCREENSHOT_SUBMISSION_CREATED',
  'BUILD_BETA_DETAIL_EXTERNAL_BUILD_STATE_UPDATED',
  'BUILD_UPLOAD_STATE_UPDATED',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export type Webhook = ResourceObject<'webhooks', { enabled?: boolean; eventTypes?: WebhookEventType[]; name?: string; url?: string }>;

export interface WebhookChanges {
  enabled?: boolean;
  eventTypes?: WebhookEventType[];
  secret?: string;
}

export class WebhooksApi {
  constructor(private readonly http: AscHttp) {}

  listForApp(appId: string): Promise<Webhook[]> {
    return this.http.getAll<Webhook>(`/v1/apps/${enc(appId)}/webhooks`, { 'fields[webhooks]': 'enabled,eventTypes,name,url', limit: 200 });
  }

  /** The app's webhook that delivers to `url` (the same URL once parsed: case of the host, default port). */
  async findByUrl(appId: string, url: string): Promise<Webhook | undefined> {
    return (await this.listForApp(appId)).find((w) => sameUrl(w.attributes?.url, url));
  }

  /** A new enabled webhook. A lost answer is read back by URL, so a retry never makes a second one. */
  async create(appId: string, o: { name: string; url: string; secret: string; eventTypes: WebhookEventType[] }): Promise<Webhook> {
    const body = {
      data: {
        type: 'webhooks',
        attributes: { enabled: true, eventTypes: o.eventTypes, name: o.name, secret: o.secret, url: o.url },
        relationships: { app: { data: { type: 'apps', id: appId } } },
      },
    };
    const doc = await this.http.post<Document<Webhook>>('/v1/webhooks', body, {
      readBack: async () => {
        const found = await this.findByUrl(appId, o.url);
        return found ? { data: found } : undefined;
      },
    });
    return doc.data;
  }

  /**
   * Changes what is given. Read back after a lost answer by the fields Apple shows; the secret cannot be
   * read, so a change that carries it is only known done once the PATCH answers.
   */
  async update(id: string, changes: WebhookChanges): Promise<Webhook> {
    const body = { data: { type: 'webhooks', id, attributes: changes } };
    const path = `/v1/webhooks/${enc(id)}`;
    const doc = await this.http.patch<Document<Webhook>>(path, body, {
      readBack:
        changes.secret === undefined
          ? async () => {
              const now = await this.http.get<Document<Webhook>>(path);
              const a = now.data.attributes;
              const done =
                (changes.enabled === undefined || a?.enabled === changes.enabled) &&
                (changes.eventTypes === undefined || sameEvents(a?.eventTypes, changes.eventTypes));
              return done ? now : undefined;
            }
          : undefined,
    });
    return doc.data;
  }
}

export function sameEvents(a: readonly string[] | undefined, b: readonly string[]): boolean {
  const left = new Set(a ?? []);
  return left.size === new Set(b).size && b.every((e) => left.has(e));
}

function sameUrl(a: string | undefined, b: string): boolean {
  if (!a) return false;
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return false;
  }
}
