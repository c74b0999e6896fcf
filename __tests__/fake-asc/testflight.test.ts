import { describe, expect, it } from 'vitest';
import { expectNoViolations } from '../../test-support/fake-asc/index.js';
import { harness, rel, type Harness } from './helpers.js';

async function setup(opts: { encryption?: boolean | null; processingState?: 'PROCESSING' | 'VALID' } = {}) {
  const h = await harness({
    timing: { uploadProcessingMs: 100, buildAppearsAfterMs: 0, buildProcessingMs: 1000, betaDetailProcessingMs: 0 },
  });
  const app = h.fake.addApp({ bundleId: 'com.example.app' });
  const build = h.fake.addBuild({
    appId: app.id,
    version: '3.0',
    buildNumber: '300',
    processingState: opts.processingState ?? 'VALID',
    usesNonExemptEncryption: opts.encryption === undefined ? false : opts.encryption,
  });
  return { h, app, build };
}

const localization = (h: Harness, buildId: string, locale: string, whatsNew?: string) =>
  h.api('POST', '/v1/betaBuildLocalizations', {
    data: {
      type: 'betaBuildLocalizations',
      attributes: { locale, ...(whatsNew !== undefined ? { whatsNew } : {}) },
      relationships: { build: rel('builds', buildId) },
    },
  });

const submit = (h: Harness, buildId: string) =>
  h.api('POST', '/v1/betaAppReviewSubmissions', {
    data: { type: 'betaAppReviewSubmissions', relationships: { build: rel('builds', buildId) } },
  });

const addToGroups = (h: Harness, buildId: string, groupIds: string[]) =>
  h.api('POST', `/v1/builds/${buildId}/relationships/betaGroups`, { data: groupIds.map((id) => ({ type: 'betaGroups', id })) });

