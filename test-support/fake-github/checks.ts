import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { githubTime, pageLinks, sendJson } from './http.js';

/**
 * GitHub's Checks API for check runs, as the fake GitHub serves it: create, update, get, and list for a
 * commit. Validation follows GitHub's request schema (openapi "checks/create", "checks/update") and the
 * answers GitHub has been seen to give:
 * - a body that breaks the schema: 422 `Invalid request.\n\n…` naming the property ("x" wasn't supplied,
 *   For 'properties/x', … is not a string) — the format GitHub's schema validation answers with;
 * - a summary or text over the limit: 422 `Validation Failed` with a `custom` error, counted in bytes
 *   although the documentation says characters (github/docs#35252);
 * - a write without `checks: write`, or any write from a pull request of a fork (read-only token):
 *   403 `Resource not accessible by integration`.
 */

export type CheckRunStatus = 'queued' | 'in_progress' | 'completed';
export type CheckRunConclusion = 'action_required' | 'cancelled' | 'failure' | 'neutral' | 'success' | 'skipped' | 'timed_out';

export interface FakeCheckRun {
  id: number;
  name: string;
  headSha: string;
  status: CheckRunStatus;
  conclusion: CheckRunConclusion | null;
  detailsUrl: string | null;
  externalId: string | null;
  startedAt: string | null;
  completedAt: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
  /** The GitHub App that created it; 15368 is GitHub Actions (the workflow's GITHUB_TOKEN). */
  appId: number;
}

export interface FakeChecksRequest {
  method: string;
  path: string;
  query: string;
  status: number;
  /** The parsed JSON body of a write. */
  body?: unknown;
}

export interface FakeChecks {
  /** `write` (default), `read` (writes refused) or `none` (everything refused): the job's `checks` permission. */
  setPermission(permission: 'write' | 'read' | 'none'): void;
  /** A pull request from a fork: the token is read-only whatever the workflow's `permissions:` say. */
  setReadOnlyToken(readOnly: boolean): void;
  /** Every check run, oldest first (copies). */
  runs(): FakeCheckRun[];
  /** Adds a check run as if created earlier (by this or another app); returns its id. */
  add(run: Partial<FakeCheckRun> & { name: string; headSha: string }): number;
  /** Makes a check run disappear (GitHub drops the oldest of more than 1000 runs with one name in a suite). */
  remove(id: number): void;
  /** Check-run requests, with their bodies. */
  readonly requests: FakeChecksRequest[];
  /** Back to no check runs, full permission, empty log. */
  reset(): void;
}

/** What the fake GitHub's router calls; not for tests. */
export interface ChecksRoute extends FakeChecks {
  /** Answers a request for `/repos/{o}/{r}` + `rest` when it is a check-runs route; false otherwise. */
  handle(method: string, rest: string, url: URL, body: Buffer, res: ServerResponse): boolean;
}

export interface ChecksDeps {
  apiUrl: string;
  owner: string;
  repo: string;
  /** Rate-limit and request-id headers shared with the rest of the REST API. */
  headers(): Record<string, string>;
}

const ACTIONS_APP_ID = 15368;
const DOCS = {
  create: 'https://docs.github.com/rest/checks/runs#create-a-check-run',
  update: 'https://docs.github.com/rest/checks/runs#update-a-check-run',
  get: 'https://docs.github.com/rest/checks/runs#get-a-check-run',
  list: 'https://docs.github.com/rest/checks/runs#list-check-runs-for-a-git-reference',
};
const STATUSES: readonly string[] = ['queued', 'in_progress', 'completed'];
/** `stale` is in the schema but only GitHub may set it. */
const CONCLUSIONS: readonly string[] = ['action_required', 'cancelled', 'failure', 'neutral', 'success', 'skipped', 'timed_out'];
const MAX_OUTPUT_BYTES = 65535;
const SHA = /^[0-9a-f]{40}$/;

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message));
  }
}

