import { Readable } from 'node:stream';
/** The HTTP side: request log, fault injection, auth and rate limit, contract checks, routing to handlers. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { decodeProtectedHeader } from 'jose';
import { listenOnLoopback, readBody } from '../loopback.js';
import { verifyBearer } from './auth.js';
import type { Ctx, Env, Handler } from './context.js';
import { checkBody, checkQuery, checkResponse, matchOperation } from './contract.js';
import { ApiError, NOT_AUTHORIZED, RATE_LIMIT_EXCEEDED, errorBody, pathNotFound, serverErrorBody } from './errors.js';
import type { ContractViolation, FakeAscKey, FaultRule, LoggedRequest } from './types.js';
import { eachChunk, type Uploads } from './uploads.js';

export interface ServerDeps {
  keys: ReadonlyMap<string, FakeAscKey>;
  now: () => number;
  env: Env;
  uploads: Uploads;
  handlers: Record<string, Handler>;
  requests: LoggedRequest[];
  violations: ContractViolation[];
  tokens: Array<Record<string, unknown>>;
  faults: FaultRule[];
  rateLimitPerHour: number;
}

const HOUR_MS = 3_600_000;

/**
 * Benchmarks only: skip checking requests and answers against Apple's OpenAPI document, to time the
 * client without the fake's own validation (ajv over a 2.9 MB schema). Tests never turn it off.
 */
let contractChecks = true;
export function setContractChecks(on: boolean): void {
  contractChecks = on;
}
const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

