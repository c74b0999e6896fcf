import type { Logger } from '../runtime.js';
import {
  backoffDelay,
  DEFAULT_RETRY,
  NetworkError,
  networkErrorReason,
  parseRetryAfter,
  retrying,
  sleep,
  type Attempt,
  type RetryPolicy,
  type Sleep,
} from '../net/retry.js';
import { formatDuration } from '../words.js';
import { AnswerTooLargeError, readTextBounded } from '../net/bounded-body.js';
import type { TokenSource } from './auth.js';
import { AnswerLostError, AscApiError, parseErrorBody, RateLimitError, UnreadableAnswerError } from './errors.js';
import { DryRunWriteError } from '../errors.js';
import type { Document, ResourceObject } from './types.js';

export type QueryValue = string | number | boolean | readonly string[] | undefined;
export type Query = Record<string, QueryValue>;

export interface AscHttpOptions {
  baseUrl: string;
  tokens: TokenSource;
  log: Logger;
  /** Per request, response body included. */
  timeoutMs?: number;
  retry?: RetryPolicy;
  sleep?: Sleep;
  random?: () => number;
  now?: () => number;
  /** `dry-run`: every request but GET is refused (DryRunWriteError) before it is sent. */
  readOnly?: boolean;
}

export interface RateLimit {
  limit: number;
  remaining: number;
}

/**
 * How a create or update is made safe to repeat. The core never re-sends a POST or PATCH blindly after a
 * lost answer (a reset, a timeout, a 5xx): Apple may have acted on it, and refuses many writes twice.
 */
export interface WriteSafety<T> {
  /**
   * Reads whether the write already took effect, and returns the resource when it did. Asked after a
   * lost answer (found: done; not found: sent again) and after a 409 (found: done; not found: the 409);
   * `failure` says which, so a 409 that cannot mean "done already" need not be read.
   */
  readBack?: (failure: Error) => Promise<T | undefined>;
  /** Sending it twice does no harm (a linkage, a deletion): retried like a read. */
  repeatable?: boolean;
}

export interface ReadOptions {
  /**
   * The resource exists (this run made or found it): a 404 is Apple's momentary lapse, retried a few
   * times before it is believed (asc CLI #2544: build uploads of an existing app answered 404 for a moment).
   */
  existing?: boolean;
}

/** Internal: what the core knows of a request besides its method and URL. */
type Safety<T> = WriteSafety<T> & ReadOptions;

/** How often a read of something known to exist is sent again after a 404 (within the retry policy's attempts). */
const NOT_FOUND_RETRIES = 3;

/** Below this share of the hourly budget left, requests are paced (Apple: about 3,500 an hour per key). */
const PACE_BELOW = 0.1;
/** How long one request may wait out 429s when the run has no deadline of its own (resume, before the upload). */
const DEFAULT_RATE_LIMIT_WAIT_MS = 5 * 60_000;

/** No collection this action reads has more pages than this (200 a page); a listing past it is refused. */
const MAX_PAGES = 500;
/** Apple's largest answers (a page of 200 with includes) are a few MB; a body past this is refused unread. */
export const MAX_ANSWER_BYTES = 32 * 1024 * 1024;

/** A listing that would not end: named, so the run stops with a reason instead of paging forever. */
export class PagingError extends Error {
  override name = 'PagingError';
  constructor(what: string) {
    super(`${what}. Something other than Apple may be answering: check \`api-url\`; if it persists, report it with this message.`);
  }
}

/**
 * The one HTTP core for App Store Connect's JSON:API: auth, timeouts, retries (429 with Retry-After,
 * 5xx, resets, Apple's spurious 401s), safe writes, rate-limit pacing, pagination and typed errors.
 */
export class AscHttp {
  readonly baseUrl: string;
  readonly log: Logger;
  /** Requests sent, retries included: lets callers and benchmarks check polling cost. */
  requestCount = 0;
  rateLimit?: RateLimit;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly sleep: Sleep;
  private readonly now: () => number;
  private pacingWarned = false;
  private waitLimit?: { at: number; what: string };

