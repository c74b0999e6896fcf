import { retry } from '@octokit/plugin-retry';
import { Octokit } from '@octokit/rest';
import { DryRunWriteError, errorMessage } from '../errors.js';
import { networkErrorReason, parseRetryAfter, sleep as realSleep, type RetryPolicy, type Sleep } from '../net/retry.js';
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
  /** An answer body past this many bytes is not read into memory (Octokit then hands over ''); 8 MiB when absent. */
  maxAnswerBytes?: number;
  sleep?: Sleep;
  /** `dry-run`: every request but GET is refused (DryRunWriteError) before it is sent. */
  readOnly?: boolean;
}

export interface GitHubClient {
  octokit: Octokit;
  owner: string;
  repo: string;
}

export const GITHUB_REQUEST_TIMEOUT_MS = 30_000;
/** A job should not sit through GitHub's hourly rate-limit reset: a few minutes, then the call is reported. */
export const MAX_GITHUB_RETRY_AFTER_MS = 3 * 60_000;
/** Check runs and the resume workflow's schedule carry no build's state: they wait for GitHub at most a minute. */
export const MAX_SIDE_CALL_RETRY_AFTER_MS = 60_000;
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
        `${Math.round(maxWaitMs / 1000)} s a run waits. Try again later.`,
    );
  }
}

/** What Octokit's RequestError (and {@link GitHubWaitTooLongError}) carries. */
interface OctokitRequestError {
  status?: number;
  request?: { method?: string; url?: string; request?: { retryCount?: number } };
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
  message: string;
  cause?: unknown;
}

interface GitHubErrorBody {
  message?: unknown;
  errors?: unknown;
  documentation_url?: unknown;
}

/** A failed GitHub request as the clients word it. */
export interface GitHubFailure {
  /** GitHub's status; undefined when no answer came. */
  status?: number;
  /** GitHub's `message` on one line (the error's own without one), bounded: a hostile answer must not flood the log. */
  message: string;
  /** `<status> <message>` and every entry of GitHub's `errors`, on one line. */
  detail: string;
  documentationUrl?: string;
  header(name: string): string | undefined;
  /** GitHub's primary or secondary rate limit, not a refusal that a retry cannot change. */
  rateLimited: boolean;
  /** Tries made, the first included. */
  tries: number;
}

/** Reads a failed request's status, GitHub's message and entries, headers and tries, whatever was thrown. */
export function readGitHubFailure(error: unknown): GitHubFailure {
  const failed = (typeof error === 'object' && error !== null ? error : {}) as Partial<OctokitRequestError>;
  const answered = failed.response !== undefined || error instanceof GitHubWaitTooLongError;
  const status = answered && typeof failed.status === 'number' ? failed.status : undefined;
  const data = failed.response?.data;
  const body = (typeof data === 'object' && data !== null ? data : {}) as GitHubErrorBody;
  const message = (typeof body.message === 'string' ? body.message : errorMessage(error))
    .replace(/\s*\n+\s*/g, ' ')
    .trim()
    .slice(0, 300);
  const entries = (Array.isArray(body.errors) ? body.errors : []).slice(0, 10).map((e: unknown) => {
    if (typeof e === 'string') return e.slice(0, 300);
    const entry = (typeof e === 'object' && e !== null ? e : {}) as { field?: unknown; message?: unknown; code?: unknown };
    const text = [entry.field, entry.message ?? entry.code].filter((part) => typeof part === 'string' && part).join(': ');
    return (text || JSON.stringify(e)).slice(0, 300);
  });
  const header = (name: string) => failed.response?.headers?.[name];
  const rateLimited =
    status === 429 ||
    (status === 403 && (header('x-ratelimit-remaining') === '0' || header('retry-after') !== undefined || /rate limit/i.test(message)));
  return {
    status,
    message,
    detail: [`${status ?? 'no answer'} ${message}`, ...entries].join('; '),
    ...(typeof body.documentation_url === 'string' ? { documentationUrl: body.documentation_url.slice(0, 300) } : {}),
    header,
    rateLimited,
    tries: (failed.request?.request?.retryCount ?? 0) + 1,
  };
}

