import { open, type FileHandle } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { DeliveryFileUploadOperation } from '../asc/types.js';
import { isLoopbackHost } from '../net/loopback.js';
import { DEFAULT_RETRY, NetworkError, retrying, type RetryPolicy, type Sleep } from '../net/retry.js';
import { oneLine } from '../words.js';
import { concurrencyFor } from './concurrency.js';

/** One byte range of the package and where Apple wants it. */
export interface PartOperation {
  method: string;
  /** Parsed and checked once (see checkUploadUrl), when Apple's operations are read. */
  url: URL;
  offset: number;
  length: number;
  headers: Record<string, string>;
  partNumber: number;
}

export interface SendPartsOptions {
  path: string;
  operations: PartOperation[];
  /** Parts in flight at once, or `auto` (see concurrency.ts). */
  concurrency: number | 'auto';
  retry?: RetryPolicy;
  sleep?: Sleep;
  /** No bytes for this long on a part's socket: the attempt is abandoned and retried. */
  idleTimeoutMs?: number;
  /** Called as bytes leave, for progress reporting. */
  onBytes?: (bytes: number) => void;
  onRetry?: (part: PartOperation, error: Error, attempt: number, delayMs: number) => void;
  /** Where `auto` settled and why, once. */
  onConcurrency?: (message: string) => void;
}

/**
 * Parts are read in chunks of this size into buffers that are reused, part after part: few syscalls,
 * no garbage for the collector, and memory bounded by concurrency × 2 chunks whatever the file size.
 */
const READ_CHUNK = 512 * 1024;

/** Part URLs are pre-signed by Apple; one that is not `https` would send the package in the clear. */
export class InsecureUploadUrlError extends Error {
  constructor(partNumber: number, url: URL) {
    super(
      `App Store Connect returned an upload URL for part ${partNumber} that is not https (${url.protocol}//${url.host}): the package would travel unencrypted, so the upload stops. Check \`api-url\` (a proxy must keep Apple's https part URLs) and try again.`,
    );
    this.name = 'InsecureUploadUrlError';
  }
}

/** `https`, or `http` to this machine only (a local proxy or test server). Returns the parsed URL. */
export function checkUploadUrl(partNumber: number, raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(
      `App Store Connect returned an upload URL for part ${partNumber} that is not a URL; the upload cannot continue. Try again.`,
    );
  }
  if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))) return url;
  throw new InsecureUploadUrlError(partNumber, url);
}

export function toPartOperations(operations: DeliveryFileUploadOperation[], fileSize: number): PartOperation[] {
  const parts = operations.map((op, i) => {
    if (!op.url || op.offset === undefined || !op.length) {
      throw new Error(
        `App Store Connect returned upload operation ${i + 1} without url, offset or length; the upload cannot continue. Try again.`,
      );
    }
    const partNumber = op.partNumber ?? i + 1;
    const url = checkUploadUrl(partNumber, op.url);
    const headers: Record<string, string> = {};
    for (const h of op.requestHeaders ?? []) if (h.name) headers[h.name] = h.value ?? '';
    return { method: op.method ?? 'PUT', url, offset: op.offset, length: op.length, headers, partNumber };
  });
  const covered = parts.reduce((sum, p) => sum + p.length, 0);
  if (covered !== fileSize) {
    throw new Error(
      `App Store Connect's upload operations cover ${covered} bytes but the file has ${fileSize}; the upload cannot continue. Try again.`,
    );
  }
  return parts;
}

/**
 * Sends every part, each streamed from disk with its own retries, as many at once as the concurrency
 * allows. A part that finishes starts the next in the same tick, so the connections never sit idle,
 * and the promise settles as soon as the last part is acknowledged.
 */
export async function sendParts(options: SendPartsOptions): Promise<void> {
  const queue = [...options.operations];
  let file: FileHandle;
  try {
    file = await open(options.path, 'r');
  } catch (error) {
    throw readError(options.path, error as Error);
  }
  const source: Source = { path: options.path, file, pool: new BufferPool(READ_CHUNK) };
  const transports: Transports = {
    'http:': { request: http.request, agent: new http.Agent({ keepAlive: true }) },
    'https:': { request: https.request, agent: new https.Agent({ keepAlive: true }) },
  };
  const concurrency = concurrencyFor(options.concurrency, queue.length);
  const say = (message: string | undefined) => message && options.onConcurrency?.(message);
  let failed: Error | undefined;
  let inFlight = 0;
  let allDone = (): void => undefined;
  const done = new Promise<void>((resolve) => (allDone = resolve));

  /** Resolves to whether the part went through at its first attempt (only then does its time measure the link). */
  const sendWithRetries = (part: PartOperation): Promise<boolean> => {
    let attempts = 0;
    return retrying(
      async () => {
        let sent = 0;
        attempts++;
        try {
          await sendPart(part, options, source, transports, (n) => {
            sent += n;
            options.onBytes?.(n);
          });
          return { ok: true, value: attempts === 1 };
        } catch (error) {
          if (sent) options.onBytes?.(-sent); // the part starts over: progress goes back with it
          const e = error as PartError;
          return { ok: false, error: e, retryable: e.retryable !== false };
        }
      },
      {
        policy: options.retry ?? DEFAULT_RETRY,
        sleep: options.sleep,
        onRetry: (error, attempt, delay) => options.onRetry?.(part, error, attempt, delay),
      },
    );
  };

  const start = (part: PartOperation): void => {
    inFlight++;
    const token = concurrency.started();
    sendWithRetries(part).then(
      (firstAttempt) => {
        inFlight--;
        say(concurrency.finished(token, firstAttempt ? part.length : undefined, queue.length));
        pump();
      },
      (error: unknown) => {
        inFlight--;
        failed ??= error as Error;
        pump();
      },
    );
  };
  // `auto` adds parts on a pace of its own, also between answers: one timer, re-armed after each event.
  let pollTimer: NodeJS.Timeout | undefined;
  const pump = (): void => {
    while (!failed && inFlight < concurrency.target && queue.length > 0) start(queue.shift()!);
    clearTimeout(pollTimer);
    pollTimer = undefined;
    if (inFlight === 0 && (failed || queue.length === 0)) return allDone();
    const due = failed || queue.length === 0 ? undefined : concurrency.nextPollInMs();
    if (due !== undefined)
      pollTimer = setTimeout(
        () => {
          say(concurrency.poll(queue.length));
          pump();
        },
        Math.max(1, due),
      );
  };

  try {
    pump();
    await done;
    if (!failed) say(concurrency.ended());
  } finally {
    clearTimeout(pollTimer);
    for (const transport of Object.values(transports)) transport.agent.destroy();
    await file.close().catch(() => undefined);
  }
  if (failed) throw failed;
}