  constructor(private readonly options: AscHttpOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.log = options.log;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.sleep = options.sleep ?? sleep;
    this.now = options.now ?? Date.now;
  }

  /**
   * Runs `work` allowed to wait out Apple's hourly limit (429) until `at` (an inline run's deadline,
   * named by `what`); outside, a request waits at most a few minutes.
   */
  async waitingUntil<T>(at: number, what: string, work: () => Promise<T>): Promise<T> {
    const previous = this.waitLimit;
    this.waitLimit = { at, what };
    try {
      return await work();
    } finally {
      this.waitLimit = previous;
    }
  }

  get<T extends Document>(path: string, query?: Query, read: ReadOptions = {}): Promise<T> {
    return this.request<T>('GET', path, { query, read });
  }

  /** Waits on the run's clock (a step's short bounded poll: a read-back Apple is slow to show). */
  wait(ms: number): Promise<void> {
    return this.sleep(ms);
  }

  post<T extends Document | undefined>(path: string, body: unknown, safety: WriteSafety<T>): Promise<T> {
    return this.request<T>('POST', path, { body, safety });
  }

  patch<T extends Document | undefined>(path: string, body: unknown, safety: WriteSafety<T>): Promise<T> {
    return this.request<T>('PATCH', path, { body, safety });
  }

  /** Sent again like a read; a 404 is success: what was wanted, and what a re-sent DELETE gets. */
  delete(path: string, body?: unknown): Promise<undefined> {
    return this.request<undefined>('DELETE', path, { body, safety: { repeatable: true } });
  }

  /** Every resource of a collection, following `links.next` page by page. */
  async getAll<R extends ResourceObject>(path: string, query?: Query, read: ReadOptions = {}): Promise<R[]> {
    const all: R[] = [];
    for await (const page of this.pages<R>(path, query, read)) all.push(...page.data);
    return all;
  }

  /** Pages of a collection; stop iterating to stop fetching. */
  async *pages<R extends ResourceObject>(path: string, query?: Query, read: ReadOptions = {}): AsyncGenerator<Document<R[]>> {
    let next: string | undefined = this.url(path, query);
    // A `links.next` that leads back to a page already read (or on and on) would page forever.
    const seen = new Set<string>();
    while (next) {
      if (seen.has(next))
        throw new PagingError(`App Store Connect's pages of ${path} loop: \`links.next\` leads back to a page already read`);
      if (seen.size >= MAX_PAGES) throw new PagingError(`App Store Connect's listing of ${path} goes on past ${MAX_PAGES} pages`);
      seen.add(next);
      const page: Document<R[]> = await this.send<Document<R[]>>('GET', next, undefined, { repeatable: true, ...read });
      yield page;
      next = page.links?.next ? this.sameOrigin(page.links.next) : undefined;
    }
  }

  private async request<T>(
    method: string,
    path: string,
    options: { query?: Query; body?: unknown; safety?: WriteSafety<T>; read?: ReadOptions } = {},
  ): Promise<T> {
    const safety: Safety<T> = method === 'GET' ? { repeatable: true, ...options.read } : (options.safety ?? {});
    return this.send<T>(method, this.url(path, options.query), options.body, safety);
  }

