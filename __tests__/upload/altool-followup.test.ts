import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AppStoreConnect } from '../../src/asc/client.js';
import { UserError } from '../../src/errors.js';
import { readPackageInfo, type PackageInfo } from '../../src/package/index.js';
import { newState } from '../../src/postprocess/new-state.js';
import { advance } from '../../src/postprocess/engine.js';
import { uploadPackage } from '../../src/upload/index.js';
import type { FakeAsc, TestKey } from '../../test-support/fake-asc/index.js';
import type { RecordingLog } from '../../test-support/log.js';
import { makeIpa } from '../../test-support/packages.js';
import { closeCheckedFake, FAST_RETRY, rejectionOf, startFakeAscWithClient } from '../../test-support/setup.js';
import { installFakeXcrun, type FakeXcrun } from '../../test-support/xcrun/index.js';

/** After altool reports success, Apple's build uploads tell whether it took the file (sources cited in the fake and the code). */
describe('after an altool upload: the build upload Apple lists', () => {
  let dir: string, pkg: PackageInfo, xcrun: FakeXcrun, key: TestKey, fake: FakeAsc, appId: string, asc: AppStoreConnect, log: RecordingLog;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ascp-altool-followup-'));
    pkg = await readPackageInfo(makeIpa({ path: join(dir, 'Example.ipa'), bundleId: 'com.example.app', version: '2.0', buildNumber: '7' }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(async () => {
    xcrun = installFakeXcrun();
    xcrun.activate();
    ({ key, fake, appId, asc, log } = await startFakeAscWithClient({ retry: FAST_RETRY }));
  });
  afterEach(async () => {
    xcrun.restore();
    await closeCheckedFake(fake);
  });

  const upload = () =>
    uploadPackage(
      asc,
      pkg,
      appId,
      { uploadMethod: 'altool', uploadConcurrency: 1, keyId: key.keyId, issuerId: key.issuerId },
      {
        log,
        privateKeyPem: key.privateKeyPem,
        now: Date.now,
      },
    );

  it("reports Apple's daily upload limit (90382, an AWAITING_UPLOAD upload) instead of waiting for a build that never comes", async () => {
    // Another version's upload, and another build number's, must not be taken for this one.
    fake.addBuildUpload({ appId, version: '2.0.0', buildNumber: '7', state: 'PROCESSING' });
    fake.addBuildUpload({
      appId,
      version: '2.0',
      buildNumber: '7',
      state: 'AWAITING_UPLOAD',
      errors: [
        {
          code: 'ITMS-90382',
          description: 'Upload limit reached. The upload limit for your application has been reached. Please wait 1 day and try again.',
        },
      ],
    });
    const error = await rejectionOf(upload());
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toMatch(/^xcrun altool reported success, but Apple refused the upload of Example\.ipa/);
    expect(error.message).toContain('ITMS-90382');
    expect(error.message).toMatch(/daily upload limit.*tomorrow/);
    expect(xcrun.calls()).toHaveLength(1);
  });

  it('follows the build upload altool made (matched exactly), so post-processing reads its state', async () => {
    fake.addBuildUpload({ appId, version: '2.0.0', buildNumber: '7', state: 'PROCESSING' });
    const own = fake.addBuildUpload({ appId, version: '2.0', buildNumber: '7', state: 'AWAITING_UPLOAD' });
    const result = await upload();
    expect(result.buildUploadId).toBe(own.id);

    // The file never reaches Apple: the run says so when find-build-timeout passes, not "not found".
    let now = Date.now();
    const state = newState({
      app: { id: appId, bundleId: 'com.example.app' },
      build: { version: '2.0', buildNumber: '7', platform: 'IOS', buildUploadId: result.buildUploadId },
      uploadedAt: new Date(now),
      findBuildTimeoutMs: 15 * 60_000,
      processingTimeoutMs: 120 * 60_000,
      request: { notes: [], expirePreviousBuilds: false, submitBetaReview: false, betaGroups: [], notifyTesters: false },
    });
    const { error } = await advance(
      state,
      { asc, log, now: () => now, sleep: async (ms) => void (now += ms), pollIntervalMs: 60_000 },
      { wait: true },
    );
    expect(error?.message).toMatch(/find-build-timeout.*AWAITING_UPLOAD: Apple has not received the file/s);
    expect(now - Date.parse(state.uploadedAt)).toBeLessThanOrEqual(16 * 60_000);
  });

  it('with no build upload listed yet, the build is looked up by version and build number as before', async () => {
    const result = await upload();
    expect(result.buildUploadId).toBeUndefined();
    expect(log.infos.join('\n')).toContain('Apple lists no build upload of 2.0 (7) yet');
  });
});
