import { describe, expect, it } from 'vitest';
import { harness, rel, type Harness } from '../fake-asc/helpers.js';

async function setup(): Promise<Harness & { appId: string; buildId: string }> {
  const h = await harness();
  const appId = h.fake.addApp({ bundleId: 'com.example.store' }).id;
  const buildId = h.fake.addBuild({ appId, version: '2.0', buildNumber: '7', usesNonExemptEncryption: false }).id;
  return { ...h, appId, buildId };
}

const createVersion = (appId: string, versionString: string, platform = 'IOS') => ({
  data: { type: 'appStoreVersions', attributes: { platform, versionString }, relationships: { app: rel('apps', appId) } },
});
const createSubmission = (appId: string, platform = 'IOS') => ({
  data: { type: 'reviewSubmissions', attributes: { platform }, relationships: { app: rel('apps', appId) } },
});

describe("the fake App Store Connect's App Store", () => {
  it('keeps one editable version per platform: a second create answers 409 with several errors', async () => {
    const h = await setup();
    expect((await h.api('POST', '/v1/appStoreVersions', createVersion(h.appId, '2.0'))).status).toBe(201);
    const second = await h.api('POST', '/v1/appStoreVersions', createVersion(h.appId, '2.1'));
    expect(second.status).toBe(409);
    expect(second.body.errors.map((e: { code: string }) => e.code)).toEqual([
      'ENTITY_ERROR.RELATIONSHIP.INVALID',
      'ENTITY_ERROR.ATTRIBUTE.INVALID.DUPLICATE',
    ]);
    expect(second.body.errors[0].detail).toBe('You cannot create a new version of the App in the current state.');
    // Another platform has its own editable version.
    expect((await h.api('POST', '/v1/appStoreVersions', createVersion(h.appId, '2.1', 'MAC_OS'))).status).toBe(201);
    expect(h.fake.violations).toEqual([]);
  });

  it("answers 409 to editing a version in review or attaching a build to it, and refuses What's New on a first version", async () => {
    const h = await setup();
    const v = await h.api('POST', '/v1/appStoreVersions', createVersion(h.appId, '2.0'));
    const id = v.body.data.id;
    const locs = await h.api('GET', `/v1/appStoreVersions/${id}/appStoreVersionLocalizations`);
    const whatsNew = await h.api('PATCH', `/v1/appStoreVersionLocalizations/${locs.body.data[0].id}`, {
      data: { type: 'appStoreVersionLocalizations', id: locs.body.data[0].id, attributes: { whatsNew: 'New.' } },
    });
    expect(whatsNew.status).toBe(409);
    expect(whatsNew.body.errors[0]).toMatchObject({ code: 'STATE_ERROR', source: { pointer: '/data/attributes/whatsNew' } });

    h.fake.appStore.setVersionState(id, 'IN_REVIEW');
    const edit = await h.api('PATCH', `/v1/appStoreVersions/${id}`, {
      data: { type: 'appStoreVersions', id, attributes: { copyright: 'x' } },
    });
    expect(edit.status).toBe(409);
    const attach = await h.api('PATCH', `/v1/appStoreVersions/${id}/relationships/build`, rel('builds', h.buildId));
    expect(attach.status).toBe(409);
    expect(attach.body.errors[0].code).toBe('STATE_ERROR');
    expect(h.fake.violations).toEqual([]);
  });

  it('refuses appStoreVersionSubmissions creation (reviewSubmissions replaced it)', async () => {
    const h = await setup();
    const res = await h.api('POST', '/v1/appStoreVersionSubmissions', {
      data: { type: 'appStoreVersionSubmissions', relationships: { appStoreVersion: rel('appStoreVersions', 'x') } },
    });
    expect(res.status).toBe(404);
    expect(h.fake.violations.map((v) => v.path)).toEqual(['/v1/appStoreVersionSubmissions']);
  });

  it("lists every platform's drafts without filter[platform]; one open submission per platform", async () => {
    const h = await setup();
    const ios = await h.api('POST', '/v1/reviewSubmissions', createSubmission(h.appId));
    const mac = await h.api('POST', '/v1/reviewSubmissions', createSubmission(h.appId, 'MAC_OS'));
    expect([ios.status, mac.status]).toEqual([201, 201]);
    const again = await h.api('POST', '/v1/reviewSubmissions', createSubmission(h.appId));
    expect(again.status).toBe(409);
    expect(again.body.errors[0].detail).toContain(ios.body.data.id);
    const all = await h.api('GET', `/v1/reviewSubmissions?filter[app]=${h.appId}&filter[state]=READY_FOR_REVIEW`);
    expect(all.body.data.map((s: { attributes: { platform: string } }) => s.attributes.platform).sort()).toEqual(['IOS', 'MAC_OS']);
    const onlyIos = await h.api('GET', `/v1/reviewSubmissions?filter[app]=${h.appId}&filter[platform]=IOS`);
    expect(onlyIos.body.data.map((s: { id: string }) => s.id)).toEqual([ios.body.data.id]);
    expect(h.fake.violations).toEqual([]);
  });

  it('submits, reviews on the clock, keeps a cancelled submission CANCELING a while, and releases only from PENDING_DEVELOPER_RELEASE', async () => {
    const h = await setup();
    const version = await h.api('POST', '/v1/appStoreVersions', {
      data: { ...createVersion(h.appId, '2.0').data, relationships: { app: rel('apps', h.appId), build: rel('builds', h.buildId) } },
    });
    const versionId = version.body.data.id;
    const release = {
      data: { type: 'appStoreVersionReleaseRequests', relationships: { appStoreVersion: rel('appStoreVersions', versionId) } },
    };
    expect((await h.api('POST', '/v1/appStoreVersionReleaseRequests', release)).status).toBe(409);

    const submission = (await h.api('POST', '/v1/reviewSubmissions', createSubmission(h.appId))).body.data.id;
    const item = {
      data: {
        type: 'reviewSubmissionItems',
        relationships: { reviewSubmission: rel('reviewSubmissions', submission), appStoreVersion: rel('appStoreVersions', versionId) },
      },
    };
    expect((await h.api('POST', '/v1/reviewSubmissionItems', item)).status).toBe(201);
    expect((await h.api('POST', '/v1/reviewSubmissionItems', item)).status).toBe(409);
    const submit = (attributes: Record<string, boolean>) =>
      h.api('PATCH', `/v1/reviewSubmissions/${submission}`, { data: { type: 'reviewSubmissions', id: submission, attributes } });
    expect((await submit({ submitted: true })).body.data.attributes.state).toBe('WAITING_FOR_REVIEW');
    expect((await submit({ submitted: true })).status).toBe(409);

    expect((await submit({ canceled: true })).body.data.attributes.state).toBe('CANCELING');
    h.clock.ms += h.fake.appStore.timing.cancelingMs - 1;
    expect(h.fake.appStore.submission(submission).attributes.state).toBe('CANCELING');
    h.clock.ms += 1;
    expect(h.fake.appStore.submission(submission).attributes.state).toBe('COMPLETE');
    expect(h.fake.appStore.version(versionId).attributes.appStoreState).toBe('DEVELOPER_REJECTED');

    const next = (await h.api('POST', '/v1/reviewSubmissions', createSubmission(h.appId))).body.data.id;
    await h.api('POST', '/v1/reviewSubmissionItems', {
      data: { ...item.data, relationships: { ...item.data.relationships, reviewSubmission: rel('reviewSubmissions', next) } },
    });
    await h.api('PATCH', `/v1/reviewSubmissions/${next}`, {
      data: { type: 'reviewSubmissions', id: next, attributes: { submitted: true } },
    });
    h.clock.ms += h.fake.appStore.timing.reviewStartsAfterMs;
    expect(h.fake.appStore.version(versionId).attributes.appStoreState).toBe('IN_REVIEW');
    h.clock.ms += h.fake.appStore.timing.reviewMs;
    expect(h.fake.appStore.version(versionId).attributes.appStoreState).toBe('PENDING_DEVELOPER_RELEASE');
    expect((await h.api('POST', '/v1/appStoreVersionReleaseRequests', release)).status).toBe(201);
    expect(h.fake.appStore.version(versionId).attributes.appStoreState).toBe('READY_FOR_SALE');
    expect(h.fake.violations).toEqual([]);
  });

  it("lists an update's languages without What's New among the associated errors of a submit", async () => {
    const h = await setup();
    const old = h.fake.addBuild({ appId: h.appId, version: '1.0', buildNumber: '1', usesNonExemptEncryption: false }).id;
    h.fake.appStore.addVersion({ appId: h.appId, versionString: '1.0', buildId: old, state: 'READY_FOR_SALE', locales: ['en-US', 'ja'] });
    const versionId = (await h.api('POST', '/v1/appStoreVersions', createVersion(h.appId, '2.0'))).body.data.id;
    const submission = (await h.api('POST', '/v1/reviewSubmissions', createSubmission(h.appId))).body.data.id;
    await h.api('POST', '/v1/reviewSubmissionItems', {
      data: {
        type: 'reviewSubmissionItems',
        relationships: { reviewSubmission: rel('reviewSubmissions', submission), appStoreVersion: rel('appStoreVersions', versionId) },
      },
    });
    const res = await h.api('PATCH', `/v1/reviewSubmissions/${submission}`, {
      data: { type: 'reviewSubmissions', id: submission, attributes: { submitted: true } },
    });
    expect(res.status).toBe(409);
    const associated = Object.values(res.body.errors[0].meta.associatedErrors).flat() as Array<{ title: string; detail: string }>;
    expect(associated.map((a) => a.title)).toEqual([
      'You must choose a build.',
      "What's New in This Version is required.",
      "What's New in This Version is required.",
    ]);
    expect(associated.map((a) => a.detail).join(' ')).toMatch(/en-US.*ja/);
    expect(h.fake.violations).toEqual([]);
  });
});
