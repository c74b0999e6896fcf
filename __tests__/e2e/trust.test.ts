import { describe, expect, it } from 'vitest';
import { appleSideEffects, sealState, seededState, STATE_FILE, stateArtifactName, suiteBuilds } from '../../test-support/deferred.js';
import { useDistSuite } from '../../test-support/dist-suite.js';
import { makeTestKey, type LoggedRequest } from '../../test-support/fake-asc/index.js';
import type { DistRun } from '../../test-support/run-dist.js';

/**
 * Artifact poisoning against the bundled action: anyone who can run a workflow in the repository (a pull
 * request from a fork too) can upload an artifact named like deferred state. Only state sealed with the
 * App Store Connect key, made by a run of this repository, is ever acted on.
 */
describe('resume acts only on state the key wrote (dist/index.js)', () => {
  const suite = useDistSuite({
    app: { bundleId: 'com.example.trust', name: 'Trust' },
    betaGroups: ['QA', 'External'],
    betaReviewReady: true,
    workspacePrefix: 'ascp-trust-',
  });
  const otherTeamKey = makeTestKey();
  const { validBuild, seed } = suiteBuilds(suite, { bundleId: 'com.example.trust', version: '7.0', first: 700, runId: 50 });

  /** What the genuine publish asked for. */
  const GENUINE = {
    notes: [{ locale: 'en-US', text: 'Try the new search' }],
    usesNonExemptEncryption: false,
    expirePreviousBuilds: false,
    submitBetaReview: true,
    betaGroups: ['QA'],
    notifyTesters: false,
  };
  /** What an attacker would ask for: every write TestFlight cannot undo. */
  const HOSTILE = {
    notes: [{ locale: 'en-US', text: 'Your account is locked, sign in at example.net to keep testing' }],
    usesNonExemptEncryption: true,
    expirePreviousBuilds: true,
    submitBetaReview: true,
    betaGroups: ['External'],
    notifyTesters: true,
  };

  const resume = (runId: number): Promise<DistRun> => suite.job(runId, { command: 'resume' });

  /** App Store Connect writes from `from` on; a request touches a build when its path or body names it. */
  const writesSince = (from: number): LoggedRequest[] => suite.asc.requests.slice(from).filter((r) => r.method !== 'GET');
  const touches = (r: LoggedRequest, buildId: string) => r.path.includes(buildId) || JSON.stringify(r.body ?? '').includes(`"${buildId}"`);
  const live = () => suite.gh.artifacts().filter((a) => !a.deleted);
  const downloaded = (artifactId: number) => suite.gh.requests.some((r) => r.path.endsWith(`/actions/artifacts/${artifactId}/zip`));

  /** The writes one genuine state of this request costs, measured on a build of its own. */
  let writesPerBuild = 0;

  it('a genuine state alone: the baseline', async () => {
    const build = validBuild();
    seed(build, { request: GENUINE });
    const from = suite.asc.requests.length;
    const run = await resume(100);
    expect(run.code, run.stdout).toBe(0);
    writesPerBuild = writesSince(from).length;
    expect(writesPerBuild).toBeGreaterThan(0);
    expect(writesSince(from).every((r) => !r.path.startsWith('/v1/builds/') || touches(r, build.buildId))).toBe(true);
    expect(live()).toHaveLength(0);
  });

  it("a fork's artifact, a tampered copy under a new id and another key's state cause no write, are reported and kept", async () => {
    const target = validBuild();
    const earlier = validBuild();
    const untouched = validBuild();
    // A pull request from a fork: its run's head repository is the fork. Content is the attacker's choice.
    const forkState = seededState(suite.gh, {
      appId: suite.appId,
      bundleId: 'com.example.trust',
      version: '7.0',
      ...target,
      request: HOSTILE,
    });
    const forkId = suite.gh.addArtifact({
      name: stateArtifactName(forkState.id, 1),
      runId: 61,
      headRepositoryId: 990_001,
      files: { [STATE_FILE]: JSON.stringify({ state: forkState, mac: 'A'.repeat(43), keyFingerprint: `sha256:${'0'.repeat(64)}` }) },
    });
    // A run of this repository that copied a genuine sealed document and changed it, under a new id.
    const genuineDoc = sealState({ ...forkState, request: GENUINE }, suite.key.privateKeyPem);
    const tampered = {
      ...genuineDoc,
      state: { ...(genuineDoc.state as object), id: '0f0e0d0c-0b0a-4000-8000-000000000001', request: HOSTILE },
    };
    const tamperedId = suite.gh.addArtifact({
      name: stateArtifactName('0f0e0d0c-0b0a-4000-8000-000000000001', 1),
      runId: 62,
      files: { [STATE_FILE]: JSON.stringify(tampered) },
    });
    // Not a state document at all, with markup in its field names to plant a link and an image in the summary.
    const junkId = suite.gh.addArtifact({
      name: stateArtifactName('0f0e0d0c-0b0a-4000-8000-000000000002', 1),
      runId: 63,
      files: { [STATE_FILE]: JSON.stringify({ '![x](https://example.net/p.png)': 1, '[sign in](https://example.net)': 2 }) },
    });
    // Another team's app in the same repository, sealed with its own key: valid for that key, not for ours.
    seed(earlier, { request: HOSTILE, privateKeyPem: otherTeamKey.privateKeyPem });
    const before = live().map((a) => a.id);

    const from = suite.asc.requests.length;
    const run = await resume(101);
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs['post-processing']).toBe('skipped');
    expect(writesSince(from)).toEqual([]);
    expect(appleSideEffects(suite.asc, target.buildId)).toEqual(appleSideEffects(suite.asc, untouched.buildId));
    expect(suite.asc.resource('builds', earlier.buildId).attributes.expired).toBe(false);
    expect(downloaded(forkId)).toBe(false);
    expect(live().map((a) => a.id)).toEqual(before);

    expect(run.stdout).toMatch(new RegExp(`::warning::.*r1 is not used: a run of another repository \\(a fork, id 990001\\) made it`));
    expect(run.stdout).toMatch(/its seal does not verify: it was changed after this action wrote it, or forged/);
    expect(run.stdout).toMatch(/written with another App Store Connect key/);
    for (const runId of [61, 62, 63])
      expect(run.summary).toContain(`[${runId}](https://github.com/${suite.gh.repository}/actions/runs/${runId})`);
    expect(run.summary.match(/⚠️ not used/g)).toHaveLength(4);
    // The planted markup shows as text: no link or image reaches the summary.
    expect(run.summary).not.toMatch(/!\[x\]\(https/);
    expect(run.summary).not.toMatch(/[^\\]\[sign in\]\(/);
    expect(run.summary).not.toContain('](https://example.net');
    expect([tamperedId, junkId].every((id) => live().some((a) => a.id === id))).toBe(true);
    // Another team's state is its own resume workflow's work: it does not keep this schedule on.
    expect(run.summary).toMatch(/Schedule disabled \(.*\): nothing pending/);
  });

  it('a higher-revision forgery of the genuine id neither supersedes nor deletes it; the genuine build completes once', async () => {
    const build = validBuild();
    const genuine = seed(build, { request: GENUINE });
    const forged = sealState({ ...genuine, revision: 9, request: HOSTILE }, suite.key.privateKeyPem);
    forged.mac = sealState({ ...genuine, revision: 9 }, suite.key.privateKeyPem).mac; // a MAC, but over other content
    const forgedId = suite.gh.addArtifact({
      name: stateArtifactName(genuine.id, 9),
      runId: 64,
      files: { [STATE_FILE]: JSON.stringify(forged) },
    });

    const from = suite.asc.requests.length;
    const run = await resume(102);
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs['post-processing']).toBe('completed');
    const writes = writesSince(from);
    expect(writes).toHaveLength(writesPerBuild);
    expect(writes.filter((r) => r.path.startsWith('/v1/builds/')).every((r) => touches(r, build.buildId))).toBe(true);
    expect(appleSideEffects(suite.asc, build.buildId)).toMatchObject({
      localizations: ['en-US:Try the new search'],
      submissions: 1,
      groups: ['QA'],
      usesNonExemptEncryption: false,
      notifications: 0,
    });
    expect(run.summary).toMatch(/com\.example\.trust 7\.0 \\\(\d+\\\) \| ✅ completed/);
    expect(run.stdout).toMatch(new RegExp(`${genuine.id}-r9 is not used: its seal does not verify`));
    // The genuine state is done and gone; the forgery stays for a person to look at.
    expect(live().some((a) => a.name === stateArtifactName(genuine.id, 1))).toBe(false);
    expect(live().some((a) => a.id === forgedId)).toBe(true);

    const fromAgain = suite.asc.requests.length;
    const again = await resume(103);
    expect(again.code, again.stdout).toBe(0);
    expect(writesSince(fromAgain)).toEqual([]);
    expect(appleSideEffects(suite.asc, build.buildId).submissions).toBe(1);
  });
});