/** The client and its keep-alive connections, by URL protocol (checkUploadUrl allows only these two). */
type Transports = Record<'http:' | 'https:', { request: typeof http.request; agent: http.Agent }>;

interface PartError extends Error {
  retryable?: boolean;
}

/** The package, open once for every part (positional reads), and the chunk buffers the parts share. */
interface Source {
  path: string;
  file: FileHandle;
  pool: BufferPool;
}

/** Fixed-size buffers handed back after use, so a long upload allocates only what is in flight at once. */
class BufferPool {
  private readonly free: Buffer[] = [];
  constructor(readonly size: number) {}
  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.size);
  }
  give(buffer: Buffer): void {
    this.free.push(buffer);
  }
}

function readError(path: string, error: Error): PartError {
  return Object.assign(new Error(`Reading ${path} failed: ${error.message}`), { retryable: false });
}

function sendPart(
  part: PartOperation,
  options: SendPartsOptions,
  source: Source,
  transports: Transports,
  onBytes: (n: number) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const { request, agent } = transports[part.url.protocol as keyof Transports];
    const headers = { ...part.headers, 'content-length': String(part.length) };
    // The upload URLs are pre-signed: never send our App Store Connect token there.
    const req = request(part.url, { method: part.method, headers, agent });
    let settled = false;
    let stopBody = (): void => undefined;
    const stopped = new Promise<typeof STOPPED>((done) => (stopBody = () => done(STOPPED)));
    const fail = (error: PartError) => {
      if (settled) return;
      settled = true;
      stopBody();
      req.destroy();
      reject(error);
    };
    req.setTimeout(options.idleTimeoutMs ?? 120_000, () =>
      fail(new NetworkError(`part ${part.partNumber}: no progress for ${(options.idleTimeoutMs ?? 120_000) / 1000} s`, 'timeout')),
    );
    req.on('error', (error: NodeJS.ErrnoException) =>
      fail(new NetworkError(`part ${part.partNumber}: ${error.code ?? error.message}`, error.code ?? error.message)),
    );
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.length < 16 && chunks.push(c));
      res.on('error', (error) => fail(new NetworkError(`part ${part.partNumber}: ${error.message}`, error.message)));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          if (settled) return;
          settled = true;
          stopBody();
          resolve();
          return;
        }
        const body = oneLine(Buffer.concat(chunks).toString('utf8'), 300);
        const error: PartError = new Error(
          `Sending part ${part.partNumber} (bytes ${part.offset}–${part.offset + part.length - 1}) failed with HTTP ${status}${body ? `: ${body}` : ''}.${status === 403 ? ' The pre-signed upload URL was refused (it may have expired): run the publish again.' : ''}`,
        );
        error.retryable = status >= 500 || status === 429 || status === 408;
        fail(error);
      });
    });
    writeBody(req, part, source, stopped, onBytes).catch((error: Error) => fail(readError(source.path, error)));
  });
}

const STOPPED = Symbol('stopped');

/**
 * Streams the part's bytes into the request with two buffers: the next chunk is read while the
 * previous one is being written, and a buffer is reused only once the socket has taken its bytes.
 * Stops early when the attempt ends (failure, or an early answer from the server).
 */
async function writeBody(
  req: http.ClientRequest,
  part: PartOperation,
  source: Source,
  stopped: Promise<typeof STOPPED>,
  onBytes: (n: number) => void,
): Promise<void> {
  const buffers = [source.pool.take(), source.pool.take()] as const;
  const end = part.offset + part.length;
  let writing: Promise<unknown> = Promise.resolve();
  // Unless the body went out whole, a write may still hold a buffer: those are left to the garbage collector.
  let reusable = false;
  try {
    for (let position = part.offset, i = 0; position < end; i ^= 1) {
      const buffer = buffers[i]!;
      const { bytesRead } = await source.file.read(buffer, 0, Math.min(buffer.length, end - position), position);
      if (bytesRead === 0) throw new Error(`the file ends at byte ${position}, before the part does; was it changed during the upload?`);
      if ((await Promise.race([stopped, writing])) === STOPPED || req.destroyed) return;
      writing = new Promise<void>((done) => req.write(buffer.subarray(0, bytesRead), () => done()));
      onBytes(bytesRead);
      position += bytesRead;
    }
    if ((await Promise.race([stopped, writing])) === STOPPED || req.destroyed) return;
    req.end();
    reusable = true;
  } finally {
    if (reusable) for (const b of buffers) source.pool.give(b);
  }
}
