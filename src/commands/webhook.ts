/**
 * `command: webhook`: creates or updates the app's webhook that delivers to the relay (found by URL, so
 * a rerun changes nothing), then has Apple ping it and reports what the relay answered.
 *
 * Apple never shows a webhook's secret, so it cannot be compared. It is set when the webhook is created;
 * afterwards the ping tells: a relay that refuses the ping's signature (HTTP 401) holds another secret,
 * and only then is `webhook-secret` written to the webhook and the ping sent again.
 */
import type { AppStoreConnect } from '../asc/client.js';
import type { WebhookDelivery } from '../asc/webhook-deliveries.js';
import { sameEvents, type Webhook } from '../asc/webhooks.js';
import type { Config } from '../config.js';
import { UserError, firstLine } from '../errors.js';
import type { Runtime } from '../runtime.js';
import { escapeCell } from '../summary.js';
import type { WebhookSettings } from '../webhook-inputs.js';
import { resolveApp } from './app.js';
import { connectFromConfig, type CommandDeps } from './context.js';

/** The name the webhook gets in App Store Connect. */
const WEBHOOK_NAME = 'app-store-connect-publish relay';
/** How long Apple may take to deliver the ping and report the answer. */
const PING_WAIT_MS = 60_000;
const MAX_PING_POLL_MS = 5_000;
const UNAUTHORIZED = 401;

type Change = 'created' | 'updated' | 'unchanged';

export async function webhook(config: Config, runtime: Runtime, deps: CommandDeps): Promise<void> {
  const settings = config.webhook;
  if (!settings) throw new Error('command: webhook without its settings');
  runtime.log.mask(settings.secret);
  const asc = connectFromConfig(config, runtime, deps);
  const app = await resolveApp(asc, config.appId, config.bundleId ?? '');
  const { hook, change } = await register(asc, app.id, settings);
  runtime.setOutput('webhook-id', hook.id);
  runtime.log.info(
    `Webhook ${hook.id} of ${app.attributes?.bundleId ?? app.id} → ${settings.url}: ${change} (${settings.events.join(', ')}).`,
  );

  const wait = { pollMs: Math.min(config.pollIntervalMs, MAX_PING_POLL_MS), deps };
  let ping = await pingAndWait(asc, hook.id, wait);
  let secretWritten = false;
  if (ping?.attributes?.response?.httpStatusCode === UNAUTHORIZED && change !== 'created') {
    runtime.log.info("The relay refused the ping's signature: it holds another secret. Writing `webhook-secret` to the webhook.");
    await asc.webhooks.update(hook.id, { secret: settings.secret });
    secretWritten = true;
    ping = await pingAndWait(asc, hook.id, wait);
  }

  const result = describePing(ping);
  runtime.log.info(`Apple's ping: ${result.text}`);
  const changeText = secretWritten ? `${change === 'unchanged' ? '' : `${change}; `}secret written` : change;
  await runtime.appendSummary(
    [
      `### App Store Connect webhook — ${escapeCell(app.attributes?.bundleId ?? app.id)}`,
      '',
      '| Webhook | URL | Events | Change | Ping |',
      '| --- | --- | --- | --- | --- |',
      `| ${hook.id} | ${escapeCell(settings.url)} | ${settings.events.join(', ')} | ${changeText} | ${escapeCell(result.text)} |`,
      '',
    ].join('\n'),
  );
  if (result.failed) {
    throw new UserError(
      `Apple's ping of ${settings.url} failed: ${result.text}. ${ping?.attributes?.response?.httpStatusCode === UNAUTHORIZED ? "The relay's WEBHOOK_SECRET differs from `webhook-secret`: set both to the same value." : 'Check that the relay runs and is reachable from the internet (docs/webhooks.md).'}`,
    );
  }
  if (!ping)
    runtime.log.warning(
      `Apple has not reported the ping's delivery within ${PING_WAIT_MS / 1000} seconds: look at the relay's log, or rerun to ping again.`,
    );
}

/** The app's webhook for this URL, created or brought to the asked events; the secret is written on create only. */
async function register(asc: AppStoreConnect, appId: string, settings: WebhookSettings): Promise<{ hook: Webhook; change: Change }> {
  const found = await asc.webhooks.findByUrl(appId, settings.url);
  if (!found) {
    const hook = await asc.webhooks.create(appId, {
      name: WEBHOOK_NAME,
      url: settings.url,
      secret: settings.secret,
      eventTypes: settings.events,
    });
    return { hook, change: 'created' };
  }
  const changes: { enabled?: boolean; eventTypes?: WebhookSettings['events'] } = {};
  if (found.attributes?.enabled !== true) changes.enabled = true;
  if (!sameEvents(found.attributes?.eventTypes, settings.events)) changes.eventTypes = settings.events;
  if (Object.keys(changes).length === 0) return { hook: found, change: 'unchanged' };
  return { hook: await asc.webhooks.update(found.id, changes), change: 'updated' };
}

/** Sends a ping and waits, within PING_WAIT_MS, for Apple to report its delivery; undefined when it has not. */
async function pingAndWait(
  asc: AppStoreConnect,
  webhookId: string,
  wait: { pollMs: number; deps: CommandDeps },
): Promise<WebhookDelivery | undefined> {
  const { deps } = wait;
  // Deliveries of earlier pings (a rerun a moment ago) are not this one's.
  const since = new Date(deps.now() - PING_WAIT_MS);
  const earlier = new Set((await asc.webhookDeliveries.pings(webhookId, since)).map((d) => d.id));
  await asc.webhookPings.send(webhookId);
  const deadline = deps.now() + PING_WAIT_MS;
  for (;;) {
    const delivery = (await asc.webhookDeliveries.pings(webhookId, since)).find((d) => !earlier.has(d.id));
    if (delivery) return delivery;
    if (deps.now() >= deadline) return undefined;
    await deps.sleep(wait.pollMs);
  }
}

function describePing(delivery: WebhookDelivery | undefined): { text: string; failed: boolean } {
  if (!delivery) return { text: 'not reported yet', failed: false };
  const a = delivery.attributes;
  const status = a?.response?.httpStatusCode;
  const answer = status !== undefined ? `HTTP ${status}` : 'no answer';
  if (a?.deliveryState === 'SUCCEEDED') return { text: `delivered, the relay answered ${answer}`, failed: false };
  const why = firstLine(a?.errorMessage).slice(0, 200);
  return { text: `not delivered (${answer}${why ? `: ${why}` : ''})`, failed: true };
}
