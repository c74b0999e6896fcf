import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { makeTestKey, signTestToken, type TestKey } from '../../test-support/fake-asc/index.js';
import { harness, type Harness, type Json } from './helpers.js';

async function get(h: Harness, token: string | undefined): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${h.fake.url}/v1/apps`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.json() };
}

describe('fake App Store Connect: JWT auth', () => {
  it('accepts a team key token and records its claims', async () => {
    const h = await harness();
    const res = await get(h, await h.token());
    expect(res.status).toBe(200);
    expect(h.fake.tokens).toHaveLength(1);
    expect(h.fake.tokens[0]).toMatchObject({ iss: h.key.issuerId, aud: 'appstoreconnect-v1' });
    expect(h.fake.tokens[0]).not.toHaveProperty('sub');
    expect(h.fake.requests[0]!.headers.authorization).toBe('[redacted]');
  });

  it('accepts an individual key token (sub "user", no iss) and refuses team claims for it', async () => {
    const key = makeTestKey({ individual: true });
    const h = await harness({}, key);
    expect((await get(h, await signTestToken(key, { nowMs: h.clock.ms }))).status).toBe(200);
    expect(h.fake.tokens[0]).toMatchObject({ sub: 'user' });
    expect(h.fake.tokens[0]).not.toHaveProperty('iss');
    expect((await get(h, await signTestToken(key, { nowMs: h.clock.ms, claims: { iss: 'some-issuer' } }))).status).toBe(401);
    expect((await get(h, await signTestToken(key, { nowMs: h.clock.ms, claims: { sub: undefined } }))).status).toBe(401);
  });

  const rejected: Array<[string, (h: Harness) => Promise<string | undefined>]> = [
    ['no token', async () => undefined],
    ['a malformed token', async () => 'not-a-jwt'],
    [
      'a bad signature (another key, same kid)',
      async (h) => signTestToken({ ...makeTestKey(), keyId: h.key.keyId, issuerId: h.key.issuerId }, { nowMs: h.clock.ms }),
    ],
    ['an unknown kid', async (h) => signTestToken(h.key, { nowMs: h.clock.ms, header: { kid: 'ZZZZZZZZZZ' } })],
    ['no kid', async (h) => signTestToken(h.key, { nowMs: h.clock.ms, header: { kid: undefined } })],
    ['typ other than JWT', async (h) => signTestToken(h.key, { nowMs: h.clock.ms, header: { typ: 'at+jwt' } })],
    [
      'a lifetime over 20 minutes',
      async (h) => signTestToken(h.key, { nowMs: h.clock.ms, claims: { exp: Math.floor(h.clock.ms / 1000) + 1201 } }),
    ],
    ['an expired token', async (h) => signTestToken(h.key, { nowMs: h.clock.ms - 16 * 60_000 })],
    ['iat more than a minute in the future', async (h) => signTestToken(h.key, { nowMs: h.clock.ms + 2 * 60_000 })],
    ['the wrong aud', async (h) => signTestToken(h.key, { nowMs: h.clock.ms, claims: { aud: 'appstoreconnect-v2' } })],
    ['no iat', async (h) => signTestToken(h.key, { nowMs: h.clock.ms, claims: { iat: undefined } })],
    ['the wrong iss', async (h) => signTestToken(h.key, { nowMs: h.clock.ms, claims: { iss: 'another-issuer' } })],
    ['sub on a team key', async (h) => signTestToken(h.key, { nowMs: h.clock.ms, claims: { sub: 'user' } })],
    [
      'HS256',
      async (h) =>
        new SignJWT({
          iss: h.key.issuerId,
          aud: 'appstoreconnect-v1',
          iat: Math.floor(h.clock.ms / 1000),
          exp: Math.floor(h.clock.ms / 1000) + 600,
        })
          .setProtectedHeader({ alg: 'HS256', kid: h.key.keyId, typ: 'JWT' })
          .sign(new Uint8Array(32)),
    ],
  ];
  for (const [what, make] of rejected) {
    it(`refuses ${what} with Apple's NOT_AUTHORIZED`, async () => {
      const h = await harness();
      const res = await get(h, await make(h));
      expect(res.status).toBe(401);
      expect(res.body.errors[0]).toMatchObject({
        status: '401',
        code: 'NOT_AUTHORIZED',
        title: 'Authentication credentials are missing or invalid.',
      });
      expect(res.body.errors[0].detail).toContain('https://developer.apple.com/go/?id=api-generating-tokens');
    });
  }

  it('judges expiry by the fake clock, not the wall clock', async () => {
    const h = await harness();
    const token = await h.token();
    expect((await get(h, token)).status).toBe(200);
    h.clock.ms += 14 * 60_000;
    expect((await get(h, token)).status).toBe(200);
    h.clock.ms += 2 * 60_000;
    expect((await get(h, token)).status).toBe(401);
  });

  it('accepts any of several keys', async () => {
    const other: TestKey = makeTestKey();
    const h = await harness({ keys: [makeTestKey(), other] });
    expect((await get(h, await signTestToken(other, { nowMs: h.clock.ms }))).status).toBe(200);
  });
});

describe('fake App Store Connect: rate limit', () => {
  it('counts down X-Rate-Limit per key, answers 429 when spent, and refills after an hour', async () => {
    const h = await harness({ rateLimitPerHour: 3 });
    const rems: string[] = [];
    for (let i = 0; i < 3; i++) rems.push((await h.api('GET', '/v1/apps')).headers.get('x-rate-limit')!);
    expect(rems).toEqual(['user-hour-lim:3;user-hour-rem:2;', 'user-hour-lim:3;user-hour-rem:1;', 'user-hour-lim:3;user-hour-rem:0;']);
    const spent = await h.api('GET', '/v1/apps');
    expect(spent.status).toBe(429);
    expect(spent.body.errors[0].code).toBe('RATE_LIMIT_EXCEEDED');
    h.clock.ms += 3_600_000;
    const again = await h.api('GET', '/v1/apps');
    expect(again.status).toBe(200);
    expect(again.headers.get('x-rate-limit')).toBe('user-hour-lim:3;user-hour-rem:2;');
  });

  it('starts at Apple’s 3500 an hour', async () => {
    const h = await harness();
    expect((await h.api('GET', '/v1/apps')).headers.get('x-rate-limit')).toBe('user-hour-lim:3500;user-hour-rem:3499;');
  });
});
