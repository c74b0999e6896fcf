import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { readZip } from '../../src/state/zip.js';
import { createFakeChecks, type FakeChecks } from './checks.js';
import { mountWorkflows, type FakeWorkflows } from './workflows.js';
import { repositoryJson } from './repository.js';
import { writeZip } from './zip-writer.js';

/**
 * A loopback GitHub for workflow artifacts: the Actions results service (Twirp JSON) and Azure block-blob
 * storage that @actions/artifact v6 talks to, and the REST endpoints Octokit calls to list, download and
 * delete the artifacts of any run of the repository. Blob storage listens on its own port, as it is a
 * different host on GitHub, so a client that forwards the GitHub token to it is caught.
 */

export interface FakeGitHubOptions {
  /** The token REST calls must carry (`token X` or `Bearer X`). */
  token?: string;
  /** owner/name; default `octo/app`. */
  repository?: string;
  /**
   * The workflow file that runs `command: resume`, present and active from the start as in a repository
   * set up as the README says (default `post-processing.yml`); null starts with no workflow at all.
   */
  resumeWorkflow?: string | null;
}

/** `hang`: the request is read and never answered (until the fake closes). */
export type FaultKind = '500' | '503' | 'reset' | '429' | 'hang';

export interface FaultRule {
  /** HTTP method; any when omitted. */
  method?: string;
  /** A string matches the path (no query) exactly or as a prefix; a RegExp is tested against the path. */
  path?: string | RegExp;
  kind: FaultKind;
  /** How many matching requests fail before the rule is spent. */
  times: number;
  /** `Retry-After` sent with the answer; a 429 sends 1 unless told. */
  retryAfterSeconds?: number;
}

export interface FakeRequest {
  method: string;
  /** Path without the query. */
  path: string;
  query: string;
  /** 0 when the connection was reset. */
  status: number;
  /** `api` (REST and results service) or `blob` (storage). */
  host: 'api' | 'blob';
  /** Whether the request carried an Authorization header. */
  authorization: boolean;
}

export interface FakeArtifact {
  id: number;
  name: string;
  runId: number;
  createdAt: string;
  expiresAt: string;
  deleted: boolean;
  expired: boolean;
  sizeInBytes: number;
  /** `sha256:<hex>` of the stored blob. */
  digest: string;
  /** The unzipped content (the raw blob under the artifact's name when it is not a zip). */
  files: Record<string, Buffer>;
}

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
  addArtifact(artifact: {
    name: string;
    runId: number;
    files: Record<string, Buffer | string>;
    createdAt?: Date | string;
    expired?: boolean;
    /** The run's head repository: another id makes it a run of a pull request from a fork. */
    headRepositoryId?: number;
    /** Stored as the blob instead of a zip of `files` (which then only describe it). */
    rawBlob?: Buffer;
  }): number;
  /** The repository's numeric id (GITHUB_REPOSITORY_ID). */
  repositoryId: number;
  expire(id: number): void;
  /** `true`: the token may not read or write artifacts; `'write'`: it may read but not delete. */
  denyPermissions(deny: boolean | 'write'): void;
  faults: { inject(rule: FaultRule): void; clear(): void };
  readonly requests: FakeRequest[];
  /** The Checks API (check runs): its permission switches, its runs and its request log. */
  checks: FakeChecks;
  /** The repository's Actions workflows (list, get, enable, disable). */
  workflows: FakeWorkflows;
}

interface Run {
  runId: number;
  runBackendId: string;
  jobBackendId: string;
  runtimeToken: string;
}

interface StoredArtifact {
  id: number;
  name: string;
  run: Run;
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date;
  finalized: boolean;
  deleted: boolean;
  expiredFlag: boolean;
  blobKey: string;
  uploadSig: string;
  downloadSig: string;
  blocks: Map<string, Buffer>;
  blob?: Buffer;
  digest?: string;
  contentType: string;
  /** The unzipped content, read once when the artifact is finalized. */
  files?: Record<string, Buffer>;
  /** The repository the making run's code came from (a fork's for a pull request from a fork). */
  headRepositoryId: number;
}

const TWIRP_PREFIX = '/twirp/github.actions.results.api.v1.ArtifactService/';
const DOCS = 'https://docs.github.com/rest/actions/artifacts';
const REPOSITORY_ID = 700_001;
const DEFAULT_RETENTION_DAYS = 90;

