import { createServer, type Server } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadPrivateKey, TokenProvider } from '../../src/asc/auth.js';
import { AppStoreConnect } from '../../src/asc/client.js';
import { AnswerLostError, AscApiError, RateLimitError, UnreadableAnswerError } from '../../src/asc/errors.js';
import { AscHttp } from '../../src/asc/http.js';
import type { FakeAsc, TestKey } from '../../test-support/fake-asc/index.js';
import { recordingLog } from '../../test-support/log.js';
import { listenOnLoopback } from '../../test-support/loopback.js';
import { closeCheckedFake, startFakeAscWithApp } from '../../test-support/setup.js';

/** The one mechanism for writes whose answer was lost or refused as a repeat, and Apple's hourly limit. */
describe('App Store Connect writes: read back, never re-sent blindly; 429 waits bounded', () => {
  let key: TestKey, fake: FakeAsc, clock: number, appId: string;

  beforeEach(async () => {
    clock = Date.UTC(2026, 0, 5, 9);
    ({ key, fake, appId } = await startFakeAscWithApp({ fake: { now: () => clock }, app: { bundleId: 'com.example.app' } }));
  });
  afterEach(() => closeCheckedFake(fake));

  function client(baseUrl = fake.url) {
    const waits: number[] = [];
    const log = recordingLog();
    const tokens = new TokenProvider({
      keyId: key.keyId,
      issuerId: key.issuerId,
      key: loadPrivateKey(key.privateKeyPem),
      now: () => clock,
    });
    const http = new AscHttp({
      baseUrl,
      tokens,
      log,
      now: () => clock,
      sleep: async (ms) => void (waits.push(ms), (clock += ms)),
      timeoutMs: 2_000,
      retry: { attempts: 4, baseDelayMs: 100, maxDelayMs: 1_000 },
    });
    return { asc: new AppStoreConnect(http), http, waits, log };
  }
  const writes = (path: RegExp) => fake.requests.filter((r) => r.method !== 'GET' && path.test(r.path));

  it('signs iat a minute back, so a runner clock a little fast is accepted; lifetime within 20 minutes', async () => {
    const { asc } = client();
    await asc.apps.countVisible();
    const claims = fake.tokens[0]!;
    expect(claims.iat).toBe(Math.floor(clock / 1000) - 60);
    expect((claims.exp as number) - (claims.iat as number)).toBeLessThanOrEqual(20 * 60);
  });

  it('a create whose answer was lost is read back and not sent again', async () => {
    const build = fake.addBuild({ appId, version: '1.0', buildNumber: '1', usesNonExemptEncryption: false });
    fake.faults.inject({ method: 'POST', path: '/v1/betaAppReviewSubmissions', kind: 'lost', times: 1 });
    const { asc, log } = client();
    const submission = await asc.betaReview.create(build.id);
    expect(submission.type).toBe('betaAppReviewSubmissions');
    expect(writes(/betaAppReviewSubmissions/)).toHaveLength(1);
    expect(fake.resources('betaAppReviewSubmissions')).toHaveLength(1);
    expect(log.infos.join('\n')).toMatch(/answer was lost, but Apple had done it; not sent again/);
  });

  it('a write that did not take effect (5xx) is read back, then sent again', async () => {
    const build = fake.addBuild({ appId, version: '1.0', buildNumber: '1' });
    fake.faults.inject({ method: 'PATCH', path: `/v1/builds/${build.id}`, kind: '503', times: 1 });
    const { asc } = client();
    await asc.builds.setUsesNonExemptEncryption(build.id, false);
    expect(writes(/^\/v1\/builds\//).map((r) => r.status)).toEqual([503, 200]);
    expect(fake.resource('builds', build.id).attributes.usesNonExemptEncryption).toBe(false);
  });

  it('a 409 for a change already made is success; a 409 for another state is the 409', async () => {
    const build = fake.addBuild({ appId, version: '1.0', buildNumber: '1', usesNonExemptEncryption: false });
    const { asc } = client();
    await expect(asc.builds.setUsesNonExemptEncryption(build.id, false)).resolves.toMatchObject({ id: build.id });
    const refused = await asc.builds.setUsesNonExemptEncryption(build.id, true).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AscApiError);
    expect((refused as AscApiError).status).toBe(409);
    await asc.builds.expire(build.id);
    await expect(asc.builds.expire(build.id)).resolves.toMatchObject({ id: build.id });
    expect(writes(/^\/v1\/builds\//).map((r) => r.status)).toEqual([409, 409, 200, 409]);
  });

  it('a notification whose answer was lost cannot be read back: not sent again, AnswerLostError', async () => {
    const build = fake.addBuild({ appId, version: '1.0', buildNumber: '1', usesNonExemptEncryption: false });
    const group = fake.addBetaGroup(appId, 'Public');
    const { asc } = client();
    await asc.builds.addToBetaGroups(build.id, [group.id]);
    fake.faults.inject({ method: 'POST', path: '/v1/buildBetaNotifications', kind: 'reset', times: 1 });
    const error = await asc.betaDetails.notifyTesters(build.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnswerLostError);
    expect((error as Error).message).toMatch(/was not sent again so it cannot happen twice/);
    expect(writes(/buildBetaNotifications/)).toHaveLength(1);
  });

  it('inline, a 429 with a long Retry-After is waited out as often as needed within the deadline, saying why', async () => {
    fake.faults.inject({ path: '/v1/apps', kind: '429', times: 10, retryAfterSec: 600 });
    const { asc, http, waits, log } = client();
    const started = clock;
    await http.waitingUntil(started + 2 * 60 * 60_000, '`processing-timeout`', () => asc.apps.countVisible());
    expect(waits).toEqual(Array(10).fill(600_000));
    expect(log.infos.filter((l) => /hourly request limit .* waiting 10 min 0 s for Apple's hourly limit/.test(l))).toHaveLength(10);
  });

  it('a Retry-After past what the run can wait fails at once, naming the limit', async () => {
    fake.faults.inject({ path: '/v1/apps', kind: '429', times: 1, retryAfterSec: 7200 });
    const { asc, http, waits } = client();
    const error = await http
      .waitingUntil(clock + 30 * 60_000, '`processing-timeout`', () => asc.apps.countVisible())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as AscApiError).status).toBe(429);
    expect((error as Error).message).toMatch(
      /asks to wait 120 min 0 s \(Retry-After\), past `processing-timeout`.*hourly request budget is spent/s,
    );
    expect(waits).toEqual([]);
    // Without a deadline (resume, before the upload) a request waits 5 minutes at most.
    fake.faults.inject({ path: '/v1/apps', kind: '429', times: 1, retryAfterSec: 3600 });
    await expect(asc.apps.countVisible()).rejects.toThrow(/past the 5-minute wait allowed without a deadline/);
  });

  it("a 429 without Retry-After (the key's hourly budget spent) is tried again at the longest backoff, a few minutes at most", async () => {
    fake.faults.inject({ path: '/v1/apps', kind: '429', times: 10_000 });
    const { asc, waits } = client();
    const error = await asc.apps.countVisible().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as Error).message).toMatch(
      /Apple keeps refusing \(next try in \d+ ms\), past the 5-minute wait allowed without a deadline/,
    );
    expect(waits.every((ms) => ms >= 400 && ms <= 800)).toBe(true);
    expect(waits.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(5 * 60_000);
  });

  it('a 429 with Retry-After: 0 still waits the first backoff before each try, never back to back', async () => {
    fake.faults.inject({ path: '/v1/apps', kind: '429', times: 3, retryAfterSec: 0 });
    const { asc, waits } = client();
    await asc.apps.countVisible();
    expect(waits).toEqual([100, 100, 100]);
    expect(fake.requests.filter((r) => r.path === '/v1/apps').map((r) => r.status)).toEqual([429, 429, 429, 200]);
  });

  it('a write that failed with a 5xx and cannot be read back says so, and what to do', async () => {
    const build = fake.addBuild({ appId, version: '1.0', buildNumber: '1', usesNonExemptEncryption: false });
    const group = fake.addBetaGroup(appId, 'Public');
    const { asc } = client();
    await asc.builds.addToBetaGroups(build.id, [group.id]);
    fake.faults.inject({ method: 'POST', path: '/v1/buildBetaNotifications', kind: '503', times: 1 });
    const error = await asc.betaDetails.notifyTesters(build.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnswerLostError);
    expect((error as Error).message).toMatch(/^POST \/v1\/buildBetaNotifications failed \(HTTP 503: /);
    expect((error as Error).message).toMatch(/Check in App Store Connect whether it happened; run again if it did not\.$/);
    expect(writes(/buildBetaNotifications/)).toHaveLength(1);
  });

  it('a DELETE answered 404 (gone already, or a re-sent DELETE) is success', async () => {
    const { asc } = client();
    await expect(asc.buildUploads.delete('no-such-upload')).resolves.toBeUndefined();
    expect(writes(/^\/v1\/buildUploads\//).map((r) => r.status)).toEqual([404]);
  });

  it('reads every entry of an error body, associated errors too', () => {
    const error = new AscApiError('POST', '/v1/x', 422, [
      { code: 'ENTITY_UNPROCESSABLE', detail: 'first' },
      {
        code: 'STATE_ERROR',
        detail: 'second',
        meta: { associatedErrors: { '/v1/y': [{ code: 'ENTITY_ERROR.ATTRIBUTE.REQUIRED', detail: 'Beta App Description is missing.' }] } },
      },
    ]);
    expect(error.hasCode('STATE_ERROR')).toBe(true);
    expect(error.hasCode('ENTITY_ERROR.ATTRIBUTE')).toBe(true);
    expect(error.hasCode('ENTITY_ERROR.RELATIONSHIP')).toBe(false);
    expect(error.mentions('beta app description')).toBe(true);
    expect(error.message.split('\n').filter((l) => l.includes('- '))).toHaveLength(3);
  });

  describe('an answer that is not JSON', () => {
    let proxy: Server, url: string;
    beforeEach(async () => {
      proxy = createServer((_req, res) =>
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Sign in to the Wi-Fi</body></html>'),
      );
      url = await listenOnLoopback(proxy);
    });
    afterEach(() => new Promise<void>((done) => proxy.close(() => done())));

    it('is a named error with the status, the content type and the first bytes, not a SyntaxError', async () => {
      const { asc } = client(url);
      const error = await asc.apps.countVisible().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnreadableAnswerError);
      expect((error as Error).message).toMatch(/GET \/v1\/apps \(HTTP 200, text\/html\) is not JSON: "<html><body>Sign in to the Wi-Fi/);
      expect((error as Error).message).toMatch(/check `api-url`/);
    });
  });
});
