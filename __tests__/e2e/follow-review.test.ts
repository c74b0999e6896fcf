import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { released } from '../../test-support/app-store.js';
import { useDistSuite } from '../../test-support/dist-suite.js';
import { fakeCommitSha } from '../../test-support/fake-github/checks.js';
import { makeIpa } from '../../test-support/packages.js';
import type { DistRun } from '../../test-support/run-dist.js';

/**
 * Following review to the decision end to end: the bundled action under Node 24, a fake App Store Connect
 * whose reviews a test decides, and a fake GitHub (artifacts, check runs, the resume workflow). No job
 * sleeps through a review; each resume looks once, writes nothing to App Store Connect while only
 * watching, and the check run says what Apple is deciding until it has.
 */
describe('follow-review (dist/index.js)', () => {
  const suite = useDistSuite({
    fake: { partSize: 256 * 1024, timing: { uploadProcessingMs: 50, buildProcessingMs: 300 } },
    app: null,
    artifactsHoldNoSecrets: false,
    inputs: () => ({ 'poll-interval': '0.1', 'uses-non-exempt-encryption': 'false' }),
  });
  const RESUME = 'post-processing.yml';
  let nextRun = 300;

  beforeAll(() => {
    // Apple decides when a test says so.
    suite.asc.appStore.timing.reviewStartsAfterMs = 100 * 3_600_000;
  });

  /** An app on the App Store (1.0) with complete test information, and a package of 1.1 (11) in its own workspace. */
  function newApp(name: string) {
    const bundleId = `com.example.follow.${name}`;
    const id = suite.asc.addApp({ bundleId, name, primaryLocale: 'en-US' }).id;
    suite.asc.setBetaAppReviewDetailComplete(id, true);
    suite.asc.addBetaGroup(id, 'Public');
    released(suite.asc, id, { versionString: '1.0' });
    const workspace = mkdtempSync(join(tmpdir(), 'ascp-follow-'));
    makeIpa({ path: join(workspace, 'App.ipa'), bundleId, version: '1.1', buildNumber: '11', payloadBytes: 300_000 });
    return { id, bundleId, workspace, sha: fakeCommitSha() };
  }
  type App = ReturnType<typeof newApp>;

  const run = (app: App, inputs: Record<string, string>, sha = fakeCommitSha()): Promise<DistRun> =>
    suite.job(nextRun++, { 'whats-new': 'Faster sync.', ...inputs }, { workspace: app.workspace, env: { GITHUB_SHA: sha } });
  const publish = (app: App, inputs: Record<string, string>) => run(app, { path: '*.ipa', 'follow-review': 'true', ...inputs }, app.sha);
  const resume = (app: App) => run(app, { command: 'resume' });
  const checkRun = (app: App) => suite.gh.checks.runs().find((r) => r.headSha === app.sha)!;
  const writesSince = (mark: number) => suite.asc.requests.slice(mark).filter((r) => r.method !== 'GET');
  const live = () => suite.gh.artifacts().filter((a) => !a.deleted);
  const buildOf = (app: App) =>
    suite.asc.resources('builds').find((b) => b.relationships.app.data.id === app.id && b.attributes.version === '11');
  const submissionOf = (app: App) => suite.asc.resources('reviewSubmissions').find((s) => s.relationships.app.data.id === app.id)!;
  const notifications = (app: App) =>
    suite.asc.resources('buildBetaNotifications').filter((n) => n.relationships?.build?.data?.id === buildOf(app)?.id).length;

  /** Resumes until the build is only watching reviews (the check run says so). */
  async function untilWatching(app: App): Promise<DistRun> {
    for (let i = 0; i < 15; i++) {
      await new Promise((r) => setTimeout(r, 250));
      const resumed = await resume(app);
      expect(resumed.code, resumed.stdout).toBe(0);
      if (/^Waiting for /.test(checkRun(app).output.title ?? '')) return resumed;
    }
    throw new Error(`never reached the review watch: ${checkRun(app).output.title}`);
  }

  it('deferred, both reviews: pending and in progress while Apple decides, nothing written; approval → success, outputs, state deleted, schedule off', async () => {
    const app = newApp('both');
    const published = await publish(app, {
      'post-processing': 'deferred',
      'submit-beta-review': 'true',
      'beta-groups': 'Public',
      'notify-testers': 'true',
      'submit-app-store-review': 'true',
    });
    expect(published.code, published.stdout).toBe(0);
    expect(published.outputs['post-processing']).toBe('pending');
    await untilWatching(app);
    expect(checkRun(app)).toMatchObject({ status: 'in_progress', conclusion: null });
    expect(checkRun(app).output.title).toMatch(
      /^Waiting for TestFlight beta review and App Review \(since \d{4}-\d\d-\d\d \d\d:\d\d UTC\)$/,
    );
    // Testers hear of the build once Apple has approved it, not before.
    expect(notifications(app)).toBe(0);
    // The state outlives the review deadline (72 h from the submissions).
    const [saved] = live();
    expect(Date.parse(saved!.expiresAt) - Date.now()).toBeGreaterThan(3 * 86_400_000);

    const mark = suite.asc.requests.length;
    const watching = await resume(app);
    expect(watching.code, watching.stdout).toBe(0);
    expect(watching.outputs).toMatchObject({
      'post-processing': 'pending',
      'beta-review-state': 'WAITING_FOR_REVIEW',
      'app-store-state': 'WAITING_FOR_REVIEW',
    });
    expect(watching.summary).toContain('**Following review**');
    expect(watching.summary).toMatch(/TestFlight beta review — beta review waiting for review; watched until \d{4}-.*Z/);
    expect(watching.summary).toMatch(/App Review — App Review waiting for review; watched until \d{4}-.*Z/);
    expect(writesSince(mark)).toEqual([]);
    expect(checkRun(app).status).toBe('in_progress');
    expect(suite.gh.workflows.state(RESUME)).toBe('active');

    suite.asc.betaReview.approve(buildOf(app)!.id);
    suite.asc.appStore.approve(submissionOf(app).id);
    const decided = await resume(app);
    expect(decided.code, decided.stdout).toBe(0);
    expect(decided.outputs).toMatchObject({
      'post-processing': 'completed',
      'beta-review-state': 'APPROVED',
      'app-store-state': 'PENDING_DEVELOPER_RELEASE',
    });
    expect(checkRun(app)).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(checkRun(app).output.title).toMatch(/^Approved by App Review: waiting for command: release/);
    expect(notifications(app)).toBe(1);
    expect(live()).toEqual([]);
    expect(suite.gh.workflows.state(RESUME)).toBe('disabled_manually');
  });

  it('deferred: an App Review rejection fails the build naming the state and the version page', async () => {
    const app = newApp('rejected');
    const published = await publish(app, { 'post-processing': 'deferred', 'submit-app-store-review': 'true' });
    expect(published.code, published.stdout).toBe(0);
    await untilWatching(app);
    suite.asc.appStore.reject(submissionOf(app).id);
    const refused = await resume(app);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout).toContain('was not approved: REJECTED');
    expect(refused.stdout).toContain(`https://appstoreconnect.apple.com/apps/${app.id}/distribution/ios/version/inflight`);
    expect(refused.outputs['app-store-state']).toBe('REJECTED');
    expect(checkRun(app)).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(checkRun(app).output.title).toMatch(/^Failed: App Review decision: .*rejected/i);
    expect(live()).toEqual([]);
  });

  it('deferred: no decision within review-timeout → neutral with what is pending, state removed, job green with a warning', async () => {
    const app = newApp('timeout');
    const published = await publish(app, { 'post-processing': 'deferred', 'submit-beta-review': 'true', 'review-timeout': '0.001' });
    expect(published.code, published.stdout).toBe(0);
    await untilWatching(app);
    await new Promise((r) => setTimeout(r, 3700));
    const mark = suite.asc.requests.length;
    const ended = await resume(app);
    expect(ended.code, ended.stdout).toBe(0);
    expect(ended.outputs['post-processing']).toBe('timed-out');
    expect(ended.outputs['beta-review-state']).toBe('WAITING_FOR_REVIEW');
    expect(ended.stdout).toMatch(/::warning::TestFlight beta review decision: no decision within `review-timeout`/);
    expect(checkRun(app)).toMatchObject({ status: 'completed', conclusion: 'neutral' });
    expect(checkRun(app).output.title).toMatch(/^No review decision in time: TestFlight beta review still open$/);
    expect(writesSince(mark)).toEqual([]);
    expect(live()).toEqual([]);
  });

  it('inline: the job ends after submitting, handing the watch to the resume workflow; a resume finishes it', async () => {
    const app = newApp('inline');
    suite.gh.workflows.setState(RESUME, 'disabled_inactivity');
    const published = await publish(app, { 'submit-app-store-review': 'true', 'release-type': 'after-approval' });
    expect(published.code, published.stdout).toBe(0);
    expect(published.outputs).toMatchObject({ 'post-processing': 'pending', 'app-store-state': 'WAITING_FOR_REVIEW' });
    expect(published.outputs['state-artifact-id']).toMatch(/^\d+$/);
    expect(published.stdout).toContain('the resume workflow follows them (`follow-review`)');
    // Checked and enabled before the upload, like deferred.
    expect(suite.gh.workflows.state(RESUME)).toBe('active');
    expect(submissionOf(app).attributes.state).toBe('WAITING_FOR_REVIEW');
    expect(checkRun(app).output.title).toMatch(/^Waiting for App Review \(since /);
    expect(live()).toHaveLength(1);

    suite.asc.appStore.approve(submissionOf(app).id);
    const finished = await resume(app);
    expect(finished.code, finished.stdout).toBe(0);
    expect(finished.outputs).toMatchObject({ 'post-processing': 'completed', 'app-store-state': 'READY_FOR_SALE' });
    expect(checkRun(app).output.title).toMatch(/^Approved by App Review: live on the App Store/);
    expect(checkRun(app).output.summary).toMatch(
      /App Review decision \| ✅ done \| approved \\+\(ready for sale\\+\): live on the App Store/,
    );
    expect(live()).toEqual([]);
  });

  it('inline + follow-review without the resume workflow stops before the upload', async () => {
    const app = newApp('noworkflow');
    suite.gh.workflows.reset();
    const mark = suite.asc.requests.length;
    const published = await publish(app, { 'submit-app-store-review': 'true' });
    expect(published.code).not.toBe(0);
    expect(published.stdout).toContain('Input `resume-workflow`');
    expect(writesSince(mark)).toEqual([]);
  });

  it('command: release pauses and resumes a phased release, idempotently; a wrong state is refused naming it', async () => {
    const app = newApp('phased');
    const buildId = suite.asc.addBuild({ appId: app.id, version: '1.1', buildNumber: '12', usesNonExemptEncryption: false }).id;
    const { id: versionId } = suite.asc.appStore.addVersion({ appId: app.id, versionString: '1.1', buildId, state: 'READY_FOR_SALE' });
    const phased = suite.asc.appStore.addPhasedRelease(versionId, 'ACTIVE');
    const release = (action: string) =>
      run(app, { command: 'release', 'bundle-id': app.bundleId, 'app-version': '1.1', 'phased-release': action });
    const phase = () => suite.asc.resource('appStoreVersionPhasedReleases', phased.id).attributes.phasedReleaseState;

    const paused = await release('pause');
    expect(paused.code, paused.stdout).toBe(0);
    expect(phase()).toBe('PAUSED');
    expect(paused.summary).toContain('Phased release paused');
    const mark = suite.asc.requests.length;
    expect((await release('pause')).code).toBe(0);
    expect(writesSince(mark)).toEqual([]);
    const resumed = await release('resume');
    expect(resumed.code, resumed.stdout).toBe(0);
    expect(phase()).toBe('ACTIVE');
    expect(resumed.outputs).toMatchObject({ 'app-store-version-id': versionId, 'app-store-state': 'READY_FOR_SALE' });

    // Released to every user (`command: release`): nothing is left to pause.
    const completed = await run(app, { command: 'release', 'bundle-id': app.bundleId, 'app-version': '1.1' });
    expect(completed.code, completed.stdout).toBe(0);
    expect(phase()).toBe('COMPLETE');
    const refused = await release('pause');
    expect(refused.code).not.toBe(0);
    expect(refused.stdout).toContain('its phased release is COMPLETE: every user has it already');
    const wrong = await release('true');
    expect(wrong.code).not.toBe(0);
    expect(wrong.stdout).toContain('Input `phased-release`');
  });
});