  private async send<T>(method: string, url: string, body: unknown, safety: Safety<T>): Promise<T> {
    const path = new URL(url).pathname;
    if (this.options.readOnly && method !== 'GET') throw new DryRunWriteError(`App Store Connect ${method} ${path}`);
    let refreshedAfter401 = false;
    let notFoundLeft = safety.existing ? NOT_FOUND_RETRIES : 0;
    let firstLimitedAt: number | undefined;
    const doneAlready = `${method} ${path}: the answer was lost, but Apple had done it; not sent again.`;
    /** After a failure Apple may have acted on: read back, re-send only when it did not happen, never blindly. */
    const afterLostAnswer = async (error: Error): Promise<Attempt<T>> => {
      if (safety.repeatable) return { ok: false, retryable: true, error };
      if (!safety.readBack) return { ok: false, retryable: false, error: new AnswerLostError(method, path, error) };
      return this.afterReadBack(safety.readBack, error, true, doneAlready);
    };
    return retrying<T>(
      async () => {
        await this.pace();
        const token = await this.options.tokens.get();
        this.requestCount++;
        const started = Date.now();
        let response: Response;
        try {
          response = await fetch(url, {
            method,
            headers: {
              authorization: `Bearer ${token}`,
              accept: 'application/json',
              ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
            },
            body: body !== undefined ? JSON.stringify(body) : undefined,
            signal: AbortSignal.timeout(this.timeoutMs),
          });
        } catch (error) {
          const reason = networkErrorReason(error);
          return afterLostAnswer(
            new NetworkError(
              `Could not reach App Store Connect for ${method} ${path}: ${reason}. Check \`api-url\` and the runner's network; Apple's status page (developer.apple.com/system-status) shows outages.`,
              reason,
            ),
          );
        }
        this.readRateLimit(response.headers);
        let text: string;
        try {
          text = await readTextBounded(response, MAX_ANSWER_BYTES, `App Store Connect's answer to ${method} ${path}`);
        } catch (error) {
          if (error instanceof AnswerTooLargeError) {
            return safety.repeatable ? { ok: false, retryable: false, error } : afterLostAnswer(error);
          }
          return afterLostAnswer(
            new NetworkError(
              `App Store Connect's answer to ${method} ${path} was cut off: ${networkErrorReason(error)}.`,
              networkErrorReason(error),
            ),
          );
        }
        this.options.log.debug(`${method} ${path} → ${response.status} in ${Date.now() - started} ms`);
        if (response.ok) {
          if (!text) return { ok: true, value: undefined as T };
          try {
            return { ok: true, value: JSON.parse(text) as T };
          } catch {
            const error = new UnreadableAnswerError(method, path, response.status, response.headers.get('content-type') ?? '', text);
            return safety.readBack
              ? this.afterReadBack(safety.readBack, error, false, doneAlready)
              : { ok: false, retryable: false, error };
          }
        }
        const error = new AscApiError(method, path, response.status, parseErrorBody(text));
        if (response.status === 401 && !refreshedAfter401) {
          // Apple answers 401 now and then to valid tokens; one retry with a freshly signed token.
          refreshedAfter401 = true;
          this.options.tokens.invalidate();
          return { ok: false, retryable: true, error, delayMs: 0 };
        }
        if (response.status === 429) {
          firstLimitedAt ??= this.now();
          return this.rateLimited(method, path, error, response.headers, firstLimitedAt);
        }
        if (response.status >= 500) return afterLostAnswer(error);
        // "Already exists" or "already in that state": done, when the read shows what was wanted.
        if (response.status === 409 && safety.readBack) return this.afterReadBack(safety.readBack, error, false);
        if (response.status === 404 && method === 'DELETE') return { ok: true, value: undefined as T };
        if (response.status === 404 && notFoundLeft > 0) {
          notFoundLeft--;
          return { ok: false, retryable: true, error };
        }
        return { ok: false, retryable: false, error };
      },
      {
        policy: this.retry,
        sleep: this.sleep,
        random: this.options.random,
        onRetry: (error, attempt, delay) =>
          this.options.log.info(
            error instanceof AscApiError && error.status === 429
              ? `${method} ${path}: this API key's hourly request limit at App Store Connect is used up (HTTP 429); waiting ${formatDuration(delay)} for Apple's hourly limit, then trying again.`
              : `${method} ${path}: ${summarize(error)}; retrying in ${(delay / 1000).toFixed(1)} s (attempt ${attempt + 1} of ${this.retry.attempts}).`,
          ),
      },
    );
  }

