import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createChecksClient, type ChecksClient } from '../../src/github/checks.js';
import type { PostProcessingState } from '../../src/postprocess/state.js';
import {
  CHECKS_PERMISSION_NOTICE,
  MAX_SUMMARY_BYTES,
  checkRunName,
  checkRunPayload,
  reportCheckRun,
  truncateMarkdown,
} from '../../src/report/check-run.js';
import { stateSection } from '../../src/summary.js';
import { plannedState } from '../../test-support/deferred.js';
import { fakeCommitSha } from '../../test-support/fake-github/checks.js';
import { useFakeGitHub } from '../../test-support/fake-github/suite.js';
import { recordingLog } from '../../test-support/log.js';

const RUN_URL = 'https://github.com/octo/app/actions/runs/77';

function state(sha = fakeCommitSha(), name: string | undefined = 'Demo'): PostProcessingState {
  const s = plannedState({
    app: { id: '6400000001', bundleId: 'com.example.demo', ...(name ? { name } : {}) },
    build: { version: '2.1', buildNumber: '42', platform: 'IOS', buildUploadId: 'up-1' },
    uploadedAt: new Date('2026-12-01T10:00:00Z'),
    request: { notes: [{ locale: 'en-US', text: 'Try the new onboarding' }], usesNonExemptEncryption: false, betaGroups: ['QA'] },
    origin: { repository: 'octo/app', runId: '77', sha },
  });
  s.steps['upload-state'] = { status: 'done', detail: 'COMPLETE', startedAt: '2026-12-01T10:00:00Z', finishedAt: '2026-12-01T10:00:04Z' };
  s.steps['find-build'] = { status: 'done', detail: 'build 1f0c', startedAt: '2026-12-01T10:00:04Z', finishedAt: '2026-12-01T10:01:04Z' };
  s.steps.notes = { status: 'done', detail: 'created en-US' };
  s.steps.processing = { status: 'pending', startedAt: '2026-12-01T10:01:04Z' };
  s.build.id = 'b-1f0c';
  s.build.processingState = 'PROCESSING';
  return s;
}

function finish(s: PostProcessingState): PostProcessingState {
  s.build.processingState = 'VALID';
  s.steps.processing = { status: 'done', detail: 'VALID', startedAt: '2026-12-01T10:01:04Z', finishedAt: '2026-12-01T10:21:04Z' };
  s.steps['export-compliance'] = { status: 'done', detail: 'usesNonExemptEncryption: false' };
  s.steps['beta-groups'] = { status: 'done', detail: 'added to QA' };
  s.status = 'completed';
  return s;
}

