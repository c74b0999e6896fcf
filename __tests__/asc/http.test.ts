import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadPrivateKey, TokenProvider } from '../../src/asc/auth.js';
import { AppStoreConnect, connect } from '../../src/asc/client.js';
import { AscApiError } from '../../src/asc/errors.js';
import { AscHttp, paceDelay } from '../../src/asc/http.js';
import { NetworkError } from '../../src/net/retry.js';
import { expectNoViolations, makeTestKey, startFakeAsc, type FakeAsc, type TestKey } from '../../test-support/fake-asc/index.js';
import { recordingLog } from '../../test-support/log.js';

/** Records the waits the client asks for and returns at once, so retry tests take no wall time. */
function recordingSleep() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

describe('App Store Connect HTTP core against the fake', () => {
  let key: TestKey;
  let fake: FakeAsc;
  let clock: number;
  const now = () => clock;

  beforeEach(async () => {
    clock = Date.now();
    key = makeTestKey();
    fake = await startFakeAsc({ keys: [key], now, pageSizeCap: 2 });
  });
  afterEach(async () => {
    expectNoViolations(fake);
    await fake.close();
  });

  function client(options: { timeoutMs?: number; attempts?: number; issuerId?: string | null } = {}) {
    const { waits, sleep } = recordingSleep();
    const log = recordingLog();
    const tokens = new TokenProvider({
      keyId: key.keyId,
      issuerId: options.issuerId === null ? undefined : (options.issuerId ?? key.issuerId),
      key: loadPrivateKey(key.privateKeyPem),
      now,
      onToken: (t) => log.mask(t),
    });
    const http = new AscHttp({
      baseUrl: fake.url,
      tokens,
      log,
      sleep,
      timeoutMs: options.timeoutMs ?? 5_000,
      retry: { attempts: options.attempts ?? 4, baseDelayMs: 100, maxDelayMs: 1_000 },
    });
    return { asc: new AppStoreConnect(http), http, waits, log };
  }

  it('signs tokens Apple accepts: ES256, kid, typ, iss, aud, iat, exp within 20 minutes', async () => {
    fake.addApp({ bundleId: 'com.example.one' });
    const { asc, log } = client();
    const app = await asc.apps.findByBundleId('com.example.one');
    expect(app?.attributes?.bundleId).toBe('com.example.one');
    expect(fake.tokens).toHaveLength(1);
    const claims = fake.tokens[0]!;
    expect(claims).toMatchObject({ iss: key.issuerId, aud: 'appstoreconnect-v1' });
    expect(claims.sub).toBeUndefined();
    expect((claims.exp as number) - (claims.iat as number)).toBeLessThanOrEqual(20 * 60);
    expect(log.masked).toHaveLength(1);
  });

  it('signs `sub: "user"` and no issuer for an individual key', async () => {
    const individual = makeTestKey({ individual: true });
    await fake.close();
    fake = await startFakeAsc({ keys: [individual], now });
    key = individual;
    const { asc } = client({ issuerId: null });
    await asc.apps.countVisible();
    expect(fake.tokens[0]).toMatchObject({ sub: 'user', aud: 'appstoreconnect-v1' });
    expect(fake.tokens[0]!.iss).toBeUndefined();
  });

  it('reuses a token until a minute before it expires, then signs a new one', async () => {
    const { asc } = client();
    await asc.apps.countVisible();
    clock += 10 * 60_000;
    await asc.apps.countVisible();
    expect(new Set(fake.requests.map((r) => r.headers.authorization)).size).toBeLessThanOrEqual(1);
    clock += 8 * 60_000 + 30_000; // 18.5 minutes after signing: within the last minute
    await asc.apps.countVisible();
    clock += 2 * 60 * 60_000; // a two-hour wait
    await asc.apps.countVisible();
    const iats = fake.tokens.map((t) => t.iat as number);
    expect(new Set(iats).size).toBe(3);
    expect(fake.requests.every((r) => r.status === 200)).toBe(true);
  });

  it('waits for Retry-After on 429, then succeeds', async () => {
    fake.faults.inject({ kind: '429', times: 2, retryAfterSec: 3 });
    const { asc, waits } = client();
    await asc.apps.countVisible();
    expect(waits).toEqual([3000, 3000]);
    expect(fake.requests.map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it.each(['500', '502', '503'] as const)('retries %s with growing backoff, then surfaces it after the limit', async (kind) => {
    fake.faults.inject({ kind, times: 2 });
    const ok = client();
    await ok.asc.apps.countVisible();
    expect(ok.waits).toHaveLength(2);
    expect(ok.waits[1]!).toBeGreaterThanOrEqual(100);

    fake.faults.inject({ kind, times: 10 });
    const failing = client({ attempts: 3 });
    const error = await failing.asc.apps.countVisible().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AscApiError);
    expect((error as AscApiError).status).toBe(Number(kind));
    expect((error as Error).message).toContain(`App Store Connect answered GET /v1/apps with HTTP ${kind}`);
    expect((error as Error).message).toMatch(/server error and kept failing after retries/);
    expect(failing.waits).toHaveLength(2);
  });

  it('retries a reset connection and a response slower than the timeout, and names them after the limit', async () => {
    fake.faults.inject({ kind: 'reset', times: 1 });
    fake.faults.inject({ kind: 'slow', times: 1, delayMs: 1_500 });
    const { asc, waits } = client({ timeoutMs: 500 });
    await asc.apps.countVisible();
    expect(waits).toHaveLength(2);

    fake.faults.inject({ kind: 'reset', times: 5 });
    const error = await client({ attempts: 2 })
      .asc.apps.countVisible()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as Error).message).toMatch(/Could not reach App Store Connect for GET \/v1\/apps: .+\. Check `api-url`/);
  });

  it("recovers from Apple's spurious 401 with a freshly signed token, once", async () => {
    fake.faults.inject({ kind: '401', times: 1 });
    const { asc, waits, log } = client();
    await asc.apps.countVisible();
    expect(fake.requests.map((r) => r.status)).toEqual([401, 200]);
    expect(log.masked).toHaveLength(2); // a second token was signed for the retry
    expect(waits).toEqual([0]);

    fake.faults.inject({ kind: '401', times: 2 });
    const error = (await client()
      .asc.apps.countVisible()
      .catch((e: unknown) => e)) as AscApiError;
    expect(error.status).toBe(401);
    expect(error.message).toContain('NOT_AUTHORIZED');
    expect(error.message).toMatch(/Check `key-id`, `issuer-id`/);
  });

  it('a key the server does not know ends in 401 with what to check', async () => {
    const { asc } = client({ issuerId: '00000000-0000-0000-0000-000000000000' });
    const error = (await asc.apps.countVisible().catch((e: unknown) => e)) as AscApiError;
    expect(error.status).toBe(401);
    expect(fake.requests).toHaveLength(2);
  });

  it('follows links.next over several pages', async () => {
    for (let i = 0; i < 5; i++) fake.addApp({ bundleId: `com.example.page${i}` });
    const { http } = client();
    const apps = await http.getAll('/v1/apps', { limit: 2 });
    expect(apps.map((a) => (a.attributes as { bundleId: string }).bundleId).sort()).toEqual(
      [0, 1, 2, 3, 4].map((i) => `com.example.page${i}`),
    );
    expect(fake.requests.filter((r) => r.path === '/v1/apps')).toHaveLength(3);
  });

  it("turns Apple's error bodies into readable messages", async () => {
    const { asc } = client();
    const error = (await asc.apps.get('999999').catch((e: unknown) => e)) as AscApiError;
    expect(error).toBeInstanceOf(AscApiError);
    expect(error.status).toBe(404);
    expect(error.errors[0]?.code).toBe('NOT_FOUND');
    expect(error.message).toMatch(/^App Store Connect answered GET \/v1\/apps\/999999 with HTTP 404\.\n- NOT_FOUND: .+ — .+/);
    expect(error.message).toMatch(/cannot see it/);
  });

  it('the contract check rejects a request that breaks the schema, so a test that sends one fails', async () => {
    const { http } = client();
    const error = (await http
      .post('/v1/buildUploads', { data: { type: 'buildUploads', attributes: { platform: 'IOS' } } }, {})
      .catch((e: unknown) => e)) as AscApiError;
    expect(error.status).toBe(400);
    expect(fake.violations.length).toBeGreaterThan(0);
    expect(fake.violations[0]!.message).toMatch(/cfBundleVersion|relationships|required/);
    const unknownParam = (await http.get('/v1/apps', { 'filter[colour]': 'blue' }).catch((e: unknown) => e)) as AscApiError;
    expect(unknownParam.status).toBe(400);
    expect(fake.violations.some((v) => v.message.includes('filter[colour]'))).toBe(true);
    fake.violations.length = 0;
  });

  it('paces requests when the hourly budget runs low', async () => {
    expect(paceDelay({ limit: 3500, remaining: 3000 })).toBe(0);
    expect(paceDelay({ limit: 3500, remaining: 349 })).toBeGreaterThan(1000);
    expect(paceDelay({ limit: 3500, remaining: 0 })).toBeGreaterThan(paceDelay({ limit: 3500, remaining: 200 }));
    await fake.close();
    fake = await startFakeAsc({ keys: [key], now, rateLimitPerHour: 20 });
    const { asc, waits, log } = client();
    for (let i = 0; i < 20; i++) await asc.apps.countVisible();
    expect(waits.length).toBeGreaterThan(0);
    expect(log.warnings.some((w) => /requests are left this hour/.test(w))).toBe(true);
  });

  it('connect() rejects a bad key before any request', () => {
    expect(() => connect({ apiUrl: fake.url, keyId: key.keyId, privateKey: 'nope', log: recordingLog() })).toThrow(/Input `private-key`/);
    expect(fake.requests).toHaveLength(0);
  });
});
