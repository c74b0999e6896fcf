import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppStoreConnect } from '../../src/asc/client.js';
import { AscApiError } from '../../src/asc/errors.js';
import type { FakeAsc } from '../../test-support/fake-asc/index.js';
import { closeCheckedFake, FAST_RETRY, rejectionOf, startFakeAscWithClient } from '../../test-support/setup.js';

/** Reads of build uploads answer 404 for a moment for an app that exists (asc CLI #2544): retried, boundedly. */
describe('reads of what exists: a momentary 404 is retried', () => {
  let fake: FakeAsc, asc: AppStoreConnect, appId: string;
  beforeEach(async () => ({ fake, asc, appId } = await startFakeAscWithClient({ retry: FAST_RETRY })));
  afterEach(() => closeCheckedFake(fake));

  it('a build upload read (the upload-state poll) and its files succeed after two 404s', async () => {
    const { id } = fake.addBuildUpload({ appId, version: '1.0', buildNumber: '1', state: 'PROCESSING' });
    fake.quirks.buildUploadNotFound = 2;
    expect((await asc.buildUploads.get(id, { includeBuild: true })).id).toBe(id);
    fake.quirks.buildUploadNotFound = 2;
    expect(await asc.buildUploads.files(id)).toEqual([]);
    expect(fake.requests.filter((r) => r.status === 404)).toHaveLength(4);
  });

  it('a 404 that lasts is believed after three retries; other reads are not retried on a 404', async () => {
    const { id } = fake.addBuildUpload({ appId, version: '1.0', buildNumber: '1', state: 'PROCESSING' });
    fake.quirks.buildUploadNotFound = 100;
    const error = await rejectionOf(asc.buildUploads.get(id));
    expect(error).toBeInstanceOf(AscApiError);
    expect(fake.requests.filter((r) => r.path.startsWith('/v1/buildUploads/'))).toHaveLength(4);
    fake.quirks.buildUploadNotFound = 0;
    const before = fake.requests.length;
    await expect(asc.builds.get('nope')).rejects.toThrow(/404/);
    expect(fake.requests.length - before).toBe(1);
  });
});
