import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { released, versionInReview } from '../../test-support/app-store.js';
import { seedState } from '../../test-support/deferred.js';
import { useDistSuite } from '../../test-support/dist-suite.js';
import { makeIpa } from '../../test-support/packages.js';
import type { DistRun } from '../../test-support/run-dist.js';
import { apiWrites } from '../../test-support/setup.js';

/**
 * The App Store release end to end: the bundled action under Node 24 takes a build on from TestFlight
 * to App Review against the fake App Store Connect — inline, deferred with resumes, and `distribute`.
 */
describe('App Store release (dist/index.js)', () => {
  const suite = useDistSuite({
    fake: { partSize: 256 * 1024, timing: { uploadProcessingMs: 50, buildProcessingMs: 300 } },
    app: null,
    artifactsHoldNoSecrets: false,
    inputs: () => ({ 'poll-interval': '0.1', 'status-check': 'false', 'uses-non-exempt-encryption': 'false' }),
  });

  beforeAll(() => {
    suite.asc.appStore.timing.cancelingMs = 600;
  });

  /** An app with a package of `version` (`build`) in a workspace; `live`: 1.0 on the store in three languages. */
  function newApp(name: string, o: { version?: string; build?: string; live?: boolean } = {}) {
    const bundleId = `com.example.${name}`;
    const id = suite.asc.addApp({ bundleId, name, primaryLocale: 'en-US' }).id;
    const workspace = mkdtempSync(join(tmpdir(), 'ascp-app-store-e2e-'));
    makeIpa({
      path: join(workspace, 'App.ipa'),
      bundleId,
      version: o.version ?? '1.1',
      buildNumber: o.build ?? '11',
      payloadBytes: 300_000,
    });
    writeFileSync(
      join(workspace, 'store_notes.json'),
      JSON.stringify([
        { language: 'en-US', text: 'Faster sync.' },
        { language: 'de-DE', text: 'Schnellere Synchronisierung.' },
      ]),
    );
    if (o.live !== false) released(suite.asc, id, { versionString: '1.0' });
    return { id, bundleId, workspace };
  }

  const action = (workspace: string, inputs: Record<string, string>, runId?: number): Promise<DistRun> =>
    suite.job(runId, inputs, { workspace });

  /** `command: distribute` of build `buildNumber` of version 1.1 of `app`. */
  const distribute = (app: { bundleId: string; workspace: string }, inputs: Record<string, string>, buildNumber = '11') =>
    action(app.workspace, {
      command: 'distribute',
      'bundle-id': app.bundleId,
      'app-version': '1.1',
      'build-number': buildNumber,
      ...inputs,
    });

  /** App Store Connect writes about this app's App Store side, with ids made generic. */
  const storeWrites = (from = 0) => apiWrites(suite.asc, { from, path: /^\/v1\/(appStore|reviewSubmission)/ });
  const versionsOf = (appId: string) => suite.asc.resources('appStoreVersions').filter((v) => v.relationships.app.data.id === appId);
  const whatsNew = (versionId: string) =>
    Object.fromEntries(
      suite.asc
        .resources('appStoreVersionLocalizations')
        .filter((l) => l.relationships.appStoreVersion.data.id === versionId)
        .map((l) => [l.attributes.locale, l.attributes.whatsNew]),
    );
  const submissionsOf = (appId: string) => suite.asc.resources('reviewSubmissions').filter((s) => s.relationships.app.data.id === appId);

  it("inline publish → submitted: version created, build attached, What's New per language, phased release, release type; a distribute after changes nothing", async () => {
    const app = newApp('inline');
    const run = await action(app.workspace, {
      path: '*.ipa',
      'submit-app-store-review': 'true',
      'release-type': 'after-approval',
      'phased-release': 'true',
      copyright: '2026 Example Inc.',
      'app-store-release-notes': 'store_notes.json',
    });
    expect(run.code, run.stdout).toBe(0);
    const version = versionsOf(app.id).find((v) => v.attributes.versionString === '1.1')!;
    expect(version.attributes).toMatchObject({
      releaseType: 'AFTER_APPROVAL',
      copyright: '2026 Example Inc.',
      appStoreState: 'WAITING_FOR_REVIEW',
    });
    expect(version.relationships.build.data.id).toBe(run.outputs['build-id']);
    expect(whatsNew(version.id)).toEqual({ 'en-US': 'Faster sync.', 'de-DE': 'Schnellere Synchronisierung.', 'fr-FR': 'Faster sync.' });
    const phased = suite.asc
      .resources('appStoreVersionPhasedReleases')
      .filter((p) => p.relationships.appStoreVersion.data.id === version.id);
    expect(phased.map((p) => p.attributes.phasedReleaseState)).toEqual(['INACTIVE']);
    expect(submissionsOf(app.id).map((s) => s.attributes.state)).toEqual(['WAITING_FOR_REVIEW']);
    expect(run.outputs).toMatchObject({
      'post-processing': 'completed',
      'app-store-version-id': version.id,
      'app-store-state': 'WAITING_FOR_REVIEW',
    });
    for (const title of ['App Store version', "App Store What's New", 'App Review submission'])
      expect(run.summary).toContain(`| ${title} |`);
    expect(run.summary).toContain(`(https://appstoreconnect.apple.com/apps/${app.id}/distribution/ios/version/inflight)`);
    expect(run.stdout).toMatch(/fr-FR has no text of its own/);

    const before = suite.asc.requests.length;
    const again = await distribute(app, {
      'submit-app-store-review': 'true',
      'release-type': 'after-approval',
      'phased-release': 'true',
      copyright: '2026 Example Inc.',
      'app-store-release-notes': 'store_notes.json',
    });
    expect(again.code, again.stdout).toBe(0);
    expect(suite.asc.requests.slice(before).filter((r) => r.method !== 'GET')).toEqual([]);
    expect(again.outputs).toMatchObject({ 'app-store-version-id': version.id, 'app-store-state': 'WAITING_FOR_REVIEW' });
    expect(submissionsOf(app.id)).toHaveLength(1);
  });

  it('deferred publish and resumes → submitted once; a distribute after that repeats nothing', async () => {
    const app = newApp('deferred');
    const inputs = { 'submit-app-store-review': 'true', 'release-type': 'manual', 'phased-release': 'false', 'whats-new': 'Later.' };
    const from = suite.asc.requests.length;
    const publish = await action(app.workspace, { path: '*.ipa', 'post-processing': 'deferred', ...inputs }, 101);
    expect(publish.code, publish.stdout).toBe(0);
    expect(publish.outputs['post-processing']).toBe('pending');
    expect(storeWrites(from)).toEqual([]);

    const outcomes: string[] = [];
    for (let runId = 102; runId < 112; runId++) {
      await new Promise((r) => setTimeout(r, 200));
      const resume = await action(app.workspace, { command: 'resume' }, runId);
      expect(resume.code, resume.stdout).toBe(0);
      outcomes.push(resume.outputs['post-processing']!);
      if (resume.outputs['post-processing'] === 'completed') {
        // The resume that submitted says where the version stands, as publish does.
        expect(resume.outputs['app-store-state']).toBe('WAITING_FOR_REVIEW');
        expect(resume.outputs['app-store-version-id']).toMatch(/\S/);
        break;
      }
    }
    expect(outcomes.at(-1)).toBe('completed');
    const last = await action(app.workspace, { command: 'resume' }, 120);
    expect(last.outputs['post-processing']).toBe('skipped');

    const version = versionsOf(app.id).find((v) => v.attributes.versionString === '1.1')!;
    expect(version.attributes).toMatchObject({ appStoreState: 'WAITING_FOR_REVIEW', releaseType: 'MANUAL' });
    expect(submissionsOf(app.id)).toHaveLength(1);
    const writes = storeWrites(from);
    expect(writes.filter((w) => w === 'POST /v1/appStoreVersions')).toHaveLength(1);
    expect(writes.filter((w) => w === 'POST /v1/reviewSubmissions')).toHaveLength(1);
    expect(writes.filter((w) => w === 'POST /v1/reviewSubmissionItems')).toHaveLength(1);
    expect(writes.filter((w) => w === 'PATCH /v1/reviewSubmissions/:id')).toHaveLength(1);

    const before = suite.asc.requests.length;
    const distributed = await distribute(app, inputs);
    expect(distributed.code, distributed.stdout).toBe(0);
    expect(suite.asc.requests.slice(before).filter((r) => r.method !== 'GET')).toEqual([]);
    expect(distributed.outputs['app-store-state']).toBe('WAITING_FOR_REVIEW');
  });

  it("an editable version is renamed to app-version and used; on a first version What's New is skipped with a notice", async () => {
    const renamed = newApp('rename');
    const draft = suite.asc.appStore.addVersion({ appId: renamed.id, versionString: '1.0.5', locales: ['en-US'] });
    const run = await action(renamed.workspace, { path: '*.ipa', 'submit-app-store-review': 'true', 'whats-new': 'Bug fixes.' });
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs['app-store-version-id']).toBe(draft.id);
    expect(suite.asc.resource('appStoreVersions', draft.id).attributes).toMatchObject({
      versionString: '1.1',
      appStoreState: 'WAITING_FOR_REVIEW',
    });
    expect(versionsOf(renamed.id)).toHaveLength(2);
    expect(whatsNew(draft.id)).toEqual({ 'en-US': 'Bug fixes.' });
    expect(run.summary).toMatch(/renamed 1\.0\.5/);

    const first = newApp('first', { version: '1.0', build: '1', live: false });
    const firstRun = await action(first.workspace, { path: '*.ipa', 'submit-app-store-review': 'true', 'whats-new': 'Hello.' });
    expect(firstRun.code, firstRun.stdout).toBe(0);
    expect(firstRun.stdout).toMatch(/first App Store version of the app on IOS: Apple takes no "What's New" on it/);
    expect(firstRun.summary).toMatch(/App Store What's New \| ⏭️ skipped \| first App Store version/);
    expect(firstRun.outputs['app-store-state']).toBe('WAITING_FOR_REVIEW');
    expect(Object.values(whatsNew(firstRun.outputs['app-store-version-id']!)).filter(Boolean)).toEqual([]);
  });

  it('a submission waiting with another build: an error naming it and the input; with cancel-previous-submission it is withdrawn and this build submitted', async () => {
    const app = newApp('waiting', { build: '12' });
    const { versionId: inReview, submissionId: waiting } = versionInReview(suite.asc, app.id, {
      versionString: '1.1',
      buildNumber: '11',
      state: 'WAITING_FOR_REVIEW',
    });

    const refused = await action(app.workspace, { path: '*.ipa', 'submit-app-store-review': 'true' });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain(`review submission ${waiting}`);
    expect(refused.stdout).toContain('cancel-previous-submission');
    expect(refused.outputs['post-processing']).toBe('failed');
    expect(suite.asc.resource('reviewSubmissions', waiting).attributes.state).toBe('WAITING_FOR_REVIEW');

    const withdrawn = await distribute(
      app,
      { 'submit-app-store-review': 'true', 'cancel-previous-submission': 'true', 'whats-new': 'Fixes.' },
      '12',
    );
    expect(withdrawn.code, withdrawn.stdout).toBe(0);
    expect(withdrawn.stdout).toMatch(/withdrew review submission/);
    expect(suite.asc.resource('reviewSubmissions', waiting).attributes.state).not.toBe('WAITING_FOR_REVIEW');
    const version = suite.asc.resource('appStoreVersions', inReview);
    expect(version.attributes.appStoreState).toBe('WAITING_FOR_REVIEW');
    expect(version.relationships.build.data.id).toBe(withdrawn.outputs['build-id']);
    expect(submissionsOf(app.id).filter((s) => s.attributes.state === 'WAITING_FOR_REVIEW')).toHaveLength(1);
  });

  it("incomplete metadata: every one of Apple's associated errors is in the output, each on its own line", async () => {
    const app = newApp('metadata');
    suite.asc.appStore.incompleteMetadata = true;
    try {
      const run = await action(app.workspace, { path: '*.ipa', 'submit-app-store-review': 'true', 'whats-new': 'More.' });
      expect(run.code).toBe(1);
      expect(run.outputs['post-processing']).toBe('failed');
      for (const line of [
        'App screenshot missing (APP_IPHONE_67)',
        'The description is required.',
        'Age Rating is required.',
        "Answers to what data your app collects and how it's used are needed.",
        'Copyright is required.',
      ])
        expect(run.stdout).toMatch(new RegExp(`\\n[^\\n]*${line.replace(/[.()?]/g, '\\$&')}`));
      expect(run.summary).toContain('Age Rating is required.');
    } finally {
      suite.asc.appStore.incompleteMetadata = false;
    }
  });

  it('a package whose version is already live is refused before the upload', async () => {
    const app = newApp('live', { version: '1.0', build: '12' });
    const before = suite.asc.requests.length;
    const run = await action(app.workspace, { path: '*.ipa', 'submit-app-store-review': 'true', 'whats-new': 'More.' });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /::error::App Store version 1\.0 of com\.example\.live \(iOS\) is already READY_FOR_SALE: raise the app's version/,
    );
    expect(suite.asc.requests.slice(before).filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('a deferred state saved by the previous version (schema 1, no App Store steps) is still finished', async () => {
    const app = newApp('schema-one');
    const buildId = suite.asc.addBuild({ appId: app.id, version: '1.1', buildNumber: '11', usesNonExemptEncryption: false }).id;
    const state = seedState(suite.gh, {
      privateKeyPem: suite.key.privateKeyPem,
      appId: app.id,
      bundleId: app.bundleId,
      version: '1.1',
      buildNumber: '11',
      buildId,
      runId: 200,
      request: { notes: [{ locale: 'en-US', text: 'Old notes' }] },
      mutate: (s) => void (s.schemaVersion = 1),
    });
    const run = await action(app.workspace, { command: 'resume' }, 201);
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs['post-processing']).toBe('completed');
    expect(suite.gh.artifacts().filter((a) => !a.deleted && a.name.includes(state.id))).toEqual([]);
    expect(versionsOf(app.id).map((v) => v.attributes.versionString)).toEqual(['1.0']);
  });
});
