import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { released } from '../../test-support/app-store.js';
import { makeTestKey, type FakeAsc, type TestKey } from '../../test-support/fake-asc/index.js';
import { makeIpa } from '../../test-support/packages.js';
import { closeCheckedFake, publishInputs, runWithInputs, startFakeAscWithApp, tempWorkspace } from '../../test-support/setup.js';

/**
 * After a failure a publish says what to do next, once, and the right thing for what failed: a new
 * upload where Apple refused the file or the build (`distribute` cannot fix those), `distribute` where
 * the uploaded build can still be finished, the input or key to fix where nothing was uploaded.
 */
describe('the next step after each kind of failure', () => {
  let key: TestKey, fake: FakeAsc, appId: string, dir: string;

  beforeEach(async () => {
    ({ key, fake, appId } = await startFakeAscWithApp({
      fake: { partSize: 256 * 1024, timing: { uploadProcessingMs: 20, buildProcessingMs: 40 } },
      app: { bundleId: 'com.example.app', name: 'Example', primaryLocale: 'en-US' },
      betaGroups: ['QA'],
      betaReviewReady: true,
    }));
    dir = tempWorkspace('ascp-next-');
    makeIpa({ path: join(dir, 'Example.ipa'), version: '1.1', buildNumber: '11', payloadBytes: 100_000 });
  });
  afterEach(() => closeCheckedFake(fake));

  const publish = async (extra: Record<string, string>, withKey = key) => {
    const inputs = publishInputs(withKey, fake, { 'find-build-timeout': '5', 'processing-timeout': '5', ...extra });
    const { error, runtime } = await runWithInputs({ 'uses-non-exempt-encryption': 'false', ...inputs });
    expect(error).toBeDefined();
    const summary = runtime.summary.join('\n');
    // Readable where it is shown: wrapped text, never a fenced block; a failed row never ends in ":".
    expect(summary).not.toContain('```');
    expect(summary).not.toMatch(/❌ failed \| [^|]*:\s*\|/);
    return { message: error!.message, summary };
  };
  const count = (text: string, phrase: string) => text.split(phrase).length - 1;

  it('Apple FAILED the upload: upload again with a new build number, and no `distribute`', async () => {
    fake.failNextUpload({ errors: [{ code: 'ITMS-90189', description: 'Redundant Binary Upload.' }] });
    const { message, summary } = await publish({});
    expect(message).toMatch(/ITMS-90189: Redundant Binary Upload\.\nFix the package and upload it again with a new build number\.$/);
    expect(count(message, 'new build number')).toBe(1);
    expect(message).not.toContain('command: distribute');
    expect(message).not.toContain('upload itself succeeded');
    expect(summary).toMatch(
      /\| ❌ failed \| Apple could not process the uploaded file: ITMS-90189: Redundant Binary Upload\. Fix the package/,
    );
  });

  it('the build INVALID: fix it and upload a new build, and no `distribute`', async () => {
    fake.failBuildProcessing('11', 'INVALID', [{ code: 'ITMS-90035', description: 'Invalid Signature.' }]);
    const { message, summary } = await publish({});
    expect(message).toMatch(
      /Apple marked the build INVALID\. Apple's reasons:\n- ITMS-90035: Invalid Signature\.\nFix the package and upload it again with a new build number\.$/,
    );
    expect(message).not.toContain('command: distribute');
    expect(summary).toContain(
      "| Processing | ❌ failed | Apple marked the build invalid. Apple's reasons: ITMS-90035: Invalid Signature. Fix the package",
    );
    // The steps after it never run, and say so.
    expect(summary).toContain('| Export compliance | ⏭️ skipped | not run: an earlier step failed |');
    expect(summary).not.toContain('⏳ pending');
  });

  it('beta review refused (the daily limit): `distribute` with `submit-beta-review: true`, once', async () => {
    fake.quirks.betaReviewDailyLimit = 0;
    const { message } = await publish({ 'submit-beta-review': 'true' });
    expect(message).toContain("Apple's daily limit of external beta review submissions");
    expect(count(message, '`command: distribute`')).toBe(1);
    expect(message).toMatch(/`command: distribute` with `app-version: 1\.1`, `build-number: 11` and `submit-beta-review: true`\.$/);
    expect(message).not.toContain('upload itself succeeded');
  });

  it('App Review refused with associated errors: each reason, then `distribute` with `submit-app-store-review: true`, once', async () => {
    released(fake, appId, { versionString: '1.0' });
    fake.appStore.incompleteMetadata = true;
    const { message, summary } = await publish({ 'submit-app-store-review': 'true', 'whats-new': 'More.' });
    expect(message).toContain('The description is required.');
    expect(count(message, '`command: distribute`')).toBe(1);
    expect(message).toMatch(
      /then run `command: distribute` for build 11 with `submit-app-store-review: true`: the steps done are not repeated\.$/,
    );
    expect(summary).toContain('The description is required.');
  });

  it('an unknown beta group: fix the name or create the group, before anything is uploaded', async () => {
    const { message } = await publish({ 'beta-groups': 'QA, Nobody' });
    expect(message).toMatch(
      /^Input `beta-groups`: "Nobody" is not a beta group of com\.example\.app\..*Fix the name or create the group in App Store Connect → TestFlight\.$/s,
    );
    expect(message).not.toContain('command: distribute');
    expect(fake.resources('buildUploads')).toHaveLength(0);
  });

  it('a key that does not match its key ID: check the three key inputs, nothing else', async () => {
    const other = makeTestKey();
    const { message } = await publish({}, { ...key, privateKeyPem: other.privateKeyPem });
    expect(message).toContain('HTTP 401');
    expect(count(message, 'Check `key-id`, `issuer-id`')).toBe(1);
    expect(message).not.toContain('command: distribute');
    expect(message).not.toContain('new build number');
    expect(fake.resources('buildUploads')).toHaveLength(0);
  });

  it('a step that `distribute` can finish (processing too slow for `processing-timeout`): the one hint to finish it', async () => {
    fake.timing.buildProcessingMs = 60 * 60_000;
    const { message } = await publish({ 'find-build-timeout': '0.05', 'processing-timeout': '0.05' });
    expect(message).toContain('post-processing did not finish within `processing-timeout`');
    expect(count(message, '`command: distribute`')).toBe(1);
  });
});
