import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../src/config.js';
import { needsResumeWorkflow } from '../../src/commands/schedule.js';
import { DryRunWriteError } from '../../src/errors.js';
import { createWorkflowsClient } from '../../src/github/workflows.js';
import type { FakeAsc, TestKey } from '../../test-support/fake-asc/index.js';
import { applyEnv } from '../../test-support/fake-github/env.js';
import { startFakeGitHub, type FakeGitHub } from '../../test-support/fake-github/index.js';
import { released } from '../../test-support/app-store.js';
import { recordingLog } from '../../test-support/log.js';
import { makeIpa } from '../../test-support/packages.js';
import {
  ascInputs,
  closeCheckedFake,
  connectTo,
  inputErrorOf,
  publishInputs,
  runWithInputs,
  startFakeAscWithApp,
  tempWorkspace,
} from '../../test-support/setup.js';

const RESUME = 'post-processing.yml';

describe('dry-run: every check and read, a plan, no write anywhere', () => {
  let key: TestKey, fake: FakeAsc, gh: FakeGitHub, appId: string, dir: string, restoreEnv: () => void;

  beforeAll(async () => {
    gh = await startFakeGitHub();
  });
  afterAll(() => gh.close());
  beforeEach(async () => {
    ({ key, fake, appId } = await startFakeAscWithApp({ betaGroups: ['QA', 'Friends'], betaReviewReady: true }));
    dir = tempWorkspace('ascp-dry-run-');
    restoreEnv = applyEnv({ ...gh.runEnv(1), GITHUB_WORKSPACE: dir });
    gh.workflows.reset();
    gh.checks.setPermission('write');
  });
  afterEach(async () => {
    restoreEnv();
    // No write of any kind: App Store Connect (API and upload parts) and GitHub (artifacts, workflows, check runs).
    expect(fake.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`)).toEqual([]);
    expect(gh.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`)).toEqual([]);
    expect(gh.artifacts()).toEqual([]);
    expect(gh.checks.runs()).toEqual([]);
    await closeCheckedFake(fake);
  });

  const publish = (extra: Record<string, string>) =>
    runWithInputs(publishInputs(key, fake, { 'dry-run': 'true', 'github-token': gh.token, ...extra }));
  const summary = (r: { runtime: { summary: string[] } }) => r.runtime.summary.join('\n');

  it('a ready publish exits 0 with the plan: each step with what it would write, in the log and the job summary', async () => {
    makeIpa({ path: join(dir, 'Example.ipa'), version: '1.4.2', buildNumber: '43', payloadBytes: 200_000 });
    writeFileSync(join(dir, 'release_notes.json'), JSON.stringify([{ language: 'en-US', text: 'Try it' }]));
    const { error, runtime } = await publish({
      'post-processing': 'inline',
      'uses-non-exempt-encryption': 'false',
      'submit-beta-review': 'true',
      'beta-groups': 'QA',
    });
    expect(error).toBeUndefined();
    const text = summary({ runtime });
    expect(text).toContain('## App Store Connect Publish — publish (dry run)');
    expect(text).toContain('✅ Ready');
    expect(text).toMatch(
      /Upload \\\(api\\\) \| 📝 would run \| Example\.ipa, 0\.\d MB: create a build upload, reserve the file, send its parts, commit/,
    );
    expect(text).toMatch(/What to Test notes \| 📝 would run \| create What to Test in en-US/);
    expect(text).toMatch(/Export compliance \| 📝 would run \| set usesNonExemptEncryption to false/);
    expect(text).toMatch(/Beta review submission \| 📝 would run/);
    expect(text).toMatch(/Beta groups \| 📝 would run \| add the build to QA/);
    expect(runtime.log.infos.join('\n')).toMatch(
      /Dry run of publish: nothing was uploaded or written\.[\s\S]*Beta groups: would run — add the build to QA/,
    );
    // No upload was even started, and no part sent.
    expect(fake.requests.filter((r) => r.path.startsWith('/upload/'))).toEqual([]);
  });

  it('a publish with three problems exits non-zero naming all three: a used build number, an unknown group, a closed version', async () => {
    released(fake, appId, { versionString: '1.4.2', buildNumber: '42' });
    makeIpa({ path: join(dir, 'Example.ipa'), version: '1.4.2', buildNumber: '42', payloadBytes: 100_000 });
    const inputs = { 'post-processing': 'inline', 'beta-groups': 'QA\nTesterz', 'submit-app-store-review': 'true' };
    const { error, runtime } = await publish(inputs);
    expect(error?.message).toMatch(/^3 problems stop this run; nothing was uploaded:/);
    expect(error?.message).toMatch(/1\. Build number 42 is already used for com\.example\.app version 1\.4\.2/);
    expect(error?.message).toMatch(/2\. App Store version 1\.4\.2 of com\.example\.app \(iOS\) is already READY_FOR_SALE/);
    expect(error?.message).toMatch(/3\. .*Testerz/);
    const text = summary({ runtime });
    expect(text).toContain('❌ Not ready: 3 problems');
    expect(text).toContain('### Problems');
    // The plan is still shown for what could be checked.
    expect(text).toMatch(/Upload \\\(api\\\) \| 📝 would run/);

    // A real run names the same three at once, before any upload.
    const real = await runWithInputs(publishInputs(key, fake, inputs));
    expect(real.error?.message).toMatch(/^3 problems stop this run; nothing was uploaded:/);
  });

  it('deferred: checks the resume workflow read-only (a disabled one is fine) and says a real run needs actions: write', async () => {
    makeIpa({ path: join(dir, 'Example.ipa'), version: '1.4.2', buildNumber: '43', payloadBytes: 100_000 });
    gh.workflows.add(RESUME, { state: 'disabled_inactivity' });
    gh.workflows.permission('read'); // no `actions: write`
    const { error, runtime } = await publish({ 'post-processing': 'deferred' });
    expect(error).toBeUndefined();
    const log = runtime.log.infos.join('\n');
    expect(log).toContain('Resume workflow post-processing.yml exists (disabled_inactivity: a real run enables it).');
    expect(log).toMatch(/needs `permissions: actions: write` in the publishing job/);
    expect(summary({ runtime })).toContain('### What a real run needs');
    expect(gh.workflows.state(RESUME)).toBe('disabled_inactivity');
  });

  it('deferred without the resume workflow: one more problem, named with its input', async () => {
    fake.addBuild({ appId, version: '1.4.2', buildNumber: '42' });
    makeIpa({ path: join(dir, 'Example.ipa'), version: '1.4.2', buildNumber: '42', payloadBytes: 100_000 });
    const { error } = await publish({ 'post-processing': 'deferred' });
    expect(error?.message).toMatch(/^2 problems stop this run/);
    expect(error?.message).toContain('Build number 42 is already used');
    expect(error?.message).toMatch(/Input `resume-workflow`: the repository has no workflow \.github\/workflows\/post-processing\.yml/);
  });

  it('distribute: reads each step and says what is already done and what would run', async () => {
    const build = fake.addBuild({ appId, version: '2.0', buildNumber: '7', processingState: 'VALID', usesNonExemptEncryption: false });
    const inputs = {
      ...ascInputs(key, fake),
      command: 'distribute',
      'bundle-id': 'com.example.app',
      'app-version': '2.0',
      'build-number': '7',
      'whats-new': 'Hello',
      'whats-new-locale': 'en-US',
      'beta-groups': 'QA, Friends',
      'dry-run': 'true',
    };
    const { error, runtime } = await runWithInputs(inputs);
    expect(error).toBeUndefined();
    const text = summary({ runtime });
    expect(text).toContain('## App Store Connect Publish — distribute (dry run)');
    expect(text).toMatch(new RegExp(`Build found \\| ✅ done \\| build ${build.id}`));
    expect(text).toMatch(/Processing \| ✅ done \| VALID/);
    expect(text).toMatch(/Export compliance \| ✅ done \| already answered \\\(false\\\)/);
    expect(text).toMatch(/What to Test notes \| 📝 would run \| update en-US/);
    expect(text).toMatch(/Beta groups \| 📝 would run \| add the build to QA, Friends/);
  });

  it('release: says what it would release, and refuses a version with nothing to release', async () => {
    const { id } = fake.appStore.addVersion({ appId, versionString: '3.0', state: 'PENDING_DEVELOPER_RELEASE', locales: ['en-US'] });
    const release = (version: string) =>
      runWithInputs({
        ...ascInputs(key, fake),
        command: 'release',
        'app-id': appId,
        'app-version': version,
        platform: 'IOS',
        'dry-run': 'true',
      });
    const ready = await release('3.0');
    expect(ready.error).toBeUndefined();
    expect(summary(ready)).toMatch(
      /Release \| 📝 would run \| release App Store version 3\.0 of IOS \\\(PENDING_DEVELOPER_RELEASE\\\) to the App Store/,
    );
    expect(fake.resources('appStoreVersions').find((v) => v.id === id)?.attributes.appStoreState).toBe('PENDING_DEVELOPER_RELEASE');
    released(fake, appId, { versionString: '2.9' });
    expect((await release('2.9')).error?.message).toMatch(
      /is READY_FOR_SALE with no phased release under way, so there is nothing to release/,
    );
  });
  it('release with phased-release: pause says it would pause (not complete) the phased release, and writes nothing', async () => {
    const { id } = fake.appStore.addVersion({ appId, versionString: '3.1', state: 'READY_FOR_SALE', locales: ['en-US'] });
    const phased = fake.appStore.addPhasedRelease(id, 'ACTIVE');
    const run = await runWithInputs({
      ...ascInputs(key, fake),
      command: 'release',
      'app-id': appId,
      'app-version': '3.1',
      platform: 'IOS',
      'phased-release': 'pause',
      'dry-run': 'true',
    });
    expect(run.error).toBeUndefined();
    expect(summary(run)).toMatch(/Release \| 📝 would run \| pause the phased release of App Store version 3\.1/);
    expect(fake.resource('appStoreVersionPhasedReleases', phased.id).attributes.phasedReleaseState).toBe('ACTIVE');
  });
});

