import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './http.js';

/**
 * The Actions workflows REST API of the fake GitHub: list, get (by numeric id or file name), enable and
 * disable. Modelled on GitHub's reference ("List repository workflows", "Get a workflow", "Enable a
 * workflow", "Disable a workflow"): GET needs `actions: read`, PUT needs `actions: write`, and a token
 * without it gets 403 "Resource not accessible by integration". Enable and disable answer 204 with no
 * body, also when the workflow is already in that state.
 */

/** `deleted`: GitHub still lists a workflow whose file was removed; enabling or disabling one is not modelled. */
export type WorkflowState = 'active' | 'disabled_manually' | 'disabled_inactivity' | 'deleted';

/** What the token may do with workflows: `read` is the default token with `actions: read`. */
export type WorkflowsPermission = 'write' | 'read' | 'none';

export interface FakeWorkflow {
  id: number;
  name: string;
  /** `.github/workflows/<file>` */
  path: string;
  state: WorkflowState;
}

export interface WorkflowCall {
  method: string;
  /** The `{workflow_id}` of the request (an id or a file name), or '' for the list. */
  workflowId: string;
  /** `get`, `list`, `enable`, `disable` */
  action: 'list' | 'get' | 'enable' | 'disable';
  status: number;
  /** The workflow's state when the request was answered (after an enable or disable). */
  state?: WorkflowState;
}

/** Runs before a workflows request is answered; the request waits until the returned promise settles. */
export type WorkflowsHook = (call: Pick<WorkflowCall, 'method' | 'workflowId' | 'action'>) => void | Promise<void>;

export interface FakeWorkflows {
  /** Adds `.github/workflows/<file>` to the repository; returns its id. */
  add(file: string, options?: { name?: string; state?: WorkflowState }): number;
  remove(fileOrId: string | number): void;
  /** The workflow's current state; undefined when the repository has no such workflow. */
  state(fileOrId: string | number): WorkflowState | undefined;
  setState(fileOrId: string | number, state: WorkflowState): void;
  /** What the token may do (default `write`). */
  permission(value: WorkflowsPermission): void;
  /** Called before each workflows request is answered, so a test can act between two calls; undefined removes it. */
  beforeAnswer(hook: WorkflowsHook | undefined): void;
  /** Every workflows request answered, in order. */
  readonly calls: WorkflowCall[];
  /** Removes every workflow, the hook and the log, and restores `write`. */
  reset(): void;
}

export interface MountedWorkflows {
  api: FakeWorkflows;
  /** Whether `rest` (the path after /repos/{owner}/{repo}) is a workflows route. */
  handles(rest: string): boolean;
  /** Answers a workflows request (authentication and repository already checked). */
  handle(req: IncomingMessage, res: ServerResponse, rest: string, url: URL): Promise<void>;
}

const DOCS = 'https://docs.github.com/rest/actions/workflows';
const ROUTE = /^\/actions\/workflows(?:\/([^/]+)(?:\/(enable|disable))?)?$/;

