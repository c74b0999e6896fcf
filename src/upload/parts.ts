import { createReadStream } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { DeliveryFileUploadOperation } from '../asc/types.js';
import { DEFAULT_RETRY, NetworkError, retrying, type RetryPolicy, type Sleep } from '../net/retry.js';

/** One byte range of the package and where Apple wants it. */
export interface PartOperation {
  method: string;
  url: string;
  offset: number;
  length: number;
  headers: Record<string, string>;
  partNumber: number;
}

export interface SendPartsOptions {
  path: string;
  operations: PartOperation[];
  concurrency: number;
  retry?: RetryPolicy;
  sleep?: Sleep;
  /** No bytes for this long on a part's socket: the attempt is abandoned and retried. */
  idleTimeoutMs?: number;
  /** Called as bytes leave, for progress reporting. */
  onBytes?: (bytes: number) => void;
  onRetry?: (part: PartOperation, error: Error, attempt: number, delayMs: number) => void;
}

/** Parts are few and large; reading in 1 MiB chunks keeps syscalls low and memory flat. */
const READ_CHUNK = 1 << 20;

export function toPartOperations(operations: DeliveryFileUploadOperation[], fileSize: number): PartOperation[] {
  const parts = operations.map((op, i) => {
    if (!op.url || op.offset === undefined || !op.length) {
      throw new Error(
        `App Store Connect returned upload operation ${i + 1} without url, offset or length; the upload cannot continue. Try again.`,
      );
    }
    const headers: Record<string, string> = {};
    for (const h of op.requestHeaders ?? []) if (h.name) headers[h.name] = h.value ?? '';
    return { method: op.method ?? 'PUT', url: op.url, offset: op.offset, length: op.length, headers, partNumber: op.partNumber ?? i + 1 };
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
 * Sends every part, `concurrency` at once, each streamed from disk with its own retries. A new part
 * starts the moment one finishes, so the connections never sit idle.
 */
export async function sendParts(options: SendPartsOptions): Promise<void> {
  const queue = [...options.operations];
  const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  let failed: Error | undefined;
  const worker = async () => {
    while (!failed) {
      const part = queue.shift();
      if (!part) return;
      try {
        await retrying(
          async () => {
            let sent = 0;
            try {
              await sendPart(part, options, agents, (n) => {
                sent += n;
                options.onBytes?.(n);
              });
              return { ok: true, value: undefined };
            } catch (error) {
              options.onBytes?.(-sent); // the part starts over: progress goes back with it
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
      } catch (error) {
        failed ??= error as Error;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, queue.length)) }, worker));
  } finally {
    agents.http.destroy();
    agents.https.destroy();
  }
  if (failed) throw failed;
}

interface PartError extends Error {
  retryable?: boolean;
}

function sendPart(
  part: PartOperation,
  options: SendPartsOptions,
  agents: { http: http.Agent; https: https.Agent },
  onBytes: (n: number) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const url = new URL(part.url);
    const client = url.protocol === 'https:' ? https : http;
    const headers = { ...part.headers, 'content-length': String(part.length) };
    // The upload URLs are pre-signed: never send our App Store Connect token there.
    const req = client.request(url, { method: part.method, headers, agent: url.protocol === 'https:' ? agents.https : agents.http });
    const file = createReadStream(options.path, { start: part.offset, end: part.offset + part.length - 1, highWaterMark: READ_CHUNK });
    let settled = false;
    const fail = (error: PartError) => {
      if (settled) return;
      settled = true;
      file.destroy();
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
          settled = true;
          resolve();
          return;
        }
        const body = Buffer.concat(chunks).toString('utf8').replace(/\s+/g, ' ').slice(0, 300);
        const error: PartError = new Error(
          `Sending part ${part.partNumber} (bytes ${part.offset}–${part.offset + part.length - 1}) failed with HTTP ${status}${body ? `: ${body}` : ''}.${status === 403 ? ' The pre-signed upload URL was refused (it may have expired): run the publish again.' : ''}`,
        );
        error.retryable = status >= 500 || status === 429 || status === 408;
        fail(error);
      });
    });
    file.on('error', (error) => fail(Object.assign(new Error(`Reading ${options.path} failed: ${error.message}`), { retryable: false })));
    file.on('data', (chunk) => onBytes((chunk as Buffer).length));
    file.pipe(req);
  });
}
