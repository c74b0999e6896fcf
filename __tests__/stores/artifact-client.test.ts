import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPrivateKey } from '../../src/asc/auth.js';
import { parseConfig } from '../../src/config.js';
import { InputError, UserError } from '../../src/errors.js';
import { openArtifactStore } from '../../src/stores/artifact-store.js';
import { makeTestKey } from '../../test-support/fake-asc/index.js';
import { recordingLog } from '../../test-support/log.js';
import { ACTIONS_WRITE_PERMISSIONS } from '../../src/github/octokit.js';
import { ArtifactGoneError, createArtifactClient, type ArtifactClient } from '../../src/stores/artifact-client.js';
import { applyEnv } from '../../test-support/fake-github/env.js';
import { startFakeGitHub } from '../../test-support/fake-github/index.js';
import { useFakeGitHub } from '../../test-support/fake-github/suite.js';
import { rejectionOf } from '../../test-support/setup.js';

const TOKEN = 'ghs_secretTokenThatMustNotLeak';
const gh = useFakeGitHub({ token: TOKEN });
let restoreEnv: (() => void) | undefined;
let runnerTemp: string;
const logged: string[] = [];

afterEach(() => {
  restoreEnv?.();
  restoreEnv = undefined;
  logged.length = 0;
});

/** Acts as a job of run `runId`: the env @actions/artifact reads, and a client with the run's token. */
function asRun(runId: number, token = TOKEN): ArtifactClient {
  restoreEnv?.();
  runnerTemp = mkdtempSync(join(tmpdir(), 'runner-temp-'));
  restoreEnv = applyEnv({ ...gh.runEnv(runId), RUNNER_TEMP: runnerTemp });
  return createArtifactClient({
    token,
    repository: 'octo/app',
    apiUrl: process.env.GITHUB_API_URL,
    retry: { baseDelayMs: 5, maxDelayMs: 50 },
    log: { info: (m) => logged.push(m), debug: () => {} },
  });
}

function requestsSince(mark: number): string[] {
  return gh.requests.slice(mark).map((r) => `${r.host} ${r.method} ${r.path.replace(/\/actions-results\/.*/, '/<blob>')} ${r.status}`);
}

/** The failure of `promise`, checked to keep the token out of its message. */
async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await rejectionOf(promise);
  expect(String(error.message)).not.toContain(TOKEN);
  return error;
}

