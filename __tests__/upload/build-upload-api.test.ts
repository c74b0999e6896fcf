import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AppStoreConnect } from '../../src/asc/client.js';
import { readPackageInfo, type PackageInfo } from '../../src/package/index.js';
import { uploadWithBuildUploadApi, type ApiUploadOptions } from '../../src/upload/build-upload-api.js';
import type { FakeAsc, TestKey } from '../../test-support/fake-asc/index.js';
import type { RecordingLog } from '../../test-support/log.js';
import { listenOnLoopback } from '../../test-support/loopback.js';
import { makeIpa } from '../../test-support/packages.js';
import {
  FAST_RETRY,
  INSTANT_PROCESSING,
  UPLOAD_PART_SIZE,
  closeCheckedFake,
  connectTo,
  publishInputs,
  runWithInputs,
  startFakeAscWithApp,
  startFakeAscWithClient,
  tempWorkspace,
} from '../../test-support/setup.js';
import { makePackages, packageInfo, xcodeDistribution } from '../package/fixtures.js';

const PART = UPLOAD_PART_SIZE;

const parts = (fake: FakeAsc) => fake.requests.filter((r) => r.path.startsWith('/upload/'));
const commits = (fake: FakeAsc) => fake.requests.filter((r) => r.method === 'PATCH' && r.path.startsWith('/v1/buildUploadFiles/'));

