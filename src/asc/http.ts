import type { Logger } from '../runtime.js';
import {
  DEFAULT_RETRY,
  NetworkError,
  networkErrorReason,
  parseRetryAfter,
  retrying,
  sleep,
  type RetryPolicy,
  type Sleep,
} from '../net/retry.js';
import type { TokenSource } from './auth.js';
import { AscApiError, parseErrorBody } from './errors.js';
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
}

export interface RateLimit {
  limit: number;
  remaining: number;
}

/** Below this share of the hourly budget left, requests are paced (Apple: about 3,500 an hour per key). */
const PACE_BELOW = 0.1;

/**
 * The one HTTP core for App Store Connect's JSON:API: auth, timeouts, retries (429 with Retry-After,
 * 5xx, resets, Apple's spurious 401s), rate-limit pacing, pagination and typed errors all live here.
 */
export class AscHttp {
  readonly baseUrl: string;
  /** Requests sent, retries included: lets callers and benchmarks check polling cost. */
  requestCount = 0;
  rateLimit?: RateLimit;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly sleep: Sleep;
  private pacingWarned = false;

  constructor(private readonly options: AscHttpOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.sleep = options.sleep ?? sleep;
  }

  get<T extends Document>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, { query });
  }

  post<T extends Document | undefined>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, { body });
  }

  patch<T extends Document>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, { body });
  }

  delete(path: string, body?: unknown): Promise<undefined> {
    return this.request<undefined>('DELETE', path, { body });
  }

  /** Every resource of a collection, following `links.next` page by page. */
  async getAll<R extends ResourceObject>(path: string, query?: Query): Promise<R[]> {
    const all: R[] = [];
    for await (const page of this.pages<R>(path, query)) all.push(...page.data);
    return all;
  }

  /** Pages of a collection; stop iterating to stop fetching. */
  async *pages<R extends ResourceObject>(path: string, query?: Query): AsyncGenerator<Document<R[]>> {
    let next: string | undefined = this.url(path, query);
    while (next) {
      const page: Document<R[]> = await this.send<Document<R[]>>('GET', next, undefined);
      yield page;
      next = page.links?.next ? this.sameOrigin(page.links.next) : undefined;
    }
  }

  async request<T>(method: string, path: string, options: { query?: Query; body?: unknown } = {}): Promise<T> {
    return this.send<T>(method, this.url(path, options.query), options.body);
  }

  private async send<T>(method: string, url: string, body: unknown): Promise<T> {
    const path = new URL(url).pathname;
    let refreshedAfter401 = false;
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
          return {
            ok: false,
            retryable: true,
            error: new NetworkError(
              `Could not reach App Store Connect for ${method} ${path}: ${reason}. Check \`api-url\` and the runner's network; Apple's status page (developer.apple.com/system-status) shows outages.`,
              reason,
            ),
          };
        }
        this.readRateLimit(response.headers);
        let text: string;
        try {
          text = await response.text();
        } catch (error) {
          return {
            ok: false,
            retryable: true,
            error: new NetworkError(
              `App Store Connect's answer to ${method} ${path} was cut off: ${networkErrorReason(error)}.`,
              networkErrorReason(error),
            ),
          };
        }
        this.options.log.debug(`${method} ${path} → ${response.status} in ${Date.now() - started} ms`);
        if (response.ok) {
          return { ok: true, value: (text ? JSON.parse(text) : undefined) as T };
        }
        const error = new AscApiError(method, path, response.status, parseErrorBody(text));
        if (response.status === 401 && !refreshedAfter401) {
          // Apple answers 401 now and then to valid tokens; one retry with a freshly signed token.
          refreshedAfter401 = true;
          this.options.tokens.invalidate();
          return { ok: false, retryable: true, error, delayMs: 0 };
        }
        if (response.status === 429) {
          return { ok: false, retryable: true, error, delayMs: parseRetryAfter(response.headers.get('retry-after')) };
        }
        return { ok: false, retryable: response.status >= 500, error };
      },
      {
        policy: this.retry,
        sleep: this.sleep,
        random: this.options.random,
        onRetry: (error, attempt, delay) =>
          this.options.log.info(
            `${method} ${path}: ${summarize(error)}; retrying in ${(delay / 1000).toFixed(1)} s (attempt ${attempt + 1} of ${this.retry.attempts}).`,
          ),
      },
    );
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
