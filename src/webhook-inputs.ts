/**
 * The inputs of `command: webhook`, checked from their raw text with the other inputs, before any
 * request: the relay's URL, the shared secret and the event types Apple sends it.
 */
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from './asc/webhooks.js';
import { InputError } from './errors.js';
import { withDefaults } from './input-values.js';
import { isLoopbackHost } from './net/loopback.js';
import type { InputReader } from './runtime.js';

/** The changes post-processing waits for: upload processed, external testing state, App Store version state. */
const DEFAULT_WEBHOOK_EVENTS: readonly WebhookEventType[] = [
  'BUILD_UPLOAD_STATE_UPDATED',
  'BUILD_BETA_DETAIL_EXTERNAL_BUILD_STATE_UPDATED',
  'APP_STORE_VERSION_APP_VERSION_STATE_UPDATED',
];

const MIN_WEBHOOK_SECRET_LENGTH = 32;
const MAX_WEBHOOK_SECRET_LENGTH = 256;
const MAX_URL_LENGTH = 2048;

export interface WebhookSettings {
  url: string;
  secret: string;
  events: WebhookEventType[];
}

const WEBHOOK_INPUTS = ['webhook-url', 'webhook-secret', 'webhook-events'] as const;

/** The settings with `command: webhook`; otherwise undefined, and any webhook input given is an error. */
export function readWebhookSettings(read: InputReader, command: string): WebhookSettings | undefined {
  const input = withDefaults(read);
  if (command !== 'webhook') {
    const given = WEBHOOK_INPUTS.find((name) => input(name) !== '');
    if (given) throw new InputError(given, 'is only used by `command: webhook`: set `command: webhook`, or remove this input.');
    return undefined;
  }
  return {
    url: webhookUrl(input('webhook-url')),
    secret: webhookSecret(input('webhook-secret')),
    events: webhookEvents(input('webhook-events')),
  };
}

function webhookUrl(value: string): string {
  if (!value) {
    throw new InputError(
      'webhook-url',
      'is required with `command: webhook`: the https URL where the relay receives deliveries (see docs/webhooks.md).',
    );
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InputError(
      'webhook-url',
      `"${value.slice(0, 100)}" is not a URL: give the relay's https URL, e.g. https://relay.example.workers.dev/.`,
    );
  }
  if (value.length > MAX_URL_LENGTH) throw new InputError('webhook-url', `is longer than ${MAX_URL_LENGTH} characters.`);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new InputError('webhook-url', `must be an https URL (http only for a loopback host, for tests): Apple delivers to https only.`);
  }
  if (url.username || url.password)
    throw new InputError('webhook-url', 'must not hold a user name or password: the signature authenticates Apple.');
  if (url.hash) throw new InputError('webhook-url', 'must not have a #fragment.');
  return url.href;
}

function webhookSecret(value: string): string {
  if (value.length < MIN_WEBHOOK_SECRET_LENGTH || value.length > MAX_WEBHOOK_SECRET_LENGTH) {
    throw new InputError(
      'webhook-secret',
      `must be ${MIN_WEBHOOK_SECRET_LENGTH} to ${MAX_WEBHOOK_SECRET_LENGTH} characters (it is ${value.length}): the secret the relay's WEBHOOK_SECRET also holds, e.g. \`openssl rand -hex 32\`, passed from a secret.`,
    );
  }
  if (/[\r\n]/.test(value)) throw new InputError('webhook-secret', 'must be one line.');
  return value;
}

function webhookEvents(value: string): WebhookEventType[] {
  if (!value) return [...DEFAULT_WEBHOOK_EVENTS];
  const names = [
    ...new Set(
      value
        .split(/[\n,]/)
        .map((e) => e.trim().toUpperCase())
        .filter(Boolean),
    ),
  ];
  for (const name of names) {
    if (!(WEBHOOK_EVENT_TYPES as readonly string[]).includes(name)) {
      throw new InputError(
        'webhook-events',
        `"${name.slice(0, 80)}" is not an App Store Connect webhook event: use ${DEFAULT_WEBHOOK_EVENTS.map((e) => `\`${e}\``).join(', ')} (the default) or another of ${WEBHOOK_EVENT_TYPES.join(', ')}.`,
      );
    }
  }
  if (names.length === 0) return [...DEFAULT_WEBHOOK_EVENTS];
  return names as WebhookEventType[];
}
