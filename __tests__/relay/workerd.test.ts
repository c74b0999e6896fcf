import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from '../../test-support/fake-github/index.js';
import { deliveryBody, relayEnv } from '../../test-support/relay.js';
import { signBody } from '../../src/relay/handler.js';

/**
 * The bundled relay (dist/relay/index.js, the package's `relay` export) in Cloudflare's own runtime,
 * workerd, through miniflare. Skipped, saying why, where miniflare is not installed; MINIFLARE_MODULE may
 * name a copy installed outside the project.
 */
const BUNDLE = resolve(import.meta.dirname, '..', '..', 'dist', 'relay', 'index.js');

interface MiniflareLike {
  dispatchFetch(url: string, init?: { method?: string; headers?: Record<string, string>; body?: string }): Promise<Response>;
  dispose(): Promise<void>;
}
type MiniflareClass = new (options: Record<string, unknown>) => MiniflareLike;

async function loadMiniflare(): Promise<MiniflareClass | string> {
  if (!existsSync(BUNDLE)) return 'dist/relay/index.js is not built (npm run build)';
  try {
    const module = (await import(process.env.MINIFLARE_MODULE ?? 'miniflare')) as { Miniflare: MiniflareClass };
    return module.Miniflare;
  } catch {
    return 'the `miniflare` package is not installed (npm install --save-dev miniflare)';
  }
}

const loaded = await loadMiniflare();
const skip = typeof loaded === 'string' ? loaded : undefined;

describe.skipIf(skip !== undefined)(`webhook relay in workerd${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let gh: FakeGitHub;
  let mf: MiniflareLike;

  beforeAll(async () => {
    gh = await startFakeGitHub();
    mf = new (loaded as MiniflareClass)({ modules: true, scriptPath: BUNDLE, bindings: relayEnv(gh) });
  }, 60_000);
  afterAll(async () => {
    await mf?.dispose();
    await gh?.close();
  });

  it('dispatches a signed delivery, answers a ping, and refuses the rest without a dispatch', async () => {
    const body = deliveryBody({ event: 'appStoreVersionAppVersionStateUpdated', type: 'appStoreVersions', id: '1234567890' });
    const signature = await signBody(relayEnv(gh).WEBHOOK_SECRET!, body);
    const post = (b: string, sig?: string) =>
      mf.dispatchFetch('http://relay.example/', { method: 'POST', body: b, headers: sig ? { 'x-apple-signature': sig } : {} });

    expect((await mf.dispatchFetch('http://relay.example/')).status).toBe(405);
    expect((await post(body)).status).toBe(401);
    expect((await post(deliveryBody(), signature)).status).toBe(401);
    expect((await post('x'.repeat(64 * 1024 + 1), signature)).status).toBe(413);
    const ping = JSON.stringify({ data: { type: 'webhookPingCreated', id: 'p1', attributes: {} } });
    expect((await post(ping, await signBody(relayEnv(gh).WEBHOOK_SECRET!, ping))).status).toBe(204);
    expect(gh.dispatches.list).toHaveLength(0);

    expect((await post(body, signature)).status).toBe(204);
    expect(gh.dispatches.list.map((d) => d.clientPayload)).toEqual([
      { event: 'appStoreVersionAppVersionStateUpdated', resource_type: 'appStoreVersions', resource_id: '1234567890' },
    ]);
  }, 60_000);
});