  /**
   * Reads back whether the write took effect: done (said in `found`, when given) when it did; else
   * `error`, sent again only when `resend`.
   */
  private async afterReadBack<T>(
    read: (failure: Error) => Promise<T | undefined>,
    error: Error,
    resend: boolean,
    found?: string,
  ): Promise<Attempt<T>> {
    const value = await read(error);
    if (value === undefined) return { ok: false, retryable: resend, error };
    if (found) this.options.log.info(found);
    return { ok: true, value };
  }

  /** A 429: wait as long as Apple asks (or back off), but never past what this run can wait. */
  private rateLimited(method: string, path: string, error: AscApiError, headers: Headers, firstAt: number): Attempt<never> {
    const asked = parseRetryAfter(headers.get('retry-after'), this.now());
    // Without Retry-After, the hourly budget comes back slowly: try again at the longest backoff, not sooner.
    // A Retry-After of 0 still waits the first backoff: these tries count no attempt, so none may come back to back.
    const delayMs =
      asked === undefined ? backoffDelay(this.retry, this.retry.attempts, this.options.random) : Math.max(asked, this.retry.baseDelayMs);
    const limit = this.waitLimit ?? {
      at: firstAt + DEFAULT_RATE_LIMIT_WAIT_MS,
      what: `the ${DEFAULT_RATE_LIMIT_WAIT_MS / 60_000}-minute wait allowed without a deadline`,
    };
    if (this.now() + delayMs > limit.at) {
      return {
        ok: false,
        retryable: false,
        error: new RateLimitError(method, path, error.errors, delayMs, asked !== undefined, limit.what),
      };
    }
    return { ok: false, retryable: true, uncounted: true, error, delayMs };
  }

  private url(path: string, query?: Query): string {
    const url = new URL(this.baseUrl + path);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value === undefined) continue;
      url.searchParams.set(name, Array.isArray(value) ? value.join(',') : String(value));
    }
    return url.toString();
  }

  /** Apple's `links.next` names Apple's host; keep the path and query on our base URL so proxies work and the token goes nowhere else. */
  private sameOrigin(link: string): string {
    const next = new URL(link, this.baseUrl);
    const base = new URL(this.baseUrl);
    const basePath = base.pathname.replace(/\/+$/, '');
    const path = basePath && next.pathname.startsWith(basePath + '/') ? next.pathname : basePath + next.pathname;
    return base.origin + path + next.search;
  }

  private readRateLimit(headers: Headers): void {
    // e.g. "user-hour-lim:3500;user-hour-rem:3499;"
    const header = headers.get('x-rate-limit');
    if (!header) return;
    const limit = Number(/user-hour-lim:(\d+)/.exec(header)?.[1]);
    const remaining = Number(/user-hour-rem:(\d+)/.exec(header)?.[1]);
    if (Number.isFinite(limit) && Number.isFinite(remaining) && limit > 0) this.rateLimit = { limit, remaining };
  }

  /** Spreads the last tenth of the hourly budget over the hour instead of running into 429s. */
  private async pace(): Promise<void> {
    const delay = paceDelay(this.rateLimit);
    if (delay <= 0) return;
    if (!this.pacingWarned) {
      this.pacingWarned = true;
      this.options.log.warning(
        `Only ${this.rateLimit?.remaining} of ${this.rateLimit?.limit} App Store Connect requests are left this hour for this key: slowing down. Another workflow may be using the same key; a larger \`poll-interval\` uses fewer.`,
      );
    }
    await this.sleep(delay);
  }
}

export function paceDelay(rate: RateLimit | undefined): number {
  if (!rate || rate.remaining >= rate.limit * PACE_BELOW) return 0;
  const evenShare = 3_600_000 / rate.limit;
  // From one request per even share at 10 % left up to ten times that when nearly nothing is left.
  const scarcity = 1 - rate.remaining / (rate.limit * PACE_BELOW);
  return Math.round(evenShare * (1 + 9 * scarcity));
}

function summarize(error: Error): string {
  if (error instanceof AscApiError) return `${error.status} ${error.errors[0]?.code ?? ''}`.trim();
  return error instanceof NetworkError ? error.reason : error.message;
}