export async function listen(deps: ServerDeps): Promise<{ server: Server; url: string }> {
  const usage = new Map<string, { windowStart: number; used: number }>();
  let base = '';

  const remaining = (keyId: string | undefined): number => {
    const u = keyId ? usage.get(keyId) : undefined;
    if (!u || deps.now() - u.windowStart >= HOUR_MS) return deps.rateLimitPerHour;
    return Math.max(0, deps.rateLimitPerHour - u.used);
  };
  const rateHeader = (keyId: string | undefined): Record<string, string> => ({
    'X-Rate-Limit': `user-hour-lim:${deps.rateLimitPerHour};user-hour-rem:${remaining(keyId)};`,
  });
  /** Counts a request against the key's hourly budget; false once it is spent. */
  const spend = (keyId: string): boolean => {
    let u = usage.get(keyId);
    if (!u || deps.now() - u.windowStart >= HOUR_MS) usage.set(keyId, (u = { windowStart: deps.now(), used: 0 }));
    if (u.used >= deps.rateLimitPerHour) return false;
    u.used++;
    return true;
  };

  const violation = (entry: LoggedRequest, message: string): void => {
    deps.violations.push({ method: entry.method, path: entry.path, message });
  };

  const send = (res: ServerResponse, entry: LoggedRequest, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    entry.status = status;
    if (res.destroyed) return;
    if (entry.fault === 'lost') {
      // Carried out, but the answer never arrives.
      res.socket?.destroy();
      return;
    }
    if (body === undefined) {
      res.writeHead(status, headers).end();
      return;
    }
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)), ...headers }).end(text);
  };

  const takeFault = (method: string, path: string): FaultRule | undefined => {
    const i = deps.faults.findIndex(
      (f) =>
        f.times > 0 &&
        (f.method === undefined || f.method.toUpperCase() === method) &&
        (f.path === undefined || (typeof f.path === 'string' ? f.path === path : f.path.test(path))),
    );
    if (i < 0) return undefined;
    const rule = deps.faults[i]!;
    const taken = { ...rule };
    rule.times--;
    if (rule.times <= 0) deps.faults.splice(i, 1);
    return taken;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', base);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined) continue;
      headers[name] = name === 'authorization' ? '[redacted]' : Array.isArray(value) ? value.join(', ') : value;
    }
    const entry: LoggedRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: 0,
      headers,
      at: deps.now(),
    };
    deps.requests.push(entry);
    const isApi = url.pathname.startsWith('/v1/');
    const fault = takeFault(method, url.pathname);
    let preRead: Buffer | undefined;
    if (fault) {
      entry.fault = fault.kind;
      if (fault.kind === 'reset') {
        req.socket.destroy();
        return;
      }
      if (fault.kind === 'lost') {
        // Handled normally below; `send` drops the answer.
      } else if (fault.kind === 'slow') {
        // Like a slow server: the request is taken in full and acted on after the delay, even when the
        // client has given up by then (its answer is lost, the effect is not).
        preRead = await readBody(req).catch(() => undefined);
        await sleep(fault.delayMs ?? 1000);
        if (preRead === undefined) return;
      } else {
        // Read the request first so the client sees the answer, not a broken pipe.
        const raw = await readBody(req);
        if (isApi) entry.body = parseLogged(raw);
        else entry.partBytes = raw.length;
        const rate = isApi ? rateHeader(kidOf(req)) : {};
        if (fault.kind === 'huge') return streamHuge(res, entry, fault.bodyBytes ?? 400 * 1024 * 1024);
        if (fault.kind === 'self-next') {
          send(res, entry, 200, { data: [], links: { self: url.href, next: url.href }, meta: { paging: { total: 0, limit: 200 } } }, rate);
          return;
        }
        if (fault.kind === '429') {
          send(res, entry, 429, RATE_LIMIT_EXCEEDED, {
            ...rate,
            ...(fault.retryAfterSec !== undefined ? { 'Retry-After': String(fault.retryAfterSec) } : {}),
          });
        } else if (fault.kind === '401') {
          send(res, entry, 401, NOT_AUTHORIZED, rate);
        } else {
          const status = Number(fault.kind);
          send(res, entry, status, serverErrorBody(status), rate);
        }
        return;
      }
    }
    if (url.pathname === '/sink' && method === 'PUT') return handleSink(req, res, entry);
    if (url.pathname.startsWith('/upload/')) return handleUpload(req, res, url, entry, preRead);
    if (isApi) return handleApi(req, res, url, entry, preRead);
    send(
      res,
      entry,
      404,
      errorBody(404, 'NOT_FOUND', 'The specified resource does not exist', `The URL path is not valid: '${url.pathname}'`),
    );
  }

  /** A 200 whose body never ends in time: `bytes` of JSON padding, streamed as the client reads, stopped when it goes. */
  async function streamHuge(res: ServerResponse, entry: LoggedRequest, bytes: number): Promise<void> {
    entry.status = 200;
    entry.sentBytes = 0;
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    res.write('{"data":[');
    let closed = false;
    res.on('close', () => (closed = true));
    while (!closed && entry.sentBytes < bytes) {
      entry.sentBytes += chunk.length;
      if (!res.write(chunk)) await new Promise((r) => (res.once('drain', r), res.once('close', r)));
    }
    if (!closed) res.end(']}');
  }

  /** `PUT /sink` takes any body and discards it: a reference point for other clients (curl) on the same server. */
  async function handleSink(req: IncomingMessage, res: ServerResponse, entry: LoggedRequest): Promise<void> {
    let bytes = 0;
    await eachChunk(req, (chunk) => (bytes += chunk.length));
    entry.partBytes = bytes;
    entry.status = 200;
    if (!res.destroyed) res.writeHead(200, { 'Content-Length': '0' }).end();
  }

  async function handleUpload(req: IncomingMessage, res: ServerResponse, url: URL, entry: LoggedRequest, preRead?: Buffer): Promise<void> {
    const m = /^\/upload\/([^/]+)\/(\d+)$/.exec(url.pathname);
    if (!m || req.method !== 'PUT') {
      const raw = preRead ?? (await readBody(req));
      entry.partBytes = raw.length;
      send(res, entry, m ? 405 : 404, { message: m ? 'Only PUT is allowed on an upload URL.' : 'No such upload URL.' });
      return;
    }
    const result = await deps.uploads.receivePart(
      m[1]!,
      Number(m[2]),
      url.searchParams.get('signature'),
      req.headers,
      preRead ? Readable.from([preRead]) : req,
    );
    entry.partBytes = result.bytes;
    if (result.status === 200) {
      entry.status = 200;
      if (!res.destroyed) res.writeHead(200, { ETag: result.etag ?? '', 'Content-Length': '0' }).end();
      return;
    }
    send(res, entry, result.status, { message: result.message });
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, entry: LoggedRequest, preRead?: Buffer): Promise<void> {
    const method = entry.method;
    const raw = preRead ?? (await readBody(req));
    const auth = await verifyBearer(req.headers.authorization, deps.keys, deps.now(), (p) => deps.tokens.push(p));
    if (!auth.ok) {
      if (raw.length > 0) entry.body = parseLogged(raw);
      send(res, entry, 401, NOT_AUTHORIZED, rateHeader(undefined));
      return;
    }
    const rate = (): Record<string, string> => rateHeader(auth.keyId);
    if (!spend(auth.keyId)) {
      send(res, entry, 429, RATE_LIMIT_EXCEEDED, rate());
      return;
    }
    const fail = (e: ApiError, asViolation: boolean): void => {
      if (asViolation) violation(entry, e.detail);
      send(res, entry, e.status, e.body(), rate());
    };
    let body: unknown;
    if (raw.length > 0) {
      const type = req.headers['content-type'] ?? '';
      try {
        body = JSON.parse(raw.toString('utf8'));
        entry.body = body;
      } catch {
        entry.body = raw.toString('utf8');
        return fail(
          new ApiError(
            400,
            'ENTITY_UNPROCESSABLE',
            'The request entity is not valid JSON',
            'The request body could not be parsed as JSON.',
          ),
          true,
        );
      }
      if (!type.startsWith('application/json')) {
        return fail(
          new ApiError(
            400,
            'ENTITY_UNPROCESSABLE',
            'The request entity has the wrong media type',
            `Content-Type must be application/json, not '${type}'.`,
          ),
          true,
        );
      }
    }
    const match = matchOperation(method, url.pathname);
    if (!match.template) return fail(pathNotFound(url.pathname, 'The path is not part of the App Store Connect API'), true);
    const op = match.op;
    if (!op)
      return fail(pathNotFound(url.pathname, `${method} is not allowed on ${match.template} (allowed: ${match.allowed.join(', ')})`), true);
    const queryProblem = contractChecks ? checkQuery(op, url.searchParams) : undefined;
    if (queryProblem) return fail(queryProblem, true);
    if (op.bodyRef && body === undefined)
      return fail(
        new ApiError(
          400,
          'ENTITY_ERROR',
          'The request entity is missing',
          `${method} ${match.template} requires a JSON body (${op.bodyRef}).`,
        ),
        true,
      );
    if (!op.bodyRef && body !== undefined)
      return fail(
        new ApiError(400, 'ENTITY_ERROR', 'A request entity is not allowed', `${method} ${match.template} takes no request body.`),
        true,
      );
    const bodyProblem = contractChecks && body !== undefined ? checkBody(op, body) : undefined;
    if (bodyProblem) return fail(bodyProblem, true);
    const handler = deps.handlers[`${method} ${match.template}`];
    if (!handler)
      return fail(pathNotFound(url.pathname, `${method} ${match.template} is not implemented by this fake App Store Connect`), false);
    // Apple's links percent-encode the query (`filter%5Bapp%5D=…`); WHATWG URLs leave brackets bare.
    const self = new URL(url.href);
    self.search = url.searchParams.toString();
    const ctx: Ctx = { method, template: match.template, params: match.params, query: url.searchParams, body, url: self };
    try {
      deps.env.lifecycle.advance();
      const reply = handler(ctx);
      if (contractChecks && (reply.status === 200 || reply.status === 201) && reply.body !== undefined) {
        for (const problem of checkResponse(op, reply.body)) violation(entry, `response: ${problem}`);
      }
      send(res, entry, reply.status, reply.body, rate());
    } catch (e) {
      if (e instanceof ApiError) return fail(e, false);
      violation(entry, `fake failure: ${(e as Error).stack ?? String(e)}`);
      send(res, entry, 500, serverErrorBody(500), rate());
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      deps.violations.push({ method: req.method ?? '', path: req.url ?? '', message: `fake failure: ${String(e)}` });
      if (!res.headersSent && !res.destroyed) res.writeHead(500).end();
    });
  });
  server.keepAliveTimeout = 5_000;
  base = await listenOnLoopback(server);
  return { server, url: base };
}

function parseLogged(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  const text = raw.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function kidOf(req: IncomingMessage): string | undefined {
  const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
  if (!m) return undefined;
  try {
    const kid = decodeProtectedHeader(m[1]!).kid;
    return typeof kid === 'string' ? kid : undefined;
  } catch {
    return undefined;
  }
}
