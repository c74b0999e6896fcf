import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useDistSuite } from '../../test-support/dist-suite.js';
import { fakeCommitSha } from '../../test-support/fake-github/checks.js';
import { makeIpa } from '../../test-support/packages.js';
import type { DistRun } from '../../test-support/run-dist.js';
import { expectNoSecrets } from '../../test-support/secrets.js';

const PASSWORD = 'Reviewer-Pa55word-Xq7';
const TEST_INFORMATION = {
  localizations: [
    { language: 'en-US', description: 'A notes app for teams.', feedbackEmail: 'beta@example.com', marketingUrl: 'https://example.com' },
    { language: 'fr-FR', description: 'Une application de notes.', feedbackEmail: 'beta@example.com' },
  ],
  reviewContact: { firstName: 'Jane', lastName: 'Appleseed', phone: '+1 408 555 0100', email: 'jane@example.com' },
  demoAccount: { required: true, name: 'reviewer@example.com' },
  reviewNotes: 'Sign in with the demo account; the sample workspace opens.',
};

/**
 * The first external release of an app that has no Test Information at all, run as workflows of the
 * bundled action under Node 24: a deferred publish with `submit-beta-review` and an external group,
 * resumes until done, then a second publish with the same file.
 */
describe('first external TestFlight release: Test Information from the pipeline (dist/index.js)', () => {
  const suite = useDistSuite({
    fake: { partSize: 256 * 1024, timing: { uploadProcessingMs: 100, buildProcessingMs: 600 } },
    app: null,
    inputs: () => ({ 'poll-interval': '0.1' }),
  });

  function freshApp(bundleId: string, file?: unknown) {
    const id = suite.asc.addApp({ bundleId, name: bundleId.split('.').pop(), testInformation: false }).id;
    const workspace = mkdtempSync(join(tmpdir(), 'ascp-ti-e2e-'));
    if (file) writeFileSync(join(workspace, 'test_information.json'), JSON.stringify(file, null, 2));
    return { id, bundleId, workspace };
  }
  const ipa = (app: { bundleId: string; workspace: string }, buildNumber: string) =>
    makeIpa({
      path: join(app.workspace, `b${buildNumber}`, 'App.ipa'),
      bundleId: app.bundleId,
      version: '1.0',
      buildNumber,
      payloadBytes: 300_000,
    });

  /** Every Test Information write the fake took for this app, with the attribute names it set. */
  const testInformationWrites = (appId: string) =>
    suite.asc.requests
      .filter((r) => r.method !== 'GET' && /^\/v1\/betaApp(Localizations|ReviewDetails)/.test(r.path) && r.status < 300)
      .filter((r) => JSON.stringify(r.body).includes(appId) || r.path.includes(appId) || isLocalizationOf(r.path, appId))
      .map((r) => ({
        call: `${r.method} ${r.path.split('/').slice(0, 3).join('/')}`,
        body: r.body as { data: { attributes: Record<string, unknown> } },
      }));
  const isLocalizationOf = (path: string, appId: string) =>
    suite.asc.resources('betaAppLocalizations').some((l) => path.endsWith(l.id) && l.relationships.app.data.id === appId);

  it('publish (deferred) and resumes: submitted, in the group, every field set exactly once; a second publish writes none', async () => {
    const app = freshApp('com.example.firstexternal', TEST_INFORMATION);
    suite.asc.addBetaGroup(app.id, 'Public Beta', { publicLink: true });
    ipa(app, '1');
    const common = { 'submit-beta-review': 'true', 'beta-groups': 'Public Beta', 'uses-non-exempt-encryption': 'false' };
    const runs: DistRun[] = [];
    const sha = fakeCommitSha();
    const job = async (runId: number, inputs: Record<string, string>) => {
      const run = await suite.job(
        runId,
        { 'demo-account-password': PASSWORD, ...inputs },
        { workspace: app.workspace, env: { GITHUB_SHA: sha } },
      );
      runs.push(run);
      return run;
    };

    const publish = await job(101, { ...common, path: 'b1/*.ipa', 'post-processing': 'deferred' });
    expect(publish.code, publish.stdout).toBe(0);
    expect(publish.outputs['post-processing']).toBe('pending');
    expect(publish.outputs['app-store-connect-url']).toBe(`https://appstoreconnect.apple.com/apps/${app.id}/testflight/ios`);
    expect(publish.outputs['testflight-public-link']).toMatch(/^https:\/\/testflight\.apple\.com\/join\/\w+$/);

    let resume: DistRun | undefined;
    for (let runId = 102; runId < 130; runId++) {
      await new Promise((r) => setTimeout(r, 250));
      resume = await job(runId, { command: 'resume' });
      expect(resume.code, resume.stdout).toBe(0);
      if (resume.outputs['post-processing'] === 'completed') break;
    }
    expect(resume?.outputs['post-processing']).toBe('completed');

    const build = suite.asc.resources('builds').find((b) => b.relationships.app.data.id === app.id);
    expect(suite.asc.resources('betaAppReviewSubmissions').filter((s) => s.relationships.build.data.id === build.id)).toHaveLength(1);
    const group = suite.asc.resources('betaGroups').find((g) => g.attributes.name === 'Public Beta');
    expect(group.relationships.builds.data).toEqual([{ type: 'builds', id: build.id }]);

    // Every field of the file (and the password) set once, across the publish and every resume.
    const writes = testInformationWrites(app.id);
    expect(writes.map((w) => w.call)).toEqual([
      'POST /v1/betaAppLocalizations',
      'POST /v1/betaAppLocalizations',
      'PATCH /v1/betaAppReviewDetails',
    ]);
    const set = writes.flatMap((w) =>
      Object.keys(w.body.data.attributes).map((k) => `${w.call} ${String(w.body.data.attributes.locale ?? '')}:${k}`),
    );
    expect(set).toHaveLength(4 + 3 + 8);
    expect(new Set(set).size).toBe(set.length);
    expect(writes[2]!.body.data.attributes).toEqual({
      contactFirstName: 'Jane',
      contactLastName: 'Appleseed',
      contactPhone: '+1 408 555 0100',
      contactEmail: 'jane@example.com',
      notes: TEST_INFORMATION.reviewNotes,
      demoAccountRequired: true,
      demoAccountName: 'reviewer@example.com',
      demoAccountPassword: PASSWORD,
    });

    const link = resume!.outputs['testflight-public-link'];
    expect(link).toMatch(/^https:\/\/testflight\.apple\.com\/join\/\w+$/);
    expect(resume!.outputs['app-store-connect-url']).toBe(`https://appstoreconnect.apple.com/apps/${app.id}/testflight/ios/${build.id}`);
    expect(resume!.summary).toContain(`[App Store Connect](${resume!.outputs['app-store-connect-url']})`);
    const checkRun = suite.gh.checks.runs().find((r) => r.name === 'App Store Connect: firstexternal 1.0 (1)');
    expect(checkRun?.conclusion, JSON.stringify(suite.gh.checks.runs().map((r) => r.name))).toBe('success');
    expect(checkRun?.output.summary).toContain(`[TestFlight public link](${link})`);

    ipa(app, '2');
    const before = testInformationWrites(app.id).length;
    const second = await job(140, { ...common, path: 'b2/*.ipa' });
    expect(second.code, second.stdout).toBe(0);
    expect(second.outputs['post-processing']).toBe('completed');
    expect(testInformationWrites(app.id).length).toBe(before);
    expect(second.summary).toMatch(/Test Information \| ⏭️ skipped \| already as the file says/);
    expect(second.summary).toContain(`[TestFlight public link](${link})`);
    expect(second.outputs['testflight-public-link']).toBe(link);

    // The password reached Apple, and nothing else: no log, output, summary, check run or artifact.
    expectNoSecrets({ key: suite.key.privateKeyPem, tokens: [PASSWORD], runs, artifacts: suite.gh.artifacts() });
    expect(JSON.stringify(suite.gh.checks.runs())).not.toContain(PASSWORD);
  });

  it('without the file: refused before the upload, naming each missing field and both ways to set it', async () => {
    const app = freshApp('com.example.nofile');
    suite.asc.addBetaGroup(app.id, 'Public Beta');
    ipa(app, '1');
    const run = await suite.job(
      undefined,
      { path: 'b1/*.ipa', 'submit-beta-review': 'true', 'beta-groups': 'Public Beta' },
      { workspace: app.workspace },
    );
    expect(run.code).toBe(1);
    for (const field of [
      'description',
      'feedbackEmail',
      'reviewContact.firstName',
      'reviewContact.lastName',
      'reviewContact.phone',
      'reviewContact.email',
    ])
      expect(run.stdout).toContain(field);
    expect(run.stdout).toMatch(/test_information\.json[\s\S]*App Store Connect → your app → TestFlight → Test Information/);
    expect(run.stdout).toContain('Nothing was uploaded.');
    expect(
      suite.asc.requests.filter((r) => r.method === 'POST' && r.path === '/v1/buildUploads' && JSON.stringify(r.body).includes(app.id)),
    ).toEqual([]);
  });

  it('a demo account required without `demo-account-password`: refused before the upload', async () => {
    const app = freshApp('com.example.nopassword', TEST_INFORMATION);
    ipa(app, '1');
    const run = await suite.job(undefined, { path: 'b1/*.ipa', 'submit-beta-review': 'true' }, { workspace: app.workspace });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /::error::Input `demo-account-password`: is empty, but test_information\.json says a demo account is required/,
    );
    expect(suite.asc.requests.filter((r) => r.method !== 'GET' && JSON.stringify(r.body ?? '').includes(app.id))).toEqual([]);
  });
});
