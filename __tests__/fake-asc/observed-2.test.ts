import { describe, expect, it } from 'vitest';
import { expectNoViolations } from '../../test-support/fake-asc/index.js';
import { harnessWithApp, rel, type Harness } from './helpers.js';

/** The fake behaves as the 2026 reports show Apple does (sources cited in the fake); each quirk off by default. */
const TIMING = { uploadProcessingMs: 1_000, buildAppearsAfterMs: 0, buildProcessingMs: 1_000, betaDetailProcessingMs: 0 };

const createUpload = (h: Harness, appId: string, o: { version?: string; buildNumber?: string; platform?: string } = {}) =>
  h.api('POST', '/v1/buildUploads', {
    data: {
      type: 'buildUploads',
      attributes: { cfBundleShortVersionString: o.version ?? '1.0', cfBundleVersion: o.buildNumber ?? '1', platform: o.platform ?? 'IOS' },
      relationships: { app: rel('apps', appId) },
    },
  });

/** Creates, reserves, sends the one part and commits; returns the ids. */
async function uploadAll(h: Harness, appId: string, o: { version?: string; buildNumber?: string } = {}) {
  const upload = await createUpload(h, appId, o);
  expect(upload.status).toBe(201);
  const file = await h.api('POST', '/v1/buildUploadFiles', {
    data: {
      type: 'buildUploadFiles',
      attributes: { fileName: 'App.ipa', fileSize: 10, uti: 'com.apple.ipa', assetType: 'ASSET' },
      relationships: { buildUpload: rel('buildUploads', upload.body.data.id) },
    },
  });
  const op = file.body.data.attributes.uploadOperations[0];
  expect(
    (await fetch(op.url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.alloc(10) })).status,
  ).toBe(200);
  const fileId = file.body.data.id as string;
  const commit = await h.api('PATCH', `/v1/buildUploadFiles/${fileId}`, {
    data: { type: 'buildUploadFiles', id: fileId, attributes: { uploaded: true } },
  });
  expect(commit.status).toBe(200);
  return { uploadId: upload.body.data.id as string, fileId };
}

