import { describe, expect, it } from 'vitest';
import { useFakeGitHub } from '../../test-support/fake-github/suite.js';

// The fake's workflows API, spoken to with plain fetch as any client would.

const gh = useFakeGitHub({ token: 'ghs_workflowsToken', resumeWorkflow: null, reset: (fake) => fake.workflows.reset() });

async function api(method: string, path: string, token = 'ghs_workflowsToken'): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${gh.apiUrl}/repos/octo/app${path}`, {
    method,
    headers: { authorization: `token ${token}`, accept: 'application/vnd.github+json' },
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

describe('fake GitHub workflows API', () => {
  it('lists the workflows with the fields GitHub returns, page by page', async () => {
    const ci = gh.workflows.add('ci.yml', { name: 'CI' });
    const resume = gh.workflows.add('post-processing.yml', { name: 'App Store Connect post-processing', state: 'disabled_inactivity' });
    const all = await api('GET', '/actions/workflows');
    expect(all.status).toBe(200);
    const body = all.body as { total_count: number; workflows: Record<string, unknown>[] };
    expect(body.total_count).toBe(2);
    expect(body.workflows.map((w) => [w.id, w.name, w.path, w.state])).toEqual([
      [ci, 'CI', '.github/workflows/ci.yml', 'active'],
      [resume, 'App Store Connect post-processing', '.github/workflows/post-processing.yml', 'disabled_inactivity'],
    ]);
    expect(Object.keys(body.workflows[0]!).sort()).toEqual(
      ['badge_url', 'created_at', 'html_url', 'id', 'name', 'node_id', 'path', 'state', 'updated_at', 'url'].sort(),
    );
    expect(body.workflows[0]!.url).toBe(`${gh.apiUrl}/repos/octo/app/actions/workflows/${ci}`);

    const second = await api('GET', '/actions/workflows?per_page=1&page=2');
    expect((second.body as { total_count: number; workflows: { id: number }[] }).workflows.map((w) => w.id)).toEqual([resume]);
  });

  it('gets a workflow by numeric id or by file name, and answers 404 for an unknown one', async () => {
    const id = gh.workflows.add('post-processing.yml');
    const byId = await api('GET', `/actions/workflows/${id}`);
    const byFile = await api('GET', '/actions/workflows/post-processing.yml');
    expect(byId.status).toBe(200);
    expect(byFile.body).toEqual(byId.body);
    expect((byFile.body as { state: string }).state).toBe('active');

    for (const unknown of ['missing.yml', '999', 'post-processing.yaml']) {
      const answer = await api('GET', `/actions/workflows/${unknown}`);
      expect(answer.status).toBe(404);
      expect(answer.body).toEqual({
        message: 'Not Found',
        documentation_url: 'https://docs.github.com/rest/actions/workflows#get-a-workflow',
        status: '404',
      });
    }
    expect((await api('PUT', '/actions/workflows/missing.yml/enable')).status).toBe(404);
  });

  it('enables and disables with 204 and no body, idempotently', async () => {
    const id = gh.workflows.add('post-processing.yml', { state: 'disabled_inactivity' });
    expect(await api('PUT', '/actions/workflows/post-processing.yml/enable')).toEqual({ status: 204, body: undefined });
    expect(gh.workflows.state('post-processing.yml')).toBe('active');
    expect((await api('PUT', `/actions/workflows/${id}/enable`)).status).toBe(204);
    expect(gh.workflows.state(id)).toBe('active');

    expect((await api('PUT', `/actions/workflows/${id}/disable`)).status).toBe(204);
    expect(gh.workflows.state(id)).toBe('disabled_manually');
    expect((await api('PUT', '/actions/workflows/post-processing.yml/disable')).status).toBe(204);
    expect(((await api('GET', `/actions/workflows/${id}`)).body as { state: string }).state).toBe('disabled_manually');

    expect(gh.workflows.calls.map((c) => `${c.method} ${c.workflowId} ${c.action} ${c.status} ${c.state ?? ''}`)).toEqual([
      'PUT post-processing.yml enable 204 active',
      `PUT ${id} enable 204 active`,
      `PUT ${id} disable 204 disabled_manually`,
      'PUT post-processing.yml disable 204 disabled_manually',
      `GET ${id} get 200 disabled_manually`,
    ]);
  });

  it('answers 403 "Resource not accessible by integration" to writes with `actions: read`, and to everything without it', async () => {
    gh.workflows.add('post-processing.yml', { state: 'disabled_manually' });
    gh.workflows.permission('read');
    expect((await api('GET', '/actions/workflows/post-processing.yml')).status).toBe(200);
    expect((await api('GET', '/actions/workflows')).status).toBe(200);
    for (const verb of ['enable', 'disable']) {
      const answer = await api('PUT', `/actions/workflows/post-processing.yml/${verb}`);
      expect(answer.status).toBe(403);
      expect(answer.body).toMatchObject({ message: 'Resource not accessible by integration', status: '403' });
      expect((answer.body as { documentation_url: string }).documentation_url).toContain(`#${verb}-a-workflow`);
    }
    expect(gh.workflows.state('post-processing.yml')).toBe('disabled_manually');

    gh.workflows.permission('none');
    expect((await api('GET', '/actions/workflows/post-processing.yml')).status).toBe(403);
    gh.workflows.permission('write');
    expect((await api('PUT', '/actions/workflows/post-processing.yml/enable')).status).toBe(204);
  });

  it('needs the token, the repository and the right method', async () => {
    gh.workflows.add('post-processing.yml');
    expect((await api('GET', '/actions/workflows', 'ghs_wrong')).status).toBe(401);
    const other = await fetch(`${gh.apiUrl}/repos/octo/other/actions/workflows/post-processing.yml`, {
      headers: { authorization: 'token ghs_workflowsToken' },
    });
    expect(other.status).toBe(404);
    expect((await api('POST', '/actions/workflows/post-processing.yml/enable')).status).toBe(404);
    expect((await api('GET', '/actions/workflows/post-processing.yml/enable')).status).toBe(404);
    expect(gh.workflows.state('post-processing.yml')).toBe('active');
  });

  it('lets a test act between two calls: a request waits for the hook before it is answered', async () => {
    gh.workflows.add('post-processing.yml');
    const seen: string[] = [];
    let releaseDisable!: () => void;
    const disableHeld = new Promise<void>((resolve) => (releaseDisable = resolve));
    gh.workflows.beforeAnswer(async (call) => {
      seen.push(`${call.action} ${call.workflowId}`);
      if (call.action === 'disable') await disableHeld;
    });

    const disabling = api('PUT', '/actions/workflows/post-processing.yml/disable');
    while (seen.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    // The disable is in flight, not yet applied: a read in between still sees the workflow active.
    const between = await api('GET', '/actions/workflows/post-processing.yml');
    expect((between.body as { state: string }).state).toBe('active');
    releaseDisable();
    expect((await disabling).status).toBe(204);
    expect(gh.workflows.state('post-processing.yml')).toBe('disabled_manually');
    expect(seen).toEqual(['disable post-processing.yml', 'get post-processing.yml']);
    // Answered in this order, and also in the fake's log of every request.
    expect(gh.workflows.calls.map((c) => c.action)).toEqual(['get', 'disable']);
    expect(
      gh.requests
        .filter((r) => r.path.includes('/actions/workflows'))
        .slice(-2)
        .map((r) => [r.method, r.status]),
    ).toEqual([
      ['PUT', 204],
      ['GET', 200],
    ]);
  });

  it('applies injected faults to workflows routes', async () => {
    gh.workflows.add('post-processing.yml');
    gh.faults.inject({ path: /\/actions\/workflows\//, kind: '503', times: 1 });
    expect((await api('GET', '/actions/workflows/post-processing.yml')).status).toBe(503);
    expect((await api('GET', '/actions/workflows/post-processing.yml')).status).toBe(200);
  });
});
