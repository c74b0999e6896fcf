import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { released } from '../../test-support/app-store.js';
import { STATE_FILE } from '../../test-support/deferred.js';
import { useDistSuite } from '../../test-support/dist-suite.js';
import type { LoggedRequest } from '../../test-support/fake-asc/index.js';
import { makeIpa } from '../../test-support/packages.js';
import type { DistRun } from '../../test-support/run-dist.js';
import { recordingLog } from '../../test-support/log.js';
import { connectTo } from '../../test-support/setup.js';

/**
 * Replaying a genuine earlier state against the bundled action: someone keeps a copy of a state artifact
 * (in a public repository anyone signed in can download artifacts) and uploads it again under its own name
 * from another run of the repository once the build is finished. The key sealed it, but it is not the live
 * state: resume reports the copy and makes not one write to App Store Connect.
 */
describe('a genuine state uploaded again by another run never acts (dist/index.js)', () => {
  const suite = useDistSuite({
    fake: { partSize: 256 * 1024, timing: { uploadProcessingMs: 50, buildProcessingMs: 300 } },
    app: null,
    artifactsHoldNoSecrets: false,
    inputs: () => ({ 'poll-interval': '0.1', 'status-check': 'false', 'uses-non-exempt-encryption': 'false' }),
  });

  beforeAll(() => {
    suite.asc.appStore.timing.cancelingMs = 600;
  });

  const writesSince = (from: number): LoggedRequest[] => suite.asc.requests.slice(from).filter((r) => r.method !== 'GET');
  const live = () => suite.gh.artifacts().filter((a) => !a.deleted);

  /** A package of `bundleId` 1.1 (`build`) alone in a new workspace. */
  function workspaceWith(bundleId: string, build: string): string {
    const workspace = mkdtempSync(join(tmpdir(), 'ascp-replay-'));
    makeIpa({ path: join(workspace, 'App.ipa'), bundleId, version: '1.1', buildNumber: build, payloadBytes: 200_000 });
    return workspace;
  }

  /** Publishes deferred from run `runId`, keeps a copy of its r1 document, and resumes from `runId + 1` on until done. */
  async function publishAndFinish(workspace: string, inputs: Record<string, string>, runId: number) {
    const publish = await suite.job(runId, { path: '*.ipa', 'post-processing': 'deferred', ...inputs }, { workspace });
    expect(publish.code, publish.stdout).toBe(0);
    const r1 = live().find((a) => a.name.endsWith('-r1') && a.runId === runId)!;
    const copy = { name: r1.name, document: r1.files[STATE_FILE]!.toString() };
    let last: DistRun | undefined;
    for (let resumeRun = runId + 1; resumeRun < runId + 15; resumeRun++) {
      await new Promise((r) => setTimeout(r, 200));
      last = await suite.job(resumeRun, { command: 'resume' }, { workspace });
      expect(last.code, last.stdout).toBe(0);
      if (last.outputs['post-processing'] === 'completed') break;
    }
    expect(last?.outputs['post-processing'], last?.summary).toBe('completed');
    expect(live().filter((a) => a.name.startsWith(r1.name.replace(/-r1$/, '')))).toEqual([]);
    rmSync(workspace, { recursive: true, force: true });
    const state = JSON.parse(copy.document) as { state: { app: { id: string }; build: { buildNumber: string } } };
    const build = suite.asc
      .resources('builds')
      .find((b) => b.relationships.app.data.id === state.state.app.id && b.attributes.version === state.state.build.buildNumber);
    return { copy, buildId: build.id as string };
  }

  /** Uploads the copy under its own name from another run, resumes, and checks it was reported and nothing written. */
  async function replay(copy: { name: string; document: string }, uploadRun: number, resumeRun: number): Promise<DistRun> {
    const copyId = suite.gh.addArtifact({ name: copy.name, runId: uploadRun, files: { [STATE_FILE]: copy.document } });
    const from = suite.asc.requests.length;
    const run = await suite.job(resumeRun, { command: 'resume' });
    expect(run.code, run.stdout).toBe(0);
    expect(writesSince(from)).toEqual([]);
    expect(run.outputs['post-processing']).toBe('skipped');
    expect(run.stdout).toMatch(
      new RegExp(
        `::warning::${copy.name} is not used: it was sealed by workflow run \\d+ \\(attempt 1\\) but uploaded by run ${uploadRun}`,
      ),
    );
    expect(run.summary).toContain(`[${uploadRun}](https://github.com/${suite.gh.repository}/actions/runs/${uploadRun})`);
    expect(run.summary).toMatch(/⚠️ not used/);
    // Kept for a person to look at, and the schedule does not stay on for it.
    expect(live().some((a) => a.id === copyId)).toBe(true);
    return run;
  }

  it("a copy of 11's state, replayed after 12 went to review with cancel-previous-submission, neither withdraws 12 nor submits 11", async () => {
    const bundleId = 'com.example.replay';
    const appId = suite.asc.addApp({ bundleId, name: 'Replay', primaryLocale: 'en-US' }).id;
    released(suite.asc, appId, { versionString: '1.0' });
    const inputs = { 'submit-app-store-review': 'true', 'cancel-previous-submission': 'true', 'whats-new': 'Fixes.' };

    const eleven = await publishAndFinish(workspaceWith(bundleId, '11'), inputs, 300);
    const twelve = await publishAndFinish(workspaceWith(bundleId, '12'), inputs, 320);
    const version = suite.asc
      .resources('appStoreVersions')
      .find((v) => v.relationships.app.data.id === appId && v.attributes.versionString === '1.1');
    expect(version.relationships.build.data.id).toBe(twelve.buildId);
    const waiting = () =>
      suite.asc
        .resources('reviewSubmissions')
        .filter((s) => s.relationships.app.data.id === appId && s.attributes.state === 'WAITING_FOR_REVIEW');
    expect(waiting()).toHaveLength(1);
    const submission = waiting()[0].id;

    await replay(eleven.copy, 390, 391);
    expect(waiting().map((s) => s.id)).toEqual([submission]);
    expect(suite.asc.resource('appStoreVersions', version.id).relationships.build.data.id).toBe(twelve.buildId);
  });

  it('a copy of a state that put a build in an external group does not add it back after a person removed it, nor tell testers again', async () => {
    const bundleId = 'com.example.regroup';
    const appId = suite.asc.addApp({ bundleId, name: 'Regroup', primaryLocale: 'en-US' }).id;
    const group = suite.asc.addBetaGroup(appId, 'External');
    suite.asc.setBetaAppReviewDetailComplete(appId, true);
    const inputs = { 'beta-groups': 'External', 'submit-beta-review': 'true', 'notify-testers': 'true' };

    const { copy, buildId } = await publishAndFinish(workspaceWith(bundleId, '21'), inputs, 340);
    const members = () => (suite.asc.resource('betaGroups', group.id).relationships.builds.data as Array<{ id: string }>).map((b) => b.id);
    const notifications = () =>
      suite.asc.resources('buildBetaNotifications').filter((n) => n.relationships?.build?.data?.id === buildId).length;
    expect(members()).toContain(buildId);
    // A person takes the build out of the group in App Store Connect.
    const person = connectTo(suite.asc, suite.key, { log: recordingLog() });
    await person.http.delete(`/v1/betaGroups/${group.id}/relationships/builds`, { data: [{ type: 'builds', id: buildId }] });
    const told = notifications();

    await replay(copy, 392, 393);
    expect(members()).toEqual([]);
    expect(notifications()).toBe(told);
  });
});
