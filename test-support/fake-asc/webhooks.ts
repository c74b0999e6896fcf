/**
 * Webhooks as App Store Connect runs them: the `/v1/webhooks` API (per app: URL, secret, event types),
 * pings (`/v1/webhookPings`) and the delivery log (`/v1/webhooks/{id}/deliveries`). On each change of a
 * state a webhook watches — a build upload's state, a build's external beta state, an App Store version's
 * state — the fake POSTs a JSON:API notice signed `x-apple-signature: hmacsha256=<hex>` (HMAC-SHA256 of
 * the raw body with the webhook's secret) to its URL, and delivers again on a failure, as Apple describes
 * in "Configuring and parsing App Store Connect API webhook notifications". The lifecycle has no timers,
 * so a watcher looks at the states every few milliseconds while a webhook exists.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { Ctx, Env, Handler, Reply } from './context.js';
import { data, iso } from './context.js';
import { notFound } from './errors.js';
import type { StoredResource } from './types.js';

/** What Apple's notice calls each watched change, and where the state is read. */
const WATCHED = [
  {
    eventType: 'BUILD_UPLOAD_STATE_UPDATED',
    notice: 'buildUploadStateUpdated',
    type: 'buildUploads',
    state: (r: StoredResource) => (r.attributes.state as { state?: string } | undefined)?.state,
  },
  {
    eventType: 'BUILD_BETA_DETAIL_EXTERNAL_BUILD_STATE_UPDATED',
    notice: 'buildBetaDetailExternalBuildStateUpdated',
    type: 'buildBetaDetails',
    state: (r: StoredResource) => r.attributes.externalBuildState as string | undefined,
  },
  {
    eventType: 'APP_STORE_VERSION_APP_VERSION_STATE_UPDATED',
    notice: 'appStoreVersionAppVersionStateUpdated',
    type: 'appStoreVersions',
    state: (r: StoredResource) => r.attributes.appVersionState as string | undefined,
  },
] as const;

export interface WebhookOptions {
  /** Waits between attempts of one delivery: its length + 1 attempts in all. */
  retryDelaysMs: number[];
  /** How often the watcher looks at the states. */
  scanIntervalMs: number;
  /** Per attempt. */
  timeoutMs: number;
}

export interface SentDelivery {
  webhookId: string;
  eventType: string;
  ping: boolean;
  body: string;
  /** Each attempt's answer (0: no answer). */
  attempts: number[];
  state: 'PENDING' | 'SUCCEEDED' | 'FAILED';
}

export interface FakeWebhooks {
  readonly options: WebhookOptions;
  /** Every notice the fake sent or is sending, in order. */
  readonly sent: SentDelivery[];
  /** Looks at the watched states now (the watcher also does, on its own). */
  scan(): void;
  /** Resolves once no delivery is in flight. */
  settled(): Promise<void>;
  stop(): void;
}

const APPS_OF: Record<string, (env: Env, r: StoredResource) => string | undefined> = {
  buildUploads: (_, r) => r.rel.app as string | undefined,
  buildBetaDetails: (env, r) => env.store.get('builds', String(r.rel.build))?.rel.app as string | undefined,
  appStoreVersions: (_, r) => r.rel.app as string | undefined,
};

