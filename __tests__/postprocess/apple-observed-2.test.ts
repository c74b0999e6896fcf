import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeAsc, TestKey } from '../../test-support/fake-asc/index.js';
import { recordingRuntime } from '../../test-support/log.js';
import { makeIpa } from '../../test-support/packages.js';
import { makePackages, packageInfo, xcodeDistribution } from '../package/fixtures.js';
import {
  ascInputs,
  closeCheckedFake,
  runWithInputs,
  startOnSimulatedClock,
  tempWorkspace,
  type SimulatedClock,
} from '../../test-support/setup.js';

const MINUTE = 60_000;

/** Post-processing and the preflight against the Apple of the 2026 reports (sources cited in the fake). */
describe('Apple as observed, round 2', () => {
  let key: TestKey, fake: FakeAsc, clock: SimulatedClock, appId: string, dir: string;

  beforeEach(async () => {
    ({ key, fake, appId, clock } = await startOnSimulatedClock({
      fake: { partSize: 64 * 1024, timing: { uploadProcessingMs: MINUTE, buildProcessingMs: 2 * MINUTE } },
      betaReviewReady: true,
    }));
    dir = tempWorkspace('ascp-observed2-');
  });
  afterEach(() => closeCheckedFake(fake));

  const deps = () => ({ ...clock, retry: { attempts: 4, baseDelayMs: 10, maxDelayMs: 50 } });
  const publish = (extra: Record<string, string> = {}, runtime = recordingRuntime()) =>
    runWithInputs(
      {
        ...ascInputs(key, fake),
        command: 'publish',
        path: '*.ipa',
        'poll-interval': '30',
        'find-build-timeout': '15',
        'processing-timeout': '120',
        'uses-non-exempt-encryption': 'false',
        ...extra,
      },
      deps(),
      runtime,
    );
  const ipa = (version = '2.0', buildNumber = '7') =>
    makeIpa({ path: join(dir, 'Example.ipa'), bundleId: 'com.example.app', version, buildNumber, payloadBytes: 10_000 });

  describe('slow uploads', () => {
    it('the upload stays PROCESSING for longer than find-build-timeout while its build is processed: publish completes', async () => {
      fake.timing = { ...fake.timing, uploadStateLagMs: 60 * MINUTE, buildProcessingMs: 20 * MINUTE };
      ipa();
      const { error, runtime } = await publish();
      expect(error).toBeUndefined();
      expect(runtime.outputs['post-processing']).toBe('completed');
      const upload = fake.resources('buildUploads')[0];
      // Apple's bookkeeping was still under way when the run finished, well past the 15 minutes.
      expect(upload.attributes.state.state).toBe('PROCESSING');
      expect(runtime.log.infos.join('\n')).toMatch(/Upload accepted by Apple: build \S+ made \(build upload processing\)/);
    });

    it('an upload still PROCESSING with no build yet is waited for past find-build-timeout, within processing-timeout', async () => {
      fake.timing = { ...fake.timing, uploadProcessingMs: 25 * MINUTE };
      ipa();
      const { error, runtime } = await publish();
      expect(error).toBeUndefined();
      expect(runtime.outputs['post-processing']).toBe('completed');
    });
  });

  describe('transient 404s', () => {
    it('reads of build uploads that answer 404 for a moment (the duplicate check before the upload) are retried and the publish completes', async () => {
      ipa();
      // The first read of the app's build uploads is the duplicate check before the upload.
      fake.quirks.buildUploadNotFound = 2;
      const first = await publish();
      expect(first.error).toBeUndefined();
      const reads = fake.requests.filter((r) => r.method === 'GET' && /buildUploads/.test(r.path));
      expect(reads.filter((r) => r.status === 404)).toHaveLength(2);
      expect(first.runtime.outputs['post-processing']).toBe('completed');
    });

    it('a 404 that persists is believed after a bounded number of reads', async () => {
      ipa();
      fake.quirks.buildUploadNotFound = 1000;
      const { error } = await publish();
      expect(error?.message).toMatch(/404/);
      const reads = fake.requests.filter((r) => r.method === 'GET' && /buildUploads/.test(r.path));
      expect(reads.length).toBeLessThanOrEqual(4);
    });
  });

  describe('a lost commit answer', () => {
    it('reads back AWAITING_UPLOAD for a few seconds: polled, not sent again, and the publish completes', async () => {
      ipa();
      fake.quirks.commitReadBackLagMs = 20_000;
      fake.faults.inject({ method: 'PATCH', path: /^\/v1\/buildUploadFiles\//, kind: 'lost', times: 1 });
      const { error, runtime } = await publish();
      expect(error).toBeUndefined();
      expect(runtime.outputs['post-processing']).toBe('completed');
      expect(fake.requests.filter((r) => r.method === 'PATCH' && r.path.startsWith('/v1/buildUploadFiles/'))).toHaveLength(1);
    });
  });

  describe('closed version trains', () => {
    it('a TestFlight publish of a version at or below an approved or live one stops before the upload, naming `app-version`', async () => {
      fake.appStore.addVersion({ appId, versionString: '2.0.1', state: 'PENDING_DEVELOPER_RELEASE' });
      ipa('2.0');
      const { error } = await publish();
      expect(error?.message).toMatch(/^Input `app-version`: .*2\.0.*2\.0\.1 \(PENDING_DEVELOPER_RELEASE\).*raise it above 2\.0\.1/s);
      expect(fake.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    });

    it('a version being prepared or rejected does not close the train; a higher version passes', async () => {
      fake.appStore.addVersion({ appId, versionString: '1.9', state: 'READY_FOR_SALE' });
      fake.appStore.addVersion({ appId, versionString: '2.0', state: 'REJECTED' });
      ipa('2.0');
      const { error, runtime } = await publish();
      expect(error).toBeUndefined();
      expect(runtime.outputs['post-processing']).toBe('completed');
    });

    it("Apple's ITMS-90186 on a FAILED upload is told as a closed train: raise `app-version`", async () => {
      fake.failNextUpload({
        errors: [
          { code: 'ITMS-90186', description: "Invalid Pre-Release Train. The train version '2.0' is closed for new build submissions" },
        ],
      });
      ipa('2.0');
      const { error } = await publish();
      expect(error?.message).toMatch(/ITMS-90186.*Raise `app-version`/s);
      expect(error?.message).not.toMatch(/new build number\./);
    });
  });

  describe('versions matched exactly', () => {
    it('expire-previous-builds expires only the builds of its own train, not 2.0.0 returned by a loose filter', async () => {
      fake.quirks.looseVersionFilter = true;
      const same = fake.addBuild({ appId, version: '2.0', buildNumber: '5', usesNonExemptEncryption: false });
      const near = fake.addBuild({ appId, version: '2.0.0', buildNumber: '3', usesNonExemptEncryption: false });
      ipa('2.0', '7');
      const { error } = await publish({ 'expire-previous-builds': 'true' });
      expect(error).toBeUndefined();
      expect(fake.resource('builds', same.id).attributes.expired).toBe(true);
      expect(fake.resource('builds', near.id).attributes.expired).toBe(false);
    });

    it('the duplicate check is not misled by a build of the 2.0.0 train with the same number', async () => {
      fake.quirks.looseVersionFilter = true;
      fake.addBuild({ appId, version: '2.0.0', buildNumber: '7' });
      ipa('2.0', '7');
      const { error, runtime } = await publish();
      expect(error).toBeUndefined();
      expect(runtime.outputs['post-processing']).toBe('completed');
    });

    it('distribute of 2.0 (7) finds the build of the 2.0 train, not the 2.0.0 build listed first', async () => {
      fake.quirks.looseVersionFilter = true;
      const own = fake.addBuild({ appId, version: '2.0', buildNumber: '7', usesNonExemptEncryption: false });
      fake.addBuild({
        appId,
        version: '2.0.0',
        buildNumber: '7',
        usesNonExemptEncryption: false,
        uploadedDate: new Date(clock.now() + 1000).toISOString(),
      });
      const { error, runtime } = await runWithInputs(
        { ...ascInputs(key, fake), command: 'distribute', 'bundle-id': 'com.example.app', 'app-version': '2.0', 'build-number': '7' },
        deps(),
      );
      expect(error).toBeUndefined();
      expect(runtime.outputs['build-id']).toBe(own.id);
    });
  });

  describe('macOS build numbers', () => {
    const pkg = (version: string, build: string) =>
      makePackages([
        {
          kind: 'pkg',
          path: join(dir, 'Example.pkg'),
          files: [
            { name: 'Distribution', text: xcodeDistribution({ id: 'com.example.app', version, build }) },
            {
              name: 'com.example.app.pkg',
              files: [
                { name: 'PackageInfo', text: packageInfo({ id: 'com.example.app', version, build }) },
                { name: 'Payload', text: 'x'.repeat(10_000), encoding: 'none' },
              ],
            },
          ],
        },
      ]);

    it('a build number not above every earlier upload of the app, across versions, stops before the upload, naming the highest', async () => {
      fake.addBuild({ appId, version: '1.0', buildNumber: '12', platform: 'MAC_OS' });
      pkg('2.0', '9');
      const { error } = await publish({ path: '*.pkg' });
      expect(error?.message).toMatch(/build number 9 .*12.*higher/is);
      expect(fake.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    });

    it('latest-build-number for MAC_OS gives the highest across versions', async () => {
      fake.addBuild({ appId, version: '1.0', buildNumber: '12', platform: 'MAC_OS' });
      fake.addBuild({ appId, version: '2.0', buildNumber: '3', platform: 'MAC_OS' });
      fake.addBuild({ appId, version: '2.0', buildNumber: '40', platform: 'IOS' });
      const { error, runtime } = await runWithInputs(
        {
          ...ascInputs(key, fake),
          command: 'latest-build-number',
          'bundle-id': 'com.example.app',
          'app-version': '2.0',
          platform: 'MAC_OS',
        },
        deps(),
      );
      expect(error).toBeUndefined();
      expect(runtime.outputs).toMatchObject({ 'latest-build-number': '12', 'next-build-number': '13' });
    });
  });
});
