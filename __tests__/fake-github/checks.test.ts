import { describe, expect, it } from 'vitest';
import { fakeCommitSha } from '../../test-support/fake-github/checks.js';
import { useFakeGitHub } from '../../test-support/fake-github/suite.js';

const gh = useFakeGitHub({ token: 'ghs_checksToken', reset: (fake) => fake.checks.reset() });

/** The parts of GitHub's answers these tests read. */
interface Answer {
  id: number;
  message: string;
  documentation_url: string;
  total_count: number;
  check_runs: Array<{ name: string; external_id: string; app: { id: number } }>;
  errors: Array<{ field: string }>;
  [key: string]: unknown;
}

async function call(
  method: string,
  path: string,
  body?: unknown,
  token = 'ghs_checksToken',
): Promise<{ status: number; json: Answer; link: string | null }> {
  const response = await fetch(`${gh.apiUrl}/repos/octo/app${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, accept: 'application/vnd.github+json', 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Answer, link: response.headers.get('link') };
}

describe('fake GitHub: check runs', () => {
  it('creates, updates and gets a check run with the fields GitHub returns', async () => {
    const sha = fakeCommitSha();
    const created = await call('POST', '/check-runs', {
      name: 'App Store Connect: Demo 1.0 (7)',
      head_sha: sha,
      status: 'in_progress',
      details_url: 'https://github.com/octo/app/actions/runs/5',
      external_id: 'state-1',
      output: { title: 'Still waiting', summary: '| a | b |' },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      head_sha: sha,
      name: 'App Store Connect: Demo 1.0 (7)',
      status: 'in_progress',
      conclusion: null,
      completed_at: null,
      details_url: 'https://github.com/octo/app/actions/runs/5',
      external_id: 'state-1',
      html_url: `https://github.com/octo/app/runs/${created.json.id}`,
      output: { title: 'Still waiting', summary: '| a | b |', text: null, annotations_count: 0 },
      app: { slug: 'github-actions' },
    });
    expect(created.json.started_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    // A conclusion completes the run even without a status, as GitHub documents.
    const updated = await call('PATCH', `/check-runs/${created.json.id}`, {
      conclusion: 'success',
      output: { title: 'Ready', summary: 'ok' },
    });
    expect(updated.status).toBe(200);
    expect(updated.json).toMatchObject({ status: 'completed', conclusion: 'success', output: { title: 'Ready', summary: 'ok' } });
    expect(updated.json.completed_at).toMatch(/Z$/);

    const got = await call('GET', `/check-runs/${created.json.id}`);
    expect(got.json).toMatchObject({ id: created.json.id, status: 'completed', conclusion: 'success' });
    expect(gh.checks.runs()).toEqual([expect.objectContaining({ id: created.json.id, externalId: 'state-1', status: 'completed' })]);
    expect(gh.checks.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'POST /repos/octo/app/check-runs 201',
      `PATCH /repos/octo/app/check-runs/${created.json.id} 200`,
      `GET /repos/octo/app/check-runs/${created.json.id} 200`,
    ]);
    expect(gh.checks.requests[1]!.body).toEqual({ conclusion: 'success', output: { title: 'Ready', summary: 'ok' } });
  });

  it('refuses bodies GitHub refuses, with 422 and the property named', async () => {
    const sha = fakeCommitSha();
    const cases: Array<[unknown, string]> = [
      [{ head_sha: sha }, 'Invalid request.\n\n"name" wasn\'t supplied.'],
      [{}, 'Invalid request.\n\n"name", "head_sha" weren\'t supplied.'],
      [
        { name: 'x', head_sha: sha, status: 'completed' },
        'Invalid request.\n\nNo subschema in "anyOf" matched.\n"conclusion" wasn\'t supplied.',
      ],
      [
        { name: 'x', head_sha: sha, status: 'done' },
        `Invalid request.\n\nFor 'properties/status', "done" is not a member of ["queued","in_progress","completed"].`,
      ],
      [{ name: 'x', head_sha: sha, conclusion: 'stale' }, `For 'properties/conclusion', "stale" is not a member of`],
      [{ name: 42, head_sha: sha }, `For 'properties/name', 42 is not a string.`],
      [{ name: 'x', head_sha: sha, output: { summary: 's' } }, 'Invalid request.\n\n"title" wasn\'t supplied.'],
      [{ name: 'x', head_sha: sha, output: { title: 't' } }, 'Invalid request.\n\n"summary" wasn\'t supplied.'],
      [{ name: 'x', head_sha: sha, output: 'text' }, `For 'properties/output', "text" is not an object.`],
      [{ name: 'x', head_sha: 'main' }, 'No commit found for SHA: main'],
    ];
    for (const [body, message] of cases) {
      const answer = await call('POST', '/check-runs', body);
      expect(answer.status, JSON.stringify(body)).toBe(422);
      expect(answer.json.message).toContain(message);
      expect(answer.json.documentation_url).toBe('https://docs.github.com/rest/checks/runs#create-a-check-run');
    }
    expect(gh.checks.runs()).toEqual([]);
    expect((await call('POST', '/check-runs', '{not json')).status).toBe(400);
  });

  it('counts the summary limit in bytes, as GitHub does (github/docs#35252)', async () => {
    const sha = fakeCommitSha();
    const fits = await call('POST', '/check-runs', { name: 'x', head_sha: sha, output: { title: 't', summary: 'a'.repeat(65535) } });
    expect(fits.status).toBe(201);
    // 21,846 characters, 65,538 bytes.
    const emoji = await call('PATCH', `/check-runs/${fits.json.id}`, { output: { title: 't', summary: '€'.repeat(21846) } });
    expect(emoji.status).toBe(422);
    expect(emoji.json).toMatchObject({
      message: 'Validation Failed',
      errors: [{ resource: 'CheckRun', code: 'custom', field: 'summary', message: 'summary exceeds a maximum bytesize of 65535' }],
    });
    const text = await call('PATCH', `/check-runs/${fits.json.id}`, { output: { title: 't', summary: 's', text: 'b'.repeat(65536) } });
    expect(text.json.errors[0]?.field).toBe('text');
    expect(gh.checks.runs()[0]!.output.summary).toHaveLength(65535);
  });

  it('answers 404 for an unknown check run and 401 without the token', async () => {
    expect((await call('PATCH', '/check-runs/12345', { status: 'in_progress' })).status).toBe(404);
    expect((await call('GET', '/check-runs/12345')).status).toBe(404);
    const id = gh.checks.add({ name: 'gone', headSha: fakeCommitSha() });
    gh.checks.remove(id);
    expect((await call('GET', `/check-runs/${id}`)).json).toMatchObject({ message: 'Not Found' });
    expect((await call('GET', `/check-runs/${id}`, undefined, 'wrong')).status).toBe(401);
  });

  it('lists the check runs of a commit: name filter, latest or all, pages with Link headers', async () => {
    const sha = fakeCommitSha();
    const other = fakeCommitSha();
    for (let i = 0; i < 3; i++) gh.checks.add({ name: 'ASC', headSha: sha, externalId: `s${i}` });
    gh.checks.add({ name: 'ASC', headSha: sha, appId: 99 });
    gh.checks.add({ name: 'lint', headSha: sha, status: 'completed', conclusion: 'success' });
    gh.checks.add({ name: 'ASC', headSha: other });

    const latest = await call('GET', `/commits/${sha}/check-runs?check_name=ASC`);
    expect(latest.json.total_count).toBe(2);
    expect(latest.json.check_runs.map((r) => [r.app.id, r.external_id])).toEqual([
      [99, ''],
      [15368, 's2'],
    ]);

    const all = await call('GET', `/commits/${sha}/check-runs?check_name=ASC&filter=all&per_page=2`);
    expect(all.json.total_count).toBe(4);
    expect(all.json.check_runs).toHaveLength(2);
    expect(all.link).toContain('rel="next"');
    const next = /<([^>]+)>; rel="next"/.exec(all.link!)![1]!;
    const page2 = await fetch(next, { headers: { authorization: 'token ghs_checksToken' } }).then((r) => r.json() as Promise<Answer>);
    expect(page2.check_runs.map((r) => r.external_id)).toEqual(['s1', 's0']);

    const completed = await call('GET', `/commits/${sha}/check-runs?status=completed`);
    expect(completed.json.check_runs.map((r) => r.name)).toEqual(['lint']);
    expect((await call('GET', `/commits/${fakeCommitSha()}/check-runs`)).json).toEqual({ total_count: 0, check_runs: [] });
    expect((await call('GET', '/commits/not-a-sha/check-runs')).status).toBe(422);
  });

  it('refuses writes without checks: write, and every write from a read-only token (fork pull requests)', async () => {
    const sha = fakeCommitSha();
    const id = gh.checks.add({ name: 'ASC', headSha: sha });
    gh.checks.setPermission('read');
    const refused = await call('POST', '/check-runs', { name: 'x', head_sha: sha });
    expect(refused).toMatchObject({ status: 403, json: { message: 'Resource not accessible by integration' } });
    expect((await call('GET', `/check-runs/${id}`)).status).toBe(200);

    gh.checks.setPermission('none');
    expect((await call('GET', `/commits/${sha}/check-runs`)).status).toBe(403);

    gh.checks.setPermission('write');
    gh.checks.setReadOnlyToken(true);
    expect((await call('PATCH', `/check-runs/${id}`, { status: 'in_progress' })).status).toBe(403);
    expect((await call('GET', `/commits/${sha}/check-runs`)).status).toBe(200);
    expect(gh.checks.runs()[0]!.status).toBe('queued');
  });

  it('applies injected faults to check-run routes like any other', async () => {
    gh.faults.inject({ method: 'POST', path: '/repos/octo/app/check-runs', kind: '503', times: 1 });
    const sha = fakeCommitSha();
    expect((await call('POST', '/check-runs', { name: 'x', head_sha: sha })).status).toBe(503);
    expect((await call('POST', '/check-runs', { name: 'x', head_sha: sha })).status).toBe(201);
  });
});
