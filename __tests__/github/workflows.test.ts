import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  createWorkflowsClient,
  MAX_ANSWER_BYTES,
  WorkflowMissingError,
  WorkflowPermissionError,
  WorkflowRequestError,
  type WorkflowsClient,
} from '../../src/github/workflows.js';
import { useFakeGitHub } from '../../test-support/fake-github/suite.js';
import { rejectionOf } from '../../test-support/setup.js';

const TOKEN = 'ghs_workflowsClientToken';
const gh = useFakeGitHub({ token: TOKEN, resumeWorkflow: null, reset: (fake) => fake.workflows.reset() });
let retries: string[];

function client(options: { token?: string; timeoutMs?: number } = {}): WorkflowsClient {
  retries = [];
  return createWorkflowsClient({
    token: options.token ?? TOKEN,
    repository: 'octo/app',
    apiUrl: gh.apiUrl,
    retry: { baseDelayMs: 10 },
    timeoutMs: options.timeoutMs ?? 5_000,
    log: { info: (m) => retries.push(m), debug: () => {} },
  });
}

const workflowRequests = (): number => gh.requests.filter((r) => r.path.includes('/actions/workflows')).length;

describe('workflows client', () => {
  it('reads a workflow by file name or id, and enables and disables it', async () => {
    const id = gh.workflows.add('post-processing.yml', { name: 'Post-processing', state: 'disabled_inactivity' });
    const workflows = client();
    expect(await workflows.get('post-processing.yml')).toEqual({
      id,
      name: 'Post-processing',
      path: '.github/workflows/post-processing.yml',
      state: 'disabled_inactivity',
    });
    await workflows.enable('post-processing.yml');
    expect((await workflows.get(id)).state).toBe('active');
    await workflows.enable(id);
    await workflows.disable('post-processing.yml');
    await workflows.disable('post-processing.yml');
    expect(gh.workflows.state(id)).toBe('disabled_manually');
    expect(gh.workflows.calls.map((c) => `${c.method} ${c.action} ${c.status}`)).toEqual([
      'GET get 200',
      'PUT enable 204',
      'GET get 200',
      'PUT enable 204',
      'PUT disable 204',
      'PUT disable 204',
    ]);
  });

  it('names the file when the workflow does not exist (404)', async () => {
    const error = await rejectionOf(client().get('post-processing.yml'));
    expect(error).toBeInstanceOf(WorkflowMissingError);
    expect((error as WorkflowMissingError).workflow).toBe('post-processing.yml');
    expect(error.message).toContain('`.github/workflows/post-processing.yml` in octo/app (404 Not Found)');
    // A 404 is an answer, not a transient failure: asked once.
    expect(gh.workflows.calls).toHaveLength(1);
    expect(await rejectionOf(client().enable('post-processing.yml'))).toBeInstanceOf(WorkflowMissingError);
  });

  it('says to add `actions: write`, with the permissions block, on a 403', async () => {
    gh.workflows.add('post-processing.yml', { state: 'disabled_manually' });
    gh.workflows.permission('read');
    const workflows = client();
    expect((await workflows.get('post-processing.yml')).state).toBe('disabled_manually');
    const error = await rejectionOf(workflows.enable('post-processing.yml'));
    expect(error).toBeInstanceOf(WorkflowPermissionError);
    expect(error.message).toBe(
      'GitHub refused to enable the workflow `.github/workflows/post-processing.yml` (403 Resource not accessible by integration): ' +
        'the `github-token` needs `actions: write`. Give the job (or the workflow) these permissions:\n' +
        'permissions:\n  actions: write\n  contents: read',
    );
    expect(gh.workflows.calls.filter((c) => c.action === 'enable')).toHaveLength(1);
    expect(await rejectionOf(workflows.disable('post-processing.yml'))).toBeInstanceOf(WorkflowPermissionError);
    gh.workflows.permission('none');
    const read = await rejectionOf(workflows.get('post-processing.yml'));
    expect(read).toBeInstanceOf(WorkflowPermissionError);
    expect((read as WorkflowPermissionError).action).toBe('read');
  });

  it('reports a rejected token without printing it', async () => {
    gh.workflows.add('post-processing.yml');
    const error = await rejectionOf(client({ token: 'ghs_notTheRightOne' }).get('post-processing.yml'));
    expect(error).toBeInstanceOf(WorkflowRequestError);
    expect(error.message).toContain('GitHub rejected the `github-token` (401 Bad credentials)');
    expect(error.message).not.toContain('ghs_');
  });

  it('retries 5xx answers and reset connections, and says so', async () => {
    gh.workflows.add('post-processing.yml', { state: 'disabled_manually' });
    gh.faults.inject({ path: /\/actions\/workflows\//, kind: '503', times: 1 });
    gh.faults.inject({ path: /\/actions\/workflows\//, kind: 'reset', times: 1 });
    const before = workflowRequests();
    await client().enable('post-processing.yml');
    expect(gh.workflows.state('post-processing.yml')).toBe('active');
    expect(workflowRequests() - before).toBe(3);
    expect(retries).toHaveLength(2);
    expect(retries[0]).toMatch(/PUT .*\/enable failed \(503 Server Error\); retry 1 of 3/);
    expect(retries[1]).toMatch(/failed \(no response: .*\); retry 2 of 3/);
  });

  it('gives up after 4 tries', async () => {
    gh.workflows.add('post-processing.yml');
    gh.faults.inject({ path: /\/actions\/workflows\//, kind: '500', times: 10 });
    const before = workflowRequests();
    const error = await rejectionOf(client().get('post-processing.yml'));
    expect(workflowRequests() - before).toBe(4);
    expect(error).toBeInstanceOf(WorkflowRequestError);
    expect(error.message).toContain('GitHub answered 500 Server Error after 4 tries');
  });

  it("waits as long as a 429's Retry-After asks, up to a minute, and reports a longer one without retrying", async () => {
    gh.workflows.add('post-processing.yml');
    gh.faults.inject({ path: /\/actions\/workflows\//, kind: '429', times: 1, retryAfterSeconds: 1 });
    const started = Date.now();
    await client().disable('post-processing.yml');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(gh.workflows.state('post-processing.yml')).toBe('disabled_manually');

    gh.faults.inject({ path: /\/actions\/workflows\//, kind: '429', times: 1, retryAfterSeconds: 120 });
    const before = workflowRequests();
    const error = await rejectionOf(client().enable('post-processing.yml'));
    expect(workflowRequests() - before).toBe(1);
    expect(error).toBeInstanceOf(WorkflowRequestError);
    expect(error.message).toContain(
      "GitHub's API rate limit for the `github-token` is spent (429 Too many requests; it asks to wait 120 s, longer than the 60 s a run waits)",
    );
  });

  it('abandons a try that gets no answer within the timeout, and tries again', async () => {
    gh.workflows.add('post-processing.yml');
    let held = 0;
    gh.workflows.beforeAnswer(async () => {
      held += 1;
      if (held <= 4) await new Promise((resolve) => setTimeout(resolve, 400));
    });
    const error = await rejectionOf(client({ timeoutMs: 100 }).get('post-processing.yml'));
    expect(held).toBe(4);
    expect(error).toBeInstanceOf(WorkflowRequestError);
    expect(error.message).toContain('GitHub did not answer after 4 tries (no response before the request timeout)');

    // A slow answer within the timeout is fine.
    expect((await client({ timeoutMs: 2_000 }).get('post-processing.yml')).state).toBe('active');
  });

  it('refuses a workflow reference that is not a file name or an id, without a request', async () => {
    const before = workflowRequests();
    for (const bad of ['../secrets.yml', '.github/workflows/a.yml', 'post-processing', '', `${'a'.repeat(300)}.yml`]) {
      expect((await rejectionOf(client().get(bad))).message).toMatch(/named by its file name/);
    }
    expect(workflowRequests()).toBe(before);
  });

  it('retries a secondary rate limit (403 with Retry-After) and refuses an oversized answer', async () => {
    // GitHub's secondary rate limit and a broken proxy are not in the fake: a bare loopback server plays them.
    const answers: ((res: ServerResponse) => void)[] = [
      (res) => {
        res.writeHead(403, { 'content-type': 'application/json', 'retry-after': '1' });
        res.end(JSON.stringify({ message: 'You have exceeded a secondary rate limit.' }));
      },
      (res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 7, name: 'Resume', path: '.github/workflows/post-processing.yml', state: 'active' }));
      },
      (res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        // A well-formed workflow, refused only for its size.
        res.end(
          JSON.stringify({ id: 7, name: 'x'.repeat(MAX_ANSWER_BYTES), path: '.github/workflows/post-processing.yml', state: 'active' }),
        );
      },
    ];
    const server = createServer((req, res) => req.resume().on('end', () => answers.shift()!(res)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const workflows = createWorkflowsClient({
        token: TOKEN,
        repository: 'octo/app',
        apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        retry: { baseDelayMs: 10 },
      });
      const started = Date.now();
      expect((await workflows.get('post-processing.yml')).state).toBe('active');
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
      const error = await rejectionOf(workflows.get('post-processing.yml'));
      expect(error).toBeInstanceOf(WorkflowRequestError);
      expect(error.message).toBe(
        "Could not read the workflow `.github/workflows/post-processing.yml`: GitHub's answer is not a workflow (it needs an id, " +
          `a name, a path and a known state; an answer over ${MAX_ANSWER_BYTES} bytes is not read). Run the job again; if it persists, check GitHub's status.`,
      );
      expect(answers).toHaveLength(0);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
