import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppStoreConnect } from '../../src/asc/client.js';
import { AscApiError } from '../../src/asc/errors.js';
import { UserError } from '../../src/errors.js';
import { makeTestKey, type FakeAsc } from '../../test-support/fake-asc/index.js';
import { recordingLog } from '../../test-support/log.js';
import { closeCheckedFake, connectTo, FAST_RETRY, startFakeAscWithClient } from '../../test-support/setup.js';

const TARGET = { version: '1.4.2', buildNumber: '42', platform: 'IOS' } as const;
const FILE = { fileName: 'Example.ipa', fileSize: 300_000, uti: 'com.apple.ipa' } as const;

/** A 409 creating a build upload: which code it carries decides what is read and what is said. */
describe('creating a build upload refused with a 409', () => {
  let fake: FakeAsc, appId: string, asc: AppStoreConnect;

  beforeEach(async () => {
    ({ fake, appId, asc } = await startFakeAscWithClient({ retry: FAST_RETRY }));
  });
  afterEach(() => closeCheckedFake(fake));

  const reads = (path: RegExp) => fake.requests.filter((r) => r.method === 'GET' && path.test(r.path)).length;

  it('as a duplicate of another tool’s upload in flight: the waiting uploads and their files are read once, then "already used"', async () => {
    const theirs = await asc.buildUploads.create(appId, TARGET, { fileName: 'Other.ipa', fileSize: 5, uti: 'com.apple.ipa' });
    await asc.buildUploads.reserveFile(theirs.id, { fileName: 'Other.ipa', fileSize: 5, uti: 'com.apple.ipa' });
    const before = fake.requests.length;
    const error = await asc.buildUploads.create(appId, TARGET, FILE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toContain('ENTITY_ERROR.ATTRIBUTE.INVALID.DUPLICATE');
    expect((error as Error).message).toMatch(/Build number 42 of version 1\.4\.2 \(IOS\) is already used/);
    const later = fake.requests.slice(before).filter((r) => r.method === 'GET');
    expect(later.filter((r) => r.path === `/v1/apps/${appId}/buildUploads`)).toHaveLength(1);
    expect(later.filter((r) => r.path === `/v1/buildUploads/${theirs.id}/buildUploadFiles`)).toHaveLength(1);
    expect(fake.resources('buildUploads').map((u) => u.id)).toEqual([theirs.id]);
  });

  it('as a duplicate of an upload still waiting for its file: that upload is taken over after one read', async () => {
    const waiting = await asc.buildUploads.create(appId, TARGET, FILE);
    const taken = await asc.buildUploads.create(appId, TARGET, FILE);
    expect(taken.id).toBe(waiting.id);
    expect(reads(/^\/v1\/apps\/[^/]+\/buildUploads$/)).toBe(1);
    expect(fake.resources('buildUploads')).toHaveLength(1);
  });

  describe('with another code', () => {
    let server: Server, url: string;
    const seen: string[] = [];
    beforeEach(async () => {
      seen.length = 0;
      server = createServer((req, res) => {
        seen.push(`${req.method} ${req.url}`);
        res.writeHead(409, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            errors: [
              {
                status: '409',
                code: 'ENTITY_ERROR.ATTRIBUTE.INVALID',
                title: 'An attribute value is invalid.',
                detail: 'The platform IOS is not available for this app.',
                source: { pointer: '/data/attributes/platform' },
              },
            ],
          }),
        );
      });
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterEach(() => new Promise<void>((done) => server.close(() => done())));

    it("is Apple's refusal as Apple words it, not a duplicate build number, and nothing is read back", async () => {
      const client = connectTo({ url }, makeTestKey(), { log: recordingLog(), retry: FAST_RETRY });
      const error = await client.buildUploads.create('app-1', TARGET, FILE).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AscApiError);
      expect((error as AscApiError).status).toBe(409);
      expect((error as Error).message).toContain(
        'ENTITY_ERROR.ATTRIBUTE.INVALID: An attribute value is invalid. — The platform IOS is not available for this app. (at /data/attributes/platform)',
      );
      expect((error as Error).message).not.toMatch(/already used/);
      expect(seen).toEqual(['POST /v1/buildUploads']);
    });
  });
});
