/** Retries with exponential backoff and jitter, shared by the App Store Connect core and the part uploads. */
export interface RetryPolicy {
  /** Total tries, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 1000, maxDelayMs: 60_000 };

export type Sleep = (ms: number) => Promise<void>;
export const sleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * What one try ended in: a result, or a failure that may be retried (after `delayMs` when the server
 * said so). An `uncounted` failure (the server asked to wait, e.g. a 429) does not use up an attempt:
 * the caller bounds those waits by time instead.
 */
export type Attempt<T> = { ok: true; value: T } | { ok: false; error: Error; retryable: boolean; delayMs?: number; uncounted?: boolean };

export interface RetryOptions {
  policy: RetryPolicy;
  sleep?: Sleep;
  random?: () => number;
  /** Told before each wait, for the log. */
  onRetry?: (error: Error, attempt: number, delayMs: number) => void;
}

export async function retrying<T>(tryOnce: (attempt: number) => Promise<Attempt<T>>, options: RetryOptions): Promise<T> {
  const wait = options.sleep ?? sleep;
  let counted = 0;
  for (let attempt = 1; ; attempt++) {
    const result = await tryOnce(attempt);
    if (result.ok) return result.value;
    if (!result.uncounted) counted++;
    if (!result.retryable || counted >= options.policy.attempts) throw result.error;
    // An uncounted first failure is told and backed off as the first attempt.
    const tried = Math.max(1, counted);
    const delay = result.delayMs ?? backoffDelay(options.policy, tried, options.random);
    options.onRetry?.(result.error, tried, delay);
    await wait(delay);
  }
}

/** Full-jitter-ish backoff: half fixed, half random, so parallel clients spread out. */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** `Retry-After` in seconds or as an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const NETWORK_CODES: Record<string, string> = {
  ECONNRESET: 'the connection was reset',
  UND_ERR_SOCKET: 'the connection closed before an answer',
  ECONNREFUSED: 'the connection was refused',
  ENOTFOUND: 'the host name was not found',
  EAI_AGAIN: 'the host name could not be looked up',
  ETIMEDOUT: 'the connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  EPIPE: 'the connection broke while sending',
};

/** Describes a fetch failure that never got a response (reset, refused, timeout, DNS) for a message. */
export function networkErrorReason(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'no response before the request timeout';
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code) return NETWORK_CODES[cause.code] ? `${NETWORK_CODES[cause.code]} (${cause.code})` : cause.code;
    if (cause?.message) return cause.message;
    return error.message;
  }
  return String(error);
}

/** A request that never got an HTTP response after every retry. */
export class NetworkError extends Error {
  override name = 'NetworkError';
  constructor(
    message: string,
    /** Short cause for retry logs, e.g. ECONNRESET. */
    readonly reason: string,
  ) {
    super(message);
  }
}
