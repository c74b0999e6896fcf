import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CheckRunNotFoundError,
  ChecksApiError,
  ChecksPermissionError,
  createChecksClient,
  type ChecksClient,
  type ChecksClientOptions,
} from '../../src/github/checks.js';
import { fakeCommitSha } from '../../test-support/fake-github/checks.js';
import { startFakeGitHub, type FakeGitHub } from '../../test-support/fake-github/index.js';

let gh: FakeGitHub;
const infos: string[] = [];
const slept: number[] = [];

beforeAll(async () => {
  gh = await startFakeGitHub({ token: 'ghs_checksClient' });
});
afterAll(async () => {
  await gh.close();
});
afterEach(() => {
  gh.checks.reset();
  gh.faults.clear();
  infos.length = 0;
  slept.length = 0;
});

function client(options: Partial<ChecksClientOptions> = {}): ChecksClient {
  return createChecksClient({
    token: 'ghs_checksClient',
    repository: 'octo/app',
    apiUrl: gh.apiUrl,
    // Backoff in units of 5 ms instead of seconds, so retries are fast but their order is real; GitHub's own waits are recorded.
    retry: { baseDelayMs: 5 },
    sleep: async (ms) => void slept.push(ms),
    log: { info: (m) => infos.push(m), debug: () => {} },
    ...options,
  });
}

function checkRequests(): string[] {
  return gh.checks.requests.map((r) => `${r.method} ${r.path.replace(/\/repos\/octo\/app/, '')} ${r.status}`);
}