export function mountWorkflows(context: {
  owner: string;
  repo: string;
  apiUrl: string;
  /** Headers GitHub sends with every REST answer (rate limit, request id). */
  headers: () => Record<string, string>;
}): MountedWorkflows {
  const { owner, repo, apiUrl } = context;
  let workflows: (FakeWorkflow & { createdAt: Date; updatedAt: Date })[] = [];
  let calls: WorkflowCall[] = [];
  let hook: WorkflowsHook | undefined;
  let allowed: WorkflowsPermission = 'write';
  let nextId = 161_335;

  function find(idOrFile: string | number): (typeof workflows)[number] | undefined {
    const key = String(idOrFile);
    // GitHub accepts the numeric id or the file name (with its extension) in place of {workflow_id}.
    return /^\d+$/.test(key) ? workflows.find((w) => String(w.id) === key) : workflows.find((w) => w.path === `.github/workflows/${key}`);
  }

  function mustFind(idOrFile: string | number): (typeof workflows)[number] {
    const workflow = find(idOrFile);
    if (!workflow) throw new Error(`fake GitHub: no workflow ${idOrFile}`);
    return workflow;
  }

  function json(workflow: (typeof workflows)[number]): Record<string, unknown> {
    const file = workflow.path.slice('.github/workflows/'.length);
    return {
      id: workflow.id,
      node_id: Buffer.from(`04:Workflow${workflow.id}`).toString('base64'),
      name: workflow.name,
      path: workflow.path,
      state: workflow.state,
      created_at: workflow.createdAt.toISOString(),
      updated_at: workflow.updatedAt.toISOString(),
      url: `${apiUrl}/repos/${owner}/${repo}/actions/workflows/${workflow.id}`,
      html_url: `https://github.com/${owner}/${repo}/blob/main/${workflow.path}`,
      badge_url: `https://github.com/${owner}/${repo}/workflows/${encodeURIComponent(file)}/badge.svg`,
    };
  }

  function send(res: ServerResponse, status: number, body?: unknown): void {
    const headers = context.headers();
    if (body === undefined) {
      res.writeHead(status, headers);
      res.end();
      return;
    }
    sendJson(res, status, body, headers);
  }

  function error(res: ServerResponse, status: number, message: string, anchor: string): void {
    send(res, status, { message, documentation_url: `${DOCS}#${anchor}`, status: String(status) });
  }

  async function handle(req: IncomingMessage, res: ServerResponse, rest: string, url: URL): Promise<void> {
    const match = ROUTE.exec(rest);
    const method = req.method ?? 'GET';
    const workflowId = match?.[1] ? decodeURIComponent(match[1]) : '';
    const verb = match?.[2] as 'enable' | 'disable' | undefined;
    const action: WorkflowCall['action'] = verb ?? (workflowId ? 'get' : 'list');
    const call: WorkflowCall = { method, workflowId, action, status: 0 };
    try {
      if (hook) await hook({ method, workflowId, action });
      answer(res, call, url);
    } catch (failure) {
      if (!res.headersSent) error(res, 500, `fake GitHub failure: ${(failure as Error).message}`, 'get-a-workflow');
    }
    call.status = res.statusCode;
    calls.push(call);
  }

  function answer(res: ServerResponse, call: WorkflowCall, url: URL): void {
    const { method, workflowId, action } = call;
    const anchor = { list: 'list-repository-workflows', get: 'get-a-workflow', enable: 'enable-a-workflow', disable: 'disable-a-workflow' }[
      action
    ];
    const wantsWrite = action === 'enable' || action === 'disable';
    if (method !== (wantsWrite ? 'PUT' : 'GET')) return error(res, 404, 'Not Found', anchor);
    if (allowed === 'none' || (wantsWrite && allowed !== 'write')) {
      return error(res, 403, 'Resource not accessible by integration', anchor);
    }
    if (action === 'list') {
      const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30) || 30));
      const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
      const ordered = [...workflows].sort((a, b) => a.id - b.id);
      return send(res, 200, {
        total_count: ordered.length,
        workflows: ordered.slice((page - 1) * perPage, page * perPage).map(json),
      });
    }
    const workflow = find(workflowId);
    if (!workflow) return error(res, 404, 'Not Found', anchor);
    if (action === 'get') {
      call.state = workflow.state;
      return send(res, 200, json(workflow));
    }
    if (workflow.state === 'deleted') throw new Error(`${action} of a deleted workflow is not modelled`);
    if (action === 'enable' && workflow.state !== 'active') {
      workflow.state = 'active';
      workflow.updatedAt = new Date();
    }
    // Disabling a workflow GitHub already disabled for inactivity leaves it disabled; which reason it
    // then carries is not documented, and nothing here depends on it.
    if (action === 'disable' && workflow.state === 'active') {
      workflow.state = 'disabled_manually';
      workflow.updatedAt = new Date();
    }
    call.state = workflow.state;
    return send(res, 204);
  }

  const api: FakeWorkflows = {
    add(file, options = {}) {
      if (find(file)) throw new Error(`fake GitHub: workflow ${file} already exists`);
      const now = new Date();
      const id = nextId++;
      workflows.push({
        id,
        name: options.name ?? file.replace(/\.ya?ml$/, ''),
        path: `.github/workflows/${file}`,
        state: options.state ?? 'active',
        createdAt: now,
        updatedAt: now,
      });
      return id;
    },
    remove(fileOrId) {
      const workflow = mustFind(fileOrId);
      workflows = workflows.filter((w) => w !== workflow);
    },
    state(fileOrId) {
      return find(fileOrId)?.state;
    },
    setState(fileOrId, state) {
      const workflow = mustFind(fileOrId);
      workflow.state = state;
      workflow.updatedAt = new Date();
    },
    permission(value) {
      allowed = value;
    },
    beforeAnswer(value) {
      hook = value;
    },
    get calls() {
      return calls;
    },
    reset() {
      workflows = [];
      calls = [];
      hook = undefined;
      allowed = 'write';
    },
  };

  return { api, handles: (rest) => ROUTE.test(rest), handle };
}