describe('uploadJson', () => {
  it('uploads the document as an artifact of the current run and leaves no temp files', async () => {
    const client = asRun(1);
    const document = { version: 1, builds: [{ id: 'b1', step: 'wait-processing' }], note: 'ünïcødé' };
    const ref = await client.uploadJson('asc-state-1-b1', 'state.json', document, 3);

    const stored = gh.artifacts().find((a) => a.id === ref.id)!;
    expect(stored).toMatchObject({ name: 'asc-state-1-b1', runId: 1, deleted: false });
    expect(Object.keys(stored.files)).toEqual(['state.json']);
    expect(JSON.parse(stored.files['state.json']!.toString('utf8'))).toEqual(document);
    expect(ref).toMatchObject({ id: stored.id, name: 'asc-state-1-b1', workflowRunId: 1, sizeInBytes: stored.sizeInBytes, expired: false });
    const retention = Date.parse(stored.expiresAt) - Date.now();
    expect(retention).toBeGreaterThan(2.9 * 86_400_000);
    expect(retention).toBeLessThanOrEqual(3 * 86_400_000);
    expect(readdirSync(runnerTemp)).toEqual([]);
  });

  // Checked once, when the store is opened, before anything is uploaded (a publish would otherwise upload, then fail).
  const openStore = (command: string, token = 't') =>
    openArtifactStore(
      parseConfig(
        (name) =>
          ({
            command,
            'key-id': 'ABC123DEF4',
            'private-key': 'unused',
            'app-id': '1',
            'app-version': '1.0',
            'build-number': '1',
            'github-token': token,
          })[name] ?? '',
      ),
      { log: recordingLog(), setOutput: () => undefined, appendSummary: async () => undefined },
      { now: Date.now },
      loadPrivateKey(makeTestKey().privateKeyPem),
    );

  it('says it needs GitHub Actions when the artifact service env is missing, naming the input', () => {
    const restore = applyEnv({ ACTIONS_RUNTIME_TOKEN: undefined, ACTIONS_RESULTS_URL: undefined });
    try {
      expect(() => openStore('publish')).toThrow(InputError);
      expect(() => openStore('publish')).toThrow(/post-processing.*ACTIONS_RUNTIME_TOKEN, ACTIONS_RESULTS_URL/s);
      expect(() => openStore('resume')).toThrow(/Input `command`: `resume` reads deferred state/);
    } finally {
      restore();
    }
  });

  it('a deferred run in GitHub Actions without `github-token` is refused when the store opens, before any request', () => {
    const restore = applyEnv({ GITHUB_REPOSITORY: 'o/r', ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_RESULTS_URL: 'http://127.0.0.1:1/' });
    try {
      expect(() => openStore('publish', '')).toThrow(InputError);
      expect(() => openStore('publish', '')).toThrow(
        /^Input `github-token`: is required with `post-processing: deferred`.*`permissions: actions: write`/,
      );
    } finally {
      restore();
    }
  });

  it('says GitHub Enterprise Server cannot hold the state', () => {
    const restore = applyEnv({
      GITHUB_SERVER_URL: 'https://git.example.com',
      GITHUB_REPOSITORY: 'o/r',
      ACTIONS_RUNTIME_TOKEN: 't',
      ACTIONS_RESULTS_URL: 'http://127.0.0.1:1/',
    });
    try {
      expect(() => openStore('publish')).toThrow(/GitHub Enterprise Server.*post-processing: inline/);
    } finally {
      restore();
    }
  });

  it('reports what the artifact service said when it refuses, naming the artifact', async () => {
    const client = asRun(5);
    await client.uploadJson('asc-state-twice', 'state.json', {});
    const error = await failure(client.uploadJson('asc-state-twice', 'state.json', {}));
    expect(error.message).toMatch(
      /^Could not save the state artifact "asc-state-twice": .*\(409\) Conflict: an artifact with this name already exists/,
    );
    expect(readdirSync(runnerTemp)).toEqual([]);
  });

  it('rejects a file name with a path in it', async () => {
    await expect(asRun(1).uploadJson('x', '../state.json', {})).rejects.toThrow(/plain file name/);
  });
});

describe('list', () => {
  it('finds the prefixed, unexpired artifacts of every run among 250, in 3 requests', async () => {
    const fresh = await startFakeGitHub({ token: TOKEN, repository: 'acme/big' });
    try {
      const t0 = Date.now() - 10 * 86_400_000;
      const wanted: number[] = [];
      for (let i = 0; i < 250; i++) {
        const ours = i % 25 === 0;
        const id = fresh.addArtifact({
          name: ours ? `asc-state-${i}` : `coverage-${i}`,
          runId: 100 + i,
          files: { 'state.json': JSON.stringify({ i }) },
          createdAt: new Date(t0 + i * 3600_000),
          expired: ours && i === 50,
        });
        if (ours && i !== 50) wanted.push(id);
      }
      const client = createArtifactClient({ token: TOKEN, repository: 'acme/big', apiUrl: fresh.apiUrl });

      const refs = await client.list('asc-state-');
      expect(refs.map((r) => r.id)).toEqual([...wanted].reverse());
      expect(refs[0]).toMatchObject({ name: 'asc-state-225', workflowRunId: 325, expired: false, createdAt: expect.stringMatching(/Z$/) });
      expect(fresh.requests.map((r) => `${r.method} ${r.path}${/[?&]page=/.test(r.query) ? ' paged' : ''}`)).toEqual([
        'GET /repos/acme/big/actions/artifacts',
        `GET /repositories/700001/actions/artifacts paged`,
        `GET /repositories/700001/actions/artifacts paged`,
      ]);

      // With an exact name GitHub filters: one request whatever the repository holds.
      let mark = fresh.requests.length;
      expect((await client.list('asc-state-100', { exact: true })).map((r) => r.name)).toEqual(['asc-state-100']);
      expect(fresh.requests.slice(mark).map((r) => r.query)).toEqual(['?per_page=100&name=asc-state-100']);
      expect(await client.list('asc-state-10', { exact: true })).toEqual([]);

      // A horizon stops paging once a whole page is older: here after the second page of three.
      mark = fresh.requests.length;
      const recent = await client.list('asc-state-', { newerThan: new Date(t0 + 180 * 3600_000) });
      expect(recent.map((r) => r.name)).toEqual(['asc-state-225', 'asc-state-200']);
      expect(fresh.requests.length - mark).toBe(2);
    } finally {
      await fresh.close();
    }
  });
});

