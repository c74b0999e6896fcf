import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestKey, type FakeAsc, type TestKey } from '../../test-support/fake-asc/index.js';
import { startFakeGitHub, type FakeGitHub } from '../../test-support/fake-github/index.js';
import { makeIpa } from '../../test-support/packages.js';
import type { DistRun } from '../../test-support/run-dist.js';
import { expectNoSecrets } from '../../test-support/secrets.js';
import { closeCheckedFake, runDistJob, startFakeAscWithApp } from '../../test-support/setup.js';

const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/;

/**
 * Failing runs print the most: errors, Apple's answers, and in debug mode every request. The bundled
 * action, run as the runner does with step debugging on, must still show neither the key nor a token
 * anywhere but in the `::add-mask::` lines that hide them.
 */
describe('no secret in the output of failing runs in debug mode (dist/index.js)', () => {
  let key: TestKey, asc: FakeAsc, gh: FakeGitHub, workspace: string, appId: string;
  const runs: DistRun[] = [];

  beforeAll(async () => {
    ({
      key,
      fake: asc,
      appId,
    } = await startFakeAscWithApp({
      fake: { partSize: 65536, timing: { uploadProcessingMs: 50, buildProcessingMs: 100 } },
      app: { bundleId: 'com.example.secret', name: 'Secret' },
      betaGroups: ['QA'],
      betaReviewReady: true,
    }));
    gh = await startFakeGitHub();
    workspace = mkdtempSync(join(tmpdir(), 'ascp-secrets-'));
    for (const build of ['1', '2']) {
      mkdirSync(join(workspace, build));
      makeIpa({
        path: join(workspace, build, 'Secret.ipa'),
        bundleId: 'com.example.secret',
        version: '1.0',
        buildNumber: build,
        payloadBytes: 100_000,
      });
      asc.failBuildProcessing(build, 'INVALID');
    }
  });
  afterAll(async () => {
    await closeCheckedFake(asc);
    await gh?.close();
  });

  async function run(runId: number, inputs: Record<string, string>): Promise<DistRun> {
    const result = await runDistJob(
      { key, asc, gh, workspace },
      runId,
      { 'poll-interval': '0.05', 'uses-non-exempt-encryption': 'false', 'beta-groups': 'QA', ...inputs },
      { env: { RUNNER_DEBUG: '1', ACTIONS_STEP_DEBUG: 'true' } },
    );
    runs.push(result);
    return result;
  }

  it('an INVALID build (inline publish), a deferred publish, and the resume that finds it INVALID', async () => {
    const inline = await run(1, { path: '1/*.ipa' });
    expect(inline.code, inline.stdout).toBe(1);
    expect(inline.stdout).toMatch(/::error::.*Apple marked the build INVALID/);

    const deferred = await run(2, { path: '2/*.ipa', 'post-processing': 'deferred' });
    expect(deferred.code, deferred.stdout).toBe(0);
    expect(gh.artifacts().filter((a) => !a.deleted)).toHaveLength(1);
    await new Promise((done) => setTimeout(done, 300)); // Apple processes the build, which turns out INVALID

    const resume = await run(3, { command: 'resume' });
    expect(resume.code, resume.stdout).toBe(1);
    expect(resume.stdout).toMatch(/::error::.*Apple marked the build INVALID/);

    // Debug mode was on: requests were logged, and every token was registered as a secret.
    for (const r of runs) expect(r.stdout).toMatch(/^::debug::GET \/v1\//m);
    const masks = runs.flatMap((r) => r.stdout.split('\n').filter((l) => l.startsWith('::add-mask::')));
    expect(masks.some((l) => JWT.test(l))).toBe(true);

    expectNoSecrets({ key: key.privateKeyPem, tokens: [gh.token], runs, artifacts: gh.artifacts() });
  });

  it('the demo account password: sent to Apple, masked, and nowhere else (distribute and resume, a lost answer read back)', async () => {
    const password = 'Sup3r-Secret-Demo-Passw0rd';
    mkdirSync(join(workspace, 'ti'));
    writeFileSync(
      join(workspace, 'ti', 'test_information.json'),
      JSON.stringify({ demoAccount: { required: true, name: 'reviewer@example.com' }, reviewNotes: 'Use the demo account.' }),
    );
    const build = asc.addBuild({ appId, version: '2.0', buildNumber: '5', usesNonExemptEncryption: false });
    asc.faults.inject({ method: 'PATCH', path: /^\/v1\/betaAppReviewDetails\//, kind: 'lost', times: 1 });
    const inputs = { 'test-information': 'ti/test_information.json', 'demo-account-password': password, 'submit-beta-review': 'true' };
    const deferred = await run(5, {
      ...inputs,
      command: 'distribute',
      'bundle-id': 'com.example.secret',
      'app-version': '2.0',
      'build-number': '5',
      'post-processing': 'deferred',
    });
    expect(deferred.code, deferred.stdout).toBe(0);
    const resume = await run(6, { command: 'resume', 'demo-account-password': password });
    expect(resume.code, resume.stdout).toBe(0);
    expect(resume.outputs['post-processing']).toBe('completed');
    expect(resume.stdout).toMatch(/the answer was lost, but Apple had done it/);
    // It did reach Apple, once, and each run registered it as a secret before anything else.
    expect(asc.resource('betaAppReviewDetails', appId).attributes.demoAccountPassword).toBe(password);
    expect(asc.resources('betaAppReviewSubmissions').some((s) => s.relationships.build.data.id === build.id)).toBe(true);
    for (const r of [deferred, resume]) {
      const lines = r.stdout.split('\n');
      const masked = lines.indexOf(`::add-mask::${password}`);
      expect(masked).toBeGreaterThanOrEqual(0);
      expect(lines.slice(0, masked).every((l) => l.startsWith('::add-mask::'))).toBe(true);
    }
    expectNoSecrets({ key: key.privateKeyPem, tokens: [gh.token, password], runs: [deferred, resume], artifacts: gh.artifacts() });
  });

  it('a key Apple refuses (401 after the fresh-token retry)', async () => {
    const stranger = makeTestKey();
    const refused = await run(4, {
      command: 'latest-build-number',
      'bundle-id': 'com.example.secret',
      'private-key': stranger.privateKeyPem,
    });
    expect(refused.code, refused.stdout).toBe(1);
    expect(refused.stdout).toMatch(/::error::.*HTTP 401/);
    expect(refused.stdout).toMatch(/^::debug::GET \/v1\/apps → 401/m);
    expectNoSecrets({ key: stranger.privateKeyPem, tokens: [gh.token], runs: [refused] });
    expectNoSecrets({ key: key.privateKeyPem, tokens: [gh.token], runs: [refused] });
  });
});
