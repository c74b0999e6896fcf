import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useDistSuite } from '../../test-support/dist-suite.js';
import { makeIpa } from '../../test-support/packages.js';
import type { DistRun } from '../../test-support/run-dist.js';

/**
 * The bundled action under Node 24 against a fake App Store Connect that behaves as Apple was seen to:
 * it refuses a client checksum and a second commit, hides builds still processing unless asked, refuses
 * `<` and `>` in notes, answers 429 for the hourly limit, 404 for a beta group add until TestFlight is
 * done with the build, 422 for an all-builds internal group and for beta reviews it cannot take.
 */
describe('Apple as observed (dist/index.js)', () => {
  const suite = useDistSuite({
    fake: {
      partSize: 256 * 1024,
      timing: { uploadProcessingMs: 100, buildProcessingMs: 800, externalBetaProcessingMs: 1500, betaGroupLinkLagMs: 400 },
    },
    app: null,
    inputs: () => ({ 'poll-interval': '0.2', 'status-check': 'false' }),
  });

  function newApp(bundleId: string) {
    const id = suite.asc.addApp({ bundleId, name: bundleId.split('.').pop() }).id;
    suite.asc.setBetaAppReviewDetailComplete(id, true);
    const workspace = mkdtempSync(join(tmpdir(), 'ascp-observed-e2e-'));
    return { id, bundleId, workspace };
  }

  const action = (workspace: string, inputs: Record<string, string>): Promise<DistRun> => suite.job(undefined, inputs, { workspace });

  const requestsFor = (appBuildIds: Set<string>, pattern: RegExp) =>
    suite.asc.requests.filter((r) => pattern.test(r.path) && [...appBuildIds].some((id) => r.path.includes(id)));

  it('publish: no checksum in the commit, a lost commit answer completes without a second commit; an external group added once Apple lets it; an all-builds internal group skipped', async () => {
    const app = newApp('com.example.commit');
    suite.asc.addBetaGroup(app.id, 'Public');
    suite.asc.addBetaGroup(app.id, 'Everyone', { isInternalGroup: true, hasAccessToAllBuilds: true });
    makeIpa({ path: join(app.workspace, 'App.ipa'), bundleId: app.bundleId, version: '1.0', buildNumber: '11', payloadBytes: 900_000 });
    const patchesBefore = suite.asc.requests.filter((r) => r.method === 'PATCH' && r.path.startsWith('/v1/buildUploadFiles/')).length;
    suite.asc.faults.inject({ method: 'PATCH', path: /^\/v1\/buildUploadFiles\//, kind: 'lost', times: 1 });

    const run = await action(app.workspace, { path: '*.ipa', 'uses-non-exempt-encryption': 'false', 'beta-groups': 'Public\nEveryone' });
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs['post-processing']).toBe('completed');

    const commits = suite.asc.requests
      .filter((r) => r.method === 'PATCH' && r.path.startsWith('/v1/buildUploadFiles/'))
      .slice(patchesBefore);
    expect(commits).toHaveLength(1);
    expect(commits[0]!.fault).toBe('lost');
    expect((commits[0]!.body as { data: { attributes: unknown } }).data.attributes).toEqual({ uploaded: true });
    expect(run.stdout).toMatch(/PATCH \/v1\/buildUploadFiles\/\S+: the answer was lost, but Apple had done it; not sent again\./);

    const buildId = run.outputs['build-id']!;
    const adds = requestsFor(new Set([buildId]), /\/relationships\/betaGroups$/);
    expect(adds[0]!.status).toBe(404);
    expect(adds.at(-1)!.status).toBe(204);
    expect(adds.every((r) => (r.body as { data: Array<{ id: string }> }).data.length === 1)).toBe(true);
    expect(run.stdout).toContain(
      'Beta group "Everyone" is internal with access to every build: it gets this build without being asked, so it is skipped.',
    );
    const groups = suite.asc
      .resources('betaGroups')
      .filter((g) => g.relationships.builds.data.some((b: { id: string }) => b.id === buildId));
    expect(groups.map((g) => g.attributes.name)).toEqual(['Public']);
  });

  it('publish: a build of the same number still processing (another tool uploaded it) stops the run before the first byte', async () => {
    const app = newApp('com.example.dup');
    suite.asc.timing.buildProcessingMs = 60 * 60_000;
    suite.asc.addBuild({ appId: app.id, version: '1.0', buildNumber: '5', processingState: 'PROCESSING' });
    suite.asc.timing.buildProcessingMs = 800;
    makeIpa({ path: join(app.workspace, 'App.ipa'), bundleId: app.bundleId, version: '1.0', buildNumber: '5', payloadBytes: 50_000 });
    const run = await action(app.workspace, { path: '*.ipa' });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/::error::Build number 5 is already used for com\.example\.dup version 1\.0 \(iOS\).*CFBundleVersion 6/);
    expect(
      suite.asc.requests.some((r) => r.method === 'POST' && r.path === '/v1/buildUploads' && JSON.stringify(r.body).includes('"5"')),
    ).toBe(false);
  });

  it('latest-build-number counts builds still processing', async () => {
    const app = newApp('com.example.latest');
    suite.asc.addBuild({ appId: app.id, version: '1.0', buildNumber: '3' });
    suite.asc.timing.buildProcessingMs = 60 * 60_000;
    suite.asc.addBuild({ appId: app.id, version: '1.0', buildNumber: '4', processingState: 'PROCESSING' });
    suite.asc.timing.buildProcessingMs = 800;
    const run = await action(app.workspace, { command: 'latest-build-number', 'bundle-id': app.bundleId });
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs).toMatchObject({ 'latest-build-number': '4', 'next-build-number': '5' });
  });

  it('distribute of a build still processing waits for it and completes', async () => {
    const app = newApp('com.example.waits');
    const build = suite.asc.addBuild({ appId: app.id, version: '2.0', buildNumber: '20', processingState: 'PROCESSING' });
    const run = await action(app.workspace, {
      command: 'distribute',
      'bundle-id': app.bundleId,
      'app-version': '2.0',
      'build-number': '20',
      'uses-non-exempt-encryption': 'false',
    });
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs['post-processing']).toBe('completed');
    expect(run.stdout).toContain('Build 20 is still processing at Apple: waiting for it');
    expect(suite.asc.resource('builds', build.id).attributes.processingState).toBe('VALID');
  });

  it('notes with `<` fail before the upload, naming the file, the locale and the character', async () => {
    const app = newApp('com.example.notes');
    makeIpa({ path: join(app.workspace, 'App.ipa'), bundleId: app.bundleId, version: '1.0', buildNumber: '1', payloadBytes: 50_000 });
    writeFileSync(join(app.workspace, 'release_notes.json'), JSON.stringify([{ language: 'en-US', text: 'Try <new> search' }]));
    const before = suite.asc.requests.length;
    const run = await action(app.workspace, { path: '*.ipa' });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      '::error::Input `release-notes`: release_notes.json entry 1 (en-US) contains "<", which TestFlight refuses',
    );
    expect(suite.asc.requests.length).toBe(before);
  });

  it('inline, a 429 with Retry-After answered more often than the retry count is waited out, saying why, and the run completes', async () => {
    const app = newApp('com.example.limited');
    const build = suite.asc.addBuild({ appId: app.id, version: '3.0', buildNumber: '30', usesNonExemptEncryption: false });
    suite.asc.faults.inject({ method: 'GET', path: `/v1/builds/${build.id}`, kind: '429', times: 7, retryAfterSec: 1 });
    const run = await action(app.workspace, {
      command: 'distribute',
      'bundle-id': app.bundleId,
      'app-version': '3.0',
      'build-number': '30',
    });
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs['post-processing']).toBe('completed');
    expect(
      run.stdout.match(/hourly request limit at App Store Connect is used up \(HTTP 429\); waiting 1\.0 s for Apple's hourly limit/g),
    ).toHaveLength(7);
  }, 60_000);

  describe('beta review refusals that retrying never clears: each its own message, one request', () => {
    const cases = [
      {
        name: 'another build of the train in review',
        setup: (appId: string) => {
          suite.asc.quirks.oneBetaReviewPerTrain = true;
          const other = suite.asc.addBuild({ appId, version: '4.0', buildNumber: '39', usesNonExemptEncryption: false });
          return other;
        },
        first: true,
        message: /Another build is in review\.[\s\S]*Apple reviews one build of a version \(train 4\.0\) at a time/,
      },
      {
        name: 'the daily submission limit',
        setup: () => void (suite.asc.quirks.betaReviewDailyLimit = 0),
        message: /SUBMISSION_LIMIT_REACHED[\s\S]*daily limit of external beta review submissions/,
      },
      {
        name: 'a missing Beta App Description',
        setup: (appId: string) => void suite.asc.quirks.missingBetaAppDescription.add(appId),
        message: /Beta App Description is missing\.[\s\S]*TestFlight → Test Information/,
      },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const app = newApp(`com.example.review${cases.indexOf(c)}`);
        if (c.first) {
          c.setup(app.id);
          const prior = await action(app.workspace, {
            command: 'distribute',
            'bundle-id': app.bundleId,
            'app-version': '4.0',
            'build-number': '39',
            'submit-beta-review': 'true',
          });
          expect(prior.code, prior.stdout).toBe(0);
        } else {
          c.setup(app.id);
        }
        const build = suite.asc.addBuild({ appId: app.id, version: '4.0', buildNumber: '40', usesNonExemptEncryption: false });
        const run = await action(app.workspace, {
          command: 'distribute',
          'bundle-id': app.bundleId,
          'app-version': '4.0',
          'build-number': '40',
          'submit-beta-review': 'true',
        });
        suite.asc.quirks.oneBetaReviewPerTrain = false;
        suite.asc.quirks.betaReviewDailyLimit = undefined;
        suite.asc.quirks.missingBetaAppDescription.clear();
        expect(run.code).toBe(1);
        expect(run.stdout).toMatch(c.message);
        const posts = suite.asc.requests.filter(
          (r) => r.method === 'POST' && r.path === '/v1/betaAppReviewSubmissions' && JSON.stringify(r.body).includes(build.id),
        );
        expect(posts.map((r) => r.status)).toEqual([422]);
      });
    }
  });
});
