import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { harness, harnessWithApp, rel } from './helpers.js';

describe('fake App Store Connect: fault injection', () => {
  it('answers 429 with Retry-After and Apple’s body, then normally once consumed', async () => {
    const { fake, api } = await harness();
    fake.faults.inject({ method: 'GET', path: '/v1/apps', kind: '429', times: 2, retryAfterSec: 7 });
    const first = await api('GET', '/v1/apps');
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('7');
    expect(first.body.errors[0]).toMatchObject({
      status: '429',
      code: 'RATE_LIMIT_EXCEEDED',
      title: 'The request rate limit has been reached.',
    });
    expect(fake.faults.pending()).toEqual([expect.objectContaining({ kind: '429', times: 1 })]);
    expect((await api('GET', '/v1/apps')).status).toBe(429);
    expect(fake.faults.pending()).toEqual([]);
    expect((await api('GET', '/v1/apps')).status).toBe(200);
    expect(fake.requests.map((r) => [r.status, r.fault])).toEqual([
      [429, '429'],
      [429, '429'],
      [200, undefined],
    ]);
  });

  it('answers 500, 502 and 503 with Apple-style bodies', async () => {
    const { fake, api } = await harness();
    for (const kind of ['500', '502', '503'] as const) {
      fake.faults.inject({ kind, times: 1 });
      const res = await api('GET', '/v1/apps');
      expect(res.status).toBe(Number(kind));
      expect(res.body.errors[0]).toMatchObject({
        status: kind,
        code: expect.any(String),
        title: expect.any(String),
        detail: expect.any(String),
      });
    }
  });

  it('answers a spurious 401 NOT_AUTHORIZED even to a valid token', async () => {
    const { fake, api } = await harness();
    fake.faults.inject({ kind: '401', times: 1 });
    const res = await api('GET', '/v1/apps');
    expect(res.status).toBe(401);
    expect(res.body.errors[0].code).toBe('NOT_AUTHORIZED');
    expect((await api('GET', '/v1/apps')).status).toBe(200);
  });

  it('resets the connection without an answer', async () => {
    const { fake, api } = await harness();
    fake.faults.inject({ path: /^\/v1\/apps/, kind: 'reset', times: 1 });
    await expect(api('GET', '/v1/apps')).rejects.toThrow();
    expect(fake.requests[0]).toMatchObject({ path: '/v1/apps', status: 0, fault: 'reset' });
    expect((await api('GET', '/v1/apps')).status).toBe(200);
  });

  it('delays a slow answer, then answers normally', async () => {
    const { fake, api } = await harness();
    fake.faults.inject({ kind: 'slow', delayMs: 300, times: 1 });
    const started = performance.now();
    const res = await api('GET', '/v1/apps');
    expect(res.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(fake.requests[0]).toMatchObject({ status: 200, fault: 'slow' });
  });

  it('matches method and path, and applies to upload parts too', async () => {
    const { fake, api, app } = await harnessWithApp({ partSize: 100 });
    fake.faults.inject({ method: 'PUT', path: /^\/upload\//, kind: '503', times: 1 });
    fake.faults.inject({ method: 'POST', path: '/v1/nothing-here', kind: '500', times: 1 });
    const upload = await api('POST', '/v1/buildUploads', {
      data: {
        type: 'buildUploads',
        attributes: { cfBundleShortVersionString: '1.0', cfBundleVersion: '1', platform: 'IOS' },
        relationships: { app: rel('apps', app.id) },
      },
    });
    expect(upload.status).toBe(201);
    const file = await api('POST', '/v1/buildUploadFiles', {
      data: {
        type: 'buildUploadFiles',
        attributes: { fileName: 'App.ipa', fileSize: 100, uti: 'com.apple.ipa', assetType: 'ASSET' },
        relationships: { buildUpload: rel('buildUploads', upload.body.data.id) },
      },
    });
    const op = file.body.data.attributes.uploadOperations[0];
    const send = () => fetch(op.url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: randomBytes(100) });
    expect((await send()).status).toBe(503);
    expect((await send()).status).toBe(200);
    expect(fake.faults.pending()).toEqual([expect.objectContaining({ path: '/v1/nothing-here', times: 1 })]);
    fake.faults.clear();
    expect(fake.faults.pending()).toEqual([]);
  });
});
