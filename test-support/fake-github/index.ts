import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { handleArtifactRoutes } from './artifact-routes.js';
import { ArtifactStore, REPOSITORY_ID } from './artifact-store.js';
import { handleBlobStorage } from './blob-storage.js';
import { createFakeChecks, type FakeChecks } from './checks.js';
import { mountDispatches, type FakeDispatches } from './dispatches.js';
import { listen, readBody, sendJson } from './http.js';
import { repositoryJson } from './repository.js';
import { handleResultsService, TWIRP_PREFIX } from './results-service.js';
import type { FakeRequest, FakeGitHubOptions, FaultRule, FakeArtifact, NewArtifact } from './types.js';
import { mountWorkflows, type FakeWorkflows } from './workflows.js';

export type * from './types.js';
export type { FakeDispatch, FakeDispatches } from './dispatches.js';

/**
 * A loopback GitHub for workflow artifacts: the Actions results service (Twirp JSON) and Azure block-blob
 * storage that @actions/artifact v6 talks to, and the REST endpoints Octokit calls to list, download and
 * delete the artifacts of any run of the repository. Blob storage listens on its own port, as it is a
 * different host on GitHub, so a client that forwards the GitHub token to it is caught.
 */

export interface FakeGitHub {
  /** Base URL of the REST API and the results service (GITHUB_API_URL, ACTIONS_RESULTS_URL). */
  url: string;
  apiUrl: string;
  resultsUrl: string;
  /** Base URL of the blob storage host. */
  blobUrl: string;
  token: string;
  repository: string;
  close(): Promise<void>;
  /** Env for a process acting as a job of workflow run `runId` of this repository. */
  runEnv(runId: number): Record<string, string>;
  artifacts(): FakeArtifact[];
  /** Adds a finalized artifact directly (as if uploaded by an earlier run); returns its id. */
  addArtifact(artifact: NewArtifact): number;
  /** The repository's numeric id (GITHUB_REPOSITORY_ID). */
  repositoryId: number;
  expire(id: number): void;
  /** Makes every artifact list page's `Link: rel="next"` point to the page itself. */
  selfLinkArtifactPages(on: boolean): void;
  /** `true`: the token may not read or write artifacts; `'write'`: it may read but not delete. */
  denyPermissions(deny: boolean | 'write'): void;
  faults: { inject(rule: FaultRule): void; clear(): void };
  readonly requests: FakeRequest[];
  /** The Checks API (check runs): its permission switches, its runs and its request log. */
  checks: FakeChecks;
  /** The repository's Actions workflows (list, get, enable, disable). */
  workflows: FakeWorkflows;
  /** `repository_dispatch` events received, and a hook to run the resume workflow for each. */
  dispatches: FakeDispatches;
}

