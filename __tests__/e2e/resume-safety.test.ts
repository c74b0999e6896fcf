import { describe, expect, it } from 'vitest';
import { appleSideEffects, STATE_FILE, suiteBuilds } from '../../test-support/deferred.js';
import { useDistSuite } from '../../test-support/dist-suite.js';
import type { DistRun, DistRunOptions } from '../../test-support/run-dist.js';

/** Scheduled resumes of the bundled action that overlap, die, or meet bad state. */
describe('resume is safe under overlap, crashes and bad state (dist/index.js)', () => {
  const suite = useDistSuite({
    app: { bundleId: 'com.example.safe', name: 'Safe' },
    betaGroups: ['QA', 'Friends'],
    betaReviewReady: true,
    workspacePrefix: 'ascp-resume-',
  });
  /** Builds of 5.0 of com.example.safe, and the states of their deferred publishes. */
  const { validBuild, seed: seedFor, nextNumber } = suiteBuilds(suite, { bundleId: 'com.example.safe', version: '5.0', first: 100 });

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

  /** What Apple holds once `FULL` is done, each once. */
  const FULL_DONE = {
    localizations: ['de-DE:Hallo', 'en-US:Hello'],
    submissions: 1,
    groups: ['Friends', 'QA'],
    usesNonExemptEncryption: false,
    autoNotify: true,
    notifications: 0,
  };

  const resume = (runId: number, extra: Partial<DistRunOptions> = {}): Promise<DistRun> => suite.job(runId, { command: 'resume' }, extra);

  const live = () => suite.gh.artifacts().filter((a) => !a.deleted);

  it('two resumes at once finish the work once and leave nothing behind', async () => {
    const { buildNumber, buildId } = validBuild();
    seedFor({ buildNumber, buildId }, { request: FULL });
    const [a, b] = await Promise.all([resume(11), resume(12)]);
    expect([a.code, b.code], a.stdout + b.stdout).toEqual([0, 0]);
    expect(appleSideEffects(suite.asc, buildId)).toEqual(FULL_DONE);
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
      seedFor(build, { request: FULL });
      const killAt = Math.floor(random() * duration * 1.2);
      await resume(300 + i, { onSpawn: (child) => void setTimeout(() => child.kill('SIGKILL'), killAt) });
      let rest: DistRun | undefined;
      for (let attempt = 0; attempt < 3 && live().length > 0; attempt++) rest = await resume(400 + i * 3 + attempt);
      expect(live(), `kill at ${killAt} ms: state left behind`).toHaveLength(0);
      if (rest) expect(rest.code, rest.stdout).toBe(0);
      const effects = appleSideEffects(suite.asc, build.buildId);
      expect(effects, `kill at ${killAt} ms`).toEqual(FULL_DONE);
    }
  });

  async function resumeFor(build: { buildNumber: string; buildId: string }, runId: number) {
    seedFor(build, { request: FULL });
    return { outcome: await resume(runId) };
  }

  it('a build past its deadline is reported failed, its state deleted, and the run fails after handling the others', async () => {
    const late = suite.asc.addBuild({
      appId: suite.appId,
      version: '5.1',
      buildNumber: nextNumber(),
      processingState: 'PROCESSING',
    });
    suite.asc.timing.buildProcessingMs = 24 * 60 * 60_000;
    seedFor(
      { buildNumber: suite.asc.resource('builds', late.id).attributes.version, buildId: late.id },
      { version: '5.1', uploadedAt: new Date(Date.now() - 3 * 60 * 60_000) },
    );
    const ok = validBuild();
    seedFor(ok, { request: { betaGroups: ['QA'], usesNonExemptEncryption: false } });
    const run = await resume(500);
    expect(run.code).toBe(1);
    // A step that only reads looks once, then its deadline fails it with Apple's last state.
    expect(run.stdout).toMatch(
      /::error::Processing \(step `processing`\) failed .*did not finish within `processing-timeout` \(120 minutes from the upload\); last state: processing state PROCESSING/,
    );
    expect(run.summary).toMatch(/❌ failed/);
    expect(run.summary).toMatch(/✅ completed/);
    expect(run.outputs['post-processing']).toBe('failed');
    expect(live()).toHaveLength(0);
    expect(appleSideEffects(suite.asc, ok.buildId).groups).toEqual(['QA']);
  });

  it('missing actions permission says which permissions block to add, and keeps the state', async () => {
    const build = validBuild();
    seedFor(build);
    suite.gh.denyPermissions(true);
    const run = await resume(600);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/permissions:%0A {2}actions: write%0A {2}contents: read|permissions:\n {2}actions: write/);
    suite.gh.denyPermissions(false);
    expect(live()).toHaveLength(1);
    expect((await resume(601)).code).toBe(0);
    expect(live()).toHaveLength(0);
  });

  it('state from another schema version, or for an app the key cannot see, is reported and kept', async () => {
    const build = validBuild();
    seedFor(build, { mutate: (s) => void ((s as { schemaVersion: number }).schemaVersion = 99) });
    seedFor({ buildNumber: '1', buildId: 'none' }, { appId: '424242', bundleId: 'com.example.hidden', version: '1.0' });
    const run = await resume(700);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/newer version of the action \(state schema 99/);
    expect(run.stdout).toMatch(/com.example.hidden \(app 424242\), which this API key cannot see/);
    expect(live()).toHaveLength(2);
    for (const a of live()) expect(JSON.parse(a.files[STATE_FILE]!.toString()).state.app).toBeDefined();
  });
});