const RUN_AGAIN = "Run the job again; if it persists, check GitHub's status (https://www.githubstatus.com).";

/**
 * A failed GitHub request in words, the same for every client: what was tried, GitHub's status, message and
 * entries (or why no answer came), and what to do. Clients word their own 403 and 404 before calling this;
 * `nextStep` replaces "run the job again" after a failure that a later try may not meet (no answer, rate
 * limit, 5xx), for a client whose calls a later run repeats on its own.
 */
export function describeGitHubFailure(what: string, error: unknown, nextStep?: string): string {
  if (error instanceof GitHubWaitTooLongError) return `Could not ${what}: ${error.message}`;
  const failure = readGitHubFailure(error);
  const { status, detail, tries } = failure;
  const triesText = `${tries} ${tries === 1 ? 'try' : 'tries'}`;
  if (status === undefined) {
    const cause = (error as { cause?: unknown } | undefined)?.cause;
    const reason = networkErrorReason(cause instanceof Error ? cause : error);
    return `Could not ${what}: no response: GitHub did not answer after ${triesText} (${reason}). ${nextStep ?? RUN_AGAIN}`;
  }
  if (status === 401) {
    return `GitHub rejected the \`github-token\` (${detail}) when trying to ${what}. Pass a valid \`github-token\`, such as \`\${{ github.token }}\`.`;
  }
  if (failure.rateLimited) {
    const waitMs = parseRetryAfter(failure.header('retry-after') ?? null);
    const reset = Number(failure.header('x-ratelimit-reset'));
    const when =
      waitMs !== undefined
        ? `; it asks to wait ${Math.ceil(waitMs / 1000)} s`
        : Number.isFinite(reset) && reset > 0
          ? `; it resets at ${new Date(reset * 1000).toISOString()}`
          : '';
    return `Could not ${what}: GitHub's API rate limit for the \`github-token\` is spent (${detail}${when}). ${nextStep ?? 'Run the job again later.'}`;
  }
  if (status >= 500) {
    return nextStep
      ? `Could not ${what}: ${detail}. GitHub failed on every try; ${nextStep}`
      : `Could not ${what}: GitHub answered ${detail} after ${triesText}. ${RUN_AGAIN}`;
  }
  const docs = failure.documentationUrl ? ` (${failure.documentationUrl})` : '';
  const advice =
    status === 400 || status === 422
      ? 'GitHub refused the request as sent; please report this with the message above.'
      : 'Check that the `github-token` may do this, then run the job again.';
  return `Could not ${what}: ${detail}${docs}. ${advice}`;
}

/** No REST answer this action reads (a page of 100 artifacts or check runs) comes near this; a longer one is cut off. */
const MAX_GITHUB_ANSWER_BYTES = 8 * 1024 * 1024;

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

  const readOnly: Parameters<typeof Octokit.plugin>[0] = (octokit) => {
    if (options.readOnly)
      octokit.hook.before('request', (request) => {
        if (request.method !== 'GET') throw new DryRunWriteError(`GitHub ${request.method} ${routeOf(request.url)}`);
      });
    return {};
  };

  const GitHub = Octokit.plugin(readOnly, boundedRetryAfter, retry);
  const octokit = new GitHub({
    auth: options.token,
    baseUrl: (options.apiUrl || 'https://api.github.com').replace(/\/+$/, ''),
    userAgent: 'app-store-connect-publish',
    retry: { retries, retryAfterBaseValue: policy.baseDelayMs, doNotRetry: [400, 401, 404, 410, 422, 451] },
    request: { fetch: withTimeout(timeoutMs, options.maxAnswerBytes ?? MAX_GITHUB_ANSWER_BYTES) },
    // Octokit's default logger writes warnings to the console; route them to the action's log instead.
    log: { debug: () => {}, info: () => {}, warn: (m: string) => log?.debug(m), error: (m: string) => log?.debug(m) },
  });
  return { octokit, owner, repo };
}

/** Every request gets its own deadline, the body included; a caller's signal still applies. */
function withTimeout(timeoutMs: number, maxAnswerBytes: number): typeof fetch {
  return async (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    const response = await fetch(input, { ...init, signal });
    return bounded(response, maxAnswerBytes);
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