describe('fake App Store Connect: Apple as observed, round 2', () => {
  it('an upload can read PROCESSING long after its build exists', async () => {
    const { app, ...h } = await harnessWithApp({ timing: { ...TIMING, uploadStateLagMs: 30 * 60_000 } });
    const { uploadId } = await uploadAll(h, app.id);
    h.clock.ms += 2_000;
    const upload = (await h.api('GET', `/v1/buildUploads/${uploadId}?include=build`)).body.data;
    expect(upload.attributes.state.state).toBe('PROCESSING');
    expect(upload.relationships.build.data.id).toBeTruthy();
    h.clock.ms += 30 * 60_000;
    expect((await h.api('GET', `/v1/buildUploads/${uploadId}`)).body.data.attributes.state.state).toBe('COMPLETE');
    expectNoViolations(h.fake);
  });

  it('reads of build uploads answer 404 for a moment; a committed file reads AWAITING_UPLOAD for a while', async () => {
    const { app, ...h } = await harnessWithApp({ timing: TIMING });
    h.fake.quirks.commitReadBackLagMs = 10_000;
    const { uploadId, fileId } = await uploadAll(h, app.id);
    h.fake.quirks.buildUploadNotFound = 1;
    expect((await h.api('GET', `/v1/buildUploads/${uploadId}`)).status).toBe(404);
    expect((await h.api('GET', `/v1/buildUploads/${uploadId}`)).status).toBe(200);
    expect((await h.api('GET', `/v1/buildUploadFiles/${fileId}`)).body.data.attributes.assetDeliveryState.state).toBe('AWAITING_UPLOAD');
    h.clock.ms += 10_000;
    expect((await h.api('GET', `/v1/buildUploadFiles/${fileId}`)).body.data.attributes.assetDeliveryState.state).toBe('COMPLETE');
    expectNoViolations(h.fake);
  });

  it('filter[preReleaseVersion.version]=1.1 also matches the 1.1.0 train when the quirk is on', async () => {
    const { app, ...h } = await harnessWithApp({ timing: TIMING });
    const exact = h.fake.addBuild({ appId: app.id, version: '1.1', buildNumber: '1' });
    const near = h.fake.addBuild({ appId: app.id, version: '1.1.0', buildNumber: '2' });
    const ids = async () =>
      (await h.api('GET', `/v1/builds?filter[app]=${app.id}&filter[preReleaseVersion.version]=1.1`)).body.data.map(
        (b: { id: string }) => b.id,
      );
    expect(await ids()).toEqual([exact.id]);
    h.fake.quirks.looseVersionFilter = true;
    expect((await ids()).sort()).toEqual([exact.id, near.id].sort());
    expectNoViolations(h.fake);
  });

  it('a closed train takes the upload, then fails it with ITMS-90062; a macOS build number not above every earlier one is a 409', async () => {
    const { app, ...h } = await harnessWithApp({ timing: TIMING });
    h.fake.appStore.addVersion({ appId: app.id, versionString: '1.0.1', state: 'READY_FOR_SALE' });
    const { uploadId } = await uploadAll(h, app.id, { version: '1.0' });
    h.clock.ms += 1_000;
    const state = (await h.api('GET', `/v1/buildUploads/${uploadId}`)).body.data.attributes.state;
    expect(state.state).toBe('FAILED');
    expect(state.errors[0].code).toBe('ITMS-90062');

    h.fake.addBuild({ appId: app.id, version: '1.0', buildNumber: '12', platform: 'MAC_OS' });
    const low = await createUpload(h, app.id, { version: '2.0', buildNumber: '9', platform: 'MAC_OS' });
    expect(low.status).toBe(409);
    expect(low.body.errors[0].detail).toContain('must be higher than the previously uploaded version');
    expect((await createUpload(h, app.id, { version: '2.0', buildNumber: '13', platform: 'MAC_OS' })).status).toBe(201);
    expectNoViolations(h.fake);
  });

  it('a submission holding only an in-app event does not block a new one; a just-cancelled one holds its version a moment', async () => {
    const { app, ...h } = await harnessWithApp({ timing: TIMING });
    h.fake.appStore.addSubmission({ appId: app.id, state: 'IN_REVIEW', appEventIds: ['6500000001'] });
    const create = () =>
      h.api('POST', '/v1/reviewSubmissions', {
        data: { type: 'reviewSubmissions', attributes: { platform: 'IOS' }, relationships: { app: rel('apps', app.id) } },
      });
    const draft = await create();
    expect(draft.status).toBe(201);

    const { id: versionId } = h.fake.appStore.addVersion({ appId: app.id, versionString: '2.0' });
    const add = (submissionId: string) =>
      h.api('POST', '/v1/reviewSubmissionItems', {
        data: {
          type: 'reviewSubmissionItems',
          relationships: { reviewSubmission: rel('reviewSubmissions', submissionId), appStoreVersion: rel('appStoreVersions', versionId) },
        },
      });
    expect((await add(draft.body.data.id)).status).toBe(201);
    h.fake.quirks.cancelledSubmissionHoldsMs = 4_000;
    await h.api('PATCH', `/v1/reviewSubmissions/${draft.body.data.id}`, {
      data: { type: 'reviewSubmissions', id: draft.body.data.id, attributes: { canceled: true } },
    });
    h.clock.ms += h.fake.appStore.timing.cancelingMs;
    const next = await create();
    expect(next.status).toBe(201);
    const held = await add(next.body.data.id);
    expect(held.status).toBe(409);
    expect(held.body.errors[0].detail).toMatch(/already in another reviewSubmission .* still in progress/);
    h.clock.ms += 4_000;
    expect((await add(next.body.data.id)).status).toBe(201);
    expectNoViolations(h.fake);
  });
});
