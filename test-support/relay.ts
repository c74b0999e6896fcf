/** A relay in front of a fake GitHub, and Apple-like deliveries to send it: for the relay's tests and the benchmark. */
import { request as httpRequest } from 'node:http';
import { randomUUID } from 'node:crypto';
import { startRelayServer, type RelayServer } from '../src/cli/relay-server.js';
import { signBody } from '../src/relay/handler.js';
import type { FakeGitHub } from './fake-github/index.js';

export const RELAY_SECRET = 'relay-test-secret-0123456789abcdefghij';

export function relayEnv(gh: FakeGitHub, extra: Record<string, string> = {}): Record<string, string> {
  return { WEBHOOK_SECRET: RELAY_SECRET, GITHUB_TOKEN: gh.token, GITHUB_REPOSITORY: gh.repository, GITHUB_API_URL: gh.apiUrl, ...extra };
}

export function startTestRelay(gh: FakeGitHub, extra: Record<string, string> = {}, port = 0): Promise<RelayServer> {
  return startRelayServer({ port, env: relayEnv(gh, extra) });
}

/** A delivery document as App Store Connect sends it. */
export function deliveryBody(o: { event?: string; type?: string; id?: string; oldValue?: string; newValue?: string } = {}): string {
  return JSON.stringify({
    data: {
      type: o.event ?? 'buildUploadStateUpdated',
      id: randomUUID(),
      version: 1,
      attributes: { timestamp: new Date().toISOString(), oldValue: o.oldValue ?? 'PROCESSING', newValue: o.newValue ?? 'COMPLETE' },
      relationships: { instance: { data: { type: o.type ?? 'buildUploads', id: o.id ?? randomUUID() } } },
    },
  });
}

/** POSTs `body` signed with `secret` (the relay's unless told); `signature: null` sends none. */
export async function deliver(url: string, body: string, o: { secret?: string; signature?: string | null } = {}): Promise<Response> {
  const signature = o.signature === undefined ? await signBody(o.secret ?? RELAY_SECRET, body) : o.signature;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (signature !== null) headers['x-apple-signature'] = signature;
  return fetch(url, { method: 'POST', headers, body });
}

/** A raw POST of `bytes` bytes in chunks, without Content-Length (chunked) unless `contentLength`; resolves to the status. */
export function rawPost(url: string, bytes: number, o: { contentLength?: number; signature?: string } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-apple-signature': o.signature ?? 'hmacsha256=00' };
    if (o.contentLength !== undefined) headers['content-length'] = String(o.contentLength);
    const req = httpRequest(url, { method: 'POST', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    const chunk = Buffer.alloc(4096, 0x20);
    for (let sent = 0; sent < bytes; sent += chunk.length) req.write(chunk.subarray(0, Math.min(chunk.length, bytes - sent)));
    req.end();
  });
}
