import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnswerTooLargeError } from '../../src/net/bounded-body.js';
import { PagingError } from '../../src/asc/http.js';
import { createArtifactClient } from '../../src/stores/artifact-client.js';
import type { FakeAsc, TestKey } from '../../test-support/fake-asc/index.js';
import { startFakeGitHub, type FakeGitHub } from '../../test-support/fake-github/index.js';
import { recordingLog } from '../../test-support/log.js';
import { closeCheckedFake, connectTo, startFakeAscWithApp } from '../../test-support/setup.js';

/**
 * Whatever answers in Apple's or GitHub's place may page forever or send hundreds of MB: every listing
 * ends with a named error, and a body past its bound is refused as it streams, never read whole.
 */
describe('listings and bodies are bounded', () => {
  let fake: FakeAsc, key: TestKey, appId: string, gh: FakeGitHub;
  beforeAll(async () => {
    ({ fake, key, appId } = await startFakeAscWithApp({ app: { bundleId: 'com.example.bounds' } }));
    gh = await startFakeGitHub();
  });
  afterAll(async () => {
    await closeCheckedFake(fake);
    await gh.close();
  });
  const asc = () => connectTo(fake, key, { log: recordingLog(), retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 } });

  it('App Store Connect: a `links.next` pointing to its own page ends in a named error after one page', async () => {
    fake.faults.inject({ method: 'GET', path: '/v1/builds', kind: 'self-next', times: 10 });
    const from = fake.requests.length;
    const error = await asc()
      .http.getAll('/v1/builds', { 'filter[app]': appId })
      .catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(PagingError);
    expect((error as Error).message).toMatch(/pages of \/v1\/builds loop: `links.next` leads back to a page already read/);
    expect(fake.requests.length - from).toBe(1);
    fake.faults.clear();
  });

  it('App Store Connect: a 400 MB answer is refused while it streams, not retried, and memory stays bounded', async () => {
    fake.faults.inject({ method: 'GET', path: `/v1/apps/${appId}`, kind: 'huge', times: 5 });
    const before = process.memoryUsage().rss;
    let peak = before;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    const from = fake.requests.length;
    const error = await asc()
      .apps.get(appId)
      .catch((e: unknown) => e as Error);
    clearInterval(timer);
    expect(error).toBeInstanceOf(AnswerTooLargeError);
    expect((error as Error).message).toMatch(/answer to GET \/v1\/apps\/\d+ is larger than 33554432 bytes/);
    const sent = fake.requests.slice(from);
    expect(sent).toHaveLength(1);
    // The fake stops writing when the client goes: far less than 400 MB crossed the wire.
    expect(sent[0]!.sentBytes!).toBeLessThan(100 * 1024 * 1024);
    console.log(
      `400 MB answer: rss grew ${((peak - before) / 2 ** 20).toFixed(0)} MB, ${(sent[0]!.sentBytes! / 2 ** 20).toFixed(0)} MB sent`,
    );
    expect(peak - before).toBeLessThan(150 * 1024 * 1024);
    fake.faults.clear();
  });

  it('GitHub: an artifact list whose `Link` points to itself ends in a named error', async () => {
    for (let i = 0; i < 3; i++) gh.addArtifact({ name: `loop-${i}`, runId: 1, files: { 'a.txt': 'a' } });
    gh.selfLinkArtifactPages(true);
    try {
      const client = createArtifactClient({ token: gh.token, repository: gh.repository, apiUrl: gh.apiUrl });
      const error = await client.list('loop-').catch((e: unknown) => e as Error);
      expect((error as Error).message).toMatch(/GitHub's artifact list loops: its `Link: rel="next"` leads back to a page already read/);
      expect(gh.requests.filter((r) => r.path.endsWith('/actions/artifacts')).length).toBeLessThanOrEqual(2);
    } finally {
      gh.selfLinkArtifactPages(false);
    }
  });
});
