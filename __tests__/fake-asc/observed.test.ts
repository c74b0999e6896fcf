import { describe, expect, it } from 'vitest';
import { expectNoViolations } from '../../test-support/fake-asc/index.js';
import { harnessWithApp, rel, type Harness } from './helpers.js';

/** The fake behaves as Apple was observed to, beyond its schema (sources cited in the fake). */
const TIMING = { uploadProcessingMs: 100, buildAppearsAfterMs: 0, buildProcessingMs: 1000, betaDetailProcessingMs: 0 };

const addToGroups = (h: Harness, buildId: string, groupIds: string[]) =>
  h.api('POST', `/v1/builds/${buildId}/relationships/betaGroups`, { data: groupIds.map((id) => ({ type: 'betaGroups', id })) });

const submit = (h: Harness, buildId: string) =>
  h.api('POST', '/v1/betaAppReviewSubmissions', {
    data: { type: 'betaAppReviewSubmissions', relationships: { build: rel('builds', buildId) } },
  });

describe('fake App Store Connect: Apple as observed', () => {
  it('refuses "What to Test" with < or > (409 invalid characters)', async () => {
    const { app, ...h } = await harnessWithApp({ timing: TIMING });
    const build = h.fake.addBuild({ appId: app.id, version: '1.0', buildNumber: '1' });
    const res = await h.api('POST', '/v1/betaBuildLocalizations', {
      data: {
        type: 'betaBuildLocalizations',
        attributes: { locale: 'fr-FR', whatsNew: 'a > b' },
        relationships: { build: rel('builds', build.id) },
      },
    });
    expect(res.status).toBe(409);
    expect(res.body.errors[0].detail).toContain('invalid characters');
    expectNoViolations(h.fake);
  });

  it('answers a group add with 404 until externalBuildState leaves PROCESSING (and a lag after); refuses all-builds internal groups and INTERNAL_ONLY builds with 422', async () => {
    const { app, ...h } = await harnessWithApp({ timing: { ...TIMING, externalBetaProcessingMs: 60_000, betaGroupLinkLagMs: 5_000 } });
    const build = h.fake.addBuild({ appId: app.id, version: '1.0', buildNumber: '1', usesNonExemptEncryption: false });
    const external = h.fake.addBetaGroup(app.id, 'Public');
    const detail = async () => (await h.api('GET', `/v1/builds/${build.id}/buildBetaDetail`)).body.data.attributes;
    expect(await detail()).toMatchObject({ internalBuildState: 'READY_FOR_BETA_TESTING', externalBuildState: 'PROCESSING' });
    const early = await addToGroups(h, build.id, [external.id]);
    expect(early.status).toBe(404);
    expect(early.body.errors[0].detail).toBe(`There is no resource of type 'builds' with id '${build.id}'`);
    h.clock.ms += 60_000;
    expect((await detail()).externalBuildState).toBe('READY_FOR_BETA_SUBMISSION');
    expect((await addToGroups(h, build.id, [external.id])).status).toBe(404);
    h.clock.ms += 5_000;
    expect((await addToGroups(h, build.id, [external.id])).status).toBe(204);

    const everyone = h.fake.addBetaGroup(app.id, 'Everyone', { isInternalGroup: true, hasAccessToAllBuilds: true });
    const refused = await addToGroups(h, build.id, [everyone.id]);
    expect(refused.status).toBe(422);
    expect(refused.body.errors[0].detail).toBe('Builds cannot be assigned to this internal group.');

    const internalOnly = h.fake.addBuild({
      appId: app.id,
      version: '1.0',
      buildNumber: '2',
      usesNonExemptEncryption: false,
      buildAudienceType: 'INTERNAL_ONLY',
    });
    const res = await addToGroups(h, internalOnly.id, [external.id]);
    expect(res.status).toBe(422);
    expect(res.body.errors[0].detail).toContain('internal testing only');
    expectNoViolations(h.fake);
  });

  it('beta review: another build of the train, the daily limit, a missing description (several entries)', async () => {
    const { app, ...h } = await harnessWithApp({ timing: TIMING });
    const first = h.fake.addBuild({ appId: app.id, version: '1.0', buildNumber: '1', usesNonExemptEncryption: false });
    const second = h.fake.addBuild({ appId: app.id, version: '1.0', buildNumber: '2', usesNonExemptEncryption: false });
    const other = h.fake.addBuild({ appId: app.id, version: '1.1', buildNumber: '3', usesNonExemptEncryption: false });
    h.fake.quirks.oneBetaReviewPerTrain = true;
    expect((await submit(h, first.id)).status).toBe(201);
    const inReview = await submit(h, second.id);
    expect(inReview.status).toBe(422);
    expect(inReview.body.errors[0].detail).toBe('Another build is in review.');
    h.fake.quirks.missingBetaAppDescription.add(app.id);
    const missing = await submit(h, other.id);
    expect(missing.status).toBe(422);
    expect(missing.body.errors.map((e: { detail: string }) => e.detail)).toEqual([
      'The build can not be submitted for beta review.',
      'Beta App Description is missing.',
    ]);
    h.fake.quirks.missingBetaAppDescription.clear();
    h.fake.quirks.betaReviewDailyLimit = 1;
    const limited = await submit(h, other.id);
    expect(limited.status).toBe(422);
    expect(limited.body.errors[0].code).toBe('ENTITY_UNPROCESSABLE.SUBMISSION_LIMIT_REACHED');
    expectNoViolations(h.fake);
  });

  it('refuses a build upload for an app the key cannot access (409 ENTITY_ERROR.RELATIONSHIP.INVALID); can list a build twice', async () => {
    const { app, ...h } = await harnessWithApp({ timing: TIMING });
    h.fake.quirks.noUploadAccess.add(app.id);
    const res = await h.api('POST', '/v1/buildUploads', {
      data: {
        type: 'buildUploads',
        attributes: { cfBundleShortVersionString: '1.0', cfBundleVersion: '1', platform: 'IOS' },
        relationships: { app: rel('apps', app.id) },
      },
    });
    expect(res.status).toBe(409);
    expect(res.body.errors[0].code).toBe('ENTITY_ERROR.RELATIONSHIP.INVALID');
    const build = h.fake.addBuild({ appId: app.id, version: '1.0', buildNumber: '1' });
    h.fake.quirks.listBuildsTwice = true;
    const listed = await h.api('GET', `/v1/builds?filter[app]=${app.id}`);
    expect(listed.body.data.map((b: { id: string }) => b.id)).toEqual([build.id, build.id]);
    expectNoViolations(h.fake);
  });
});
