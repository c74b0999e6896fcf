import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/asc/client.js';
import { readPackageInfo } from '../../src/package/index.js';
import { uploadWithBuildUploadApi } from '../../src/upload/build-upload-api.js';
import { expectNoViolations, makeTestKey, startFakeAsc, type FakeAsc } from '../../test-support/fake-asc/index.js';
import { recordingLog } from '../../test-support/log.js';
import { makeIpa } from '../../test-support/packages.js';

const PART = 64 * 1024;

describe('upload-concurrency: auto, over loopback against the fake', () => {
  let dir: string;
  let fake: FakeAsc;
  const key = makeTestKey();
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ascp-auto-'));
    fake = await startFakeAsc({ keys: [key], partSize: PART, timing: { uploadProcessingMs: 0, buildProcessingMs: 0 } });
  });
  afterAll(async () => {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends every part, commits, and logs how many parts it settled on and why', async () => {
    const appId = fake.addApp({ bundleId: 'com.example.app', name: 'Example' }).id;
    // About 4 MB: 64 parts, enough for `auto` to measure and try more than 4.
    const ipa = await readPackageInfo(
      makeIpa({ path: join(dir, 'Auto.ipa'), bundleId: 'com.example.app', version: '1.0', buildNumber: '7', payloadBytes: 4_150_000 }),
    );
    const log = recordingLog();
    const asc = connect({ apiUrl: fake.url, keyId: key.keyId, issuerId: key.issuerId, privateKey: key.privateKeyPem, log });

    const result = await uploadWithBuildUploadApi(asc, ipa, appId, { concurrency: 'auto', log });

    expect(result.parts).toBe(Math.ceil(ipa.size / PART));
    const file = fake.resources('buildUploadFiles')[0];
    expect(fake.uploadedFile(file.id)!.equals(readFileSync(ipa.path))).toBe(true);
    expect(fake.resources('buildUploads')[0].attributes.state.state).toBe('COMPLETE');
    expect(log.infos).toContainEqual(
      expect.stringMatching(/in 64 parts, 4 at a time to start, more while more send faster \(up to 16\)\./),
    );
    const settled = log.infos.filter((line) => /^\d+ parts? (in flight|at a time)/.test(line));
    expect(settled).toHaveLength(1);
    expect(settled[0]).toMatch(
      /^(\d+) (parts in flight(: \d+( and \d+)? did not send faster \(([\d.]+ and )?[\d.]+ MB\/s against [\d.]+ MB\/s\)| \([\d.]+ MB\/s\): the most `auto` uses| \([\d.]+ MB\/s\): too few parts left to try \d+)|parts? at a time until the end: the file ran out before more could be tried)\.$/,
    );
    const count = Number(/^\d+/.exec(settled[0]!)![0]);
    expect(count).toBeGreaterThanOrEqual(3);
    expect(count).toBeLessThanOrEqual(16);
    // The commit comes after the last part, and only once.
    const commits = fake.requests.filter((r) => r.method === 'PATCH' && r.path.startsWith('/v1/buildUploadFiles/'));
    expect(commits).toHaveLength(1);
    expect(fake.requests.findLastIndex((r) => r.path.startsWith('/upload/'))).toBeLessThan(fake.requests.indexOf(commits[0]!));
    expectNoViolations(fake);
  });
});
