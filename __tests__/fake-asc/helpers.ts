import { afterEach } from 'vitest';
import {
  makeTestKey,
  signTestToken,
  startFakeAsc,
  type FakeAsc,
  type FakeApp,
  type FakeAscOptions,
  type TestKey,
} from '../../test-support/fake-asc/index.js';

/** Parsed App Store Connect JSON, asserted on freely in tests. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface Harness {
  fake: FakeAsc;
  key: TestKey;
  /** The fake's clock; tests move it forward instead of sleeping. */
  clock: { ms: number };
  api: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: Json; headers: Headers }>;
  token: () => Promise<string>;
}

const open: FakeAsc[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((f) => f.close()));
});

/** Starts a fake with one team key and a controllable clock; closed after each test. */
export async function harness(options: Partial<FakeAscOptions> = {}, key: TestKey = makeTestKey()): Promise<Harness> {
  const clock = { ms: Date.UTC(2025, 0, 6, 9, 0, 0) };
  const fake = await startFakeAsc({ keys: [key], now: () => clock.ms, ...options });
  open.push(fake);
  const token = () => signTestToken(key, { nowMs: clock.ms });
  const api: Harness['api'] = async (method, path, body) => {
    const headers: Record<string, string> = { authorization: `Bearer ${await token()}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(path.startsWith('http') ? path : fake.url + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };
  return { fake, key, clock, api, token };
}

/** The same, with one app (com.example.app) already in the account. */
export async function harnessWithApp(options: Partial<FakeAscOptions> = {}): Promise<Harness & { app: FakeApp }> {
  const h = await harness(options);
  return { ...h, app: h.fake.addApp({ bundleId: 'com.example.app' }) };
}

export const rel = (type: string, id: string) => ({ data: { type, id } });
