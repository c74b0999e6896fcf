import { retry } from '@octokit/plugin-retry';
import { Octokit } from '@octokit/rest';
import { parseRetryAfter, sleep as realSleep, type RetryPolicy, type Sleep } from '../net/retry.js';
import type { Logger } from '../runtime.js';

/** The `permissions:` a job needs for the repository's workflows and their artifacts with its default token. */
export const ACTIONS_WRITE_PERMISSIONS = 'permissions:\n  actions: write\n  contents: read';

/**
 * The one place GitHub REST clients are made: token, API URL, bounded retries (`@octokit/plugin-retry`),
 * a server-given `Retry-After` honoured only up to a few minutes, a timeout on every request, and
 * Octokit's own log routed to the action's.
 */

export interface GitHubClientOptions {
  token: string;
  /** owner/name */
  repository: string;
  /** GITHUB_API_URL; default https://api.github.com */
  apiUrl?: string;
  log?: Pick<Logger, 'info' | 'debug'>;
  /** Tries (the first included) and the backoff base; 429, 5xx and requests without an answer are retried. */
  retry?: Partial<RetryPolicy>;
  /** Per request, the body included. */
  timeoutMs?: number;
  /** The longest `Retry-After` slept; a longer one ends the call with {@link GitHubWaitTooLongError}. */
  maxRetryAfterMs?: number;
  /** An answer body past this many bytes is not read into memory (Octokit then hands over ''); unbounded when absent. */
  maxAnswerBytes?: number;
  sleep?: Sleep;
}

export interface GitHubClient {
  octokit: Octokit;
  owner: string;
  repo: string;
}

export const GITHUB_REQUEST_TIMEOUT_MS = 30_000;
/** A job should not sit through GitHub's hourly rate-limit reset: a few minutes, then the call is reported. */
export const MAX_GITHUB_RETRY_AFTER_MS = 3 * 60_000;
const DEFAULT_POLICY: RetryPolicy = { attempts: 4, baseDelayMs: 1000, maxDelayMs: 30_000 };

/** GitHub asked to wait longer than a run waits; the call is reported, not slept through. */
export class GitHubWaitTooLongError extends Error {
  override name = 'GitHubWaitTooLongError';
  /** Present but empty: the retry plugin treats the error as one it must not retry. */
  readonly request = {};
  constructor(
    readonly status: number,
    readonly waitMs: number,
    readonly maxWaitMs: number,
    readonly what: string,
    /** Kept for the caller's message (rate-limit headers); not a `request`, so no retry picks it up. */
    readonly response?: unknown,
  ) {
    super(
      `GitHub answered ${status} to ${what} and asked to wait ${Math.round(waitMs / 1000)} s (Retry-After), longer than the ` +
        `${Math.round(maxWaitMs / 1000)} s a run waits. Try again later (the next scheduled run will).`,
    );
  }
}

interface OctokitRequestError {
  status?: number;
  request?: { method?: string; url?: string; request?: { retryCount?: number } };
  response?: { headers?: Record<string, string | undefined> };
  message: string;
}

