import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RelayServer } from '../../src/cli/relay-server.js';
import { parseConfig } from '../../src/config.js';
import { InputError } from '../../src/errors.js';
import type { FakeAsc, TestKey } from '../../test-support/fake-asc/index.js';
import { startFakeGitHub, type FakeGitHub } from '../../test-support/fake-github/index.js';
import { RELAY_SECRET, startTestRelay } from '../../test-support/relay.js';
import { apiWrites, ascInputs, closeCheckedFake, runWithInputs, startFakeAscWithApp } from '../../test-support/setup.js';

const OTHER_SECRET = 'rotated-relay-secret-abcdefghijklmnopqrstuvwxyz';

describe('command: webhook, against the fake App Store Connect and a relay', () => {
  let key: TestKey, fake: FakeAsc;
  let gh: FakeGitHub;
  let relay: RelayServer;

  beforeAll(async () => {
    gh = await startFakeGitHub();
  });
  afterAll(() => gh.close());
  beforeEach(async () => {
    ({ key, fake } = await startFakeAscWithApp());
    relay = await startTestRelay(gh);
  });
  afterEach(async () => {
    await relay.close();
    await closeCheckedFake(fake);
  });

  const run = (extra: Record<string, string> = {}) =>
    runWithInputs({
      ...ascInputs(key, fake),
      command: 'webhook',
      'bundle-id': 'com.example.app',
      'webhook-url': relay.url,
      'webhook-secret': RELAY_SECRET,
      'poll-interval': '0.05',
      ...extra,
    });

  it('creates the webhook, pings it through the relay, outputs its id; a rerun changes nothing', async () => {
    const first = await run();
    expect(first.error).toBeUndefined();
    const hooks = fake.resources('webhooks');
    expect(hooks).toHaveLength(1);
    expect(hooks[0].attributes).toMatchObject({
      url: `${relay.url}/`,
      enabled: true,
      eventTypes: [
        'BUILD_UPLOAD_STATE_UPDATED',
        'BUILD_BETA_DETAIL_EXTERNAL_BUILD_STATE_UPDATED',
        'APP_STORE_VERSION_APP_VERSION_STATE_UPDATED',
      ],
    });
    expect(first.runtime.outputs['webhook-id']).toBe(hooks[0].id);
    expect(first.runtime.log.infos.join('\n')).toContain("Apple's ping: delivered, the relay answered HTTP 204");
    expect(first.runtime.summary.join('\n')).toMatch(/\| created \| delivered, the relay answered HTTP 204 \|/);
    expect(apiWrites(fake)).toEqual(['POST /v1/webhooks', 'POST /v1/webhookPings']);
    // The ping reached the relay signed and was not dispatched.
    expect(fake.webhooks.sent.map((d) => [d.eventType, d.state])).toEqual([['WEBHOOK_PING_CREATED', 'SUCCEEDED']]);
    expect(gh.dispatches.list).toHaveLength(0);

    const mark = fake.requests.length;
    const again = await run();
    expect(again.error).toBeUndefined();
    expect(again.runtime.outputs['webhook-id']).toBe(hooks[0].id);
    expect(again.runtime.summary.join('\n')).toContain('| unchanged |');
    expect(apiWrites(fake, { from: mark })).toEqual(['POST /v1/webhookPings']);
    expect(fake.resources('webhooks')).toHaveLength(1);

    for (const r of [first.runtime, again.runtime]) {
      const printed = JSON.stringify([r.log, r.summary, r.outputs]);
      expect(printed.replaceAll(`"${RELAY_SECRET}"`, '')).not.toContain(RELAY_SECRET);
      expect(r.log.masked).toContain(RELAY_SECRET);
    }
  });

  it('brings the events of an existing webhook to those asked, without writing the secret', async () => {
    expect((await run()).error).toBeUndefined();
    const mark = fake.requests.length;
    const result = await run({ 'webhook-events': 'app_store_version_app_version_state_updated' });
    expect(result.error).toBeUndefined();
    expect(fake.resources('webhooks')[0].attributes.eventTypes).toEqual(['APP_STORE_VERSION_APP_VERSION_STATE_UPDATED']);
    expect(apiWrites(fake, { from: mark })).toEqual(['PATCH /v1/webhooks/:id', 'POST /v1/webhookPings']);
    const patch = fake.requests.slice(mark).find((r) => r.method === 'PATCH');
    expect(JSON.stringify(patch?.body)).not.toContain('secret');
  });

  it("writes the secret only when the relay refuses the ping's signature (a rotated secret), then pings again", async () => {
    expect((await run()).error).toBeUndefined();
    // The relay restarts on the same URL holding a new secret.
    const port = Number(new URL(relay.url).port);
    await relay.close();
    relay = await startTestRelay(gh, { WEBHOOK_SECRET: OTHER_SECRET }, port);
    const mark = fake.requests.length;
    const result = await run({ 'webhook-secret': OTHER_SECRET });
    expect(result.error).toBeUndefined();
    expect(result.runtime.log.infos.join('\n')).toContain("The relay refused the ping's signature");
    expect(apiWrites(fake, { from: mark })).toEqual(['POST /v1/webhookPings', 'PATCH /v1/webhooks/:id', 'POST /v1/webhookPings']);
    expect(result.runtime.summary.join('\n')).toContain('| secret written | delivered, the relay answered HTTP 204 |');
    const patch = fake.requests.slice(mark).find((r) => r.method === 'PATCH');
    expect(JSON.stringify(patch?.body)).toContain('"secret"');
  });

  it('fails naming WEBHOOK_SECRET when the relay and the input disagree, keeping the webhook and its id', async () => {
    const result = await run({ 'webhook-secret': OTHER_SECRET });
    expect(result.error?.message).toMatch(/ping of .* failed: not delivered \(HTTP 401.*WEBHOOK_SECRET differs from `webhook-secret`/s);
    expect(result.runtime.outputs['webhook-id']).toBe(fake.resources('webhooks')[0].id);
    // Apple delivered again after each refusal, as it does on a failure.
    expect(fake.webhooks.sent[0]!.attempts).toEqual([401, 401, 401, 401]);
  });
});

describe('command: webhook inputs', () => {
  const base = { command: 'webhook', 'key-id': 'ABCDEF1234', 'private-key': 'x', 'bundle-id': 'com.example.app' };
  const errorOf = async (extra: Record<string, string>): Promise<InputError> => {
    const { error } = await runWithInputs({ ...base, 'webhook-url': 'https://relay.example/', 'webhook-secret': RELAY_SECRET, ...extra });
    if (!(error instanceof InputError)) throw new Error(`expected an input error, got ${String(error)}`);
    return error;
  };

  it('names the input of a bad URL, a short secret (without showing it) and an unknown event', async () => {
    expect((await errorOf({ 'webhook-url': 'http://relay.example/' })).input).toBe('webhook-url');
    expect((await errorOf({ 'webhook-url': 'not a url' })).input).toBe('webhook-url');
    expect((await errorOf({ 'webhook-url': '' })).message).toContain('is required with `command: webhook`');
    const short = await errorOf({ 'webhook-secret': 'too-short-secret' });
    expect(short.input).toBe('webhook-secret');
    expect(short.message).toContain('(it is 16)');
    expect(short.message).not.toContain('too-short-secret');
    const event = await errorOf({ 'webhook-events': 'BUILD_UPLOAD_STATE_UPDATED, BUILD_DONE' });
    expect(event.input).toBe('webhook-events');
    expect(event.message).toContain('"BUILD_DONE" is not an App Store Connect webhook event');
  });

  it('accepts http for a loopback host only, and refuses webhook inputs with another command', async () => {
    const config = parseConfig((name) => ({ ...base, 'webhook-url': 'http://127.0.0.1:9/', 'webhook-secret': RELAY_SECRET })[name] ?? '');
    expect(config.webhook?.url).toBe('http://127.0.0.1:9/');
    const other = await runWithInputs({ ...base, command: 'latest-build-number', 'webhook-url': 'https://relay.example/' });
    expect((other.error as InputError).input).toBe('webhook-url');
  });
});
