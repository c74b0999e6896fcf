import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkRunName } from '../../src/report/check-run.js';
import { seedState } from '../../test-support/deferred.js';
import { useDistSuite } from '../../test-support/dist-suite.js';
import { fakeCommitSha } from '../../test-support/fake-github/checks.js';
import { makeIpa } from '../../test-support/packages.js';
import type { DistRun } from '../../test-support/run-dist.js';

/**
 * The check run on the published commit, as the bundled action reports it to a fake GitHub: made by the
 * publish, carried by every resume that advances the build, concluded once; and never a failed job for
 * want of `checks: write`.
 */
describe('status on the commit: a check run (dist/index.js)', () => {
  const suite = useDistSuite({
    fake: { partSize: 512 * 1024, timing: { uploadProcessingMs: 100, buildProcessingMs: 300 } },
    app: { bundleId: 'com.example.checks', name: 'Checks' },
    betaReviewReady: true,
    github: { reset: (gh) => gh.checks.reset() },
    inputs: () => ({ 'poll-interval': '0.05', 'uses-non-exempt-encryption': 'false' }),
  });
  /** The workspace of the latest `packages`. */
  let current: string | undefined;
  let nextBuild = 40;
  const NOTICE = /^::notice::Add `checks: write` to the job's permissions to see post-processing on the commit/m;

  beforeAll(() => {
    suite.asc.setBetaAppReviewDetailComplete(suite.asc.addApp({ bundleId: 'com.example.checks.tv', name: 'Checks TV' }).id, true);
  });
  afterEach(() => {
    suite.asc.timing.buildProcessingMs = 300;
  });

  /** A fresh workspace with one .ipa per bundle ID, each with a build number not used yet. */
  function packages(...bundleIds: string[]): string {
    const workspace = mkdtempSync(join(tmpdir(), 'ascp-checks-'));
    for (const bundleId of bundleIds) {
      makeIpa({
        path: join(workspace, `${bundleId}.ipa`),
        bundleId,
        version: '4.0',
        buildNumber: String(nextBuild++),
        payloadBytes: 200_000,
      });
    }
    current = workspace;
    return workspace;
  }

  const workflowRun = (runId: number, sha: string, inputs: Record<string, string>): Promise<DistRun> =>
    suite.job(runId, inputs, { workspace: current, env: { GITHUB_SHA: sha } });

  const runUrl = (runId: number) => `https://github.com/${suite.gh.repository}/actions/runs/${runId}`;
  const checkCalls = () => suite.gh.checks.requests.map((r) => `${r.method} ${r.path.replace(/^\/repos\/[^/]+\/[^/]+/, '')} ${r.status}`);

  it('deferred: publish → in progress; resume while processing → the same run updated; resume after VALID → success with the steps', async () => {
    packages('com.example.checks');
    suite.asc.timing.buildProcessingMs = 60 * 60_000;
    const sha = fakeCommitSha();
    const publish = await workflowRun(11, sha, { path: '*.ipa', 'post-processing': 'deferred' });
    expect(publish.code, publish.stdout).toBe(0);
    const [created] = suite.gh.checks.runs();
    expect(suite.gh.checks.runs()).toHaveLength(1);
    expect(created).toMatchObject({
      name: 'App Store Connect: Checks 4.0 (40)',
      headSha: sha,
      status: 'in_progress',
      conclusion: null,
      detailsUrl: runUrl(11),
      output: { title: 'Still waiting for Apple: checking the upload' },
    });
    expect(created!.output.summary).toContain('| Upload accepted by Apple | ⏳ pending');
    expect(publish.outputs['check-run-id']).toBe(String(created!.id));
    expect(checkCalls()).toEqual(['POST /check-runs 201']);

    await new Promise((r) => setTimeout(r, 300)); // Apple is done with the file; the build is processing
    // A scheduled run checks out the default branch: its GITHUB_SHA is another commit.
    const waiting = await workflowRun(12, fakeCommitSha(), { command: 'resume' });
    expect(waiting.code, waiting.stdout).toBe(0);
    expect(waiting.outputs['post-processing']).toBe('pending');
    expect(suite.gh.checks.runs()).toEqual([
      expect.objectContaining({
        id: created!.id,
        headSha: sha,
        status: 'in_progress',
        conclusion: null,
        detailsUrl: runUrl(12),
        output: expect.objectContaining({ title: 'Still waiting for Apple: processing' }),
      }),
    ]);
    expect(waiting.outputs['check-run-id']).toBe(String(created!.id));

    suite.asc.setBuildProcessingState(suite.asc.resources('builds').find((b) => b.attributes.version === '40').id, 'VALID');
    const done = await workflowRun(13, fakeCommitSha(), { command: 'resume' });
    expect(done.code, done.stdout).toBe(0);
    expect(done.outputs['post-processing']).toBe('completed');
    const [finished] = suite.gh.checks.runs();
    expect(suite.gh.checks.runs()).toHaveLength(1);
    expect(finished).toMatchObject({
      id: created!.id,
      status: 'completed',
      conclusion: 'success',
      detailsUrl: runUrl(13),
      output: { title: 'Ready for testers' },
    });
    expect(finished!.output.summary).toMatch(/\| Processing \| ✅ done \| valid/);
    expect(finished!.output.summary).toMatch(/\| Export compliance \| ✅ done \|/);
    expect(finished!.output.summary).toContain(`[Workflow run](${runUrl(13)})`);
    expect(checkCalls()).toEqual(['POST /check-runs 201', `PATCH /check-runs/${created!.id} 200`, `PATCH /check-runs/${created!.id} 200`]);
  });

  it('a missed deadline concludes the check run with failure and the reason', async () => {
    const sha = fakeCommitSha();
    let checkRunId = 0;
    const state = seedState(suite.gh, {
      privateKeyPem: suite.key.privateKeyPem,
      appId: suite.asc.resources('apps')[0].id,
      bundleId: 'com.example.checks',
      version: '4.0',
      buildNumber: '399',
      uploadedAt: new Date(Date.now() - 3 * 60 * 60_000),
      runId: 20,
      mutate: (s) => {
        s.origin = { ...s.origin, sha };
        checkRunId = suite.gh.checks.add({ name: checkRunName(s), headSha: sha, status: 'in_progress', externalId: s.id });
        s.checkRunId = checkRunId;
      },
    });
    const resume = await workflowRun(21, fakeCommitSha(), { command: 'resume' });
    expect(resume.code).toBe(1);
    expect(resume.outputs['post-processing']).toBe('failed');
    const [failed] = suite.gh.checks.runs();
    expect(suite.gh.checks.runs()).toHaveLength(1);
    expect(failed).toMatchObject({ id: checkRunId, name: checkRunName(state), status: 'completed', conclusion: 'failure' });
    // Checked before the step acts: a state past its deadline sends nothing for it.
    expect(failed!.output.title).toMatch(
      /^Failed: .*its deadline `find-build-timeout` \(15 minutes from the upload\) passed before it ran/,
    );
    expect(failed!.output.summary).toMatch(/```\n.*its deadline `find-build-timeout` \(15 minutes from the upload\) passed before it ran/);
    expect(checkCalls()).toEqual([`PATCH /check-runs/${checkRunId} 200`]);
  });

  it('distribute after a failed publish carries on its check run on the commit and turns it green', async () => {
    const sha = fakeCommitSha();
    const app = suite.asc.resources('apps').find((a) => a.attributes.bundleId === 'com.example.checks');
    suite.asc.addBuild({ appId: app.id, version: '4.0', buildNumber: '398', processingState: 'VALID', usesNonExemptEncryption: false });
    const failed = suite.gh.checks.add({
      name: 'App Store Connect: Checks 4.0 (398)',
      headSha: sha,
      status: 'completed',
      conclusion: 'failure',
      output: { title: 'Failed: the build did not appear', summary: '…', text: null },
    });
    const distribute = await workflowRun(25, sha, {
      command: 'distribute',
      'bundle-id': 'com.example.checks',
      'app-version': '4.0',
      'build-number': '398',
    });
    expect(distribute.code, distribute.stdout).toBe(0);
    expect(suite.gh.checks.runs()).toEqual([
      expect.objectContaining({ id: failed, status: 'completed', conclusion: 'success', detailsUrl: runUrl(25) }),
    ]);
    expect(distribute.outputs['check-run-id']).toBe(String(failed));
    expect(checkCalls()).toEqual([
      expect.stringMatching(/^GET \/commits\/[0-9a-f]{40}\/check-runs 200$/),
      `PATCH /check-runs/${failed} 200`,
      `PATCH /check-runs/${failed} 200`,
    ]);
  });

  it('inline, two packages: one check run each, created and completed in the same run', async () => {
    packages('com.example.checks', 'com.example.checks.tv');
    const sha = fakeCommitSha();
    const publish = await workflowRun(31, sha, { path: '*.ipa' });
    expect(publish.code, publish.stdout).toBe(0);
    const made = suite.gh.checks.runs();
    expect(made.map((r) => [r.name, r.headSha, r.status, r.conclusion, r.output.title])).toEqual([
      ['App Store Connect: Checks 4.0 (41)', sha, 'completed', 'success', 'Ready for testers'],
      ['App Store Connect: Checks TV 4.0 (42)', sha, 'completed', 'success', 'Ready for testers'],
    ]);
    expect(publish.outputs['check-run-id']).toBe(made.map((r) => r.id).join('\n'));
    expect(checkCalls()).toEqual(made.flatMap((r) => ['POST /check-runs 201', `PATCH /check-runs/${r.id} 200`]));
    // The first report is the upload accepted: in progress, before any post-processing.
    expect(suite.gh.checks.requests[0]!.body).toMatchObject({ status: 'in_progress', details_url: runUrl(31) });
  });

  it('without `checks: write` (403): exit 0, one notice for the run, post-processing as before', async () => {
    suite.gh.checks.setPermission('read');
    packages('com.example.checks', 'com.example.checks.tv');
    const publish = await workflowRun(41, fakeCommitSha(), { path: '*.ipa' });
    expect(publish.code, publish.stdout).toBe(0);
    expect(publish.outputs['post-processing']).toBe('completed');
    expect(publish.stdout.match(new RegExp(NOTICE.source, 'gm'))).toHaveLength(1);
    expect(publish.stdout).toMatch(/403 Resource not accessible by integration/);
    expect(publish.stdout).not.toMatch(/::(warning|error)::/);
    expect(publish.outputs['check-run-id']).toBeUndefined();
    expect(suite.gh.checks.runs()).toEqual([]);
    expect(checkCalls().every((c) => c === 'POST /check-runs 403')).toBe(true);
  });

  it('a pull request from a fork (read-only token): the same notice, and the run succeeds', async () => {
    suite.gh.checks.setReadOnlyToken(true);
    packages('com.example.checks');
    const publish = await workflowRun(51, fakeCommitSha(), { path: '*.ipa' });
    expect(publish.code, publish.stdout).toBe(0);
    expect(publish.stdout).toMatch(NOTICE);
    expect(publish.stdout).toMatch(/pull requests from forks get a read-only token/);
    expect(suite.gh.checks.runs()).toEqual([]);
  });

  it('`status-check: false`: not a single Checks API call', async () => {
    packages('com.example.checks');
    const mark = suite.gh.requests.length;
    const publish = await workflowRun(61, fakeCommitSha(), { path: '*.ipa', 'status-check': 'false' });
    expect(publish.code, publish.stdout).toBe(0);
    expect(publish.outputs['post-processing']).toBe('completed');
    expect(suite.gh.checks.requests).toEqual([]);
    expect(suite.gh.requests.slice(mark).filter((r) => r.path.includes('/check-runs') || r.path.includes('/check-suites'))).toEqual([]);
    expect(publish.stdout).not.toMatch(/check run|checks: write/i);
  });
});