export function startWebhooks(env: Env): { handlers: Record<string, Handler>; control: FakeWebhooks } {
  const options: WebhookOptions = { retryDelaysMs: [50, 200, 800], scanIntervalMs: 20, timeoutMs: 5_000 };
  const seen = new Map<string, string | undefined>();
  const sent: SentDelivery[] = [];
  const inFlight = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const serialize = (w: StoredResource) => ({
    type: 'webhooks',
    id: w.id,
    attributes: { enabled: w.attributes.enabled, eventTypes: w.attributes.eventTypes, name: w.attributes.name, url: w.attributes.url },
    relationships: {
      app: { data: { type: 'apps', id: w.rel.app } },
      deliveries: {
        links: {
          self: `${env.base()}/v1/webhooks/${w.id}/relationships/deliveries`,
          related: `${env.base()}/v1/webhooks/${w.id}/deliveries`,
        },
      },
    },
    links: { self: `${env.base()}/v1/webhooks/${w.id}` },
  });
  const one = (w: StoredResource, status = 200): Reply => ({
    status,
    body: { data: serialize(w), links: { self: `${env.base()}/v1/webhooks/${w.id}` } },
  });
  const need = (id: string) => {
    const w = env.store.get('webhooks', id);
    if (!w) throw notFound('webhooks', id);
    return w;
  };

  function ensureWatching(): void {
    if (timer || stopped) return;
    scan(); // the states as they are when the first webhook is made are the starting point
    timer = setInterval(scan, options.scanIntervalMs);
    timer.unref();
  }

  function scan(): void {
    env.lifecycle.advance();
    const hooks = env.store.all('webhooks').filter((w) => w.attributes.enabled === true);
    for (const watched of WATCHED) {
      for (const r of env.store.all(watched.type)) {
        const key = `${watched.type}/${r.id}`;
        const now = watched.state(r);
        const known = seen.has(key);
        const before = seen.get(key);
        seen.set(key, now);
        if (!known || before === now) continue;
        const appId = APPS_OF[watched.type]!(env, r);
        for (const hook of hooks) {
          if (hook.rel.app !== appId || !(hook.attributes.eventTypes as string[]).includes(watched.eventType)) continue;
          const notice = {
            data: {
              type: watched.notice,
              id: randomUUID(),
              version: 1,
              attributes: { timestamp: iso(env.now()), oldValue: before ?? null, newValue: now ?? null },
              relationships: { instance: { data: { type: watched.type, id: r.id } } },
            },
          };
          deliver(hook, watched.eventType, false, JSON.stringify(notice));
        }
      }
    }
  }

  function deliver(hook: StoredResource, eventType: string, ping: boolean, body: string): void {
    // Apple's event types (WebhookEventType) have none for a ping: its event says `ping: true` instead.
    const attributes = ping
      ? { payload: body, ping, createdDate: iso(env.now()) }
      : { eventType, payload: body, ping, createdDate: iso(env.now()) };
    const event = env.store.add('webhookEvents', attributes, {});
    const record = env.store.add(
      'webhookDeliveries',
      { createdDate: iso(env.now()), deliveryState: 'PENDING', redelivery: false, request: { url: hook.attributes.url } },
      { webhook: hook.id, event: event.id },
    );
    const entry: SentDelivery = { webhookId: hook.id, eventType, ping, body, attempts: [], state: 'PENDING' };
    sent.push(entry);
    const signature = `hmacsha256=${createHmac('sha256', String(hook.attributes.secret)).update(body).digest('hex')}`;
    const run = (async () => {
      for (let attempt = 0; ; attempt++) {
        if (stopped) return;
        const status = await post(String(hook.attributes.url), body, signature);
        entry.attempts.push(status);
        record.attributes.sentDate = iso(env.now());
        record.attributes.response = { httpStatusCode: status };
        const ok = status >= 200 && status < 300;
        if (ok || attempt >= options.retryDelaysMs.length) {
          entry.state = ok ? 'SUCCEEDED' : 'FAILED';
          record.attributes.deliveryState = entry.state;
          if (!ok)
            record.attributes.errorMessage = status === 0 ? 'The endpoint could not be reached.' : `The endpoint answered HTTP ${status}.`;
          return;
        }
        record.attributes.redelivery = true;
        await new Promise((done) => setTimeout(done, options.retryDelaysMs[attempt]).unref());
      }
    })();
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run));
  }

  async function post(url: string, body: string, signature: string): Promise<number> {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-apple-signature': signature },
        body,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      await response.body?.cancel();
      return response.status;
    } catch {
      return 0;
    }
  }

  const deliveryJson = (d: StoredResource) => ({
    type: 'webhookDeliveries',
    id: d.id,
    attributes: Object.fromEntries(Object.entries(d.attributes).filter(([, v]) => v !== undefined)),
    relationships: { event: { data: { type: 'webhookEvents', id: d.rel.event } } },
    links: { self: `${env.base()}/v1/webhookDeliveries/${d.id}` },
  });
  const eventJson = (e: StoredResource) => ({
    type: 'webhookEvents',
    id: e.id,
    attributes: e.attributes,
    links: { self: `${env.base()}/v1/webhookEvents/${e.id}` },
  });

  const handlers: Record<string, Handler> = {
    'GET /v1/apps/{id}/webhooks': (ctx) => {
      env.store.need('apps', ctx.params.id!);
      const hooks = env.store.all('webhooks').filter((w) => w.rel.app === ctx.params.id);
      return {
        status: 200,
        body: { data: hooks.map(serialize), links: { self: ctx.url.href }, meta: { paging: { total: hooks.length, limit: 200 } } },
      };
    },
    'POST /v1/webhooks': (ctx) => {
      const d = data(ctx);
      const appId = d.relationships!.app!.data.id;
      env.store.need('apps', appId);
      const a = d.attributes!;
      const hook = env.store.add(
        'webhooks',
        { enabled: a.enabled, eventTypes: a.eventTypes, name: a.name, url: a.url, secret: a.secret },
        { app: appId },
      );
      ensureWatching();
      return one(hook, 201);
    },
    'GET /v1/webhooks/{id}': (ctx) => one(need(ctx.params.id!)),
    'PATCH /v1/webhooks/{id}': (ctx) => {
      const hook = need(ctx.params.id!);
      for (const [k, v] of Object.entries(data(ctx).attributes ?? {})) if (v !== null && v !== undefined) hook.attributes[k] = v;
      return one(hook);
    },
    'DELETE /v1/webhooks/{id}': (ctx) => {
      need(ctx.params.id!);
      env.store.remove('webhooks', ctx.params.id!);
      return { status: 204 };
    },
    'POST /v1/webhookPings': (ctx) => {
      const hook = need(data(ctx).relationships!.webhook!.data.id);
      const id = randomUUID();
      const notice = { data: { type: 'webhookPingCreated', id, version: 1, attributes: { timestamp: iso(env.now()) } } };
      deliver(hook, 'WEBHOOK_PING_CREATED', true, JSON.stringify(notice));
      return { status: 201, body: { data: { type: 'webhookPings', id }, links: { self: `${env.base()}/v1/webhookPings/${id}` } } };
    },
    'GET /v1/webhooks/{id}/deliveries': (ctx: Ctx) => {
      need(ctx.params.id!);
      const states = ctx.query.get('filter[deliveryState]')?.split(',');
      const from = ctx.query.get('filter[createdDateGreaterThanOrEqualTo]');
      const list = env.store
        .all('webhookDeliveries')
        .filter((d) => d.rel.webhook === ctx.params.id)
        .filter((d) => !states || states.includes(String(d.attributes.deliveryState)))
        .filter((d) => !from || String(d.attributes.createdDate) >= new Date(from).toISOString());
      const body: Record<string, unknown> = {
        data: list.map(deliveryJson),
        links: { self: ctx.url.href },
        meta: { paging: { total: list.length, limit: 200 } },
      };
      if (ctx.query.get('include')?.split(',').includes('event')) {
        body.included = list
          .map((d) => env.store.get('webhookEvents', String(d.rel.event)))
          .filter((e): e is StoredResource => !!e)
          .map(eventJson);
      }
      return { status: 200, body };
    },
  };

  return {
    handlers,
    control: {
      options,
      sent,
      scan,
      async settled() {
        while (inFlight.size > 0) await Promise.all([...inFlight]);
      },
      stop() {
        stopped = true;
        if (timer) clearInterval(timer);
      },
    },
  };
}