describe('what the check run says', () => {
  it('is named after the app (or bundle ID), version and build', () => {
    expect(checkRunName(state())).toBe('App Store Connect: Demo 2.1 (42)');
    expect(checkRunName(state(undefined, ''))).toBe('App Store Connect: com.example.demo 2.1 (42)');
  });

  it('while pending: in progress, waiting for Apple’s processing state, with the job summary’s rows', () => {
    const s = state();
    const payload = checkRunPayload(s, { runUrl: RUN_URL });
    expect(payload.status).toBe('in_progress');
    expect(payload.conclusion).toBeUndefined();
    expect(payload.output.title).toBe('Still waiting for Apple: processing');
    // The same table as the job summary, row for row.
    const tableRows = (md: string) => md.split('\n').filter((l) => l.startsWith('|'));
    expect(tableRows(payload.output.summary)).toEqual(tableRows(stateSection(s)));
    expect(tableRows(payload.output.summary)).toEqual([
      '| Step | Result | Detail | Time |',
      '| --- | --- | --- | --- |',
      '| Upload accepted by Apple | ✅ done | complete | 4.0 s |',
      '| Build found | ✅ done | build 1f0c | 1 min 0 s |',
      '| What to Test notes | ✅ done | created en-US |  |',
      '| Processing | ⏳ waiting |  |  |',
      '| Export compliance | ⏳ pending |  |  |',
      '| Beta groups | ⏳ pending |  |  |',
    ]);
    expect(payload.output.summary).toContain(
      '[Open in App Store Connect](https://appstoreconnect.apple.com/apps/6400000001/testflight/ios/b-1f0c)',
    );
    expect(payload.output.summary).toContain(`[Workflow run](${RUN_URL})`);
  });

  it('names the step it waits for before Apple has a processing state', () => {
    const s = state();
    s.steps['find-build'] = { status: 'pending' };
    s.build.processingState = undefined;
    expect(checkRunPayload(s, { runUrl: RUN_URL }).output.title).toBe('Still waiting for Apple: the build to appear');
    s.steps['upload-state'] = { status: 'pending' };
    expect(checkRunPayload(s, { runUrl: RUN_URL }).output.title).toBe('Still waiting for Apple: checking the upload');
  });

  it('when completed: success, ready for testers, warnings counted', () => {
    const s = finish(state());
    expect(checkRunPayload(s, { runUrl: RUN_URL })).toMatchObject({
      status: 'completed',
      conclusion: 'success',
      output: { title: 'Ready for testers' },
    });
    s.steps['beta-groups'] = { status: 'warning', detail: 'group "Beta" not found' };
    expect(checkRunPayload(s, { runUrl: RUN_URL }).output.title).toBe('Ready for testers, 1 warning');
  });

  it('when failed: failure with the reason in brief in the title and in full, as wrapped text, below the table', () => {
    const s = state();
    s.status = 'failed';
    s.failure = 'Apple did not finish processing build 42 within 120 minutes of the upload.\nRun `command: distribute` once it is VALID.';
    const payload = checkRunPayload(s, { runUrl: RUN_URL });
    expect(payload).toMatchObject({
      status: 'completed',
      conclusion: 'failure',
      output: { title: 'Failed: Apple did not finish processing build 42 within 120 minutes of the…' },
    });
    // Paragraphs, not a fenced block: GitHub wraps them, and `code` spans stay code.
    expect(payload.output.summary).toContain(
      '\n\nApple did not finish processing build 42 within 120 minutes of the upload.\n\nRun `command: distribute` once it is VALID.',
    );
    expect(payload.output.summary).not.toContain('```');
    // An explicit outcome and reason win over the state's.
    const refused = checkRunPayload(state(), { runUrl: RUN_URL, outcome: 'failed', reason: 'INVALID: ITMS-90683 missing purpose string' });
    expect(refused.output.title).toBe('Failed: INVALID: ITMS-90683 missing purpose string');
  });

  it('bounds the summary to GitHub’s 65535 bytes, cutting between characters', () => {
    const s = state();
    s.status = 'failed';
    s.failure = `Apple said:\n${'€ detail '.repeat(20_000)}`;
    s.steps.notes = { status: 'done', detail: '🎉'.repeat(3000) };
    const { summary } = checkRunPayload(s, { runUrl: RUN_URL }).output;
    expect(Buffer.byteLength(summary)).toBeLessThanOrEqual(MAX_SUMMARY_BYTES);
    expect(Buffer.byteLength(summary)).toBeGreaterThan(MAX_SUMMARY_BYTES - 200);
    expect(summary).not.toContain('\uFFFD');
    expect(summary).not.toContain('```');
    expect(summary).toMatch(/€ d\S*\n\n… \(cut to fit GitHub’s limit; the workflow run’s job summary has everything\)$/);
    // The build failed: a step still pending will never run.
    expect(summary).toContain('| Beta groups | ⏭️ skipped | not run: an earlier step failed |');
    expect([...checkRunPayload(s, { runUrl: RUN_URL }).output.title].length).toBeLessThanOrEqual(80);
  });

  it('leaves short Markdown alone and never splits a surrogate pair', () => {
    expect(truncateMarkdown('short', 100)).toBe('short');
    const cut = truncateMarkdown('😀'.repeat(200), 150);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(150);
    expect(cut.replace(/\n\n….*$/s, '')).toMatch(/^(😀)+$/u);
  });
});