describe('downloadJson and delete', () => {
  it('downloads, from run 2, what run 1 saved: one API call and one storage call, no token sent to storage', async () => {
    const document = { build: { id: 'abc', uploadedAt: '2025-01-01T00:00:00Z' }, steps: ['notes', 'groups'] };
    const saved = await asRun(1).uploadJson('asc-state-dl', 'state.json', document);
    const client = asRun(2);
    const [ref] = await client.list('asc-state-dl', { exact: true });
    expect(ref).toMatchObject({ id: saved.id, workflowRunId: 1 });

    const mark = gh.requests.length;
    expect(await client.downloadJson(ref!, 'state.json')).toEqual(document);
    expect(requestsSince(mark)).toEqual([`api GET /repos/octo/app/actions/artifacts/${saved.id}/zip 302`, 'blob GET /<blob> 200']);
    expect(gh.requests.slice(mark).find((r) => r.host === 'blob')!.authorization).toBe(false);

    const missing = await failure(client.downloadJson(ref!, 'other.json'));
    expect(missing.message).toMatch(/has no other\.json; it holds: state\.json/);
  });

  it('deletes once; a second delete (an overlapping run) answers false', async () => {
    const saved = await asRun(1).uploadJson('asc-state-del', 'state.json', { a: 1 });
    const client = asRun(2);
    const mark = gh.requests.length;
    expect(await client.delete(saved)).toBe(true);
    expect(await client.delete(saved)).toBe(false);
    expect(requestsSince(mark)).toEqual([
      `api DELETE /repos/octo/app/actions/artifacts/${saved.id} 204`,
      `api DELETE /repos/octo/app/actions/artifacts/${saved.id} 404`,
    ]);
    expect(gh.artifacts().find((a) => a.id === saved.id)!.deleted).toBe(true);

    const gone = await failure(client.downloadJson(saved, 'state.json'));
    expect(gone).toBeInstanceOf(ArtifactGoneError);
    expect(gone).toMatchObject({ reason: 'deleted' });
  });

  it('skips expired artifacts when listing and says to use `command: distribute` for one', async () => {
    const saved = await asRun(1).uploadJson('asc-state-exp', 'state.json', { a: 1 });
    const client = asRun(2);
    const [ref] = await client.list('asc-state-exp');
    gh.expire(saved.id);
    expect(await client.list('asc-state-exp')).toEqual([]);

    const error = await failure(client.downloadJson(ref!, 'state.json'));
    expect(error).toBeInstanceOf(ArtifactGoneError);
    expect(error).toMatchObject({ reason: 'expired' });
    expect(error.message).toContain('has expired');
    expect(error.message).toContain('`command: distribute`');

    // A ref already known to be expired costs no request.
    const mark = gh.requests.length;
    await expect(client.downloadJson({ ...ref!, expired: true }, 'state.json')).rejects.toBeInstanceOf(ArtifactGoneError);
    expect(gh.requests.length).toBe(mark);
  });
});

