import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { expectNoViolations } from '../../test-support/fake-asc/index.js';
import { harness, harnessWithApp, rel, type Harness } from './helpers.js';

const TIMING = { uploadProcessingMs: 1_000, buildAppearsAfterMs: 500, buildProcessingMs: 2_000, betaDetailProcessingMs: 300 };

async function createUpload(h: Harness, appId: string, buildNumber = '42', version = '1.2.0') {
  return h.api('POST', '/v1/buildUploads', {
    data: {
      type: 'buildUploads',
      attributes: { cfBundleShortVersionString: version, cfBundleVersion: buildNumber, platform: 'IOS' },
      relationships: { app: rel('apps', appId) },
    },
  });
}

async function reserve(h: Harness, uploadId: string, size: number, fileName = 'App.ipa', uti = 'com.apple.ipa') {
  return h.api('POST', '/v1/buildUploadFiles', {
    data: {
      type: 'buildUploadFiles',
      attributes: { fileName, fileSize: size, uti, assetType: 'ASSET' },
      relationships: { buildUpload: rel('buildUploads', uploadId) },
    },
  });
}

interface Operation {
  method: string;
  url: string;
  length: number;
  offset: number;
  partNumber: number;
  requestHeaders: Array<{ name: string; value: string }>;
}

async function put(op: Operation, bytes: Buffer, headers: Record<string, string> = {}) {
  const res = await fetch(op.url, {
    method: op.method,
    headers: { ...Object.fromEntries(op.requestHeaders.map((x) => [x.name, x.value])), ...headers },
    body: bytes.subarray(op.offset, op.offset + op.length),
  });
  return { status: res.status, etag: res.headers.get('etag'), text: await res.text() };
}

/** The commit as Apple takes it: `uploaded: true`; a checksum only to show that Apple refuses one. */
async function commit(h: Harness, fileId: string, checksum?: { hash: string; algorithm: string }) {
  const attributes = checksum ? { uploaded: true, sourceFileChecksums: { file: checksum } } : { uploaded: true };
  return h.api('PATCH', `/v1/buildUploadFiles/${fileId}`, { data: { type: 'buildUploadFiles', id: fileId, attributes } });
}

