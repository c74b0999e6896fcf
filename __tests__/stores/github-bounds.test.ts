import { afterEach, describe, expect, it } from 'vitest';
import { createGitHubClient, MAX_GITHUB_RETRY_AFTER_MS } from '../../src/github/octokit.js';
import { createArtifactClient, type ArtifactClientOptions } from '../../src/stores/artifact-client.js';
import { useFakeGitHub } from '../../test-support/fake-github/suite.js';

/** Every GitHub call and the artifact download are bounded: request time, retries and server-given waits. */
const gh = useFakeGitHub({ runId: 1 });
const slept: number[] = [];
const logged: string[] = [];

afterEach(() => {
  slept.length = 0;
  logged.length = 0;
});

const options = (extra: Partial<ArtifactClientOptions> = {}): ArtifactClientOptions => ({
  token: gh.token,
  repository: gh.repository,
  apiUrl: gh.apiUrl,
  retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 50 },
  log: { info: (m) => logged.push(m), debug: () => {} },
  sleep: async (ms) => void slept.push(ms),
  ...extra,
});

const LIST = '/repos/octo/app/actions/artifacts';

async function timed<T>(work: Promise<T>): Promise<{ error?: Error; ms: number }> {
  const started = Date.now();
  try {
    await work;
    return { ms: Date.now() - started };
  } catch (error) {
    return { error: error as Error, ms: Date.now() - started };
  }
}

describe('Retry-After from GitHub', () => {
  it('a 503 asking for a day is reported at once, not slept through', async () => {
    gh.faults.inject({ path: LIST, kind: '503', times: 5, retryAfterSeconds: 86_400 });
    const mark = gh.requests.length;
    const { error, ms } = await timed(createArtifactClient(options()).list('state-'));
    expect(error?.message).toMatch(
      /Could not list the repository's workflow artifacts: GitHub answered 503 to GET \/repos\/octo\/app\/actions\/artifacts and asked to wait 86400 s \(Retry-After\), longer than the 180 s a run waits/,
    );
    expect(slept).toEqual([]);
    expect(gh.requests.length - mark).toBe(1);
    expect(ms).toBeLessThan(5_000);
  });

  it('a 429 asking for a day is reported too', async () => {
    gh.faults.inject({ path: LIST, kind: '429', times: 1, retryAfterSeconds: 86_400 });
    const { error } = await timed(createArtifactClient(options()).list('state-'));
    expect(error?.message).toMatch(/asked to wait 86400 s/);
  });

  it('a short Retry-After is honoured before the retry, then the call succeeds', async () => {
    gh.faults.inject({ path: LIST, kind: '503', times: 1, retryAfterSeconds: 2 });
    const found = await createArtifactClient(options()).list('nothing-by-this-name-');
    expect(found).toEqual([]);
    expect(slept).toEqual([2000]);
    expect(logged.join('\n')).toMatch(/GitHub API GET \/repos\/octo\/app\/actions\/artifacts failed \(503 .*\); retry 1 of 2/);
  });

  it('the bound is a few minutes', () => {
    expect(MAX_GITHUB_RETRY_AFTER_MS).toBeGreaterThanOrEqual(60_000);
    expect(MAX_GITHUB_RETRY_AFTER_MS).toBeLessThanOrEqual(5 * 60_000);
  });
});

describe('request timeouts', () => {
  it('a GitHub REST call that never answers fails after its timeout and retries, naming the call', async () => {
    gh.faults.inject({ path: LIST, kind: 'hang', times: 3 });
    const { error, ms } = await timed(createArtifactClient(options({ timeoutMs: 300 })).list('state-'));
    expect(error?.message).toMatch(/Could not list the repository's workflow artifacts: no response: .*(timeout|aborted)/i);
    expect(ms).toBeLessThan(5_000);
    expect(logged.filter((m) => /retry \d of 2/.test(m))).toHaveLength(2);
  });

  it('every client from the factory has the timeout, whatever it calls', async () => {
    gh.faults.inject({ path: '/repos/octo/app', kind: 'hang', times: 1 });
    const { octokit, owner, repo } = createGitHubClient({ ...options({ timeoutMs: 200 }), retry: { attempts: 1 } });
    const { error, ms } = await timed(octokit.rest.repos.get({ owner, repo }));
    expect(error?.message).toMatch(/timeout|aborted/i);
    expect(ms).toBeLessThan(3_000);
  });
});

describe('artifact download from storage', () => {
  async function savedArtifact() {
    const id = gh.addArtifact({ name: `bounds-${Date.now()}`, runId: 1, files: { 'post-processing-state.json': '{"a":1}' } });
    const client = createArtifactClient(options({ timeoutMs: 300 }));
    const [ref] = (await client.list('bounds-')).filter((r) => r.id === id);
    return { client, ref: ref! };
  }

  it('a storage 503 asking for a day is reported at once', async () => {
    const { client, ref } = await savedArtifact();
    gh.faults.inject({ path: /^\/actions-results\//, kind: '503', times: 5, retryAfterSeconds: 86_400 });
    const { error, ms } = await timed(client.downloadJson(ref, 'post-processing-state.json'));
    expect(error?.message).toMatch(/storage answered 503 and asked to wait 86400 s \(Retry-After\), longer than the 180 s a run waits/);
    expect(slept).toEqual([]);
    expect(ms).toBeLessThan(5_000);
  });

  it('storage that never answers fails after the timeout', async () => {
    const { client, ref } = await savedArtifact();
    gh.faults.inject({ path: /^\/actions-results\//, kind: 'hang', times: 3 });
    const { error, ms } = await timed(client.downloadJson(ref, 'post-processing-state.json'));
    expect(error?.message).toMatch(/Could not download the artifact ".*" \(id \d+\): no response before the request timeout/);
    expect(ms).toBeLessThan(5_000);
  });
});
