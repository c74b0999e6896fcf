import { describe, expect, it } from 'vitest';
import { released, versionInReview } from '../../test-support/app-store.js';
import { world } from './setup.js';

describe('App Store steps against the fake App Store Connect', () => {
  it("creates the version, sets it up, writes What's New per language and submits; a rerun and a distribute change nothing", async () => {
    const w = await world();
    released(w.fake, w.appId);
    const state = w.plan({
      notes: [
        { locale: 'en-US', text: 'Faster sync.' },
        { locale: 'de-DE', text: 'Schnellere Synchronisierung.' },
        { locale: 'ja', text: '同期が速くなりました。' },
      ],
      releaseType: 'SCHEDULED',
      earliestReleaseDate: '2026-12-24T09:00:00.000Z',
      copyright: '2026 Example Inc.',
      phasedRelease: true,
    });
    const results = await w.runAll(state);

    expect(results['app-store-version']).toMatchObject({ status: 'done' });
    expect(results['app-store-version'].detail).toContain('created version 1.1.0');
    expect(results['app-store-version'].detail).toContain('phased release on');
    const versionId = state.appStore!.versionId!;
    const version = w.fake.resource('appStoreVersions', versionId);
    expect(version.attributes).toMatchObject({
      versionString: '1.1.0',
      platform: 'IOS',
      releaseType: 'SCHEDULED',
      earliestReleaseDate: '2026-12-24T09:00:00.000Z',
      copyright: '2026 Example Inc.',
      appStoreState: 'WAITING_FOR_REVIEW',
    });
    expect(version.relationships.build.data.id).toBe(w.buildId);
    expect(w.fake.resources('appStoreVersionPhasedReleases')).toHaveLength(1);

    const texts = Object.fromEntries(
      w.fake
        .resources('appStoreVersionLocalizations')
        .filter((l) => l.relationships.appStoreVersion.data.id === versionId)
        .map((l) => [l.attributes.locale, l.attributes.whatsNew]),
    );
    expect(texts).toEqual({ 'en-US': 'Faster sync.', 'de-DE': 'Schnellere Synchronisierung.', 'fr-FR': 'Faster sync.' });
    expect(results['app-store-whats-new'].status).toBe('warning');
    expect(results['app-store-whats-new'].detail).toContain('no ja language');
    expect(w.log.infos.join('\n')).toMatch(/fr-FR has no text of its own.*en-US text/);

    expect(results['app-store-submit']).toMatchObject({ status: 'done' });
    expect(state.appStore).toMatchObject({ versionId, versionState: 'WAITING_FOR_REVIEW' });
    expect(w.fake.resource('reviewSubmissions', state.appStore!.submissionId!).attributes.state).toBe('WAITING_FOR_REVIEW');

    // A rerun of the same state, then a `distribute` of the same build (a fresh plan): no write at all.
    const before = w.writes().length;
    const again = await w.runAll(state);
    const distribute = w.plan({ notes: state.request.appStore!.notes, releaseType: 'SCHEDULED', phasedRelease: true });
    const fresh = await w.runAll(distribute);
    expect(w.writes().length).toBe(before);
    expect(again['app-store-submit'].detail).toContain('already submitted with this build');
    expect(fresh['app-store-version'].detail).toContain('in review with this build');
    expect(fresh['app-store-submit'].detail).toContain('already submitted with this build');
    expect(w.fake.resources('reviewSubmissions')).toHaveLength(1);
    // Every review-submission lookup names the platform (without it Apple returns other platforms' drafts).
    for (const r of w.fake.requests.filter((r) => r.method === 'GET' && r.path === '/v1/reviewSubmissions'))
      expect(r.query['filter[platform]']).toBe('IOS');
  });

  it('renames the one editable version instead of creating one, and turns an existing phased release off', async () => {
    const w = await world();
    released(w.fake, w.appId);
    const { id } = w.fake.appStore.addVersion({ appId: w.appId, versionString: '1.0.5', locales: ['en-US'] });
    w.fake.appStore.addPhasedRelease(id, 'INACTIVE');
    const state = w.plan({ phasedRelease: false, releaseType: 'MANUAL' });
    const results = await w.runAll(state);
    expect(results['app-store-version'].detail).toContain('renamed 1.0.5 (PREPARE_FOR_SUBMISSION) to 1.1.0');
    expect(results['app-store-version'].detail).toContain('phased release off');
    expect(state.appStore?.versionId).toBe(id);
    expect(w.writes().filter((r) => r.method === 'POST' && r.path === '/v1/appStoreVersions')).toHaveLength(0);
    expect(w.fake.resources('appStoreVersionPhasedReleases')).toHaveLength(0);
    expect(w.fake.resource('appStoreVersions', id).attributes).toMatchObject({
      versionString: '1.1.0',
      appStoreState: 'WAITING_FOR_REVIEW',
    });
  });

  it("skips What's New with a notice on the app's first version, and still submits", async () => {
    const w = await world();
    const state = w.plan();
    const results = await w.runAll(state);
    expect(results['app-store-whats-new'].status).toBe('skipped');
    expect(results['app-store-whats-new'].detail).toContain('first App Store version');
    expect(w.log.infos.some((l) => l.includes('first App Store version'))).toBe(true);
    expect(w.writes().some((r) => r.path.startsWith('/v1/appStoreVersionLocalizations'))).toBe(false);
    expect(results['app-store-submit'].status).toBe('done');
    expect(state.appStore?.versionState).toBe('WAITING_FOR_REVIEW');
  });

  it('refuses a version already live with that string, saying to raise app-version', async () => {
    const w = await world();
    const other = w.fake.addBuild({ appId: w.appId, version: '1.1.0', buildNumber: '41', usesNonExemptEncryption: false }).id;
    w.fake.appStore.addVersion({ appId: w.appId, versionString: '1.1.0', buildId: other, state: 'READY_FOR_SALE' });
    await expect(w.run(w.plan(), 'app-store-version')).rejects.toThrow(/already on the App Store with build 41\. Raise `app-version`/);
    expect(w.writes()).toHaveLength(0);
  });

  it('a version in review with another build: an error naming the submission and the input, or with the input, withdrawn and replaced', async () => {
    const w = await world();
    released(w.fake, w.appId);
    const { versionId, submissionId } = versionInReview(w.fake, w.appId, {
      versionString: '1.1.0',
      buildNumber: '41',
      state: 'WAITING_FOR_REVIEW',
    });

    const error = await w.run(w.plan(), 'app-store-version').catch((e: Error) => e);
    expect(String(error)).toContain(`review submission ${submissionId} (WAITING_FOR_REVIEW, holding version 1.1.0 (WAITING_FOR_REVIEW))`);
    expect(String(error)).toContain('`cancel-previous-submission: true`');
    expect(String(error)).toContain('build 41');
    expect(w.writes()).toHaveLength(0);

    const state = w.plan({ cancelPreviousSubmission: true });
    const first = await w.run(state, 'app-store-version');
    expect(first).toMatchObject({ status: 'waiting' });
    expect(first.detail).toContain('withdrew review submission');
    const second = await w.run(state, 'app-store-version');
    expect(second.detail).toContain('CANCELING');
    expect(w.writes().filter((r) => r.method === 'PATCH' && r.path === `/v1/reviewSubmissions/${submissionId}`)).toHaveLength(1);
    const results = await w.runAll(state);
    expect(results['app-store-version'].detail).toContain('build 42 attached');
    expect(results['app-store-submit'].status).toBe('done');
    expect(state.appStore?.submissionId).not.toBe(submissionId);
    expect(w.fake.resource('reviewSubmissions', submissionId).attributes.state).toBe('COMPLETE');
    expect(w.fake.resource('appStoreVersions', versionId).relationships.build.data.id).toBe(w.buildId);
  });

  it('another version waiting for review blocks a new one; with cancel-previous-submission it is withdrawn, then renamed', async () => {
    const w = await world();
    released(w.fake, w.appId);
    const { submissionId } = versionInReview(w.fake, w.appId, { versionString: '1.0.9', buildNumber: '30', state: 'IN_REVIEW' });
    await expect(w.run(w.plan(), 'app-store-version')).rejects.toThrow(
      /1\.0\.9 \(IN_REVIEW\) is in review with build 30.*cancel-previous-submission/s,
    );

    const state = w.plan({ cancelPreviousSubmission: true });
    const results = await w.runAll(state);
    expect(results['app-store-version'].detail).toContain('renamed 1.0.9 (DEVELOPER_REJECTED) to 1.1.0');
    expect(results['app-store-submit'].status).toBe('done');
    expect(w.fake.resource('reviewSubmissions', submissionId).attributes.state).toBe('COMPLETE');
  });

  it('a version in review that no open submission holds yet says what to do instead of waiting', async () => {
    const w = await world();
    released(w.fake, w.appId);
    const other = w.fake.addBuild({ appId: w.appId, version: '1.0.9', buildNumber: '30', usesNonExemptEncryption: false }).id;
    w.fake.appStore.addVersion({ appId: w.appId, versionString: '1.0.9', buildId: other, state: 'WAITING_FOR_REVIEW', locales: ['en-US'] });
    await expect(w.run(w.plan(), 'app-store-version')).rejects.toThrow(
      /1\.0\.9 \(WAITING_FOR_REVIEW\) is in review with build 30, so Apple allows no new version, and no open review submission holds it.*set `cancel-previous-submission: true`.*remove it from review.*run `command: distribute` for build 42 again/,
    );
    expect(w.writes()).toEqual([]);
    // With the input, the step waits for Apple to show the submission it can withdraw.
    expect(await w.run(w.plan({ cancelPreviousSubmission: true }), 'app-store-version')).toMatchObject({
      status: 'waiting',
      detail: expect.stringContaining('no open review submission holds it yet'),
    });
  });

  it('a submission with unresolved issues that holds this version is only submitted again', async () => {
    const w = await world();
    released(w.fake, w.appId);
    const state = w.plan();
    await w.runAll(state);
    const submissionId = state.appStore!.submissionId!;
    w.fake.appStore.reject(submissionId);
    const again = w.plan();
    const results = await w.runAll(again);
    expect(results['app-store-submit'].detail).toContain('submitted again (it had unresolved issues)');
    expect(again.appStore?.submissionId).toBe(submissionId);
    expect(w.fake.resources('reviewSubmissions')).toHaveLength(1);
    expect(w.writes().filter((r) => r.method === 'POST' && r.path === '/v1/reviewSubmissionItems')).toHaveLength(1);
    expect(w.fake.resource('reviewSubmissions', submissionId).attributes.state).toBe('WAITING_FOR_REVIEW');
  });

  it('waits while the submission holding the version is COMPLETING, then reports the review done', async () => {
    const w = await world();
    released(w.fake, w.appId);
    const state = w.plan();
    await w.runAll(state);
    const submissionId = state.appStore!.submissionId!;
    w.fake.appStore.setSubmissionState(submissionId, 'COMPLETING');
    expect(await w.run(state, 'app-store-submit')).toMatchObject({ status: 'waiting', detail: expect.stringContaining('COMPLETING') });
    w.fake.appStore.setSubmissionState(submissionId, 'COMPLETE');
    w.fake.appStore.setVersionState(state.appStore!.versionId!, 'PENDING_DEVELOPER_RELEASE');
    expect(await w.run(state, 'app-store-submit')).toMatchObject({
      status: 'done',
      detail: 'already reviewed with this build: PENDING_DEVELOPER_RELEASE',
    });
  });

  it("reuses an empty draft of the platform, never another platform's", async () => {
    const w = await world();
    released(w.fake, w.appId);
    const { id: macDraft } = w.fake.appStore.addSubmission({ appId: w.appId, platform: 'MAC_OS', state: 'READY_FOR_REVIEW' });
    const { id: draft } = w.fake.appStore.addSubmission({ appId: w.appId, state: 'READY_FOR_REVIEW' });
    const state = w.plan();
    const results = await w.runAll(state);
    expect(results['app-store-submit'].detail).toContain('reused an empty draft');
    expect(state.appStore?.submissionId).toBe(draft);
    expect(w.fake.resource('reviewSubmissions', macDraft).attributes.state).toBe('READY_FOR_REVIEW');
    expect(w.writes().filter((r) => r.method === 'POST' && r.path === '/v1/reviewSubmissions')).toHaveLength(0);
  });

  it('a draft that holds other items is not reused: named, or withdrawn with cancel-previous-submission', async () => {
    const w = await world();
    const { versionId: live } = released(w.fake, w.appId);
    const { id: draft } = w.fake.appStore.addSubmission({ appId: w.appId, state: 'READY_FOR_REVIEW', versionIds: [live] });
    const state = w.plan();
    await w.run(state, 'app-store-version');
    await expect(w.run(state, 'app-store-submit')).rejects.toThrow(
      new RegExp(`draft review submission.*${draft}.*holding version 1\\.0\\.0`, 's'),
    );
    state.request.appStore!.cancelPreviousSubmission = true;
    expect((await w.run(state, 'app-store-submit')).status).toBe('waiting');
    w.clock.ms += 120_000;
    expect((await w.run(state, 'app-store-submit')).status).toBe('done');
    expect(w.fake.resource('reviewSubmissions', draft).attributes.state).toBe('COMPLETE');
  });

  it('shows every associated error of a refused submission on its own line with where to fix it', async () => {
    const w = await world();
    released(w.fake, w.appId);
    w.fake.appStore.incompleteMetadata = true;
    const state = w.plan();
    await w.run(state, 'app-store-version');
    await w.run(state, 'app-store-whats-new');
    const error = await w.run(state, 'app-store-submit').catch((e: Error) => e);
    const message = String((error as Error).message);
    const lines = message.split('\n').filter((l) => l.startsWith('- ') && l.includes('→ fix in App Store Connect'));
    expect(lines).toHaveLength(5);
    expect(message).toMatch(/Copyright is required.*Copyright \(or the `copyright` input\)/);
    expect(message).toMatch(/App screenshot missing \(APP_IPHONE_67\).*Previews and Screenshots/);
    expect(message).toMatch(/description is required.*Description \(every language\)/);
    expect(message).toMatch(/Age Rating is required.*App Information → Age Rating/);
    expect(message).toMatch(/data your app collects.*App Privacy/);
    expect(message).toContain('STATE_ERROR.ENTITY_STATE_INVALID');
    expect(message).toContain('`command: distribute`');
  });

  it("one language's failure does not stop the others; all failures are reported together", async () => {
    const w = await world();
    released(w.fake, w.appId);
    w.fake.appStore.refuseWhatsNew.add('de-DE');
    const state = w.plan({
      notes: [
        { locale: 'en-US', text: 'New.' },
        { locale: 'fr-FR', text: 'Nouveau.' },
      ],
    });
    await w.run(state, 'app-store-version');
    await expect(w.run(state, 'app-store-whats-new')).rejects.toThrow(
      /could not be set for de-DE \(done: en-US set, fr-FR set\).*- de-DE: App Store Connect answered PATCH/s,
    );
    const texts = w.fake.resources('appStoreVersionLocalizations').map((l) => [l.attributes.locale, l.attributes.whatsNew]);
    expect(texts).toContainEqual(['fr-FR', 'Nouveau.']);
    expect(texts).toContainEqual(['en-US', 'New.']);
  });

  it('a version create whose answer was lost is read back, not repeated into a failure', async () => {
    const w = await world({ timeoutMs: 300, sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 50) + 700)) });
    released(w.fake, w.appId);
    w.fake.faults.inject({ method: 'POST', path: '/v1/appStoreVersions', kind: 'slow', delayMs: 600, times: 1 });
    const state = w.plan();
    const result = await w.run(state, 'app-store-version');
    expect(result.detail).toContain('found version 1.1.0 (created by an earlier attempt)');
    expect(w.fake.resources('appStoreVersions').filter((v) => v.attributes.versionString === '1.1.0')).toHaveLength(1);
    const retried = w.fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/appStoreVersions');
    expect(retried.map((r) => r.status)).toEqual([201, 409]);
    // The build was attached by the read-back path, since the lost create's answer never said so.
    expect(w.fake.resource('appStoreVersions', state.appStore!.versionId!).relationships.build.data.id).toBe(w.buildId);
  }, 20_000);
  it('an editable version created by an overlapping run between our read and our create is taken over', async () => {
    const w = await world();
    released(w.fake, w.appId);
    w.fake.faults.inject({ method: 'POST', path: '/v1/appStoreVersions', kind: 'slow', delayMs: 400, times: 1 });
    const state = w.plan();
    const running = w.run(state, 'app-store-version');
    await new Promise((r) => setTimeout(r, 150));
    const { id } = w.fake.appStore.addVersion({ appId: w.appId, versionString: '1.0.7', locales: ['en-US'] });
    const result = await running;
    expect(result.detail).toContain('renamed 1.0.7 (PREPARE_FOR_SUBMISSION) to 1.1.0 (it appeared meanwhile)');
    expect(result.detail).toContain('build 42 attached');
    expect(state.appStore?.versionId).toBe(id);
    const refused = w.fake.requests.find((r) => r.method === 'POST' && r.path === '/v1/appStoreVersions');
    expect(refused?.status).toBe(409);
  });

  it("once App Review approved the build, a distribute leaves What's New and the submission alone", async () => {
    const w = await world();
    released(w.fake, w.appId);
    const state = w.plan();
    await w.runAll(state);
    w.fake.appStore.setVersionState(state.appStore!.versionId!, 'PENDING_DEVELOPER_RELEASE');
    const before = w.writes().length;
    const results = await w.runAll(w.plan({ notes: [{ locale: 'en-US', text: 'Other text.' }] }));
    expect(results['app-store-version'].detail).toContain('already ships this build');
    expect(results['app-store-whats-new']).toMatchObject({
      status: 'skipped',
      detail: expect.stringContaining('PENDING_DEVELOPER_RELEASE'),
    });
    expect(results['app-store-submit'].detail).toBe('already reviewed with this build: PENDING_DEVELOPER_RELEASE');
    expect(w.writes().length).toBe(before);
  });
  it('another waiting submission of the platform stops the submit with its name, or is withdrawn and waited out', async () => {
    const w = await world();
    const { versionId: live } = released(w.fake, w.appId);
    const { id: other } = w.fake.appStore.addSubmission({ appId: w.appId, state: 'UNRESOLVED_ISSUES', versionIds: [live] });
    const state = w.plan();
    await w.run(state, 'app-store-version');
    await w.run(state, 'app-store-whats-new');
    await expect(w.run(state, 'app-store-submit')).rejects.toThrow(
      new RegExp(
        `review submission ${other} \\(UNRESOLVED_ISSUES, holding version 1\\.0\\.0.*\\. Wait.*\`cancel-previous-submission: true\``,
      ),
    );
    state.request.appStore!.cancelPreviousSubmission = true;
    expect(await w.run(state, 'app-store-submit')).toMatchObject({ status: 'waiting', detail: expect.stringContaining('withdrew') });
    expect(await w.run(state, 'app-store-submit')).toMatchObject({ status: 'waiting', detail: expect.stringContaining('CANCELING') });
    w.clock.ms += w.fake.appStore.timing.cancelingMs;
    expect(await w.run(state, 'app-store-submit')).toMatchObject({ status: 'done' });
    expect(w.fake.appStore.submission(state.appStore!.submissionId!).attributes.state).toBe('WAITING_FOR_REVIEW');
  });

  it('a 409 on attaching the build explains that the version is in review', async () => {
    const w = await world();
    released(w.fake, w.appId);
    w.fake.appStore.addVersion({ appId: w.appId, versionString: '1.1.0', state: 'READY_FOR_REVIEW', locales: ['en-US'] });
    await expect(w.run(w.plan(), 'app-store-version')).rejects.toThrow(
      /Build 42 could not be attached to App Store version 1\.1\.0 \(READY_FOR_REVIEW\): the version is in review\. Wait until App Review has finished with it, or set `cancel-previous-submission: true` to withdraw it and attach this build instead\.\nApp Store Connect answered PATCH .* with HTTP 409\.\n- STATE_ERROR/,
    );
  });
  it('a run killed between adding the version and submitting resumes with the same draft and submits once', async () => {
    const w = await world();
    released(w.fake, w.appId);
    const state = w.plan();
    await w.run(state, 'app-store-version');
    await w.run(state, 'app-store-whats-new');
    // Every attempt at the submit is cut off: the step ends in a network error, as a killed run would.
    w.fake.faults.inject({ method: 'PATCH', path: /^\/v1\/reviewSubmissions\//, kind: 'reset', times: 6 });
    await expect(w.run(state, 'app-store-submit')).rejects.toThrow(/Could not reach App Store Connect for PATCH/);
    const [draft] = w.fake.resources('reviewSubmissions');
    expect(draft.attributes.state).toBe('READY_FOR_REVIEW');
    const resumed = await w.run(state, 'app-store-submit');
    expect(resumed.detail).toContain('submitted (draft held it already)');
    expect(w.fake.resources('reviewSubmissions')).toHaveLength(1);
    expect(w.fake.resources('reviewSubmissionItems')).toHaveLength(1);
    expect(w.fake.appStore.submission(draft.id).attributes.state).toBe('WAITING_FOR_REVIEW');
  });
});