/** Creates, reserves, sends every part and commits; returns the ids. */
async function uploadAll(h: Harness, appId: string, bytes: Buffer, opts: { buildNumber?: string } = {}) {
  const upload = await createUpload(h, appId, opts.buildNumber);
  expect(upload.status).toBe(201);
  const file = await reserve(h, upload.body.data.id, bytes.length);
  expect(file.status).toBe(201);
  for (const op of file.body.data.attributes.uploadOperations as Operation[]) expect((await put(op, bytes)).status).toBe(200);
  const done = await commit(h, file.body.data.id);
  expect(done.status).toBe(200);
  return { uploadId: upload.body.data.id as string, fileId: file.body.data.id as string };
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

describe('fake App Store Connect: Build Upload API', () => {
  it('runs the whole lifecycle: upload → COMPLETE → build → VALID → missing compliance → ready', async () => {
    const h = await harness({ timing: TIMING, partSize: 1000 });
    const { fake, api, clock } = h;
    const app = fake.addApp({ bundleId: 'com.example.app' });
    const bytes = randomBytes(2500);

    const upload = await createUpload(h, app.id);
    expect(upload.status).toBe(201);
    expect(upload.body.data.attributes).toMatchObject({
      cfBundleShortVersionString: '1.2.0',
      cfBundleVersion: '42',
      platform: 'IOS',
      state: { state: 'AWAITING_UPLOAD' },
    });
    const uploadId = upload.body.data.id;

    const file = await reserve(h, uploadId, bytes.length);
    expect(file.status).toBe(201);
    const ops = file.body.data.attributes.uploadOperations as Operation[];
    expect(ops.map((o) => [o.partNumber, o.offset, o.length])).toEqual([
      [1, 0, 1000],
      [2, 1000, 1000],
      [3, 2000, 500],
    ]);
    expect(ops[0]).toMatchObject({ method: 'PUT', requestHeaders: [{ name: 'Content-Type', value: 'application/octet-stream' }] });
    expect(ops[0]!.url.startsWith(`${fake.url}/upload/`)).toBe(true);

    for (const op of [...ops].reverse()) {
      const res = await put(op, bytes);
      expect(res.status).toBe(200);
      expect(res.etag).toBe(`"${md5(bytes.subarray(op.offset, op.offset + op.length))}"`);
    }
    expect(fake.requests.filter((r) => r.path.startsWith('/upload/')).map((r) => r.partBytes)).toEqual([500, 1000, 1000]);

    const committed = await commit(h, file.body.data.id);
    expect(committed.status).toBe(200);
    expect(fake.uploadedFile(file.body.data.id)).toEqual(bytes);
    const state = async () => (await api('GET', `/v1/buildUploads/${uploadId}?include=build`)).body;
    expect((await state()).data.attributes.state.state).toBe('PROCESSING');
    expect((await state()).data.attributes.uploadedDate).toBe(new Date(clock.ms).toISOString());

    clock.ms += TIMING.uploadProcessingMs;
    const complete = await state();
    expect(complete.data.attributes.state.state).toBe('COMPLETE');
    expect(complete.data.relationships.build).toBeUndefined();
    expect((await api('GET', `/v1/builds?filter[app]=${app.id}`)).body.data).toEqual([]);

    clock.ms += TIMING.buildAppearsAfterMs;
    const appeared = await state();
    const buildId = appeared.data.relationships.build.data.id;
    expect(appeared.included[0]).toMatchObject({
      type: 'builds',
      id: buildId,
      attributes: { version: '42', processingState: 'PROCESSING', usesNonExemptEncryption: null },
    });
    const query = `/v1/builds?filter[app]=${app.id}&filter[preReleaseVersion.version]=1.2.0&filter[version]=42&include=buildBetaDetail`;
    // A build still processing is listed only when every processing state is asked for (asc CLI #759).
    expect((await api('GET', query)).body.data).toEqual([]);
    const listed = await api('GET', `${query}&filter[processingState]=PROCESSING,FAILED,INVALID,VALID`);
    expect(listed.body.data.map((b: { id: string }) => b.id)).toEqual([buildId]);
    expect(listed.body.included[0].attributes).toEqual({
      autoNotifyEnabled: false,
      internalBuildState: 'PROCESSING',
      externalBuildState: 'PROCESSING',
    });
    const locs = await api('GET', `/v1/builds/${buildId}/betaBuildLocalizations`);
    expect(locs.body.data.map((l: { attributes: unknown }) => l.attributes)).toEqual([{ whatsNew: null, locale: 'en-US' }]);

    const detail = async () => (await api('GET', `/v1/builds/${buildId}/buildBetaDetail`)).body.data.attributes;
    clock.ms += TIMING.buildProcessingMs - 1;
    expect((await api('GET', `/v1/builds/${buildId}`)).body.data.attributes.processingState).toBe('PROCESSING');
    clock.ms += 1;
    expect((await api('GET', `/v1/builds/${buildId}`)).body.data.attributes.processingState).toBe('VALID');
    expect(await detail()).toMatchObject({ internalBuildState: 'PROCESSING' });
    clock.ms += TIMING.betaDetailProcessingMs;
    expect(await detail()).toMatchObject({
      internalBuildState: 'MISSING_EXPORT_COMPLIANCE',
      externalBuildState: 'MISSING_EXPORT_COMPLIANCE',
    });

    const answer = (value: boolean) =>
      api('PATCH', `/v1/builds/${buildId}`, { data: { type: 'builds', id: buildId, attributes: { usesNonExemptEncryption: value } } });
    const patched = await answer(false);
    expect(patched.status).toBe(200);
    expect(patched.body.data.attributes.usesNonExemptEncryption).toBe(false);
    expect(await detail()).toMatchObject({ internalBuildState: 'READY_FOR_BETA_TESTING', externalBuildState: 'READY_FOR_BETA_SUBMISSION' });
    const again = await answer(true);
    expect(again.status).toBe(409);
    expect(again.body.errors[0].code).toBe('ENTITY_ERROR.ATTRIBUTE.INVALID');
    expectNoViolations(fake);
  });

  it('refuses a client checksum at the commit with 409, after every part was sent (botiverse/hands#199)', async () => {
    const { app, ...h } = await harnessWithApp({ timing: TIMING, partSize: 1000 });
    const bytes = randomBytes(1500);
    const upload = await createUpload(h, app.id);
    const file = await reserve(h, upload.body.data.id, bytes.length);
    for (const op of file.body.data.attributes.uploadOperations as Operation[]) expect((await put(op, bytes)).status).toBe(200);
    const hash = createHash('sha256').update(bytes).digest('hex');
    const refused = await commit(h, file.body.data.id, { hash, algorithm: 'SHA_256' });
    expect(refused.status).toBe(409);
    expect(refused.body.errors[0].detail).toBe(
      `'Checksums{file=File{hash=${hash}, algorithm=SHA_256}}' is not a valid value for the attribute 'sourceFileChecksums'.`,
    );
    expect(h.fake.resource('buildUploadFiles', file.body.data.id).attributes.assetDeliveryState.state).toBe('AWAITING_UPLOAD');
    // Without the checksum the same file is accepted.
    expect((await commit(h, file.body.data.id)).status).toBe(200);
  });

  it('refuses a second commit with 409 STATE_ERROR.INVALID_STATE; the file reads as committed', async () => {
    const { app, ...h } = await harnessWithApp({ timing: TIMING, partSize: 1000 });
    const { fileId } = await uploadAll(h, app.id, randomBytes(1200));
    const again = await commit(h, fileId);
    expect(again.status).toBe(409);
    expect(again.body.errors[0].code).toBe('STATE_ERROR.INVALID_STATE');
    expect((await h.api('GET', `/v1/buildUploadFiles/${fileId}`)).body.data.attributes.assetDeliveryState.state).not.toBe(
      'AWAITING_UPLOAD',
    );
  });

  it("reports Apple's own checksum of the received file when asked, a wrong one with `tamper`", async () => {
    const { app, ...h } = await harnessWithApp({ timing: TIMING, partSize: 1000 });
    const bytes = randomBytes(1200);
    h.fake.quirks.reportChecksums = { algorithm: 'SHA_256' };
    const { fileId } = await uploadAll(h, app.id, bytes);
    expect(h.fake.resource('buildUploadFiles', fileId).attributes.sourceFileChecksums).toEqual({
      file: { hash: createHash('sha256').update(bytes).digest('hex'), algorithm: 'SHA_256' },
    });
    h.fake.quirks.reportChecksums = { algorithm: 'MD5', tamper: true };
    const other = await uploadAll(h, app.id, bytes, { buildNumber: '43' });
    expect(h.fake.resource('buildUploadFiles', other.fileId).attributes.sourceFileChecksums.file.hash).not.toBe(md5(bytes));
  });

  it('fails the upload when parts were never sent', async () => {
    const { app, ...h } = await harnessWithApp({ timing: TIMING, partSize: 1000 });
    const bytes = randomBytes(3000);
    const upload = await createUpload(h, app.id);
    const file = await reserve(h, upload.body.data.id, bytes.length);
    await put((file.body.data.attributes.uploadOperations as Operation[])[1]!, bytes);
    await commit(h, file.body.data.id);
    h.clock.ms += TIMING.uploadProcessingMs;
    const state = (await h.api('GET', `/v1/buildUploads/${upload.body.data.id}`)).body.data.attributes.state;
    expect(state).toMatchObject({
      state: 'FAILED',
      errors: [{ code: 'ASSET_UPLOAD_INCOMPLETE', description: expect.stringContaining('parts 1, 3 of 3') }],
    });
  });

  it('refuses a duplicate build number for the same version and platform with 409', async () => {
    const { app, ...h } = await harnessWithApp({ timing: TIMING });
    h.fake.addBuild({ appId: app.id, version: '1.2.0', buildNumber: '41' });
    const dup = await createUpload(h, app.id, '41');
    expect(dup.status).toBe(409);
    expect(dup.body.errors[0]).toMatchObject({ status: '409', code: 'ENTITY_ERROR.ATTRIBUTE.INVALID.DUPLICATE' });
    expect(dup.body.errors[0].detail).toContain('The bundle version must be higher than the previously uploaded version');
    expect((await createUpload(h, app.id, '42')).status).toBe(201);
    expect((await createUpload(h, app.id, '42')).status).toBe(409);
    expect((await createUpload(h, app.id, '41', '1.3.0')).status).toBe(201);
  });

  it('guards the part URLs: exact length, declared Content-Type, signature, no bearer token', async () => {
    const { app, ...h } = await harnessWithApp({ partSize: 1000 });
    const bytes = randomBytes(1000);
    const upload = await createUpload(h, app.id);
    const op = ((await reserve(h, upload.body.data.id, 1000)).body.data.attributes.uploadOperations as Operation[])[0]!;
    expect((await put({ ...op, length: 999 }, bytes)).status).toBe(400);
    expect((await put(op, bytes, { authorization: `Bearer ${await h.token()}` })).status).toBe(400);
    expect((await put(op, bytes, { 'content-type': 'application/zip' })).status).toBe(400);
    expect((await put({ ...op, url: op.url.replace(/signature=\w+/, 'signature=forged') }, bytes)).status).toBe(403);
    expect((await put({ ...op, url: op.url.replace('/1?', '/2?') }, bytes)).status).toBe(404);
    expect((await put(op, bytes)).status).toBe(200);
    expect(h.fake.requests.at(-1)).toMatchObject({ method: 'PUT', status: 200, partBytes: 1000 });
  });

  it('checks the file against its uti and refuses files once the upload is committed', async () => {
    const { app, ...h } = await harnessWithApp();
    const upload = await createUpload(h, app.id);
    expect((await reserve(h, upload.body.data.id, 10, 'App.ipa', 'com.apple.pkg')).status).toBe(409);
    const ok = await reserve(h, upload.body.data.id, 10);
    expect((await reserve(h, upload.body.data.id, 10)).status).toBe(409);
    await put((ok.body.data.attributes.uploadOperations as Operation[])[0]!, Buffer.alloc(10));
    await commit(h, ok.body.data.id);
    expect((await reserve(h, upload.body.data.id, 10, 'App.dSYM.zip', 'com.pkware.zip-archive')).status).toBe(409);
    expect((await h.api('DELETE', `/v1/buildUploads/${upload.body.data.id}`)).status).toBe(409);
  });

  it('deletes an upload that was never committed', async () => {
    const { app, ...h } = await harnessWithApp();
    const upload = await createUpload(h, app.id);
    expect((await h.api('DELETE', `/v1/buildUploads/${upload.body.data.id}`)).status).toBe(204);
    expect((await h.api('GET', `/v1/buildUploads/${upload.body.data.id}`)).status).toBe(404);
    expect((await createUpload(h, app.id)).status).toBe(201);
  });

  it('failNextUpload ends the next committed upload FAILED with the given errors', async () => {
    const { app, ...h } = await harnessWithApp({ timing: TIMING, partSize: 1000 });
    const errors = [{ code: 'ITMS-90189', description: 'Redundant Binary Upload.' }];
    h.fake.failNextUpload({ errors });
    const first = await uploadAll(h, app.id, randomBytes(100), { buildNumber: '1' });
    const second = await uploadAll(h, app.id, randomBytes(100), { buildNumber: '2' });
    h.clock.ms += TIMING.uploadProcessingMs;
    expect(h.fake.resource('buildUploads', first.uploadId).attributes.state).toEqual({ state: 'FAILED', errors });
    expect(h.fake.resource('buildUploads', second.uploadId).attributes.state.state).toBe('COMPLETE');
    expect(h.fake.resource('buildUploadFiles', first.fileId).attributes.assetDeliveryState.state).toBe('FAILED');
  });

  it('failBuildProcessing ends the build INVALID with reasons on its upload; neverAppear keeps a build hidden', async () => {
    const { app, ...h } = await harnessWithApp({ timing: TIMING, partSize: 1000 });
    const reasons = [{ code: 'ITMS-90035', description: 'Invalid Signature.' }];
    h.fake.failBuildProcessing('7', 'INVALID', reasons);
    h.fake.neverAppear('8');
    const bad = await uploadAll(h, app.id, randomBytes(100), { buildNumber: '7' });
    const hidden = await uploadAll(h, app.id, randomBytes(100), { buildNumber: '8' });
    h.clock.ms += 60 * 60_000;
    const upload = h.fake.resource('buildUploads', bad.uploadId);
    const build = h.fake.resource('builds', upload.relationships.build.data.id);
    expect(build.attributes.processingState).toBe('INVALID');
    expect(upload.attributes.state).toMatchObject({ state: 'COMPLETE', errors: reasons });
    expect(h.fake.resource('buildBetaDetails', build.id).attributes.internalBuildState).toBe('PROCESSING_EXCEPTION');
    expect(h.fake.resource('buildUploads', hidden.uploadId)).toMatchObject({ attributes: { state: { state: 'COMPLETE' } } });
    expect(h.fake.resource('buildUploads', hidden.uploadId).relationships.build.data).toBeNull();
    expect(h.fake.resources('builds').map((b) => b.attributes.version)).toEqual(['7']);
  });

  it('counts bytes without keeping them when storeUploadedBytes is false', async () => {
    const { app, ...h } = await harnessWithApp({ timing: TIMING, partSize: 1000, storeUploadedBytes: false });
    const { uploadId, fileId } = await uploadAll(h, app.id, randomBytes(2100));
    expect(h.fake.uploadedFile(fileId)).toBeUndefined();
    h.clock.ms += TIMING.uploadProcessingMs;
    expect(h.fake.resource('buildUploads', uploadId).attributes.state.state).toBe('COMPLETE');
  });

  it('lists an app’s build uploads by version, build number and state', async () => {
    const { app, ...h } = await harnessWithApp({ timing: TIMING, partSize: 1000 });
    await uploadAll(h, app.id, randomBytes(10), { buildNumber: '1' });
    await createUpload(h, app.id, '2');
    const list = (q: string) => h.api('GET', `/v1/apps/${app.id}/buildUploads?${q}`);
    expect((await list('filter[cfBundleVersion]=2')).body.data).toHaveLength(1);
    expect(
      (await list('filter[state]=PROCESSING,AWAITING_UPLOAD&filter[cfBundleShortVersionString]=1.2.0&filter[platform]=IOS')).body.data,
    ).toHaveLength(2);
    h.clock.ms += TIMING.uploadProcessingMs;
    expect(
      (await list('filter[state]=COMPLETE')).body.data.map(
        (u: { attributes: { cfBundleVersion: string } }) => u.attributes.cfBundleVersion,
      ),
    ).toEqual(['1']);
    expectNoViolations(h.fake);
  });
});
