import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useDistSuite } from '../../test-support/dist-suite.js';
import { makeIpa } from '../../test-support/packages.js';
import type { DistRun } from '../../test-support/run-dist.js';
import { apiWrites } from '../../test-support/setup.js';
import { expectNoSecrets } from '../../test-support/secrets.js';

/**
 * Three workflow runs of the bundled action under Node 24, against a fake App Store Connect and a
 * fake GitHub: publish with deferred post-processing, then scheduled resumes until the build is done.
 */
describe('deferred post-processing across workflow runs (dist/index.js)', () => {
  const suite = useDistSuite({
    fake: { partSize: 512 * 1024, timing: { uploadProcessingMs: 100, buildProcessingMs: 60 * 60_000 } },
    app: { bundleId: 'com.example.deferred', name: 'Deferred' },
    betaGroups: ['QA'],
    betaReviewReady: true,
    inputs: () => ({ 'poll-interval': '0.05' }),
  });

  beforeAll(() => {
    makeIpa({
      path: join(suite.workspace, 'build', 'Deferred.ipa'),
      bundleId: 'com.example.deferred',
      version: '3.1',
      buildNumber: '310',
      payloadBytes: 1_200_000,
    });
    writeFileSync(
      join(suite.workspace, 'release_notes.json'),
      JSON.stringify([
        { language: 'en-US', text: 'Deferred notes' },
        { language: 'fr-FR', text: 'Notes différées' },
      ]),
    );
  });

  const workflowRun = (runId: number, inputs: Record<string, string>): Promise<DistRun> => suite.job(runId, inputs);

  const writes = () => apiWrites(suite.asc);
  const liveArtifacts = () => suite.gh.artifacts().filter((a) => !a.deleted);

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

    const build = suite.asc.resources('builds')[0];
    suite.asc.setBuildProcessingState(build.id, 'VALID');
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
    const build = suite.asc.addBuild({
      appId: suite.appId,
      version: '3.0',
      buildNumber: '300',
      processingState: 'VALID',
      usesNonExemptEncryption: false,
    });
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
      suite.asc
        .resources('betaGroups')
        .find((g) => g.attributes.name === 'QA')
        .relationships.builds.data.map((b: { id: string }) => b.id),
    ).toContain(build.id);
  });

  it('no run printed, output, summarised or stored the key or a token', () => {
    expect(suite.runs.length).toBeGreaterThanOrEqual(4);
    expectNoSecrets({ key: suite.key.privateKeyPem, tokens: [suite.gh.token], runs: suite.runs, artifacts: suite.gh.artifacts() });
  });
});
