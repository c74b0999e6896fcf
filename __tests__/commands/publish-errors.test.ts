import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readPackageInfo } from '../../src/package/index.js';
import { uploadWithBuildUploadApi } from '../../src/upload/build-upload-api.js';
import type { FakeAsc, TestKey } from '../../test-support/fake-asc/index.js';
import { recordingLog } from '../../test-support/log.js';
import { makeIpa } from '../../test-support/packages.js';
import { closeCheckedFake, connectTo, publishInputs, runWithInputs, startFakeAscWithApp, tempWorkspace } from '../../test-support/setup.js';

const writes = (fake: FakeAsc) => fake.requests.filter((r) => r.method !== 'GET');
const uploadedParts = (fake: FakeAsc) => fake.requests.filter((r) => r.path.startsWith('/upload/'));

describe('publish refuses early, before uploading a byte', () => {
  let key: TestKey, fake: FakeAsc, dir: string, appId: string;

  beforeEach(async () => {
    ({ key, fake, appId } = await startFakeAscWithApp({
      fake: { partSize: 64 * 1024, timing: { uploadProcessingMs: 20, buildProcessingMs: 20 } },
    }));
    dir = tempWorkspace('ascp-publish-errors-');
  });
  afterEach(async () => {
    await closeCheckedFake(fake);
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (extra: Record<string, string> = {}) => runWithInputs(publishInputs(key, fake, { 'post-processing': 'off', ...extra }));

  /** An API upload done by hand, as another run would have done it. */
  const uploadDirectly = async (path: string) => {
    const log = recordingLog();
    const asc = connectTo(fake, key, { log });
    return uploadWithBuildUploadApi(asc, await readPackageInfo(path), appId, { concurrency: 2, log });
  };

  describe('a build number already used for the version', () => {
    it('by a build: names the next number, writes nothing', async () => {
      fake.addBuild({ appId, version: '1.4.2', buildNumber: '42' });
      fake.addBuild({ appId, version: '1.4.2', buildNumber: '50' });
      fake.addBuild({ appId, version: '1.4.2', buildNumber: '7', platform: 'TV_OS' });
      fake.addBuild({ appId, version: '2.0', buildNumber: '99' });
      makeIpa({ path: join(dir, 'Example.ipa'), version: '1.4.2', buildNumber: '42', payloadBytes: 100_000 });
      const { error } = await run();
      expect(error?.message).toMatch(/^Build number 42 is already used for com\.example\.app version 1\.4\.2 \(iOS\)/);
      expect(error?.message).toContain('CFBundleVersion 51 (or higher)');
      expect(error?.message).toContain('`build-number`');
      expect(error?.message).toContain('Nothing was uploaded.');
      expect(writes(fake)).toEqual([]);
    });

    it('by a build upload still in flight: the same refusal', async () => {
      fake.timing = { ...fake.timing, uploadProcessingMs: 60_000 };
      const first = makeIpa({ path: join(dir, 'First.ipa'), version: '1.4.2', buildNumber: '42', payloadBytes: 100_000 });
      await uploadDirectly(first);
      expect(fake.resources('buildUploads')[0].attributes.state.state).toBe('PROCESSING');
      rmSync(first);
      const before = fake.requests.length;
      makeIpa({ path: join(dir, 'Example.ipa'), version: '1.4.2', buildNumber: '42', payloadBytes: 100_000 });
      const { error } = await run();
      expect(error?.message).toMatch(/^Build number 42 is already used for com\.example\.app version 1\.4\.2 \(iOS\).*CFBundleVersion 43/s);
      expect(fake.requests.slice(before).filter((r) => r.method !== 'GET')).toEqual([]);
    });

    it('only by a build upload Apple FAILED: allowed, and uploaded', async () => {
      fake.failNextUpload({ errors: [{ code: '90062', description: 'Invalid binary.' }] });
      const first = makeIpa({ path: join(dir, 'First.ipa'), version: '1.4.2', buildNumber: '42', payloadBytes: 100_000 });
      await uploadDirectly(first);
      await new Promise((r) => setTimeout(r, 50));
      expect(fake.resources('buildUploads')[0].attributes.state.state).toBe('FAILED');
      rmSync(first);
      makeIpa({ path: join(dir, 'Example.ipa'), version: '1.4.2', buildNumber: '42', payloadBytes: 100_000 });
      const { error, runtime } = await run();
      expect(error).toBeUndefined();
      expect(runtime.outputs['post-processing']).toBe('skipped');
      const uploads = fake.resources('buildUploads');
      expect(uploads).toHaveLength(2);
      expect(runtime.outputs['build-upload-id']).toBe(uploads[1].id);
    });

    it('by a build upload waiting for its file (a run that stopped before sending it): taken over, and the upload completes', async () => {
      // What a run leaves behind when it stops between creating the build upload and sending the file.
      const log = recordingLog();
      const asc = connectTo(fake, key, { log });
      const stale = await asc.buildUploads.create(
        appId,
        { version: '1.4.2', buildNumber: '42', platform: 'IOS' },
        { fileName: 'Example.ipa', fileSize: 1, uti: 'com.apple.ipa' },
      );
      makeIpa({ path: join(dir, 'Example.ipa'), version: '1.4.2', buildNumber: '42', payloadBytes: 100_000 });
      const { error, runtime } = await run();
      expect(error).toBeUndefined();
      expect(runtime.outputs['build-upload-id']).toBe(stale.id);
      expect(uploadedParts(fake).length).toBeGreaterThan(0);
      expect(runtime.log.infos.join('\n')).toMatch(/Reusing build upload .* waiting for its file/);
    });
  });

  it('explains a missing app record: the bundle ID, how many apps the key sees, create it first', async () => {
    fake.addApp({ bundleId: 'com.example.other' });
    fake.addApp({ bundleId: 'com.example.third' });
    makeIpa({ path: join(dir, 'Example.ipa'), bundleId: 'com.example.missing', payloadBytes: 10_000 });
    const { error } = await run();
    expect(error?.message).toMatch(/^No app with bundle ID com\.example\.missing in App Store Connect \(this API key sees 3 apps\)\./);
    expect(error?.message).toMatch(/Create the app record first in App Store Connect/);
    expect(error?.message).toMatch(/first version is best uploaded by hand/);
    expect(error?.message).toContain('`app-id`');
    expect(writes(fake)).toEqual([]);
  });

  it('refuses an `app-id` whose bundle ID is not the package’s', async () => {
    const other = fake.addApp({ bundleId: 'com.example.other' }).id;
    makeIpa({ path: join(dir, 'Example.ipa'), bundleId: 'com.example.app', payloadBytes: 10_000 });
    const { error } = await run({ 'app-id': other });
    expect(error?.message).toBe(
      `Input \`app-id\`: app ${other} has bundle ID com.example.other, but the package's is com.example.app. Fix \`app-id\` (or \`bundle-id\`), or leave \`app-id\` empty to find the app by bundle ID.`,
    );
    expect(writes(fake)).toEqual([]);
  });

  it('uses a matching `app-id` without looking the bundle ID up', async () => {
    makeIpa({ path: join(dir, 'Example.ipa'), bundleId: 'com.example.app', payloadBytes: 10_000 });
    const { error, runtime } = await run({ 'app-id': appId });
    expect(error).toBeUndefined();
    expect(runtime.outputs['app-id']).toBe(appId);
    expect(fake.requests.some((r) => r.method === 'GET' && r.path === '/v1/apps')).toBe(false);
  });

  it('names `path` when it matches nothing, before any request', async () => {
    mkdirSync(join(dir, 'build'));
    const { error } = await run({ path: 'build/*.ipa' });
    expect(error?.message).toMatch(/^Input `path`: matches no file: `build\/\*\.ipa` searched in /);
    expect(fake.requests).toEqual([]);
  });

  it('refuses `build-number` when `path` matched several packages, before any request', async () => {
    makeIpa({ path: join(dir, 'One.ipa'), buildNumber: '1' });
    makeIpa({ path: join(dir, 'Two.ipa'), buildNumber: '2' });
    const { error } = await run({ 'build-number': '9' });
    expect(error?.message).toMatch(/^Input `build-number`: applies to one package, but `path` matched 2: One\.ipa, Two\.ipa\./);
    expect(fake.requests).toEqual([]);
  });

  it.skipIf(process.platform === 'darwin')('refuses `upload-method: altool` off macOS, before any request', async () => {
    makeIpa({ path: join(dir, 'Example.ipa'), payloadBytes: 10_000 });
    const { error } = await run({ 'upload-method': 'altool' });
    expect(error?.message).toMatch(/^Input `upload-method`: `altool` needs a macOS runner with Xcode/);
    expect(error?.message).toContain('`upload-method: api`');
    expect(fake.requests).toEqual([]);
  });
});