describe('check runs client', () => {
  it('creates a check run in progress, updates it, and completes it', async () => {
    const sha = fakeCommitSha();
    const checks = client();
    const created = await checks.create({
      name: 'App Store Connect: Demo 1.0 (7)',
      headSha: sha,
      status: 'in_progress',
      detailsUrl: 'https://github.com/octo/app/actions/runs/1',
      externalId: 'state-7',
      output: { title: 'Still waiting for Apple: processing', summary: '| Step |' },
    });
    expect(created).toMatchObject({
      name: 'App Store Connect: Demo 1.0 (7)',
      headSha: sha,
      status: 'in_progress',
      conclusion: null,
      externalId: 'state-7',
    });
    expect(created.htmlUrl).toBe(`https://github.com/octo/app/runs/${created.id}`);

    const done = await checks.update(created.id, {
      status: 'completed',
      conclusion: 'success',
      output: { title: 'Ready for testers', summary: 'ok' },
    });
    expect(done).toMatchObject({ id: created.id, status: 'completed', conclusion: 'success' });
    expect(gh.checks.runs()).toEqual([
      expect.objectContaining({
        id: created.id,
        status: 'completed',
        conclusion: 'success',
        detailsUrl: 'https://github.com/octo/app/actions/runs/1',
      }),
    ]);
    expect(gh.checks.requests[0]!.body).toEqual({
      name: 'App Store Connect: Demo 1.0 (7)',
      head_sha: sha,
      status: 'in_progress',
      details_url: 'https://github.com/octo/app/actions/runs/1',
      external_id: 'state-7',
      output: { title: 'Still waiting for Apple: processing', summary: '| Step |' },
    });
  });

  it('finds a check run by name on a commit, preferring the one with the state’s external id', async () => {
    const sha = fakeCommitSha();
    const name = 'App Store Connect: Demo 1.0 (8)';
    const mine = gh.checks.add({ name, headSha: sha, externalId: 'state-8' });
    const newer = gh.checks.add({ name, headSha: sha, externalId: 'other' });
    gh.checks.add({ name: 'lint', headSha: sha });
    gh.checks.add({ name, headSha: fakeCommitSha(), externalId: 'state-8' });
    const checks = client();
    expect((await checks.findByName(sha, name, { externalId: 'state-8' }))?.id).toBe(mine);
    expect((await checks.findByName(sha, name, { externalId: 'unknown' }))?.id).toBe(newer);
    expect((await checks.findByName(sha, name))?.id).toBe(newer);
    expect(await checks.findByName(sha, 'App Store Connect: Demo 1.0 (9)')).toBeUndefined();
    expect(gh.checks.requests[0]!.query).toContain('filter=all');
  });

  it('reads every page when the commit has more than 100 runs with the name', async () => {
    const sha = fakeCommitSha();
    const first = gh.checks.add({ name: 'n', headSha: sha, externalId: 'oldest' });
    for (let i = 0; i < 150; i++) gh.checks.add({ name: 'n', headSha: sha });
    expect((await client().findByName(sha, 'n', { externalId: 'oldest' }))?.id).toBe(first);
    expect(checkRequests()).toHaveLength(2);
  });

  it('turns 404 on update into CheckRunNotFoundError', async () => {
    const error = await client()
      .update(4242, { status: 'in_progress' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckRunNotFoundError);
    expect((error as CheckRunNotFoundError).id).toBe(4242);
    expect((error as Error).message).toContain('404 Not Found');
    expect(checkRequests()).toEqual(['PATCH /check-runs/4242 404']);
  });

  it('turns 403 Resource not accessible by integration into ChecksPermissionError, without retrying', async () => {
    gh.checks.setPermission('read');
    const error = await client()
      .create({ name: 'x', headSha: fakeCommitSha(), status: 'in_progress' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChecksPermissionError);
    expect((error as Error).message).toMatch(/403 Resource not accessible by integration.*`checks: write`/);
    expect(checkRequests()).toEqual(['POST /check-runs 403']);

    gh.checks.setPermission('write');
    gh.checks.setReadOnlyToken(true);
    await expect(client().create({ name: 'x', headSha: fakeCommitSha() })).rejects.toBeInstanceOf(ChecksPermissionError);
  });

  it('reports a 422 with GitHub’s message and every error entry, without retrying', async () => {
    const sha = fakeCommitSha();
    const checks = client();
    const { id } = await checks.create({ name: 'x', headSha: sha });
    const error = await checks.update(id, { output: { title: 't', summary: '€'.repeat(30_000) } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChecksApiError);
    expect((error as ChecksApiError).status).toBe(422);
    expect((error as Error).message).toBe(
      `Could not update check run ${id}: 422 Validation Failed; summary: summary exceeds a maximum bytesize of 65535 ` +
        '(https://docs.github.com/rest/checks/runs#update-a-check-run). GitHub refused the check run as sent; please report this with the message above.',
    );
    // A status of completed without a conclusion: GitHub's schema message, on one line.
    const missing = await checks.update(id, { status: 'completed' }).catch((e: unknown) => e);
    expect((missing as Error).message).toContain('422 Invalid request. No subschema in "anyOf" matched. "conclusion" wasn\'t supplied.');
    expect(checkRequests().filter((r) => r.endsWith('422'))).toHaveLength(2);
  });

  it('says which token to pass on 401', async () => {
    const error = await client({ token: 'ghs_wrong' })
      .create({ name: 'x', headSha: fakeCommitSha() })
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/401 Bad credentials.*valid `github-token`/);
  });

  it('retries 5xx and connection resets, at most 4 tries in all', async () => {
    gh.faults.inject({ method: 'POST', path: '/repos/octo/app/check-runs', kind: '503', times: 1 });
    gh.faults.inject({ method: 'POST', path: '/repos/octo/app/check-runs', kind: 'reset', times: 1 });
    const created = await client().create({ name: 'x', headSha: fakeCommitSha() });
    expect(created.id).toBeGreaterThan(0);
    expect(infos).toEqual([
      expect.stringMatching(/^GitHub API POST \/repos\/\{owner\}\/\{repo\}\/check-runs failed \(503 Server Error\); retry 1 of 3/),
      expect.stringMatching(/failed \(no response: .*\); retry 2 of 3/),
    ]);

    gh.faults.inject({ method: 'PATCH', path: `/repos/octo/app/check-runs/${created.id}`, kind: '500', times: 10 });
    const error = await client()
      .update(created.id, { status: 'in_progress' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChecksApiError);
    expect((error as Error).message).toContain('500 Server Error');
    expect(gh.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith(`/check-runs/${created.id}`))).toHaveLength(4);
  });

  it('waits as long as Retry-After asks, up to a minute; longer is reported at once', async () => {
    gh.faults.inject({ method: 'POST', path: '/repos/octo/app/check-runs', kind: '429', times: 1, retryAfterSeconds: 7 });
    await client().create({ name: 'x', headSha: fakeCommitSha() });
    expect(infos).toEqual([expect.stringMatching(/failed \(429 .*\); retry 1 of 3 in 7\.0 s/)]);
    expect(slept).toEqual([7000]);

    gh.faults.inject({ method: 'POST', path: '/repos/octo/app/check-runs', kind: '429', times: 1, retryAfterSeconds: 3600 });
    const before = gh.requests.length;
    const error = await client()
      .create({ name: 'x', headSha: fakeCommitSha() })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChecksApiError);
    expect((error as ChecksApiError).status).toBe(429);
    expect((error as Error).message).toMatch(
      /^Could not create the check run "x": GitHub answered 429 to POST \/repos\/\{owner\}\/\{repo\}\/check-runs and asked to wait 3600 s \(Retry-After\), longer than the 60 s a run waits\. Try again later/,
    );
    expect(slept).toEqual([7000]);
    expect(gh.requests.length - before).toBe(1);
  });

  it('gives each try its own timeout', async () => {
    const { createServer } = await import('node:http');
    let hits = 0;
    const silent = createServer(() => void hits++);
    await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
    const port = (silent.address() as { port: number }).port;
    try {
      const started = Date.now();
      const error = await client({ apiUrl: `http://127.0.0.1:${port}`, timeoutMs: 200 })
        .create({ name: 'x', headSha: fakeCommitSha() })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChecksApiError);
      expect((error as Error).message).toMatch(/no response: .*timeout/i);
      expect(hits).toBe(4);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      silent.closeAllConnections();
      await new Promise((done) => silent.close(done));
    }
  });
});
