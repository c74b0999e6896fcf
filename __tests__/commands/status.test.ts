import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { statusReporter } from '../../src/commands/status.js';
import { realDeps } from '../../src/commands/context.js';
import type { Config } from '../../src/config.js';
import type { PostProcessingState } from '../../src/postprocess/state.js';
import { plannedState } from '../../test-support/deferred.js';
import { fakeCommitSha } from '../../test-support/fake-github/checks.js';
import { applyEnv } from '../../test-support/fake-github/env.js';
import { useFakeGitHub } from '../../test-support/fake-github/suite.js';
import { recordingRuntime } from '../../test-support/log.js';

/** The check run reporter as the commands make it: from the config, the runner's environment and the log. */
const gh = useFakeGitHub({ runId: 7, reset: (fake) => fake.checks.reset() });
let restore: () => void;
const runtime = recordingRuntime();
runtime.log.debug = () => {}; // Octokit's own debug lines are not what these tests look at
const lines = runtime.log.lines;

beforeAll(() => {
  restore = applyEnv({ GITHUB_SERVER_URL: 'https://github.example.com/' });
});
afterAll(() => restore());
afterEach(() => {
  lines.length = 0;
});

// Only what the reporter reads; the rest of the config does not reach it.
const config = (statusCheck: boolean, githubToken: string | undefined) => ({ statusCheck, githubToken }) as Config;

function state(sha = fakeCommitSha()): PostProcessingState {
  return plannedState({
    app: { id: '6400000009', bundleId: 'com.example.status', name: 'Status' },
    build: { version: '1.2', buildNumber: '12', platform: 'IOS', buildUploadId: 'up-12' },
    origin: { repository: gh.repository, runId: '7', sha },
  });
}

describe('statusReporter', () => {
  it('reports on the state’s commit, linking the workflow run on the server GitHub names', async () => {
    const s = state();
    const id = await statusReporter(config(true, gh.token), runtime, realDeps).report(s);
    expect(gh.checks.runs()).toEqual([
      expect.objectContaining({
        id,
        name: 'App Store Connect: Status 1.2 (12)',
        headSha: s.origin!.sha,
        status: 'in_progress',
        detailsUrl: 'https://github.example.com/octo/app/actions/runs/7',
      }),
    ]);
    expect(lines).toEqual([]);
  });

  it.each([
    ['`status-check: false`', config(false, 'ghs_fakeGitHubToken0123456789'), {}],
    ['no `github-token`', config(true, undefined), {}],
    ['no GITHUB_REPOSITORY (the command line elsewhere)', config(true, 'ghs_fakeGitHubToken0123456789'), { GITHUB_REPOSITORY: undefined }],
  ])('%s: not a single Checks API call, and the id the state had', async (_case, cfg, env) => {
    const back = applyEnv(env);
    const mark = gh.requests.length;
    try {
      const s = state();
      s.checkRunId = 4711;
      expect(await statusReporter(cfg, runtime, realDeps).report(s, { outcome: 'failed', reason: 'x', adopt: true })).toBe(4711);
      expect(await statusReporter(cfg, runtime, realDeps).report(state())).toBeUndefined();
    } finally {
      back();
    }
    expect(gh.checks.requests).toEqual([]);
    expect(gh.requests.slice(mark)).toEqual([]);
    expect(lines).toEqual([]);
  });

  it('adopt: a state without a check run takes over the one of the same name on its commit', async () => {
    const s = state();
    const earlier = gh.checks.add({
      name: 'App Store Connect: Status 1.2 (12)',
      headSha: s.origin!.sha!,
      status: 'completed',
      conclusion: 'failure',
    });
    const reporter = statusReporter(config(true, gh.token), runtime, realDeps);
    expect(await reporter.report(s, { adopt: true })).toBe(earlier);
    expect(gh.checks.runs()).toEqual([expect.objectContaining({ id: earlier, status: 'in_progress', conclusion: null })]);
    // Without adopt, or on another commit, a new one.
    expect(await reporter.report(state(s.origin!.sha), {})).not.toBe(earlier);
    expect(await reporter.report(state(), { adopt: true })).not.toBe(earlier);
    expect(gh.checks.runs()).toHaveLength(3);
  });

  it('a failure concludes with the reason; without `checks: write` one notice and the id kept', async () => {
    const s = state();
    const reporter = statusReporter(config(true, gh.token), runtime, realDeps);
    s.checkRunId = await reporter.report(s);
    gh.checks.setPermission('read');
    expect(await reporter.report(s, { outcome: 'failed', reason: 'Apple said no\nsecond line' })).toBe(s.checkRunId);
    expect(await reporter.report(state())).toBeUndefined();
    expect(lines).toEqual([expect.stringMatching(/^notice: Add `checks: write` to the job's permissions/)]);
    gh.checks.setPermission('write');
    await reporter.report(s, { outcome: 'failed', reason: 'Apple said no\nsecond line' });
    expect(gh.checks.runs()[0]).toMatchObject({ status: 'completed', conclusion: 'failure', output: { title: 'Failed: Apple said no' } });
  });
});
