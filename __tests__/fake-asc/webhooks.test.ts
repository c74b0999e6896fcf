import { createServer } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppStoreConnect } from '../../src/asc/client.js';
import { verifySignature } from '../../src/relay/signature.js';
import type { FakeAsc } from '../../test-support/fake-asc/index.js';
import { listenOnLoopback, readBody } from '../../test-support/loopback.js';
import { closeCheckedFake, startFakeAscWithClient } from '../../test-support/setup.js';

const SECRET = 'fake-webhook-secret-0123456789abcdefgh';

/** The fake's webhooks: Apple's API, and signed deliveries of watched state changes, retried on failure. */
describe('fake App Store Connect webhooks', () => {
  let fake: FakeAsc, asc: AppStoreConnect, appId: string;
  const received: Array<{ body: Buffer; signature: string | undefined }> = [];
  let answers: number[] = [];
  const receiver = createServer(async (req, res) => {
    received.push({ body: await readBody(req), signature: req.headers['x-apple-signature'] as string | undefined });
    res.writeHead(answers.shift() ?? 204).end();
  });
  let url = '';

  beforeEach(async () => {
    ({ fake, asc, appId } = await startFakeAscWithClient());
    url = `${await listenOnLoopback(receiver)}/hook`;
    received.splice(0);
    answers = [];
  });
  afterEach(async () => {
    await closeCheckedFake(fake);
    await new Promise<void>((done) => receiver.close(() => done()));
  });

  it("POSTs each watched change signed with the webhook's secret, and delivers again after a failure", async () => {
    const hook = await asc.webhooks.create(appId, {
      name: 'relay',
      url,
      secret: SECRET,
      eventTypes: ['BUILD_BETA_DETAIL_EXTERNAL_BUILD_STATE_UPDATED'],
    });
    const build = fake.addBuild({ appId, version: '1.0', buildNumber: '5', processingState: 'PROCESSING' });
    fake.webhooks.scan(); // the build as first seen: no change yet
    answers = [500];
    fake.setBuildProcessingState(build.id, 'VALID');
    fake.webhooks.scan();
    await fake.webhooks.settled();

    expect(received).toHaveLength(2); // the 500, then the delivery again
    expect(received[0]!.body.equals(received[1]!.body)).toBe(true);
    for (const r of received) expect(await verifySignature(SECRET, new Uint8Array(r.body), r.signature ?? null)).toBe(true);
    expect(JSON.parse(received[0]!.body.toString())).toMatchObject({
      data: {
        type: 'buildBetaDetailExternalBuildStateUpdated',
        attributes: { oldValue: 'PROCESSING', newValue: 'MISSING_EXPORT_COMPLIANCE' },
        relationships: { instance: { data: { type: 'buildBetaDetails', id: build.id } } },
      },
    });
    expect(fake.webhooks.sent.map((d) => [d.eventType, d.attempts, d.state])).toEqual([
      ['BUILD_BETA_DETAIL_EXTERNAL_BUILD_STATE_UPDATED', [500, 204], 'SUCCEEDED'],
    ]);

    // A ping, and Apple's delivery log of both.
    await asc.webhookPings.send(hook.id);
    await fake.webhooks.settled();
    const pings = await asc.webhookDeliveries.pings(hook.id, new Date(Date.now() - 60_000));
    expect(pings).toHaveLength(1);
    expect(pings[0]!.attributes).toMatchObject({ deliveryState: 'SUCCEEDED', response: { httpStatusCode: 204 } });
    expect(JSON.parse(received[2]!.body.toString()).data.type).toBe('webhookPingCreated');
  });

  it('sends nothing for events a webhook does not watch, or for another app', async () => {
    await asc.webhooks.create(appId, { name: 'relay', url, secret: SECRET, eventTypes: ['APP_STORE_VERSION_APP_VERSION_STATE_UPDATED'] });
    const other = fake.addApp({ bundleId: 'com.example.other' });
    const build = fake.addBuild({ appId: other.id, version: '1.0', buildNumber: '6', processingState: 'PROCESSING' });
    fake.webhooks.scan();
    fake.setBuildProcessingState(build.id, 'VALID');
    fake.webhooks.scan();
    await fake.webhooks.settled();
    expect(received).toHaveLength(0);
    expect(fake.webhooks.sent).toHaveLength(0);
  });
});