describe('dry-run clients refuse every write, so a missed code path fails loudly', () => {
  it('App Store Connect: a write is an internal error, and nothing is sent', async () => {
    const { key, fake } = await startFakeAscWithApp();
    try {
      const asc = connectTo(fake, key, { log: recordingLog(), readOnly: true });
      await expect(asc.builds.expire('123')).rejects.toThrow(DryRunWriteError);
      await expect(asc.builds.expire('123')).rejects.toThrow(
        /^Internal error: the dry run tried to write \(App Store Connect PATCH \/v1\/builds\/123\)/,
      );
      expect(fake.requests).toEqual([]);
    } finally {
      await closeCheckedFake(fake);
    }
  });

  it('GitHub: enabling a workflow is refused before it is sent; reading works', async () => {
    const gh = await startFakeGitHub();
    try {
      gh.workflows.setState(RESUME, 'disabled_manually');
      const client = createWorkflowsClient({ token: gh.token, repository: gh.repository, apiUrl: gh.apiUrl, readOnly: true });
      expect((await client.get(RESUME)).state).toBe('disabled_manually');
      await expect(client.enable(RESUME)).rejects.toThrow(/the dry run tried to write \(GitHub PUT .*\/enable\)/);
      expect(gh.requests.filter((r) => r.method !== 'GET')).toEqual([]);
      expect(gh.workflows.state(RESUME)).toBe('disabled_manually');
    } finally {
      await gh.close();
    }
  });

  it('`dry-run` on resume is an input error', () => {
    const inputs: Record<string, string> = {
      'key-id': 'ABCDEF1234',
      'private-key': 'x',
      command: 'resume',
      'github-token': 't',
      'dry-run': 'true',
    };
    expect(inputErrorOf(() => parseConfig((n) => inputs[n] ?? '')).message).toMatch(
      /^Input `dry-run`: applies to `publish`, `distribute` and `release`/,
    );
  });

  it('`dry-run` on webhook is an input error: it only changes the webhook and pings', () => {
    const inputs: Record<string, string> = {
      'key-id': 'ABCDEF1234',
      'private-key': 'x',
      command: 'webhook',
      'app-id': '6440000001',
      'webhook-url': 'https://relay.example.com/apple',
      'webhook-secret': 'a'.repeat(40),
      'dry-run': 'true',
    };
    expect(inputErrorOf(() => parseConfig((n) => inputs[n] ?? '')).message).toMatch(
      /^Input `dry-run`: applies to `publish`, `distribute` and `release`; `webhook` changes only the app's webhook/,
    );
  });
});

describe('what a run needs besides the key', () => {
  it('the resume workflow: deferred, or inline with a review to hand over; never off, never inline alone', () => {
    const needs = (postProcessing: 'inline' | 'deferred' | 'off', followReview: boolean) =>
      needsResumeWorkflow({ postProcessing, followReview } as Config);
    expect([needs('deferred', false), needs('inline', true), needs('inline', false), needs('off', false)]).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });
});
