import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoViolations, makeTestKey, startFakeAsc, type FakeAsc, type TestKey } from '../../test-support/fake-asc/index.js';
import { startFakeGitHub, type FakeGitHub } from '../../test-support/fake-github/index.js';
import { makeIpa } from '../../test-support/packages.js';
import { runDist, type DistRun } from '../../test-support/run-dist.js';
import { expectNoSecrets } from '../../test-support/secrets.js';

/**
 * Three workflow runs of the bundled action under Node 24, against a fake App Store Connect and a
 * fake GitHub: publish with deferred post-processing, then scheduled resumes until the build is done.
 */
describe('deferred post-processing across workflow runs (dist/index.js)', () => {
  let key: TestKey;
  let asc: FakeAsc;
  let gh: FakeGitHub;
  let appId: string;
  let workspace: string;
  const runs: DistRun[] = [];

  beforeAll(async () => {
    key = makeTestKey();
    asc = await startFakeAsc({ keys: [key], partSize: 512 * 1024, timing: { uploadProcessingMs: 100, buildProcessingMs: 60 * 60_000 } });
    gh = await startFakeGitHub();
    appId = asc.addApp({ bundleId: 'com.example.deferred', name: 'Deferred' }).id;
    asc.addBetaGroup(appId, 'QA');
    asc.setBetaAppReviewDetailComplete(appId, true);
    workspace = mkdtempSync(join(tmpdir(), 'ascp-e2e-'));
    makeIpa({
      path: join(workspace, 'build', 'Deferred.ipa'),
      bundleId: 'com.example.deferred',
      version: '3.1',
      buildNumber: '310',
      payloadBytes: 1_200_000,
    });
    writeFileSync(
      join(workspace, 'release_notes.json'),
      JSON.stringify([
        { language: 'en-US', text: 'Deferred notes' },
        { language: 'fr-FR', text: 'Notes différées' },
      ]),
    );
  });
  afterAll(async () => {
    expectNoViolations(asc);
    await asc.close();
    await gh.close();
  });

  const common = () => ({
    'key-id': key.keyId,
    'issuer-id': key.issuerId!,
    'private-key': key.privateKeyPem,
    'api-url': asc.url,
    'github-token': gh.token,
    'poll-interval': '0.05',
  });

  async function workflowRun(runId: number, inputs: Record<string, string>): Promise<DistRun> {
    const run = await runDist({
      inputs: { ...common(), ...inputs },
      cwd: workspace,
      env: { ...gh.runEnv(runId), GITHUB_WORKSPACE: workspace },
    });
    runs.push(run);
    return run;
  }

  const writes = () =>
    asc.requests
      .filter((r) => r.method !== 'GET' && r.path.startsWith('/v1/'))
      .map((r) => `${r.method} ${r.path.replace(/\/(?!v1\b)[^/]*\d[^/]*(?=\/|$)/g, '/:id')}`);
  const liveArtifacts = () => gh.artifacts().filter((a) => !a.deleted);

  it('publish (deferred) → resume while processing → resume after VALID → nothing left', async () => {
    const publish = await workflowRun(1, {
      path: 'build/*.ipa',
      'post-processing': 'deferred',
      'uses-non-exempt-encryption': 'false',
      'submit-beta-review': 'true',
      'beta-groups': 'QA',
    });
    expect(publish.code, publish.stdout).toBe(0);
    expect(publish.outputs['post-processing']).toBe('pending');
    expect(liveArtifacts()).toHaveLength(1);
    expect(publish.outputs['state-artifact-id']).toBe(String(liveArtifacts()[0]!.id));
    expect(liveArtifacts()[0]!.name).toMatch(/^app-store-connect-post-processing-[0-9a-f-]{36}-r1$/);
    expect(publish.summary).toContain('Deferred 3.1 (310) — pending');
    expect(writes()).toEqual(['POST /v1/buildUploads', 'POST /v1/buildUploadFiles', 'PATCH /v1/buildUploadFiles/:id']);

    await new Promise((r) => setTimeout(r, 300)); // Apple finishes with the upload; the build is processing
    const second = await workflowRun(2, { command: 'resume' });
    expect(second.code, second.stdout).toBe(0);
    expect(second.outputs['post-processing']).toBe('pending');
    expect(liveArtifacts()).toHaveLength(1);
    expect(liveArtifacts()[0]!.name).toMatch(/-r2$/); // progress saved as a new revision, the old one deleted
    expect(second.summary).toMatch(/Deferred 3.1 \\\(310\\\) \| ⏳ pending \| Processing: processing state processing/);

    const build = asc.resources('builds')[0];
    asc.setBuildProcessingState(build.id, 'VALID');
    const third = await workflowRun(3, { command: 'resume' });
    expect(third.code, third.stdout).toBe(0);
    expect(third.outputs['post-processing']).toBe('completed');
    expect(liveArtifacts()).toHaveLength(0);
    expect(third.summary).toMatch(/Deferred 3.1 \\\(310\\\) \| ✅ completed/);
    expect(writes()).toEqual([
      'POST /v1/buildUploads',
      'POST /v1/buildUploadFiles',
      'PATCH /v1/buildUploadFiles/:id',
      'PATCH /v1/betaBuildLocalizations/:id',
      'POST /v1/betaBuildLocalizations',
      'PATCH /v1/builds/:id',
      'POST /v1/betaAppReviewSubmissions',
      'POST /v1/builds/:id/relationships/betaGroups',
    ]);

    const fourth = await workflowRun(4, { command: 'resume' });
    expect(fourth.code).toBe(0);
    expect(fourth.outputs['post-processing']).toBe('skipped');
    expect(fourth.summary).toContain('No pending post-processing.');
  });

  it('distribute can defer too: promote now, the scheduled resume finishes', async () => {
    const build = asc.addBuild({ appId, version: '3.0', buildNumber: '300', processingState: 'VALID', usesNonExemptEncryption: false });
    const promote = await workflowRun(5, {
      command: 'distribute',
      'bundle-id': 'com.example.deferred',
      'app-version': '3.0',
      'build-number': '300',
      'beta-groups': 'QA',
      'post-processing': 'deferred',
    });
    expect(promote.code, promote.stdout).toBe(0);
    expect(promote.outputs['post-processing']).toBe('pending');
    expect(liveArtifacts()).toHaveLength(1);
    const finish = await workflowRun(6, { command: 'resume' });
    expect(finish.code, finish.stdout).toBe(0);
    expect(finish.outputs['post-processing']).toBe('completed');
    expect(liveArtifacts()).toHaveLength(0);
    expect(
      asc
        .resources('betaGroups')
        .find((g) => g.attributes.name === 'QA')
        .relationships.builds.data.map((b: { id: string }) => b.id),
    ).toContain(build.id);
  });

  it('no run printed, output, summarised or stored the key or a token', () => {
    expect(runs.length).toBeGreaterThanOrEqual(4);
    expectNoSecrets({ key: key.privateKeyPem, tokens: [gh.token], runs, artifacts: gh.artifacts() });
  });
});