export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const token = options.token ?? 'ghs_fakeGitHubToken0123456789';
  const repository = options.repository ?? 'octo/app';
  const [owner, repo] = repository.split('/') as [string, string];
  const runs = new Map<number, Run>();
  const runsByToken = new Map<string, Run>();
  const store = new Map<number, StoredArtifact>();
  const byBlobKey = new Map<string, StoredArtifact>();
  const requests: FakeRequest[] = [];
  let faultRules: FaultRule[] = [];
  let deny: boolean | 'write' = false;
  let nextId = 4_000_001;
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
  const checks = createFakeChecks({ apiUrl, owner, repo, headers: () => rateHeaders() });
  const workflows = mountWorkflows({ owner, repo, apiUrl, headers: () => rateHeaders() });
  const resumeWorkflow = options.resumeWorkflow === undefined ? 'post-processing.yml' : options.resumeWorkflow;
  if (resumeWorkflow) workflows.api.add(resumeWorkflow, { name: 'App Store Connect post-processing' });

  function runFor(runId: number): Run {
    let run = runs.get(runId);
    if (!run) {
      const runBackendId = randomUUID();
      const jobBackendId = randomUUID();
      // Unsigned: @actions/artifact only decodes the claims to find the backend IDs.
      const runtimeToken = [
        base64url(JSON.stringify({ typ: 'JWT', alg: 'none' })),
        base64url(
          JSON.stringify({
            iss: 'fake-github',
            exp: Math.floor(Date.now() / 1000) + 6 * 3600,
            ac: '[]',
            scp: `Actions.ExampleScope Actions.Results:${runBackendId}:${jobBackendId}`,
          }),
        ),
        base64url(randomBytes(16)),
      ].join('.');
      run = { runId, runBackendId, jobBackendId, runtimeToken };
      runs.set(runId, run);
      runsByToken.set(runtimeToken, run);
    }
    return run;
  }

  function isExpired(a: StoredArtifact): boolean {
    return a.expiredFlag || a.expiresAt.getTime() <= Date.now();
  }

  function live(a: StoredArtifact): boolean {
    return a.finalized && !a.deleted;
  }

  function newArtifact(run: Run, name: string, expiresAt: Date | undefined): StoredArtifact {
    const now = new Date();
    const artifact: StoredArtifact = {
      id: nextId++,
      name,
      run,
      createdAt: now,
      updatedAt: now,
      expiresAt: expiresAt ?? new Date(now.getTime() + DEFAULT_RETENTION_DAYS * 86_400_000),
      finalized: false,
      deleted: false,
      expiredFlag: false,
      blobKey: randomBytes(12).toString('hex'),
      uploadSig: randomBytes(18).toString('base64'),
      downloadSig: randomBytes(18).toString('base64'),
      blocks: new Map(),
      contentType: 'application/zip',
      headRepositoryId: REPOSITORY_ID,
    };
    store.set(artifact.id, artifact);
    byBlobKey.set(artifact.blobKey, artifact);
    return artifact;
  }

  function signedUrl(a: StoredArtifact, sig: string, permissions: string, ttlMs: number): string {
    const url = new URL(`${blobUrl}/actions-results/${a.blobKey}/${encodeURIComponent(a.name)}.zip`);
    url.searchParams.set('sv', '2023-11-03');
    url.searchParams.set('se', new Date(Date.now() + ttlMs).toISOString());
    url.searchParams.set('sr', 'b');
    url.searchParams.set('sp', permissions);
    url.searchParams.set('sig', sig);
    return url.toString();
  }

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
      if (host === 'blob') return handleBlob(req, res, url, body);
      if (req.method === 'POST' && url.pathname.startsWith(TWIRP_PREFIX)) {
        return handleTwirp(req, res, url.pathname.slice(TWIRP_PREFIX.length), body);
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

  // ---- results service (Twirp JSON) ----

  function twirpError(res: ServerResponse, status: number, code: string, msg: string): void {
    sendJson(res, status, { code, msg });
  }

  async function handleTwirp(req: IncomingMessage, res: ServerResponse, method: string, raw: Buffer): Promise<void> {
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    const run = auth ? runsByToken.get(auth[1]!) : undefined;
    if (!run) return twirpError(res, 401, 'unauthenticated', 'missing or unknown runtime token');
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    } catch {
      return twirpError(res, 400, 'malformed', 'the body is not JSON');
    }
    if (body.workflow_run_backend_id !== run.runBackendId || body.workflow_job_run_backend_id !== run.jobBackendId) {
      return twirpError(res, 403, 'permission_denied', 'backend IDs do not match the runtime token');
    }
    const name = typeof body.name === 'string' ? body.name : '';
    const ofRun = [...store.values()].filter((a) => a.run === run && !a.deleted);

    switch (method) {
      case 'CreateArtifact': {
        if (!name) return twirpError(res, 400, 'invalid_argument', 'name is required');
        if (ofRun.some((a) => a.finalized && a.name === name)) {
          return twirpError(res, 409, 'already_exists', `an artifact with this name already exists on the workflow run: ${name}`);
        }
        for (const stale of ofRun.filter((a) => !a.finalized && a.name === name)) stale.deleted = true;
        const expiresAt = typeof body.expires_at === 'string' ? new Date(body.expires_at) : undefined;
        const artifact = newArtifact(run, name, expiresAt);
        if (typeof body.mime_type === 'string') artifact.contentType = body.mime_type;
        return sendJson(res, 200, { ok: true, signed_upload_url: signedUrl(artifact, artifact.uploadSig, 'cw', 6 * 3600_000) });
      }
      case 'FinalizeArtifact': {
        const artifact = ofRun.find((a) => !a.finalized && a.name === name);
        if (!artifact) return twirpError(res, 404, 'not_found', `no artifact upload in progress named ${name}`);
        if (!artifact.blob) return twirpError(res, 400, 'failed_precondition', 'the blob was never committed');
        if (String(body.size) !== String(artifact.blob.length)) {
          return twirpError(
            res,
            400,
            'invalid_argument',
            `size ${String(body.size)} does not match the ${artifact.blob.length} bytes stored`,
          );
        }
        const digest = `sha256:${createHash('sha256').update(artifact.blob).digest('hex')}`;
        if (body.hash !== undefined && body.hash !== digest) {
          return twirpError(res, 400, 'invalid_argument', `hash ${String(body.hash)} does not match the stored blob (${digest})`);
        }
        artifact.files = await unzipped(artifact.blob, artifact.name, artifact.contentType);
        artifact.finalized = true;
        artifact.digest = digest;
        artifact.updatedAt = new Date();
        return sendJson(res, 200, { ok: true, artifact_id: String(artifact.id) });
      }
      case 'ListArtifacts': {
        const nameFilter = typeof body.name_filter === 'string' ? body.name_filter : undefined;
        const idFilter = body.id_filter !== undefined ? String(body.id_filter) : undefined;
        const artifacts = ofRun
          .filter((a) => a.finalized && !isExpired(a))
          .filter((a) => (nameFilter === undefined || a.name === nameFilter) && (idFilter === undefined || String(a.id) === idFilter))
          .map((a) => ({
            workflow_run_backend_id: run.runBackendId,
            workflow_job_run_backend_id: run.jobBackendId,
            database_id: String(a.id),
            name: a.name,
            size: String(a.blob?.length ?? 0),
            created_at: a.createdAt.toISOString(),
            digest: a.digest,
          }));
        return sendJson(res, 200, { artifacts });
      }
      case 'GetSignedArtifactURL': {
        const artifact = ofRun.find((a) => a.finalized && a.name === name && !isExpired(a));
        if (!artifact) return twirpError(res, 404, 'not_found', `artifact not found: ${name}`);
        return sendJson(res, 200, { signed_url: signedUrl(artifact, artifact.downloadSig, 'r', 60_000) });
      }
      case 'DeleteArtifact': {
        const artifact = ofRun.find((a) => a.finalized && a.name === name);
        if (!artifact) return twirpError(res, 404, 'not_found', `artifact not found: ${name}`);
        artifact.deleted = true;
        return sendJson(res, 200, { ok: true, artifact_id: String(artifact.id) });
      }
      default:
        return twirpError(res, 404, 'bad_route', `no handler for ${method}`);
    }
  }

  // ---- blob storage (the subset of Azure Blob that BlockBlobClient.uploadStream and a download use) ----

  function blobError(res: ServerResponse, status: number, code: string, message: string): void {
    res.writeHead(status, { 'content-type': 'application/xml', 'x-ms-error-code': code });
    res.end(`<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);
  }

  function handleBlob(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): void {
    const key = /^\/actions-results\/([0-9a-f]+)\//.exec(url.pathname)?.[1];
    const artifact = key ? byBlobKey.get(key) : undefined;
    if (!artifact || artifact.deleted) return blobError(res, 404, 'BlobNotFound', 'The specified blob does not exist.');
    if (req.headers.authorization !== undefined) {
      // A SAS URL plus an Authorization header is rejected by storage, and it would leak the GitHub token.
      return blobError(res, 400, 'InvalidAuthenticationInfo', 'Authentication information is not given in the correct format.');
    }
    const expiry = Date.parse(url.searchParams.get('se') ?? '');
    const sig = url.searchParams.get('sig');
    const wanted = req.method === 'GET' || req.method === 'HEAD' ? artifact.downloadSig : artifact.uploadSig;
    if (sig !== wanted || !(expiry > Date.now())) {
      return blobError(res, 403, 'AuthenticationFailed', 'Server failed to authenticate the request.');
    }
    const common = { 'x-ms-request-id': randomUUID(), 'x-ms-version': '2023-11-03', date: new Date().toUTCString() };

    if (req.method === 'PUT') {
      if (artifact.finalized) return blobError(res, 409, 'BlobImmutable', 'The artifact is already finalized.');
      const comp = url.searchParams.get('comp');
      if (comp === 'block') {
        const blockId = url.searchParams.get('blockid');
        if (!blockId) return blobError(res, 400, 'InvalidQueryParameterValue', 'blockid is required');
        artifact.blocks.set(blockId, body);
        res.writeHead(201, { ...common, 'x-ms-request-server-encrypted': 'true' });
        return void res.end();
      }
      if (comp === 'blocklist') {
        const ids = [...body.toString('utf8').matchAll(/<(Latest|Uncommitted|Committed)>([^<]*)<\/\1>/g)].map((m) => m[2]!);
        const missing = ids.filter((id) => !artifact.blocks.has(id));
        if (missing.length > 0) return blobError(res, 400, 'InvalidBlockList', `unknown blocks: ${missing.join(', ')}`);
        artifact.blob = Buffer.concat(ids.map((id) => artifact.blocks.get(id)!));
        artifact.blocks.clear();
        res.writeHead(201, { ...common, etag: `"0x${randomBytes(8).toString('hex')}"`, 'last-modified': new Date().toUTCString() });
        return void res.end();
      }
      if (comp === null) {
        artifact.blob = body;
        res.writeHead(201, { ...common, etag: `"0x${randomBytes(8).toString('hex')}"`, 'last-modified': new Date().toUTCString() });
        return void res.end();
      }
      return blobError(res, 400, 'UnsupportedQueryParameter', `comp=${comp} is not supported here`);
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (!artifact.blob || !artifact.finalized) return blobError(res, 404, 'BlobNotFound', 'The specified blob does not exist.');
      res.writeHead(200, {
        ...common,
        'content-type': artifact.contentType,
        'content-length': String(artifact.blob.length),
        'content-disposition': `attachment; filename=${artifact.name}.zip; filename*=UTF-8''${encodeURIComponent(artifact.name)}.zip`,
        'x-ms-blob-type': 'BlockBlob',
        'last-modified': artifact.updatedAt.toUTCString(),
      });
      return void res.end(req.method === 'GET' ? artifact.blob : undefined);
    }
    return blobError(res, 405, 'UnsupportedHttpVerb', `${req.method} is not supported`);
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
    if (rest === '' && method === 'GET') return sendJson(res, 200, repositoryJson(apiUrl, owner, repo, REPOSITORY_ID), rateHeaders());

    const list = /^\/actions\/artifacts$/.exec(rest);
    const runList = /^\/actions\/runs\/(\d+)\/artifacts$/.exec(rest);
    const one = /^\/actions\/artifacts\/(\d+)$/.exec(rest);
    const archive = /^\/actions\/artifacts\/(\d+)\/([^/]+)$/.exec(rest);

    if (deny === true || (deny === 'write' && method === 'DELETE')) {
      if (list || runList || one || archive) return restError(res, 403, 'Resource not accessible by integration', DOCS);
    }

    if (method === 'GET' && (list || runList)) {
      const nameFilter = url.searchParams.get('name');
      const runFilter = runList ? Number(runList[1]) : undefined;
      const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30) || 30));
      const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
      const matching = [...store.values()]
        .filter(live)
        .filter((a) => (nameFilter === null || a.name === nameFilter) && (runFilter === undefined || a.run.runId === runFilter))
        // Newest first, as GitHub lists them.
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id - a.id);
      const slice = matching.slice((page - 1) * perPage, page * perPage);
      const lastPage = Math.max(1, Math.ceil(matching.length / perPage));
      const headers = rateHeaders();
      const link = pageLinks(url, rest, page, lastPage);
      if (link) headers.link = link;
      return sendJson(res, 200, { total_count: matching.length, artifacts: slice.map(restArtifact) }, headers);
    }
    if (one) {
      const artifact = store.get(Number(one[1]));
      if (!artifact || !live(artifact)) return restError(res, 404, 'Not Found', DOCS);
      if (method === 'GET') return sendJson(res, 200, restArtifact(artifact), rateHeaders());
      if (method === 'DELETE') {
        artifact.deleted = true;
        res.writeHead(204, rateHeaders());
        return void res.end();
      }
    }
    if (method === 'GET' && archive) {
      const artifact = store.get(Number(archive[1]));
      if (!artifact || !live(artifact) || archive[2] !== 'zip') return restError(res, 404, 'Not Found', DOCS);
      if (isExpired(artifact)) return restError(res, 410, 'Artifact has expired', DOCS);
      res.writeHead(302, { ...rateHeaders(), location: signedUrl(artifact, artifact.downloadSig, 'r', 60_000) });
      return void res.end();
    }
    return restError(res, 404, 'Not Found');
  }

  function pageLinks(url: URL, rest: string, page: number, lastPage: number): string | undefined {
    // GitHub's links use the repository's numeric ID.
    const make = (p: number): string => {
      const next = new URL(`${apiUrl}/repositories/${REPOSITORY_ID}${rest}`);
      for (const [k, v] of url.searchParams) if (k !== 'page') next.searchParams.set(k, v);
      next.searchParams.set('page', String(p));
      return next.toString();
    };
    const links: string[] = [];
    if (page > 1) links.push(`<${make(page - 1)}>; rel="prev"`);
    if (page < lastPage) links.push(`<${make(page + 1)}>; rel="next"`, `<${make(lastPage)}>; rel="last"`);
    if (page > 1) links.push(`<${make(1)}>; rel="first"`);
    return links.length > 0 ? links.join(', ') : undefined;
  }

  function restArtifact(a: StoredArtifact): Record<string, unknown> {
    const base = `${apiUrl}/repos/${owner}/${repo}/actions/artifacts/${a.id}`;
    return {
      id: a.id,
      node_id: `MDg6QXJ0aWZhY3Q${a.id}`,
      name: a.name,
      size_in_bytes: a.blob?.length ?? 0,
      url: base,
      archive_download_url: `${base}/zip`,
      expired: isExpired(a),
      digest: a.digest ?? null,
      created_at: githubTime(a.createdAt),
      updated_at: githubTime(a.updatedAt),
      expires_at: githubTime(a.expiresAt),
      workflow_run: {
        id: a.run.runId,
        repository_id: REPOSITORY_ID,
        head_repository_id: a.headRepositoryId,
        head_branch: 'main',
        head_sha: createHash('sha1').update(String(a.run.runId)).digest('hex'),
      },
    };
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
    repositoryId: REPOSITORY_ID,
    get requests() {
      return requests;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await Promise.all([apiServer, blobServer].map((s) => new Promise<void>((done) => s.close(() => done()))));
    },
    runEnv(runId: number) {
      const run = runFor(runId);
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
    artifacts() {
      return [...store.values()]
        .filter((a) => a.finalized)
        .sort((a, b) => a.id - b.id)
        .map((a) => ({
          id: a.id,
          name: a.name,
          runId: a.run.runId,
          createdAt: a.createdAt.toISOString(),
          expiresAt: a.expiresAt.toISOString(),
          deleted: a.deleted,
          expired: isExpired(a),
          sizeInBytes: a.blob?.length ?? 0,
          digest: a.digest ?? '',
          files: a.files ?? {},
        }));
    },
    addArtifact(input) {
      const artifact = newArtifact(runFor(input.runId), input.name, undefined);
      if (input.createdAt !== undefined) artifact.createdAt = artifact.updatedAt = new Date(input.createdAt);
      artifact.blob = input.rawBlob ?? writeZip(input.files);
      artifact.files = Object.fromEntries(Object.entries(input.files).map(([k, v]) => [k, Buffer.from(v)]));
      if (input.headRepositoryId !== undefined) artifact.headRepositoryId = input.headRepositoryId;
      artifact.digest = `sha256:${createHash('sha256').update(artifact.blob).digest('hex')}`;
      artifact.finalized = true;
      artifact.expiredFlag = input.expired ?? false;
      return artifact.id;
    },
    expire(id: number) {
      const artifact = store.get(id);
      if (!artifact) throw new Error(`fake GitHub: no artifact ${id}`);
      artifact.expiredFlag = true;
    },
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

async function unzipped(blob: Buffer, name: string, contentType: string): Promise<Record<string, Buffer>> {
  if (contentType !== 'application/zip') return { [name]: blob };
  return Object.fromEntries(await readZip(blob));
}

function githubTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve(`http://127.0.0.1:${port}`);
    });
  });
}