describe('fake App Store Connect: What to Test', () => {
  it('refuses a second localization for the primary locale Apple created, and updates it instead', async () => {
    const { h, build } = await setup();
    const dup = await localization(h, build.id, 'en-US', 'Try the new editor');
    expect(dup.status).toBe(409);
    expect(dup.body.errors[0].code).toBe('ENTITY_ERROR.ATTRIBUTE.INVALID.DUPLICATE');
    const existing = (await h.api('GET', `/v1/betaBuildLocalizations?filter[build]=${build.id}&filter[locale]=en-US`)).body.data[0];
    const patched = await h.api('PATCH', `/v1/betaBuildLocalizations/${existing.id}`, {
      data: { type: 'betaBuildLocalizations', id: existing.id, attributes: { whatsNew: 'Try the new editor' } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.data.attributes).toEqual({ whatsNew: 'Try the new editor', locale: 'en-US' });
    expectNoViolations(h.fake);
  });

  it('creates other locales, refusing unknown locales and text over 4000 characters', async () => {
    const { h, build } = await setup();
    const created = await localization(h, build.id, 'fr-FR', 'Nouveautés');
    expect(created.status).toBe(201);
    expect(created.body.data.attributes).toEqual({ whatsNew: 'Nouveautés', locale: 'fr-FR' });
    const bad = await localization(h, build.id, 'fr', 'x');
    expect(bad.status).toBe(409);
    expect(bad.body.errors[0].code).toBe('ENTITY_ERROR.ATTRIBUTE.INVALID');
    expect((await localization(h, build.id, 'de-DE', '😀'.repeat(4000))).status).toBe(201);
    const long = await localization(h, build.id, 'ja', 'x'.repeat(4001));
    expect(long.status).toBe(409);
    expect(long.body.errors[0].code).toBe('ENTITY_ERROR.ATTRIBUTE.INVALID.TOO_LONG');
    const tooLongPatch = await h.api('PATCH', `/v1/betaBuildLocalizations/${created.body.data.id}`, {
      data: { type: 'betaBuildLocalizations', id: created.body.data.id, attributes: { whatsNew: 'y'.repeat(4001) } },
    });
    expect(tooLongPatch.status).toBe(409);
    expect((await h.api('DELETE', `/v1/betaBuildLocalizations/${created.body.data.id}`)).status).toBe(204);
    const locales = (await h.api('GET', `/v1/builds/${build.id}/betaBuildLocalizations`)).body.data.map(
      (l: { attributes: { locale: string } }) => l.attributes.locale,
    );
    expect(locales.sort()).toEqual(['de-DE', 'en-US']);
  });
});

describe('fake App Store Connect: export compliance and expiry', () => {
  it('moves a build missing compliance forward once answered, and expires a build once', async () => {
    const { h, build } = await setup({ encryption: null });
    expect(h.fake.resource('buildBetaDetails', build.id).attributes.internalBuildState).toBe('MISSING_EXPORT_COMPLIANCE');
    const patch = (attributes: Record<string, unknown>) =>
      h.api('PATCH', `/v1/builds/${build.id}`, { data: { type: 'builds', id: build.id, attributes } });
    expect((await patch({ usesNonExemptEncryption: true })).status).toBe(200);
    expect(h.fake.resource('buildBetaDetails', build.id).attributes).toMatchObject({
      internalBuildState: 'READY_FOR_BETA_TESTING',
      externalBuildState: 'READY_FOR_BETA_SUBMISSION',
    });
    const expired = await patch({ expired: true });
    expect(expired.status).toBe(200);
    expect(expired.body.data.attributes.expired).toBe(true);
    expect(h.fake.resource('buildBetaDetails', build.id).attributes).toMatchObject({
      internalBuildState: 'EXPIRED',
      externalBuildState: 'EXPIRED',
    });
    expect((await patch({ expired: true })).status).toBe(409);
    expect((await patch({ expired: false })).status).toBe(409);
    expect((await h.api('GET', `/v1/builds?filter[expired]=true`)).body.data).toHaveLength(1);
  });

  it('lets a seeded PROCESSING build follow the lifecycle, and setBuildProcessingState pin it', async () => {
    const { h, app, build } = await setup({ processingState: 'PROCESSING', encryption: null });
    h.clock.ms += 1000;
    expect(h.fake.resource('builds', build.id).attributes.processingState).toBe('VALID');
    const stuck = h.fake.addBuild({ appId: app.id, version: '3.0', buildNumber: '301', processingState: 'PROCESSING' });
    h.fake.setBuildProcessingState(stuck.id, 'PROCESSING');
    h.clock.ms += 60_000;
    expect(h.fake.resource('builds', stuck.id).attributes.processingState).toBe('PROCESSING');
    h.fake.setBuildProcessingState(stuck.id, 'FAILED');
    expect(h.fake.resource('builds', stuck.id).attributes.processingState).toBe('FAILED');
  });
});

describe('fake App Store Connect: beta review', () => {
  it('submits a ready build once, WAITING_FOR_REVIEW', async () => {
    const { h, build } = await setup();
    const res = await submit(h, build.id);
    expect(res.status).toBe(201);
    expect(res.body.data.attributes.betaReviewState).toBe('WAITING_FOR_REVIEW');
    expect(h.fake.resource('buildBetaDetails', build.id).attributes.externalBuildState).toBe('WAITING_FOR_BETA_REVIEW');
    const again = await submit(h, build.id);
    expect(again.status).toBe(409);
    expect(again.body.errors[0].detail).toContain('already been submitted');
    const found = await h.api('GET', `/v1/betaAppReviewSubmissions?filter[build]=${build.id}`);
    expect(found.body.data.map((s: { id: string }) => s.id)).toEqual([res.body.data.id]);
    expect((await h.api('GET', `/v1/builds/${build.id}/betaAppReviewSubmission`)).body.data.id).toBe(res.body.data.id);
    expectNoViolations(h.fake);
  });

  it('refuses a build that is not VALID (409 STATE_ERROR) or lacks export compliance (422, Codemagic #346)', async () => {
    const processing = await setup({ processingState: 'PROCESSING' });
    const res = await submit(processing.h, processing.build.id);
    expect(res.status).toBe(409);
    expect(res.body.errors[0].code).toBe('STATE_ERROR');
    const missing = await setup({ encryption: null });
    const res2 = await submit(missing.h, missing.build.id);
    expect(res2.status).toBe(422);
    expect(res2.body.errors[0].detail).toContain('export compliance');
  });

  it('refuses with 422 when Beta App Review Information is incomplete', async () => {
    const { h, app, build } = await setup();
    h.fake.setBetaAppReviewDetailComplete(app.id, false);
    const res = await submit(h, build.id);
    expect(res.status).toBe(422);
    expect(res.body.errors[0].code).toBe('STATE_ERROR.ENTITY_STATE_INVALID');
    expect(res.body.errors[0].detail).toMatch(/Beta App Review Information.*contactEmail, contactPhone/);
    h.fake.setBetaAppReviewDetailComplete(app.id, true);
    expect((await submit(h, build.id)).status).toBe(201);
  });
});

describe('fake App Store Connect: beta groups and notifications', () => {
  it('adds a VALID build to groups idempotently, from either side, and removes it', async () => {
    const { h, app, build } = await setup();
    const external = h.fake.addBetaGroup(app.id, 'Public');
    const internal = h.fake.addBetaGroup(app.id, 'Team', { isInternalGroup: true });
    expect((await addToGroups(h, build.id, [external.id])).status).toBe(204);
    expect((await addToGroups(h, build.id, [external.id])).status).toBe(204);
    const viaGroup = await h.api('POST', `/v1/betaGroups/${internal.id}/relationships/builds`, {
      data: [{ type: 'builds', id: build.id }],
    });
    expect(viaGroup.status).toBe(204);
    expect(h.fake.resource('builds', build.id).relationships.betaGroups.data).toEqual([
      { type: 'betaGroups', id: external.id },
      { type: 'betaGroups', id: internal.id },
    ]);
    expect((await h.api('GET', `/v1/betaGroups/${external.id}/builds`)).body.data.map((b: { id: string }) => b.id)).toEqual([build.id]);
    expect(
      (await h.api('GET', `/v1/betaGroups?filter[app]=${app.id}&filter[name]=Public`)).body.data.map((g: { id: string }) => g.id),
    ).toEqual([external.id]);
    expect(
      (await h.api('DELETE', `/v1/builds/${build.id}/relationships/betaGroups`, { data: [{ type: 'betaGroups', id: external.id }] }))
        .status,
    ).toBe(204);
    expect((await h.api('GET', `/v1/betaGroups/${external.id}/builds`)).body.data).toEqual([]);
    expectNoViolations(h.fake);
  });

  it('refuses builds that are not VALID, groups of another app, and unknown groups', async () => {
    const { h, app, build } = await setup({ processingState: 'PROCESSING' });
    const group = h.fake.addBetaGroup(app.id, 'Public');
    const early = await addToGroups(h, build.id, [group.id]);
    expect(early.status).toBe(409);
    expect(early.body.errors[0].code).toBe('STATE_ERROR');
    h.clock.ms += 1000;
    const other = h.fake.addApp({ bundleId: 'com.example.other' });
    const foreign = h.fake.addBetaGroup(other.id, 'Elsewhere');
    expect((await addToGroups(h, build.id, [foreign.id])).status).toBe(409);
    expect((await addToGroups(h, build.id, ['no-such-group'])).status).toBe(409);
    expect((await addToGroups(h, build.id, [group.id])).status).toBe(204);
  });

  it('notifies testers only of a VALID build in an external group', async () => {
    const { h, app, build } = await setup();
    const notify = () =>
      h.api('POST', '/v1/buildBetaNotifications', {
        data: { type: 'buildBetaNotifications', relationships: { build: rel('builds', build.id) } },
      });
    expect((await notify()).status).toBe(409);
    await addToGroups(h, build.id, [h.fake.addBetaGroup(app.id, 'Team', { isInternalGroup: true }).id]);
    expect((await notify()).status).toBe(409);
    await addToGroups(h, build.id, [h.fake.addBetaGroup(app.id, 'Public').id]);
    const ok = await notify();
    expect(ok.status).toBe(201);
    expect(ok.body.data.type).toBe('buildBetaNotifications');
    expectNoViolations(h.fake);
  });

  it('switches automatic notification on the beta details', async () => {
    const { h, build } = await setup();
    const res = await h.api('PATCH', `/v1/buildBetaDetails/${build.id}`, {
      data: { type: 'buildBetaDetails', id: build.id, attributes: { autoNotifyEnabled: true } },
    });
    expect(res.status).toBe(200);
    expect(res.body.data.attributes.autoNotifyEnabled).toBe(true);
  });
});