describe('reporting to GitHub', () => {
  const gh = useFakeGitHub({ token: 'ghs_report', reset: (fake) => fake.checks.reset() });
  let checks: ChecksClient;
  const log = recordingLog();
  const lines = log.lines;

  beforeAll(() => {
    checks = createChecksClient({ token: 'ghs_report', repository: 'octo/app', apiUrl: gh.apiUrl, retry: { baseDelayMs: 5 } });
  });
  afterEach(() => {
    lines.length = 0;
  });

  it('creates in progress, updates while pending, completes with success: one check run', async () => {
    const s = state();
    const id = await reportCheckRun(checks, s, { runUrl: RUN_URL, log });
    expect(id).toBeGreaterThan(0);
    expect(gh.checks.runs()).toEqual([
      expect.objectContaining({
        id,
        name: 'App Store Connect: Demo 2.1 (42)',
        headSha: s.origin!.sha,
        status: 'in_progress',
        externalId: s.id,
        detailsUrl: RUN_URL,
        output: expect.objectContaining({ title: 'Still waiting for Apple: processing' }),
      }),
    ]);

    const resumeUrl = 'https://github.com/octo/app/actions/runs/78';
    expect(await reportCheckRun(checks, s, { runUrl: resumeUrl, checkRunId: id, log })).toBe(id);
    expect(gh.checks.runs()[0]).toMatchObject({ status: 'in_progress', conclusion: null, detailsUrl: resumeUrl });

    expect(await reportCheckRun(checks, finish(s), { runUrl: resumeUrl, checkRunId: id, log })).toBe(id);
    const [run] = gh.checks.runs();
    expect(gh.checks.runs()).toHaveLength(1);
    expect(run).toMatchObject({ status: 'completed', conclusion: 'success', output: { title: 'Ready for testers' } });
    expect(run!.output.summary).toContain('| Processing | ✅ done | valid | 20 min 0 s |');
    expect(gh.checks.requests.map((r) => `${r.method} ${r.status}`)).toEqual(['POST 201', 'PATCH 200', 'PATCH 200']);
    expect(lines).toEqual([]);
  });

  it('concludes failure with the reason', async () => {
    const s = state();
    const id = await reportCheckRun(checks, s, { runUrl: RUN_URL, log });
    s.status = 'failed';
    s.failure = 'Apple marked build 42 INVALID.';
    await reportCheckRun(checks, s, { runUrl: RUN_URL, checkRunId: id, log });
    expect(gh.checks.runs()[0]).toMatchObject({
      status: 'completed',
      conclusion: 'failure',
      output: { title: 'Failed: Apple marked build 42 INVALID.' },
    });
  });

  it('when the kept id is gone, finds the check run by name on the commit and updates it', async () => {
    const s = state();
    const id = await reportCheckRun(checks, s, { runUrl: RUN_URL, log });
    const returned = await reportCheckRun(checks, finish(s), { runUrl: RUN_URL, checkRunId: 999, log });
    expect(returned).toBe(id);
    expect(gh.checks.runs()).toEqual([expect.objectContaining({ id, conclusion: 'success' })]);
    expect(gh.checks.requests.map((r) => `${r.method} ${r.status}`)).toEqual(['POST 201', 'PATCH 404', 'GET 200', 'PATCH 200']);
    expect(lines).toEqual([expect.stringContaining('info: Check run 999 no longer exists')]);
  });

  it('when the kept id is gone and nothing has the name, creates a new one', async () => {
    const s = state();
    const id = await reportCheckRun(checks, s, { runUrl: RUN_URL, checkRunId: 999, log });
    expect(gh.checks.runs()).toEqual([expect.objectContaining({ id, status: 'in_progress' })]);
  });

  it('uses the commit of the publish run kept in the state, else the one given', async () => {
    const given = fakeCommitSha();
    const published = state();
    await reportCheckRun(checks, published, { runUrl: RUN_URL, headSha: given, log });
    const unknownOrigin = state();
    unknownOrigin.origin = undefined;
    await reportCheckRun(checks, unknownOrigin, { runUrl: RUN_URL, headSha: given, log });
    expect(gh.checks.runs().map((r) => r.headSha)).toEqual([published.origin!.sha, given]);

    expect(await reportCheckRun(checks, unknownOrigin, { runUrl: RUN_URL, log })).toBeUndefined();
    expect(lines).toEqual([
      expect.stringMatching(/^info: No check run for "App Store Connect: Demo 2.1 \(42\)": the commit .* is not known/),
    ]);
  });

  it('without checks: write: one notice for all packages, no throw, the known id kept', async () => {
    gh.checks.setPermission('read');
    const first = await reportCheckRun(checks, state(), { runUrl: RUN_URL, log });
    const second = await reportCheckRun(checks, state(), { runUrl: RUN_URL, checkRunId: 5, log });
    expect(first).toBeUndefined();
    expect(second).toBe(5);
    expect(lines).toEqual([
      `notice: ${CHECKS_PERMISSION_NOTICE} (GitHub: 403 Resource not accessible by integration; pull requests from forks get a read-only token). Post-processing goes on.`,
    ]);
    expect(gh.checks.runs()).toEqual([]);
  });

  it('with the read-only token of a fork’s pull request: the same notice, through info when the host has no notice', async () => {
    gh.checks.setReadOnlyToken(true);
    const infoOnly = { info: (m: string) => lines.push(`info: ${m}`), warning: (m: string) => lines.push(`warning: ${m}`) };
    await expect(reportCheckRun(checks, state(), { runUrl: RUN_URL, log: infoOnly })).resolves.toBeUndefined();
    expect(lines).toEqual([expect.stringContaining(`info: ${CHECKS_PERMISSION_NOTICE}`)]);
  });

  it('a failure after every retry is a warning naming GitHub’s answer, not a failure', async () => {
    const s = state();
    const id = await reportCheckRun(checks, s, { runUrl: RUN_URL, log });
    gh.faults.inject({ method: 'PATCH', path: `/repos/octo/app/check-runs/${id}`, kind: '500', times: 4 });
    expect(await reportCheckRun(checks, s, { runUrl: RUN_URL, checkRunId: id, log })).toBe(id);
    expect(lines).toEqual([
      expect.stringMatching(
        /^warning: The check run "App Store Connect: Demo 2\.1 \(42\)" on commit [0-9a-f]{7} was not updated: Could not update check run \d+: 500 Server Error\. GitHub failed on every try; the next run that advances the build reports again\. Post-processing goes on\.$/,
      ),
    ]);
  });

  it('a 422 reaches the log as a warning with GitHub’s message', async () => {
    const s = state();
    s.origin = undefined;
    expect(await reportCheckRun(checks, s, { runUrl: RUN_URL, headSha: 'not-a-commit', log })).toBeUndefined();
    expect(lines).toEqual([
      expect.stringMatching(
        /^warning: .*Could not create the check run "App Store Connect: Demo 2\.1 \(42\)": 422 No commit found for SHA: not-a-commit .*report this/,
      ),
    ]);
  });

  it('keeps an oversized report within GitHub’s limit, so GitHub accepts it', async () => {
    const s = finish(state());
    s.steps.notes = { status: 'done', detail: 'x'.repeat(100_000) };
    const id = await reportCheckRun(checks, s, { runUrl: RUN_URL, log });
    expect(id).toBeGreaterThan(0);
    expect(lines).toEqual([]);
    expect(Buffer.byteLength(gh.checks.runs()[0]!.output.summary!)).toBeLessThanOrEqual(65535);
  });
});