export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const [owner, repo, extra] = options.repository.split('/');
  if (!owner || !repo || extra !== undefined) throw new Error(`Repository must be owner/name, got "${options.repository}"`);
  const policy: RetryPolicy = { ...DEFAULT_POLICY, ...options.retry };
  const timeoutMs = options.timeoutMs ?? GITHUB_REQUEST_TIMEOUT_MS;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? MAX_GITHUB_RETRY_AFTER_MS;
  const wait = options.sleep ?? realSleep;
  const log = options.log;
  const retries = Math.max(0, policy.attempts - 1);

  // Registered before the retry plugin, so it sees each failed try first (Octokit hooks nest in order).
  const boundedRetryAfter: Parameters<typeof Octokit.plugin>[0] = (octokit) => {
    octokit.hook.error('request', async (error, requestOptions) => {
      const failure = error as unknown as OctokitRequestError;
      const status = failure.status ?? 0;
      const what = `${requestOptions.method} ${routeOf(requestOptions.url)}`;
      const retryCount = (requestOptions.request as { retryCount?: number } | undefined)?.retryCount ?? 0;
      const delayMs = parseRetryAfter(failure.response?.headers?.['retry-after'] ?? null);
      // A 403 with Retry-After is GitHub's secondary rate limit; any other 403 never changes on a retry.
      const secondaryLimit = status === 403 && delayMs !== undefined;
      if (status === 403 && !secondaryLimit) (requestOptions.request as { retries?: number }).retries = 0;
      const willRetry = (status >= 500 || status === 429 || secondaryLimit) && retryCount < retries;
      if (delayMs !== undefined && delayMs > maxRetryAfterMs && (status === 429 || status >= 500 || status === 403)) {
        throw new GitHubWaitTooLongError(status, delayMs, maxRetryAfterMs, what, failure.response);
      }
      if (willRetry) {
        const backoff = Math.min(policy.maxDelayMs, (retryCount + 1) ** 2 * policy.baseDelayMs);
        log?.info(
          `GitHub API ${what} failed (${failure.response ? `${status} ${failure.message}` : `no response: ${failure.message}`}); ` +
            `retry ${retryCount + 1} of ${retries} in ${((backoff + (delayMs ?? 0)) / 1000).toFixed(1)} s`,
        );
        // The plugin adds its own backoff after this; the server's wait comes first.
        if (delayMs) await wait(delayMs);
      }
      throw error;
    });
    return {};
  };

  const GitHub = Octokit.plugin(boundedRetryAfter, retry);
  const octokit = new GitHub({
    auth: options.token,
    baseUrl: (options.apiUrl || 'https://api.github.com').replace(/\/+$/, ''),
    userAgent: 'app-store-connect-publish',
    retry: { retries, retryAfterBaseValue: policy.baseDelayMs, doNotRetry: [400, 401, 404, 410, 422, 451] },
    request: { fetch: withTimeout(timeoutMs, options.maxAnswerBytes) },
    // Octokit's default logger writes warnings to the console; route them to the action's log instead.
    log: { debug: () => {}, info: () => {}, warn: (m: string) => log?.debug(m), error: (m: string) => log?.debug(m) },
  });
  return { octokit, owner, repo };
}

/** Every request gets its own deadline, the body included; a caller's signal still applies. */
function withTimeout(timeoutMs: number, maxAnswerBytes?: number): typeof fetch {
  return async (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    const response = await fetch(input, { ...init, signal });
    return maxAnswerBytes === undefined ? response : bounded(response, maxAnswerBytes);
  };
}

/** The answer with its body cut off, as a stream error, past `maxBytes`. */
function bounded(response: Response, maxBytes: number): Response {
  if (!response.body) return response;
  let seen = 0;
  const limited = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > maxBytes) controller.error(new Error(`GitHub's answer exceeds ${maxBytes} bytes`));
        else controller.enqueue(chunk);
      },
    }),
  );
  const copy = new Response(limited, { status: response.status, statusText: response.statusText, headers: response.headers });
  Object.defineProperty(copy, 'url', { value: response.url });
  return copy;
}

/** `/repos/{owner}/{repo}/actions/artifacts/{id}` style route, for logs without query strings. */
export function routeOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url.split('?')[0] ?? url;
  }
}

/** This repository's numeric id: GITHUB_REPOSITORY_ID (set by GitHub on every job), else one REST call. */
export async function repositoryId(client: GitHubClient): Promise<number> {
  const fromEnv = Number(process.env.GITHUB_REPOSITORY_ID);
  if (Number.isSafeInteger(fromEnv) && fromEnv > 0) return fromEnv;
  const { data } = await client.octokit.rest.repos.get({ owner: client.owner, repo: client.repo });
  return data.id;
}
