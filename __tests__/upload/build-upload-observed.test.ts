import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AppStoreConnect } from '../../src/asc/client.js';
import { UserError } from '../../src/errors.js';
import { readPackageInfo, type PackageInfo } from '../../src/package/index.js';
import { uploadWithBuildUploadApi } from '../../src/upload/build-upload-api.js';
import type { FakeAsc, TestKey } from '../../test-support/fake-asc/index.js';
import type { RecordingLog } from '../../test-support/log.js';
import { makeIpa } from '../../test-support/packages.js';
import {
  FAST_RETRY,
  INSTANT_PROCESSING,
  closeCheckedFake,
  connectTo,
  startFakeAscWithApp,
  startFakeAscWithClient,
} from '../../test-support/setup.js';

/** The Build Upload API as Apple behaves in practice: the commit, lost answers, Apple's checksums, access. */
describe('Build Upload API, Apple as observed', () => {
  let dir: string, ipa: PackageInfo, key: TestKey, fake: FakeAsc, appId: string, log: RecordingLog, asc: AppStoreConnect;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ascp-upload-observed-'));
    ipa = await readPackageInfo(
      makeIpa({ path: join(dir, 'Example.ipa'), bundleId: 'com.example.app', version: '1.4.2', buildNumber: '42', payloadBytes: 300_000 }),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(async () => {
    ({ key, fake, appId, asc, log } = await startFakeAscWithClient({ fake: INSTANT_PROCESSING, retry: FAST_RETRY }));
  });
  afterEach(() => closeCheckedFake(fake));

  const upload = () => uploadWithBuildUploadApi(asc, ipa, appId, { concurrency: 4, log, partRetry: FAST_RETRY });
  const writes = () =>
    fake.requests
      .filter((r) => r.method !== 'GET' && r.path.startsWith('/v1/'))
      .map((r) => `${r.method} ${r.path.split('/')[2]} ${r.status}`);

  it('a commit whose answer was lost is read back from assetDeliveryState, never sent twice', async () => {
    fake.faults.inject({ method: 'PATCH', path: /^\/v1\/buildUploadFiles\//, kind: 'lost', times: 1 });
    const result = await upload();
    expect(writes()).toEqual(['POST buildUploads 201', 'POST buildUploadFiles 201', 'PATCH buildUploadFiles 200']);
    expect(fake.requests.filter((r) => r.method === 'PATCH').map((r) => r.body)).toEqual([
      { data: { type: 'buildUploadFiles', id: expect.any(String), attributes: { uploaded: true } } },
    ]);
    expect(fake.resource('buildUploads', result.buildUploadId!).attributes.state.state).toBe('COMPLETE');
  });

  it('a file reservation whose answer was lost is read back: no second reservation', async () => {
    fake.faults.inject({ method: 'POST', path: '/v1/buildUploadFiles', kind: 'lost', times: 1 });
    await upload();
    expect(writes()).toEqual(['POST buildUploads 201', 'POST buildUploadFiles 201', 'PATCH buildUploadFiles 200']);
    expect(fake.resources('buildUploadFiles')).toHaveLength(1);
  });

  it('checks the file against the checksum Apple reports, and fails clearly when they differ', async () => {
    fake.quirks.reportChecksums = { algorithm: 'SHA_256' };
    await expect(upload()).resolves.toMatchObject({ method: 'api' });
    fake.quirks.reportChecksums = { algorithm: 'MD5', tamper: true };
    await fake.close();
    ({ fake, appId } = await startFakeAscWithApp({
      key,
      fake: INSTANT_PROCESSING,
      app: { bundleId: 'com.example.app' },
    }));
    fake.quirks.reportChecksums = { algorithm: 'MD5', tamper: true };
    asc = connectTo(fake, key, { log, retry: FAST_RETRY });
    const error = await upload().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(
      /^Apple reports the MD5 checksum [0-9a-f]{32} for the Example\.ipa it received, but the file's is [0-9a-f]{32}/,
    );
  });

  it('a key without access to the app: the 409 is explained (Users and Access), nothing sent', async () => {
    fake.quirks.noUploadAccess.add(appId);
    const error = await upload().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toContain('ENTITY_ERROR.RELATIONSHIP.INVALID');
    expect((error as Error).message).toContain(
      `This API key cannot access app ${appId}: give it access in App Store Connect → Users and Access`,
    );
    expect(fake.requests.some((r) => r.path.startsWith('/upload/'))).toBe(false);
  });

  it('a 409 on creating the build upload for a number another tool is uploading is a duplicate, not taken over', async () => {
    // Another tool's upload of the same build, its file reserved and on its way.
    const theirs = await asc.buildUploads.create(
      appId,
      { version: '1.4.2', buildNumber: '42', platform: 'IOS' },
      { fileName: 'Other.ipa', fileSize: 5, uti: 'com.apple.ipa' },
    );
    await asc.buildUploads.reserveFile(theirs.id, { fileName: 'Other.ipa', fileSize: 5, uti: 'com.apple.ipa' });
    const error = await upload().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(
      /Build number 42 of version 1\.4\.2 \(IOS\) is already used: another run or tool uploaded it meanwhile/,
    );
    expect(fake.resources('buildUploads').map((u) => u.id)).toEqual([theirs.id]);
  });

  it('a build upload of ours left with its file reserved by an interrupted run is deleted and made again', async () => {
    const packageFile = { fileName: ipa.fileName, fileSize: ipa.size, uti: ipa.uti };
    const stale = await asc.buildUploads.create(appId, { version: '1.4.2', buildNumber: '42', platform: 'IOS' }, packageFile);
    await asc.buildUploads.reserveFile(stale.id, packageFile);
    const result = await upload();
    expect(result.buildUploadId).not.toBe(stale.id);
    expect(fake.resources('buildUploads').map((u) => u.id)).toEqual([result.buildUploadId]);
    expect(log.infos.join('\n')).toMatch(/left waiting for Example\.ipa by an interrupted run: deleting it and starting again/);
  });
});