export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const token = options.token ?? 'ghs_fakeGitHubToken0123456789';
  const repository = options.repository ?? 'octo/app';
  const [owner, repo] = repository.split('/') as [string, string];
  const requests: FakeRequest[] = [];
  let faultRules: FaultRule[] = [];
  let deny: boolean | 'write' = false;
  let rateUsed = 0;

  const apiServer = createServer((req, res) => handle('api', req, res));
  const blobServer = createServer((req, res) => handle('blob', req, res));
  const sockets = new Set<Socket>();
  for (const server of [apiServer, blobServer]) {
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
  }
  const apiUrl = await listen(apiServer);
  const blobUrl = await listen(blobServer);
  const store = new ArtifactStore(blobUrl);
  const checks = createFakeChecks({ apiUrl, owner, repo, headers: () => rateHeaders() });
  const workflows = mountWorkflows({ owner, repo, apiUrl, headers: () => rateHeaders() });
  const dispatches = mountDispatches();
  const resumeWorkflow = options.resumeWorkflow === undefined ? 'post-processing.yml' : options.resumeWorkflow;
  if (resumeWorkflow) workflows.api.add(resumeWorkflow, { name: 'App Store Connect post-processing' });

  // ---- request plumbing ----

  async function handle(host: 'api' | 'blob', req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const entry: FakeRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.search,
      status: 0,
      host,
      authorization: req.headers.authorization !== undefined,
    };
    requests.push(entry);
    res.on('finish', () => (entry.status = res.statusCode));

    const fault = takeFault(entry.method, url.pathname);
    if (fault) {
      if (fault.kind === 'reset') {
        req.socket.resetAndDestroy();
        return;
      }
      if (fault.kind === 'hang') return;
      const status = Number(fault.kind);
      const headers: Record<string, string> = {};
      const retryAfter = fault.retryAfterSeconds ?? (fault.kind === '429' ? 1 : undefined);
      if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
      sendJson(res, status, { message: status === 429 ? 'Too many requests' : 'Server Error', status: String(status) }, headers);
      return;
    }

    try {
      const body = await readBody(req);
      if (host === 'blob') return handleBlobStorage(store, req, res, url, body);
      if (req.method === 'POST' && url.pathname.startsWith(TWIRP_PREFIX)) {
        return handleResultsService(store, req, res, url.pathname.slice(TWIRP_PREFIX.length), body);
      }
      return handleRest(req, res, url, body);
    } catch (error) {
      if (!res.headersSent) sendJson(res, 500, { message: `fake GitHub failure: ${(error as Error).message}` });
      else res.destroy();
    }
  }

  function takeFault(method: string, path: string): FaultRule | undefined {
    const rule = faultRules.find(
      (r) =>
        (!r.method || r.method.toUpperCase() === method) &&
        (r.path === undefined || (typeof r.path === 'string' ? path === r.path || path.startsWith(r.path) : r.path.test(path))),
    );
    if (!rule) return undefined;
    rule.times -= 1;
    if (rule.times <= 0) faultRules = faultRules.filter((r) => r !== rule);
    return rule;
  }

  // ---- REST API ----

  function restError(res: ServerResponse, status: number, message: string, docs = 'https://docs.github.com/rest'): void {
    sendJson(res, status, { message, documentation_url: docs, status: String(status) }, rateHeaders());
  }

  function rateHeaders(): Record<string, string> {
    rateUsed += 1;
    return {
      'x-github-request-id': randomBytes(8).toString('hex').toUpperCase(),
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': String(Math.max(0, 5000 - rateUsed)),
      'x-ratelimit-used': String(rateUsed),
      'x-ratelimit-resource': 'core',
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
    };
  }

  function handleRest(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): void {
    const auth = /^(?:token|bearer) (.+)$/i.exec(req.headers.authorization ?? '');
    if (!auth) return restError(res, 401, 'Requires authentication');
    if (auth[1] !== token) return restError(res, 401, 'Bad credentials');

    const scoped = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(url.pathname) ?? /^\/repositories\/(\d+)()(\/.*)?$/.exec(url.pathname);
    if (!scoped) return restError(res, 404, 'Not Found');
    const sameRepo = scoped[2] === '' ? scoped[1] === String(REPOSITORY_ID) : scoped[1] === owner && scoped[2] === repo;
    if (!sameRepo) return restError(res, 404, 'Not Found');
    const rest = scoped[3] ?? '';
    const method = req.method ?? 'GET';
    if (checks.handle(method, rest, url, body, res)) return;
    if (workflows.handles(rest)) return void workflows.handle(req, res, rest, url);
    if (dispatches.handle(method, rest, body, res, (status, message) => restError(res, status, message))) return;
    if (rest === '' && method === 'GET') return sendJson(res, 200, repositoryJson(apiUrl, owner, repo, REPOSITORY_ID), rateHeaders());

    const artifactRoutes = { store, apiUrl, owner, repo, deny: () => deny, rateHeaders, restError };
    if (handleArtifactRoutes(artifactRoutes, method, rest, url, res)) return;
    return restError(res, 404, 'Not Found');
  }

  return {
    url: apiUrl,
    apiUrl,
    resultsUrl: apiUrl,
    blobUrl,
    token,
    repository,
    checks,
    workflows: workflows.api,
    dispatches: dispatches.api,
    repositoryId: REPOSITORY_ID,
    get requests() {
      return requests;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await Promise.all([apiServer, blobServer].map((s) => new Promise<void>((done) => s.close(() => done()))));
    },
    runEnv(runId: number) {
      const run = store.runFor(runId);
      return {
        GITHUB_ACTIONS: 'true',
        ACTIONS_RUNTIME_TOKEN: run.runtimeToken,
        ACTIONS_RESULTS_URL: `${apiUrl}/`,
        ACTIONS_RUNTIME_URL: `${apiUrl}/`,
        GITHUB_API_URL: apiUrl,
        // @actions/artifact refuses to run when the server URL looks like GitHub Enterprise Server.
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_REPOSITORY: repository,
        GITHUB_REPOSITORY_ID: String(REPOSITORY_ID),
        GITHUB_REPOSITORY_OWNER: owner,
        GITHUB_RUN_ID: String(runId),
        GITHUB_RUN_ATTEMPT: '1',
        GITHUB_TOKEN: token,
        // The job's own workflow; a resume run disables this one when idle.
        GITHUB_WORKFLOW_REF: `${repository}/.github/workflows/${resumeWorkflow || 'post-processing.yml'}@refs/heads/main`,
      };
    },
    artifacts: () => store.list(),
    addArtifact: (input) => store.add(input),
    expire: (id) => store.expire(id),
    selfLinkArtifactPages: (on) => void (store.selfLinkingPages = on),
    denyPermissions(value: boolean | 'write') {
      deny = value;
    },
    faults: {
      inject(rule: FaultRule) {
        faultRules.push({ ...rule });
      },
      clear() {
        faultRules = [];
      },
    },
  };
}
