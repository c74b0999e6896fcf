import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCommand } from '../../src/commands/index.js';
import { parseConfig } from '../../src/config.js';
import type { FakeAsc, TestKey } from '../../test-support/fake-asc/index.js';
import { recordingRuntime } from '../../test-support/log.js';
import { makeIpa } from '../../test-support/packages.js';
import { apiWrites, closeCheckedFake, publishInputs, startFakeAscWithApp, tempWorkspace } from '../../test-support/setup.js';

describe('publish, inline post-processing, against the fake', () => {
  let key: TestKey, fake: FakeAsc, dir: string, appId: string;

  beforeEach(async () => {
    ({ key, fake, appId } = await startFakeAscWithApp({
      fake: { partSize: 1024 * 1024, timing: { uploadProcessingMs: 50, buildProcessingMs: 150 } },
      app: { bundleId: 'com.example.app', name: 'Example', primaryLocale: 'en-US' },
      betaGroups: ['QA', 'Friends', { name: 'Staff', internal: true }],
      betaReviewReady: true,
    }));
    dir = tempWorkspace('ascp-publish-');
  });
  afterEach(() => closeCheckedFake(fake));

  const inputs = (extra: Record<string, string>) =>
    parseConfig((name) => publishInputs(key, fake, { 'find-build-timeout': '0.2', 'processing-timeout': '0.5', ...extra })[name] ?? '');

  it('uploads in parts, then runs every step once and in order', async () => {
    const ipa = makeIpa({ path: join(dir, 'Example.ipa'), buildNumber: '42', version: '1.4.2', payloadBytes: 3_500_000 });
    writeFileSync(
      join(dir, 'release_notes.json'),
      JSON.stringify([
        { language: 'de-DE', text: 'Neu: alles' },
        { language: 'en-US', text: 'New: everything' },
      ]),
    );
    const runtime = recordingRuntime();
    await runCommand(
      inputs({
        'uses-non-exempt-encryption': 'false',
        'submit-beta-review': 'true',
        'beta-groups': 'QA, Friends',
        'notify-testers': 'true',
        'upload-concurrency': '3',
      }),
      runtime,
    );

    // The file arrived whole, in several parts; the commit carries no checksum (Apple refuses one).
    const files = fake.resources('buildUploadFiles');
    expect(files).toHaveLength(1);
    const bytes = fake.uploadedFile(files[0].id)!;
    expect(bytes.equals(readFileSync(ipa))).toBe(true);
    expect(fake.requests.filter((r) => r.path.startsWith('/upload/')).length).toBeGreaterThanOrEqual(4);
    expect(fake.requests.filter((r) => r.path.startsWith('/upload/')).every((r) => !r.headers.authorization)).toBe(true);
    const commit = fake.requests.find((r) => r.method === 'PATCH' && r.path.startsWith('/v1/buildUploadFiles/'))!;
    expect((commit.body as { data: { attributes: unknown } }).data.attributes).toEqual({ uploaded: true });
    expect(statSync(ipa).size).toBe(bytes.length);

    // Every step once, in order.
    const writes = apiWrites(fake);
    expect(writes).toEqual([
      'POST /v1/buildUploads',
      'POST /v1/buildUploadFiles',
      'PATCH /v1/buildUploadFiles/:id',
      'POST /v1/betaBuildLocalizations', // de-DE
      'PATCH /v1/betaBuildLocalizations/:id', // en-US: Apple made it, we update it
      'PATCH /v1/builds/:id', // export compliance
      'POST /v1/betaAppReviewSubmissions',
      'PATCH /v1/buildBetaDetails/:id', // automatic notification on, before the build reaches the groups
      'POST /v1/builds/:id/relationships/betaGroups',
    ]);
    const locs = fake
      .resources('betaBuildLocalizations')
      .map((l) => [l.attributes.locale, l.attributes.whatsNew])
      .sort();
    expect(locs).toEqual([
      ['de-DE', 'Neu: alles'],
      ['en-US', 'New: everything'],
    ]);
    const build = fake.resources('builds')[0];
    expect(build.attributes.usesNonExemptEncryption).toBe(false);
    expect(runtime.outputs).toMatchObject({
      'app-id': appId,
      'bundle-id': 'com.example.app',
      'app-version': '1.4.2',
      'build-number': '42',
      platform: 'IOS',
      'post-processing': 'completed',
      'processing-state': 'VALID',
      'build-id': build.id,
    });
    expect(runtime.outputs['build-upload-id']).toBe(fake.resources('buildUploads')[0].id);
    const summary = runtime.summary.join('\n');
    expect(summary).toContain('Example 1.4.2 (42) — completed');
    for (const title of [
      'Upload (api)',
      'What to Test notes',
      'Export compliance',
      'Beta review submission',
      'Tester notification',
      'Beta groups',
    ])
      expect(summary).toContain(`| ${title} | ✅ done`);
    expect(summary).toContain(`https://appstoreconnect.apple.com/apps/${appId}/testflight/ios/${build.id}`);
  });

  it('refuses a build number already used for the version before sending a byte', async () => {
    fake.addBuild({ appId, version: '1.4.2', buildNumber: '42', processingState: 'VALID' });
    makeIpa({ path: join(dir, 'Example.ipa'), buildNumber: '42', version: '1.4.2' });
    const error = await runCommand(inputs({}), recordingRuntime()).catch((e: Error) => e);
    expect(error?.message).toMatch(
      /Build number 42 is already used for com.example.app version 1.4.2 \(iOS\).*CFBundleVersion 43.*Nothing was uploaded/s,
    );
    expect(fake.requests.filter((r) => r.method !== 'GET')).toHaveLength(0);
  });

  it('when post-processing fails after the upload, says the upload succeeded and how to finish without a new one, once', async () => {
    fake.quirks.missingBetaAppDescription.add(appId);
    makeIpa({ path: join(dir, 'Example.ipa'), buildNumber: '43', version: '1.4.2' });
    const runtime = recordingRuntime();
    const error = await runCommand(inputs({ 'submit-beta-review': 'true', 'uses-non-exempt-encryption': 'false' }), runtime).catch(
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/Beta App Description is missing/);
    expect(error?.message).toMatch(/`command: distribute` with `app-version: 1.4.2`, `build-number: 43`/s);
    expect(error?.message.match(/command: distribute/g)).toHaveLength(1);
    expect(runtime.outputs['post-processing']).toBe('failed');
    expect(runtime.summary.join('\n')).toMatch(/Beta review submission \| ❌ failed/);
  });

  it('states one upload rate: the job summary gives the rate the log gave', async () => {
    makeIpa({ path: join(dir, 'Example.ipa'), buildNumber: '45', version: '1.4.2', payloadBytes: 2_500_000 });
    const runtime = recordingRuntime();
    await runCommand(inputs({ 'post-processing': 'off' }), runtime);
    const logged = runtime.log.infos.map((l) => /^Uploaded 100 % .* at ([\d.]+) MB\/s on average\.$/.exec(l)?.[1]).find(Boolean);
    expect(logged).toBeDefined();
    expect(runtime.summary.join('\n')).toMatch(
      new RegExp(`\\| Upload \\(api\\) \\| ✅ done \\| [\\d.]+ MB in \\d+ parts at ${logged!.replace('.', '\\.')} MB/s`),
    );
  });

  it('checks the app once for several of its packages: one beta group listing, one problem named once', async () => {
    makeIpa({ path: join(dir, 'A.ipa'), buildNumber: '60', version: '1.4.2' });
    makeIpa({ path: join(dir, 'B.ipa'), buildNumber: '61', version: '1.4.3' });
    const error = await runCommand(inputs({ 'beta-groups': 'Nobody' }), recordingRuntime()).catch((e: Error) => e);
    expect(error?.message.match(/"Nobody" is not a beta group/g)).toHaveLength(1);
    expect(fake.requests.filter((r) => r.method === 'GET' && r.path.includes('betaGroups'))).toHaveLength(1);
    expect(fake.requests.filter((r) => r.method !== 'GET')).toHaveLength(0);
  });

  it('refuses an unknown beta group before uploading', async () => {
    makeIpa({ path: join(dir, 'Example.ipa'), buildNumber: '44', version: '1.4.2' });
    const error = await runCommand(inputs({ 'beta-groups': 'QA, Nobody' }), recordingRuntime()).catch((e: Error) => e);
    expect(error?.message).toMatch(
      /Input `beta-groups`: "Nobody" is not a beta group of com.example.app. Groups that exist: "QA", "Friends", "Staff"/,
    );
    expect(fake.requests.filter((r) => r.method !== 'GET')).toHaveLength(0);
  });

  it('checks every package before uploading any: a duplicate in the second stops the first too', async () => {
    fake.addApp({ bundleId: 'com.example.other', name: 'Other' });
    const otherApp = fake.resources('apps').find((a) => a.attributes.bundleId === 'com.example.other');
    fake.addBuild({ appId: otherApp.id, version: '1.0.0', buildNumber: '7', processingState: 'VALID' });
    makeIpa({ path: join(dir, 'A.ipa'), buildNumber: '50', version: '1.4.2' });
    makeIpa({ path: join(dir, 'B.ipa'), bundleId: 'com.example.other', buildNumber: '7', version: '1.0.0' });
    const error = await runCommand(inputs({}), recordingRuntime()).catch((e: Error) => e);
    expect(error?.message).toMatch(/Build number 7 is already used for com.example.other version 1.0.0/);
    expect(fake.requests.filter((r) => r.method !== 'GET')).toHaveLength(0);
  });
});
