import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { appleSideEffects, seedState, STATE_FILE } from '../../test-support/deferred.js';
import { expectNoViolations, makeTestKey, startFakeAsc, type FakeAsc, type TestKey } from '../../test-support/fake-asc/index.js';
import { startFakeGitHub, type FakeGitHub } from '../../test-support/fake-github/index.js';
import { runDist, type DistRun, type DistRunOptions } from '../../test-support/run-dist.js';
import { expectNoSecrets } from '../../test-support/secrets.js';

/** Scheduled resumes of the bundled action that overlap, die, or meet bad state. */
describe('resume is safe under overlap, crashes and bad state (dist/index.js)', () => {
  let key: TestKey;
  let asc: FakeAsc;
  let gh: FakeGitHub;
  let appId: string;
  let workspace: string;
  let nextBuild = 100;
  const runs: DistRun[] = [];

  beforeAll(async () => {
    key = makeTestKey();
    asc = await startFakeAsc({ keys: [key] });
    gh = await startFakeGitHub();
    appId = asc.addApp({ bundleId: 'com.example.safe', name: 'Safe' }).id;
    asc.addBetaGroup(appId, 'QA');
    asc.addBetaGroup(appId, 'Friends');
    asc.setBetaAppReviewDetailComplete(appId, true);
    workspace = mkdtempSync(join(tmpdir(), 'ascp-resume-'));
  });
  afterEach(() => {
    gh.denyPermissions(false);
  });
  afterAll(async () => {
    expectNoViolations(asc);
    expectNoSecrets({ key: key.privateKeyPem, tokens: [gh.token], runs, artifacts: gh.artifacts() });
    await asc.close();
    await gh.close();
  });

  const FULL = {
    notes: [
      { locale: 'en-US', text: 'Hello' },
      { locale: 'de-DE', text: 'Hallo' },
    ],
    usesNonExemptEncryption: false,
    submitBetaReview: true,
    betaGroups: ['QA', 'Friends'],
    notifyTesters: true,
  };

  function validBuild() {
    const buildNumber = String(nextBuild++);
    const build = asc.addBuild({ appId, version: '5.0', buildNumber, processingState: 'VALID' });
    return { buildNumber, buildId: build.id };
  }

  async function resume(runId: number, extra: Partial<DistRunOptions> = {}): Promise<DistRun> {
    const run = await runDist({
      inputs: {
        command: 'resume',
        'key-id': key.keyId,
        'issuer-id': key.issuerId!,
        'private-key': key.privateKeyPem,
        'api-url': asc.url,
        'github-token': gh.token,
      },
      cwd: workspace,
      env: gh.runEnv(runId),
      ...extra,
    });
    runs.push(run);
    return run;
  }

  const live = () => gh.artifacts().filter((a) => !a.deleted);

  it('two resumes at once finish the work once and leave nothing behind', async () => {
    const { buildNumber, buildId } = validBuild();
    seedState(gh, {
      privateKeyPem: key.privateKeyPem,
      appId,
      bundleId: 'com.example.safe',
      version: '5.0',
      buildNumber,
      buildId,
      request: FULL,
    });
    const [a, b] = await Promise.all([resume(11), resume(12)]);
    expect([a.code, b.code], a.stdout + b.stdout).toEqual([0, 0]);
    expect(appleSideEffects(asc, buildId)).toEqual({
      localizations: ['de-DE:Hallo', 'en-US:Hello'],
      submissions: 1,
      groups: ['Friends', 'QA'],
      usesNonExemptEncryption: false,
      autoNotify: true,
      notifications: 0,
    });
    expect(live()).toHaveLength(0);
    const again = await resume(13);
    expect(again.code).toBe(0);
    expect(again.outputs['post-processing']).toBe('skipped');
  });

  it('a resume killed at 20 seeded points never loses the build nor repeats a step', async () => {
    // A seeded generator: the kill points are the same on every run of the suite.
    let seed = 20261125;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const started = Date.now();
    const full = await resumeFor(validBuild(), 200);
    const duration = Date.now() - started;
    expect(full.outcome.code).toBe(0);
    for (let i = 0; i < 20; i++) {
      const build = validBuild();
      seedState(gh, {
        privateKeyPem: key.privateKeyPem,
        appId,
        bundleId: 'com.example.safe',
        version: '5.0',
        buildNumber: build.buildNumber,
        buildId: build.buildId,
        request: FULL,
      });
      const killAt = Math.floor(random() * duration * 1.2);
      await resume(300 + i, { onSpawn: (child) => void setTimeout(() => child.kill('SIGKILL'), killAt) });
      let rest: DistRun | undefined;
      for (let attempt = 0; attempt < 3 && live().length > 0; attempt++) rest = await resume(400 + i * 3 + attempt);
      expect(live(), `kill at ${killAt} ms: state left behind`).toHaveLength(0);
      if (rest) expect(rest.code, rest.stdout).toBe(0);
      const effects = appleSideEffects(asc, build.buildId);
      expect(effects, `kill at ${killAt} ms`).toEqual({
        localizations: ['de-DE:Hallo', 'en-US:Hello'],
        submissions: 1,
        groups: ['Friends', 'QA'],
        usesNonExemptEncryption: false,
        autoNotify: true,
        notifications: 0,
      });
    }
  });

  async function resumeFor(build: { buildNumber: string; buildId: string }, runId: number) {
    seedState(gh, {
      privateKeyPem: key.privateKeyPem,
      appId,
      bundleId: 'com.example.safe',
      version: '5.0',
      buildNumber: build.buildNumber,
      buildId: build.buildId,
      request: FULL,
    });
    return { outcome: await resume(runId) };
  }

  it('a build past its deadline is reported failed, its state deleted, and the run fails after handling the others', async () => {
    const late = asc.addBuild({ appId, version: '5.1', buildNumber: String(nextBuild++), processingState: 'PROCESSING' });
    asc.timing.buildProcessingMs = 24 * 60 * 60_000;
    seedState(gh, {
      privateKeyPem: key.privateKeyPem,
      appId,
      bundleId: 'com.example.safe',
      version: '5.1',
      buildNumber: asc.resource('builds', late.id).attributes.version,
      buildId: late.id,
      uploadedAt: new Date(Date.now() - 3 * 60 * 60_000),
    });
    const ok = validBuild();
    seedState(gh, {
      privateKeyPem: key.privateKeyPem,
      appId,
      bundleId: 'com.example.safe',
      version: '5.0',
      buildNumber: ok.buildNumber,
      buildId: ok.buildId,
      request: { betaGroups: ['QA'], usesNonExemptEncryption: false },
    });
    const run = await resume(500);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/::error::.*did not finish within `processing-timeout` \(120 minutes from the upload\)/);
    expect(run.summary).toMatch(/❌ failed/);
    expect(run.summary).toMatch(/✅ completed/);
    expect(run.outputs['post-processing']).toBe('failed');
    expect(live()).toHaveLength(0);
    expect(appleSideEffects(asc, ok.buildId).groups).toEqual(['QA']);
  });

  it('missing actions permission says which permissions block to add, and keeps the state', async () => {
    const build = validBuild();
    seedState(gh, {
      privateKeyPem: key.privateKeyPem,
      appId,
      bundleId: 'com.example.safe',
      version: '5.0',
      buildNumber: build.buildNumber,
      buildId: build.buildId,
    });
    gh.denyPermissions(true);
    const run = await resume(600);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/permissions:%0A {2}actions: write%0A {2}contents: read|permissions:\n {2}actions: write/);
    gh.denyPermissions(false);
    expect(live()).toHaveLength(1);
    expect((await resume(601)).code).toBe(0);
    expect(live()).toHaveLength(0);
  });

  it('state from another schema version, or for an app the key cannot see, is reported and kept', async () => {
    const build = validBuild();
    seedState(gh, {
      privateKeyPem: key.privateKeyPem,
      appId,
      bundleId: 'com.example.safe',
      version: '5.0',
      buildNumber: build.buildNumber,
      buildId: build.buildId,
      mutate: (s) => void ((s as { schemaVersion: number }).schemaVersion = 99),
    });
    seedState(gh, {
      privateKeyPem: key.privateKeyPem,
      appId: '424242',
      bundleId: 'com.example.hidden',
      version: '1.0',
      buildNumber: '1',
      buildId: 'none',
    });
    const run = await resume(700);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/newer version of the action \(state schema 99/);
    expect(run.stdout).toMatch(/com.example.hidden \(app 424242\), which this API key cannot see/);
    expect(live()).toHaveLength(2);
    for (const a of live()) expect(JSON.parse(a.files[STATE_FILE]!.toString()).state.app).toBeDefined();
  });
});
