/**
 * What the relay takes from a verified delivery: the event type and the resource it is about, each checked
 * against a strict form. Nothing else of Apple's body goes further.
 */

/** A delivery is a JSON:API document: `data.type` the event, `data.relationships.instance.data` the resource. */
interface Delivery {
  data?: {
    type?: unknown;
    id?: unknown;
    relationships?: { instance?: { data?: { type?: unknown; id?: unknown } } };
  };
}

export interface Notice {
  /** e.g. `buildUploadStateUpdated`. */
  event: string;
  /** Apple's id of this notification, for dropping a repeat of one already dispatched. */
  id?: string;
  resourceType?: string;
  resourceId?: string;
}

/** Apple writes the ping as `webhookPingCreated`; its event-type list spells events in capitals. */
const PING_EVENTS = new Set(['webhookPingCreated', 'WEBHOOK_PING_CREATED']);
const EVENT = /^[A-Za-z][A-Za-z_]{0,79}$/;
const RESOURCE_TYPE = /^[A-Za-z][A-Za-z0-9]{0,63}$/;
const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

const matching = (value: unknown, form: RegExp): string | undefined => (typeof value === 'string' && form.test(value) ? value : undefined);

/** The notice in `body`, or undefined when it is not a delivery document with a well-formed event type. */
export function readNotice(body: Uint8Array): Notice | undefined {
  let doc: Delivery;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body)) as Delivery;
  } catch {
    return undefined;
  }
  const data = doc !== null && typeof doc === 'object' ? doc.data : undefined;
  if (data === null || typeof data !== 'object') return undefined;
  const event = matching(data.type, EVENT);
  if (!event) return undefined;
  const instance = data.relationships?.instance?.data;
  return {
    event,
    id: matching(data.id, ID),
    resourceType: matching(instance?.type, RESOURCE_TYPE),
    resourceId: matching(instance?.id, ID),
  };
}

export const isPing = (notice: Notice): boolean => PING_EVENTS.has(notice.event);

/** `repository_dispatch`'s `client_payload`: a hint for the resume run, which reads Apple's state itself. */
export function clientPayload(notice: Notice): Record<string, string> {
  const payload: Record<string, string> = { event: notice.event };
  if (notice.resourceType) payload.resource_type = notice.resourceType;
  if (notice.resourceId) payload.resource_id = notice.resourceId;
  return payload;
}