describe("Apple's Build Upload API, over HTTP against the fake", () => {
  let dir: string, ipa: PackageInfo, pkg: PackageInfo, key: TestKey, fake: FakeAsc, appId: string, log: RecordingLog, asc: AppStoreConnect;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ascp-build-upload-'));
    // About 1.1 MB: 18 parts of 64 KiB, the last one short.
    ipa = await readPackageInfo(
      makeIpa({
        path: join(dir, 'Example.ipa'),
        bundleId: 'com.example.app',
        version: '1.4.2',
        buildNumber: '42',
        payloadBytes: 1_100_000,
      }),
    );
    makePackages([
      {
        kind: 'pkg',
        path: join(dir, 'Example.pkg'),
        files: [
          { name: 'Distribution', text: xcodeDistribution({ id: 'com.example.mac', version: '2.0.1', build: '201' }) },
          {
            name: 'com.example.mac.pkg',
            files: [
              { name: 'PackageInfo', text: packageInfo({ id: 'com.example.mac', version: '2.0.1', build: '201' }) },
              { name: 'Payload', text: randomBytes(300_000).toString('base64'), encoding: 'none' },
            ],
          },
        ],
      },
    ]);
    pkg = await readPackageInfo(join(dir, 'Example.pkg'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeEach(async () => {
    ({ key, fake, appId, asc, log } = await startFakeAscWithClient({ fake: INSTANT_PROCESSING, retry: FAST_RETRY }));
  });
  afterEach(() => closeCheckedFake(fake));

  const upload = (p: PackageInfo, options: Partial<ApiUploadOptions> = {}, id = appId) =>
    uploadWithBuildUploadApi(asc, p, id, { concurrency: 4, log, partRetry: FAST_RETRY, ...options });

  /** The file as the fake reassembled it and Apple's verdict; the one commit carried `uploaded: true` and no checksum. */
  function received(): { bytes: Buffer; state: string } {
    const files = fake.resources('buildUploadFiles');
    expect(files).toHaveLength(1);
    const commit = commits(fake);
    expect(commit).toHaveLength(1);
    expect((commit[0]!.body as { data: { attributes: unknown } }).data.attributes).toEqual({ uploaded: true });
    const uploads = fake.resources('buildUploads');
    expect(uploads).toHaveLength(1);
    return { bytes: fake.uploadedFile(files[0].id)!, state: uploads[0].attributes.state.state };
  }

  for (const concurrency of [1, 8]) {
    it(`reassembles the exact bytes of a multi-part .ipa at concurrency ${concurrency}`, async () => {
      const result = await upload(ipa, { concurrency });
      const file = readFileSync(ipa.path);
      const got = received();
      expect(got.bytes.equals(file)).toBe(true);
      // Apple (the fake) checked every part before completing.
      expect(got.state).toBe('COMPLETE');
      const expectedParts = Math.ceil(ipa.size / PART);
      expect(expectedParts).toBeGreaterThanOrEqual(16);
      expect(result).toMatchObject({
        method: 'api',
        bytes: ipa.size,
        parts: expectedParts,
        buildUploadId: fake.resources('buildUploads')[0].id,
      });
      expect(parts(fake)).toHaveLength(expectedParts);
      expect(parts(fake).every((r) => r.method === 'PUT' && r.status === 200)).toBe(true);
      // Pre-signed part URLs never get the App Store Connect token.
      expect(parts(fake).every((r) => r.headers.authorization === undefined)).toBe(true);
      expect(fake.requests.filter((r) => r.path.startsWith('/v1/')).every((r) => r.headers.authorization === '[redacted]')).toBe(true);
      // The commit comes after the last part.
      const commitAt = fake.requests.indexOf(commits(fake)[0]!);
      expect(fake.requests.findLastIndex((r) => r.path.startsWith('/upload/'))).toBeLessThan(commitAt);
    });
  }

  it('keeps several parts in flight at once', async () => {
    // Each part waits 100 ms at the server: one at a time would take 1.8 s or more.
    fake.faults.inject({ path: /^\/upload\//, kind: 'slow', delayMs: 100, times: 1000 });
    const started = Date.now();
    await upload(ipa, { concurrency: 8 });
    const elapsed = Date.now() - started;
    expect(received().state).toBe('COMPLETE');
    expect(elapsed).toBeLessThan(Math.ceil(ipa.size / PART) * 100 * 0.6);
  });

  it('says how many parts go at once, never more than the parts there are', async () => {
    const small = await readPackageInfo(makeIpa({ path: join(dir, 'Small.ipa'), buildNumber: '43', payloadBytes: 100_000 }));
    const count = Math.ceil(small.size / PART);
    expect(count).toBeGreaterThan(1);
    expect(count).toBeLessThan(4);
    await upload(small, { concurrency: 'auto' });
    expect(received().state).toBe('COMPLETE');
    expect(log.infos).toContainEqual(
      expect.stringMatching(new RegExp(`^Sending Small\\.ipa \\([\\d.]+ MB\\) in ${count} parts, ${count} at a time\\.$`)),
    );
  });

  it('uploads a .pkg as com.apple.pkg for MAC_OS, bytes exact', async () => {
    const macApp = fake.addApp({ bundleId: 'com.example.mac', name: 'Example for Mac' }).id;
    expect(pkg).toMatchObject({ kind: 'pkg', platform: 'MAC_OS', uti: 'com.apple.pkg', bundleId: 'com.example.mac' });
    await upload(pkg, { concurrency: 3 }, macApp);
    const create = fake.requests.find((r) => r.method === 'POST' && r.path === '/v1/buildUploads')!;
    expect(create.body).toMatchObject({
      data: {
        attributes: { cfBundleShortVersionString: '2.0.1', cfBundleVersion: '201', platform: 'MAC_OS' },
        relationships: { app: { data: { type: 'apps', id: macApp } } },
      },
    });
    const reserve = fake.requests.find((r) => r.method === 'POST' && r.path === '/v1/buildUploadFiles')!;
    expect(reserve.body).toMatchObject({
      data: { attributes: { fileName: 'Example.pkg', fileSize: pkg.size, uti: 'com.apple.pkg', assetType: 'ASSET' } },
    });
    const file = readFileSync(pkg.path);
    const got = received();
    expect(parts(fake).length).toBeGreaterThan(1);
    expect(got.bytes.equals(file)).toBe(true);
    expect(got.state).toBe('COMPLETE');
  });

  it('retries a part that failed with HTTP 500 and one whose connection was reset; the bytes stay exact', async () => {
    fake.faults.inject({ path: /^\/upload\/[^/]+\/2$/, kind: '500', times: 1 });
    fake.faults.inject({ path: /^\/upload\/[^/]+\/5$/, kind: 'reset', times: 1 });
    await upload(ipa, { concurrency: 4 });
    const file = readFileSync(ipa.path);
    const got = received();
    expect(got.bytes.equals(file)).toBe(true);
    expect(got.state).toBe('COMPLETE');
    expect(parts(fake)).toHaveLength(Math.ceil(ipa.size / PART) + 2);
    expect(
      parts(fake)
        .filter((r) => r.fault)
        .map((r) => [r.path.split('/').at(-1), r.fault]),
    ).toEqual(
      expect.arrayContaining([
        ['2', '500'],
        ['5', 'reset'],
      ]),
    );
    expect(log.infos.filter((l) => /^Part 2: .*HTTP 500.* retrying in/.test(l))).toHaveLength(1);
    expect(log.infos.filter((l) => /^Part 5: .* retrying in/.test(l))).toHaveLength(1);
    expect(fake.faults.pending()).toEqual([]);
  });

  it('gives up on a part that keeps failing, naming the part and the status, and never commits', async () => {
    fake.faults.inject({ path: /^\/upload\/[^/]+\/3$/, kind: '503', times: 1000 });
    const error = (await upload(ipa, { concurrency: 2, partRetry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5 } }).catch(
      (e: unknown) => e,
    )) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toMatch(/^Sending part 3 \(bytes 131072–196607\) failed with HTTP 503/);
    expect(parts(fake).filter((r) => r.path.endsWith('/3'))).toHaveLength(2);
    expect(commits(fake)).toHaveLength(0);
    expect(fake.resources('buildUploads')[0].attributes.state.state).toBe('AWAITING_UPLOAD');
  });

  it('does not retry a part the server refused outright (4xx)', async () => {
    fake.faults.inject({ path: /^\/upload\/[^/]+\/1$/, kind: '401', times: 1000 });
    const error = (await upload(ipa, { concurrency: 1 }).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/^Sending part 1 \(bytes 0–65535\) failed with HTTP 401/);
    expect(parts(fake).filter((r) => r.path.endsWith('/1'))).toHaveLength(1);
    expect(commits(fake)).toHaveLength(0);
  });

  it('logs few progress lines, each with a percentage and a rate, for a 50-part upload', async () => {
    fake.partSize = 24 * 1024;
    const big = await readPackageInfo(makeIpa({ path: join(dir, 'Fifty.ipa'), buildNumber: '50', payloadBytes: 1_240_000 }));
    expect(Math.ceil(big.size / fake.partSize)).toBeGreaterThanOrEqual(50);
    // A clock that runs fast, as on a slow link: every check finds many seconds gone.
    let ms = Date.now();
    await upload(big, { concurrency: 4, now: () => (ms += 5_000) });
    const progress = log.infos.filter((l) => l.startsWith('Uploaded '));
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.length).toBeLessThanOrEqual(12);
    for (const line of progress) expect(line).toMatch(/\d+ %.* \d+(\.\d+)? MB\/s/);
    expect(progress.at(-1)).toMatch(/^Uploaded 100 %/);
    const percents = progress.map((l) => Number(/^Uploaded (\d+) %/.exec(l)![1]));
    expect([...percents].sort((a, b) => a - b)).toEqual(percents);

    // With a real clock on loopback the whole upload is one line.
    log.infos.length = 0;
    fake.partSize = PART;
    const again = await readPackageInfo(makeIpa({ path: join(dir, 'Again.ipa'), buildNumber: '51', payloadBytes: 1_180_000 }));
    await upload(again, { concurrency: 4 });
    expect(log.infos.filter((l) => l.startsWith('Uploaded ')).length).toBeLessThanOrEqual(12);
    expect(log.infos.filter((l) => l.startsWith('Uploaded ')).at(-1)).toMatch(/^Uploaded 100 % .* MB\/s/);
  });

  it('reuses the build upload Apple made when the answer to its creation was lost', async () => {
    // Apple makes the build upload, but the connection drops before its answer arrives: the upload is
    // read back and used, never created a second time.
    const proxy = await answerLosingProxy(fake.url, (method, path, n) => method === 'POST' && path === '/v1/buildUploads' && n === 1);
    try {
      const viaProxy = connectTo(proxy, key, { log, retry: FAST_RETRY });
      await uploadWithBuildUploadApi(viaProxy, ipa, appId, { concurrency: 4, log, partRetry: FAST_RETRY });
    } finally {
      await proxy.close();
    }
    const creates = fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/buildUploads');
    expect(creates.map((r) => r.status)).toEqual([201]);
    expect(fake.resources('buildUploads')).toHaveLength(1);
    expect(log.infos.some((l) => /^Reusing build upload \S+, which is waiting for its file\./.test(l))).toBe(true);
    const got = received();
    expect(got.bytes.equals(readFileSync(ipa.path))).toBe(true);
    expect(got.state).toBe('COMPLETE');
  });
});

describe('publish with the Build Upload API', () => {
  let key: TestKey, fake: FakeAsc, dir: string, appId: string;

  beforeEach(async () => {
    ({ key, fake, appId } = await startFakeAscWithApp({
      fake: { partSize: PART, timing: { uploadProcessingMs: 20, buildProcessingMs: 20 } },
    }));
    dir = tempWorkspace('ascp-publish-upload-');
  });
  afterEach(async () => {
    await closeCheckedFake(fake);
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (extra: Record<string, string> = {}) => runWithInputs(publishInputs(key, fake, extra));

  it("fails when Apple ends the build upload FAILED, with every one of Apple's codes and descriptions", async () => {
    makeIpa({ path: join(dir, 'Example.ipa'), buildNumber: '7', version: '3.0', payloadBytes: 200_000 });
    const errors = [
      {
        code: '90062',
        description:
          'The value for key CFBundleShortVersionString [3.0] must contain a higher version than that of the previously approved version.',
      },
      { code: '90186', description: 'Invalid Pre-Release Train. The train version 3.0 is closed for new build submissions.' },
    ];
    fake.failNextUpload({ errors });
    const { runtime, error } = await run();
    expect(error).toBeInstanceOf(Error);
    for (const e of errors) {
      expect(error!.message).toContain(e.code);
      expect(error!.message).toContain(e.description);
    }
    expect(error!.message).toMatch(/Apple could not process the uploaded file/);
    expect(runtime.outputs['post-processing']).toBe('failed');
    expect(runtime.outputs['app-id']).toBe(appId);
    expect(runtime.outputs['build-upload-id']).toBe(fake.resources('buildUploads')[0].id);
    expect(runtime.outputs['build-id']).toBe('');
    expect(runtime.summary.join('\n')).toContain('90186');
    // Nothing was done to a build that does not exist.
    expect(
      fake.requests.filter((r) => r.method !== 'GET' && r.path.startsWith('/v1/')).map((r) => `${r.method} ${r.path.split('/')[2]}`),
    ).toEqual(['POST buildUploads', 'POST buildUploadFiles', 'PATCH buildUploadFiles']);
  });
});

/**
 * An HTTP proxy in front of the fake that forwards every request, and for those `lose` picks, lets
 * the server act on it but drops the connection instead of passing the answer back.
 */
async function answerLosingProxy(
  target: string,
  lose: (method: string, path: string, nth: number) => boolean,
): Promise<{ url: string; close: () => Promise<void> }> {
  const seen = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', target).pathname;
    const key = `${req.method} ${path}`;
    const nth = (seen.get(key) ?? 0) + 1;
    seen.set(key, nth);
    const upstream = http.request(new URL(req.url ?? '/', target), { method: req.method, headers: req.headers }, (answer) => {
      if (lose(req.method ?? 'GET', path, nth)) {
        answer.resume();
        answer.on('end', () => req.socket.destroy());
        return;
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => req.socket.destroy());
    req.pipe(upstream);
  });
  const url = await listenOnLoopback(server);
  return {
    url,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
