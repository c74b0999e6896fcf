import { UserError } from '../errors.js';
import { ArtifactContentError } from './artifact-errors.js';
import { networkErrorReason, parseRetryAfter, retrying, type RetryPolicy, type Sleep } from '../net/retry.js';
import type { Logger } from '../runtime.js';

export interface BlobDownloadOptions {
  /** Shown in messages, e.g. `the artifact "x" (id 1)`. */
  what: string;
  policy: RetryPolicy;
  maxBytes: number;
  timeoutMs: number;
  /** The longest `Retry-After` slept; a longer one is reported. */
  maxRetryAfterMs: number;
  sleep?: Sleep;
  log?: Pick<Logger, 'info'>;
}

/**
 * Downloads a pre-signed storage URL (no GitHub token travels there), retried on 429, 5xx and lost
 * connections, each try under a deadline, and read no further than `maxBytes`.
 */
export async function downloadBlob(url: string, options: BlobDownloadOptions): Promise<Buffer> {
  const where = options.what;
  return retrying<Buffer>(
    async () => {
      let response: Response;
      const signal = AbortSignal.timeout(options.timeoutMs);
      try {
        response = await fetch(url, { signal });
      } catch (error) {
        return { ok: false, retryable: true, error: new Error(`Could not download ${where}: ${networkErrorReason(error)}`) };
      }
      if (!response.ok) {
        await response.body?.cancel().catch(() => {});
        const transient = response.status === 429 || response.status >= 500;
        const delayMs = parseRetryAfter(response.headers.get('retry-after'));
        if (transient && delayMs !== undefined && delayMs > options.maxRetryAfterMs) {
          throw new UserError(
            `Could not download ${where}: storage answered ${response.status} and asked to wait ${Math.round(delayMs / 1000)} s ` +
              `(Retry-After), longer than the ${Math.round(options.maxRetryAfterMs / 1000)} s a run waits. Try again later.`,
          );
        }
        return {
          ok: false,
          retryable: transient,
          delayMs,
          error: new Error(`Could not download ${where}: storage answered ${response.status} ${response.statusText}`),
        };
      }
      const declared = Number(response.headers.get('content-length'));
      if (declared > options.maxBytes) {
        await response.body?.cancel().catch(() => {});
        throw new ArtifactContentError(`${where} is ${declared} bytes, far larger than a state document; is the artifact name shared?`);
      }
      try {
        return { ok: true, value: await readBounded(response, options.maxBytes, where) };
      } catch (error) {
        if (error instanceof UserError) throw error;
        return { ok: false, retryable: true, error: new Error(`Could not download ${where}: ${networkErrorReason(error)}`) };
      }
    },
    {
      policy: options.policy,
      sleep: options.sleep,
      onRetry: (error, attempt, delayMs) => options.log?.info(`${error.message}; retry ${attempt} in ${(delayMs / 1000).toFixed(1)} s`),
    },
  );
}

/** Reads the body chunk by chunk and stops at the bound, whatever the headers said. */
async function readBounded(response: Response, maxBytes: number, where: string): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (!response.body) return Buffer.alloc(0);
  for await (const chunk of response.body) {
    total += chunk.length;
    if (total > maxBytes) {
      await response.body.cancel().catch(() => {});
      throw new ArtifactContentError(
        `${where} is larger than ${maxBytes} bytes, far larger than a state document; is the artifact name shared?`,
      );
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
