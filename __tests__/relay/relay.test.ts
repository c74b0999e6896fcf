import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RelayServer } from '../../src/cli/relay-server.js';
import { signBody } from '../../src/relay/handler.js';
import { startFakeGitHub, type FakeGitHub } from '../../test-support/fake-github/index.js';
import { deliver, deliveryBody, rawPost, RELAY_SECRET, startTestRelay } from '../../test-support/relay.js';

/** The relay through its Node adapter: real HTTP on loopback, in front of the fake GitHub. */
describe('webhook relay (Node adapter)', () => {
  let gh: FakeGitHub;
  let relay: RelayServer;

  beforeAll(async () => {
    gh = await startFakeGitHub();
    relay = await startTestRelay(gh);
  });
  afterAll(async () => {
    await relay.close();
    await gh.close();
  });
  afterEach(() => {
    gh.dispatches.list.splice(0);
    gh.faults.clear();
  });

  it('turns a signed delivery into one dispatch with only the event type and the resource', async () => {
    const body = deliveryBody({ event: 'buildUploadStateUpdated', type: 'buildUploads', id: 'b2b8e1c4-0000-4000-8000-000000000001' });
    const response = await deliver(relay.url, body);
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    expect(gh.dispatches.list).toHaveLength(1);
    expect(gh.dispatches.list[0]).toMatchObject({
      eventType: 'app-store-connect',
      clientPayload: {
        event: 'buildUploadStateUpdated',
        resource_type: 'buildUploads',
        resource_id: 'b2b8e1c4-0000-4000-8000-000000000001',
      },
    });
    // Never Apple's body: no state values, no timestamp.
    expect(Object.keys(gh.dispatches.list[0]!.clientPayload).sort()).toEqual(['event', 'resource_id', 'resource_type']);
  });

  it('passes on only fields of a strict form: a resource id that is not one is left out', async () => {
    const response = await deliver(relay.url, deliveryBody({ type: 'appStoreVersions', id: '../../etc/passwd' }));
    expect(response.status).toBe(204);
    expect(gh.dispatches.list[0]!.clientPayload).toEqual({ event: 'buildUploadStateUpdated', resource_type: 'appStoreVersions' });
  });

  it('answers Apple\u2019s ping without a dispatch', async () => {
    const ping = JSON.stringify({
      data: {
        type: 'webhookPingCreated',
        id: 'c0ffee00-0000-4000-8000-000000000000',
        version: 1,
        attributes: { timestamp: new Date().toISOString() },
      },
    });
    const response = await deliver(relay.url, ping);
    expect(response.status).toBe(204);
    expect(gh.dispatches.list).toHaveLength(0);
  });

  it('refuses unsigned, forged and replayed-with-another-body deliveries with a bare 401', async () => {
    const body = deliveryBody();
    const unsigned = await deliver(relay.url, body, { signature: null });
    const forged = await deliver(relay.url, body, { secret: 'another-secret-of-enough-length-0123456789' });
    const malformed = await deliver(relay.url, body, { signature: 'sha256=abc' });
    const replayed = await deliver(relay.url, deliveryBody({ newValue: 'FAILED' }), { signature: await signBody(RELAY_SECRET, body) });
    for (const response of [unsigned, forged, malformed, replayed]) {
      expect(response.status).toBe(401);
      expect(await response.text()).toBe('');
    }
    expect(gh.dispatches.list).toHaveLength(0);
  });

  it('refuses methods other than POST with 405', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const response = await fetch(relay.url, { method, ...(method === 'PUT' ? { body: deliveryBody() } : {}) });
      expect(response.status).toBe(405);
      expect(await response.text()).toBe('');
    }
    expect(gh.dispatches.list).toHaveLength(0);
  });

  it('refuses a body over 64 KiB, by its Content-Length or counted as it streams', async () => {
    const size = 64 * 1024 + 1;
    expect(await rawPost(relay.url, size, { contentLength: size })).toBe(413);
    // No Content-Length (chunked): the relay counts and stops reading at the bound.
    expect(await rawPost(relay.url, size)).toBe(413);
    expect(await rawPost(relay.url, 1024 * 1024)).toBe(413);
    // Exactly at the bound is read (and then refused for its signature).
    expect(await rawPost(relay.url, 64 * 1024)).toBe(401);
    expect(gh.dispatches.list).toHaveLength(0);
  });

  it('answers 5xx when GitHub fails, so Apple delivers again; the retry dispatches once', async () => {
    gh.faults.inject({ method: 'POST', path: `/repos/${gh.repository}/dispatches`, kind: '500', times: 1 });
    const body = deliveryBody();
    const failed = await deliver(relay.url, body);
    expect(failed.status).toBe(502);
    expect(await failed.text()).toBe('');
    expect(gh.dispatches.list).toHaveLength(0);
    expect((await deliver(relay.url, body)).status).toBe(204);
    // A repeat of a notification already dispatched is acknowledged without a second dispatch.
    expect((await deliver(relay.url, body)).status).toBe(204);
    expect(gh.dispatches.list).toHaveLength(1);
  });

  it('answers 502 when GitHub refuses the token, and never shows it', async () => {
    const badToken = await startTestRelay(gh, { GITHUB_TOKEN: 'ghs_notTheRightToken' });
    try {
      const response = await deliver(badToken.url, deliveryBody());
      expect(response.status).toBe(502);
      const seen = `${[...response.headers].join('\n')}\n${await response.text()}`;
      expect(seen).not.toContain('ghs_');
      expect(gh.dispatches.list).toHaveLength(0);
    } finally {
      await badToken.close();
    }
  });

  it('refuses a signed body that is not a delivery document with 400', async () => {
    for (const body of ['not json', '{"data":{"type":"bad type!"}}', '[]']) {
      expect((await deliver(relay.url, body)).status).toBe(400);
    }
    expect(gh.dispatches.list).toHaveLength(0);
  });
});