export function createFakeChecks(deps: ChecksDeps): ChecksRoute {
  const store = new Map<number, FakeCheckRun>();
  const requests: FakeChecksRequest[] = [];
  let permission: 'write' | 'read' | 'none' = 'write';
  let readOnly = false;
  let nextId = 9_100_001;

  function invalid(docs: string, message: string): Refusal {
    return new Refusal(422, { message: `Invalid request.\n\n${message}`, documentation_url: docs, status: '422' });
  }

  function validationFailed(docs: string, field: string, message: string): Refusal {
    return new Refusal(422, {
      message: 'Validation Failed',
      errors: [{ resource: 'CheckRun', code: 'custom', field, message }],
      documentation_url: docs,
      status: '422',
    });
  }

  /** The checks the schema makes, shared by create and update. */
  function validate(body: unknown, docs: string, required: string[]): Record<string, unknown> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid(docs, `${describe(body)} is not an object.`);
    const b = body as Record<string, unknown>;
    const missing = required.filter((k) => b[k] === undefined);
    if (missing.length > 0) throw invalid(docs, supplied(missing));
    for (const key of ['name', 'head_sha', 'details_url', 'external_id', 'started_at', 'completed_at', 'status', 'conclusion']) {
      if (b[key] !== undefined && typeof b[key] !== 'string')
        throw invalid(docs, `For 'properties/${key}', ${describe(b[key])} is not a string.`);
    }
    if (b.status !== undefined && !STATUSES.includes(b.status as string)) {
      throw invalid(docs, `For 'properties/status', ${describe(b.status)} is not a member of ${JSON.stringify(STATUSES)}.`);
    }
    if (b.conclusion !== undefined && !CONCLUSIONS.includes(b.conclusion as string)) {
      throw invalid(docs, `For 'properties/conclusion', ${describe(b.conclusion)} is not a member of ${JSON.stringify(CONCLUSIONS)}.`);
    }
    if ((b.status === 'completed' || b.completed_at !== undefined) && b.conclusion === undefined) {
      throw invalid(docs, `No subschema in "anyOf" matched.\n"conclusion" wasn't supplied.`);
    }
    for (const key of ['started_at', 'completed_at']) {
      if (b[key] !== undefined && Number.isNaN(Date.parse(b[key] as string))) {
        throw invalid(docs, `For 'properties/${key}', ${describe(b[key])} is not a date-time.`);
      }
    }
    if (b.output !== undefined) {
      const o = b.output;
      if (typeof o !== 'object' || o === null || Array.isArray(o))
        throw invalid(docs, `For 'properties/output', ${describe(o)} is not an object.`);
      const out = o as Record<string, unknown>;
      const lacking = ['title', 'summary'].filter((k) => out[k] === undefined);
      if (lacking.length > 0) throw invalid(docs, supplied(lacking));
      for (const key of ['title', 'summary', 'text']) {
        if (out[key] !== undefined && typeof out[key] !== 'string')
          throw invalid(docs, `For 'properties/${key}', ${describe(out[key])} is not a string.`);
      }
      for (const key of ['summary', 'text']) {
        if (typeof out[key] === 'string' && Buffer.byteLength(out[key] as string) > MAX_OUTPUT_BYTES) {
          throw validationFailed(docs, key, `${key} exceeds a maximum bytesize of ${MAX_OUTPUT_BYTES}`);
        }
      }
    }
    return b;
  }

  function apply(run: FakeCheckRun, b: Record<string, unknown>): void {
    if (typeof b.name === 'string') run.name = b.name;
    if (typeof b.details_url === 'string') run.detailsUrl = b.details_url;
    if (typeof b.external_id === 'string') run.externalId = b.external_id;
    if (typeof b.started_at === 'string') run.startedAt = githubTime(new Date(b.started_at));
    if (typeof b.status === 'string') run.status = b.status as CheckRunStatus;
    // A conclusion completes the run, whatever status came with it.
    if (typeof b.conclusion === 'string') {
      run.conclusion = b.conclusion as CheckRunConclusion;
      run.status = 'completed';
    } else if (run.status !== 'completed') {
      run.conclusion = null;
      run.completedAt = null;
    }
    if (run.status === 'completed')
      run.completedAt = githubTime(typeof b.completed_at === 'string' ? new Date(b.completed_at) : new Date());
    if (b.output !== undefined) {
      const o = b.output as Record<string, string | undefined>;
      run.output = { title: o.title ?? null, summary: o.summary ?? null, text: o.text ?? null };
    }
  }

  function json(run: FakeCheckRun): Record<string, unknown> {
    const url = `${deps.apiUrl}/repos/${deps.owner}/${deps.repo}/check-runs/${run.id}`;
    return {
      id: run.id,
      head_sha: run.headSha,
      node_id: `CR_kwDO${Buffer.from(String(run.id)).toString('base64url')}`,
      external_id: run.externalId ?? '',
      url,
      html_url: `https://github.com/${deps.owner}/${deps.repo}/runs/${run.id}`,
      details_url: run.detailsUrl,
      status: run.status,
      conclusion: run.conclusion,
      started_at: run.startedAt,
      completed_at: run.completedAt,
      output: { ...run.output, annotations_count: 0, annotations_url: `${url}/annotations` },
      name: run.name,
      check_suite: { id: 2_000_000 + run.headSha.charCodeAt(0) },
      app:
        run.appId === ACTIONS_APP_ID
          ? { id: ACTIONS_APP_ID, slug: 'github-actions', name: 'GitHub Actions', owner: { login: 'github' } }
          : { id: run.appId, slug: `app-${run.appId}`, name: `App ${run.appId}`, owner: { login: 'someone' } },
      pull_requests: [],
    };
  }

  function newRun(name: string, headSha: string): FakeCheckRun {
    return {
      id: nextId++,
      name,
      headSha,
      status: 'queued',
      conclusion: null,
      detailsUrl: null,
      externalId: null,
      startedAt: githubTime(new Date()),
      completedAt: null,
      output: { title: null, summary: null, text: null },
      appId: ACTIONS_APP_ID,
    };
  }

  function existing(id: string, docs: string): FakeCheckRun {
    const run = store.get(Number(id));
    if (!run) throw new Refusal(404, { message: 'Not Found', documentation_url: docs, status: '404' });
    return run;
  }

  function denied(write: boolean, docs: string): void {
    if (permission === 'none' || (write && (permission === 'read' || readOnly))) {
      throw new Refusal(403, { message: 'Resource not accessible by integration', documentation_url: docs, status: '403' });
    }
  }

  function parse(raw: Buffer, docs: string): unknown {
    if (raw.length === 0) return undefined;
    try {
      return JSON.parse(raw.toString('utf8')) as unknown;
    } catch {
      throw new Refusal(400, { message: 'Problems parsing JSON', documentation_url: docs, status: '400' });
    }
  }

  function list(refOrSha: string, url: URL, res: ServerResponse): void {
    const ref = decodeURIComponent(refOrSha);
    // Branches and tags are not modelled: a ref must be a commit SHA.
    if (!SHA.test(ref)) throw new Refusal(422, { message: `No commit found for SHA: ${ref}`, documentation_url: DOCS.list, status: '422' });
    const q = url.searchParams;
    const filter = q.get('filter') ?? 'latest';
    let found = [...store.values()].filter(
      (r) =>
        r.headSha === ref &&
        (q.get('check_name') === null || r.name === q.get('check_name')) &&
        (q.get('status') === null || r.status === q.get('status')) &&
        (q.get('app_id') === null || String(r.appId) === q.get('app_id')),
    );
    if (filter === 'latest') {
      const newest = new Map<string, FakeCheckRun>();
      for (const r of found) {
        const key = `${r.appId}/${r.name}`;
        if ((newest.get(key)?.id ?? 0) < r.id) newest.set(key, r);
      }
      found = [...newest.values()];
    }
    found.sort((a, b) => b.id - a.id);
    const perPage = Math.min(100, Math.max(1, Number(q.get('per_page') ?? 30) || 30));
    const page = Math.max(1, Number(q.get('page') ?? 1) || 1);
    const lastPage = Math.max(1, Math.ceil(found.length / perPage));
    const headers = deps.headers();
    const link = pageLinks(`${deps.apiUrl}${url.pathname}`, url, page, lastPage);
    if (link) headers.link = link;
    sendJson(res, 200, { total_count: found.length, check_runs: found.slice((page - 1) * perPage, page * perPage).map(json) }, headers);
  }

  function route(method: string, rest: string, url: URL, body: unknown, res: ServerResponse): void {
    const one = /^\/check-runs\/(\d+)$/.exec(rest);
    const forRef = /^\/commits\/([^/]+)\/check-runs$/.exec(rest);
    if (method === 'POST' && rest === '/check-runs') {
      denied(true, DOCS.create);
      const b = validate(body, DOCS.create, ['name', 'head_sha']);
      if (!SHA.test(b.head_sha as string)) {
        throw new Refusal(422, {
          message: `No commit found for SHA: ${String(b.head_sha)}`,
          documentation_url: DOCS.create,
          status: '422',
        });
      }
      const run = newRun(b.name as string, b.head_sha as string);
      apply(run, b);
      store.set(run.id, run);
      return sendJson(res, 201, json(run), deps.headers());
    }
    if (method === 'PATCH' && one) {
      denied(true, DOCS.update);
      const run = existing(one[1]!, DOCS.update);
      const b = validate(body, DOCS.update, []);
      apply(run, b);
      return sendJson(res, 200, json(run), deps.headers());
    }
    if (method === 'GET' && one) {
      denied(false, DOCS.get);
      return sendJson(res, 200, json(existing(one[1]!, DOCS.get)), deps.headers());
    }
    if (method === 'GET' && forRef) {
      denied(false, DOCS.list);
      return list(forRef[1]!, url, res);
    }
    throw new Refusal(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
  }

  return {
    handle(method, rest, url, raw, res) {
      if (!/^\/check-runs(\/|$)|^\/commits\/[^/]+\/check-runs$/.test(rest)) return false;
      const entry: FakeChecksRequest = { method, path: url.pathname, query: url.search, status: 0 };
      requests.push(entry);
      res.on('finish', () => (entry.status = res.statusCode));
      try {
        const docs = method === 'PATCH' ? DOCS.update : DOCS.create;
        if (method === 'POST' || method === 'PATCH') entry.body = parse(raw, docs);
        route(method, rest, url, entry.body, res);
      } catch (error) {
        if (!(error instanceof Refusal)) throw error;
        sendJson(res, error.status, error.body, deps.headers());
      }
      return true;
    },
    setPermission(value) {
      permission = value;
    },
    setReadOnlyToken(value) {
      readOnly = value;
    },
    runs() {
      return [...store.values()].sort((a, b) => a.id - b.id).map((r) => ({ ...r, output: { ...r.output } }));
    },
    add(input) {
      const run = { ...newRun(input.name, input.headSha), ...input, id: nextId++ };
      store.set(run.id, run);
      return run.id;
    },
    remove(id) {
      store.delete(id);
    },
    get requests() {
      return requests;
    },
    reset() {
      store.clear();
      requests.length = 0;
      permission = 'write';
      readOnly = false;
    },
  };
}

function supplied(keys: string[]): string {
  const names = keys.map((k) => `"${k}"`).join(', ');
  return keys.length === 1 ? `${names} wasn't supplied.` : `${names} weren't supplied.`;
}

/** A JSON value as GitHub's schema messages show it (Ruby's inspect: nil for null). */
function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  return JSON.stringify(value);
}

/** A 40-hex commit SHA, for tests that need several commits. */
export function fakeCommitSha(): string {
  return randomBytes(20).toString('hex');
}