describe('errors', () => {
  it('names the permissions block to add when the token may not touch artifacts', async () => {
    const saved = await asRun(1).uploadJson('asc-state-perm', 'state.json', { a: 1 });
    const client = asRun(2);
    gh.denyPermissions(true);
    for (const attempt of [client.list('asc-state-'), client.downloadJson(saved, 'state.json'), client.delete(saved)]) {
      const error = await failure(attempt);
      expect(error).toBeInstanceOf(UserError);
      expect(error.message).toContain('403 Resource not accessible by integration');
      expect(error.message).toContain(`\n${ACTIONS_WRITE_PERMISSIONS}`);
    }
    expect(ACTIONS_WRITE_PERMISSIONS).toBe('permissions:\n  actions: write\n  contents: read');

    gh.denyPermissions('write');
    await expect(client.list('asc-state-perm')).resolves.toHaveLength(1);
    const error = await failure(client.delete(saved));
    expect(error.message).toMatch(/Deleting a state artifact needs `actions: write`/);
    expect(error.message).toContain(`"asc-state-perm" (id ${saved.id})`);
  });

  it('says the github-token was rejected, without printing it', async () => {
    const client = asRun(2, 'ghs_wrongTokenValue');
    const error = await failure(client.list('asc-state-'));
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toMatch(/rejected the `github-token` \(401 Bad credentials/);
    expect(error.message).not.toContain('ghs_wrongTokenValue');
  });

  it('retries a 500, a reset connection and a 429 (after its Retry-After), then succeeds', async () => {
    const saved = await asRun(1).uploadJson('asc-state-retry', 'state.json', { ok: 1 });
    const client = asRun(2);

    gh.faults.inject({ method: 'GET', path: '/repos/octo/app/actions/artifacts', kind: '500', times: 1 });
    gh.faults.inject({ method: 'GET', path: '/repos/octo/app/actions/artifacts', kind: 'reset', times: 1 });
    let mark = gh.requests.length;
    expect((await client.list('asc-state-retry')).map((r) => r.id)).toEqual([saved.id]);
    expect(gh.requests.slice(mark).map((r) => r.status)).toEqual([500, 0, 200]);
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatch(/GitHub API GET \/repos\/octo\/app\/actions\/artifacts failed \(500 Server Error\); retry 1 of 3/);
    expect(logged[1]).toMatch(/failed \(no response: .+\); retry 2 of 3/);

    gh.faults.inject({ method: 'GET', path: /^\/actions-results\//, kind: '503', times: 1 });
    gh.faults.inject({ method: 'GET', path: /\/zip$/, kind: '429', times: 1, retryAfterSeconds: 1 });
    mark = gh.requests.length;
    const started = Date.now();
    expect(await client.downloadJson(saved, 'state.json')).toEqual({ ok: 1 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(requestsSince(mark).map((r) => r.replace(/ \/.* /, ' '))).toEqual([
      'api GET 429',
      'api GET 302',
      'blob GET 503',
      'blob GET 200',
    ]);

    gh.faults.inject({ method: 'DELETE', kind: 'reset', times: 1 });
    expect(await client.delete(saved)).toBe(true);
  });

  it('surfaces a failure that outlasts the retries with what failed', async () => {
    const client = asRun(2);
    gh.faults.inject({ path: '/repos/octo/app/actions/artifacts', kind: '503', times: 10 });
    const mark = gh.requests.length;
    const error = await failure(client.list('asc-state-'));
    expect(error.message).toBe(
      "Could not list the repository's workflow artifacts: GitHub answered 503 Server Error after 4 tries. " +
        "Run the job again; if it persists, check GitHub's status (https://www.githubstatus.com).",
    );
    expect(gh.requests.length - mark).toBe(4);
  });
});
