import { retry } from '@octokit/plugin-retry';
import { Octokit } from '@octokit/rest';
import { errorMessage } from '../errors.js';
import type { Logger } from '../runtime.js';

/**
 * Check runs on a commit through GitHub's Checks API: create, update, and find by name. Needs the job's
 * `checks: write`; a token without it (or the read-only token of a pull request from a fork) gets
 * `ChecksPermissionError`, which callers report once and otherwise ignore.
 */

export type CheckRunStatus = 'queued' | 'in_progress' | 'completed';
export type CheckRunConclusion = 'success' | 'failure' | 'neutral' | 'cancelled' | 'skipped' | 'timed_out' | 'action_required';

export interface CheckRunOutput {
  title: string;
  /** Markdown; GitHub refuses more than 65535 bytes. */
  summary: string;
  text?: string;
}

export interface CheckRunFields {
  status?: CheckRunStatus;
  /** Required with `status: completed`; completes the run on its own. */
  conclusion?: CheckRunConclusion;
  detailsUrl?: string;
  externalId?: string;
  output?: CheckRunOutput;
}

export interface CheckRun {
  id: number;
  name: string;
  headSha: string;
  status: string;
  conclusion: string | null;
  externalId: string | null;
  htmlUrl: string | null;
}

export interface ChecksClient {
  create(input: CheckRunFields & { name: string; headSha: string }): Promise<CheckRun>;
  /** Throws `CheckRunNotFoundError` when the id names no check run of the repository. */
  update(id: number, fields: CheckRunFields & { name?: string }): Promise<CheckRun>;
  /**
   * The check run called `name` on commit `headSha`: the newest whose external id is `externalId` when one
   * is given and matches, else the newest with that name; undefined when there is none.
   */
  findByName(headSha: string, name: string, options?: { externalId?: string }): Promise<CheckRun | undefined>;
}

export interface ChecksClientOptions {
  token: string;
  /** owner/name */
  repository: string;
  /** GITHUB_API_URL; default https://api.github.com */
  apiUrl?: string;
  /** Per request (each try); default 30 s. */
  timeoutMs?: number;
  /** Tries after the first (default 3, so 4 in all); `delayUnitMs` scales every wait, Retry-After included (default 1000). */
  retry?: { retries?: number; delayUnitMs?: number };
  /** Told about retries. */
  log?: Pick<Logger, 'info' | 'debug'>;
}

/** The token may not write check runs: no `checks: write`, or a read-only token (pull request from a fork). */
export class ChecksPermissionError extends Error {
  override name = 'ChecksPermissionError';
}

/** The check run is gone (or never was one of this repository). */
export class CheckRunNotFoundError extends Error {
  override name = 'CheckRunNotFoundError';
  constructor(
    readonly id: number,
    message: string,
  ) {
    super(message);
  }
}

/** Any other refusal or failure, with GitHub's status when there was an answer. */
export class ChecksApiError extends Error {
  override name = 'ChecksApiError';
  constructor(
    message: string,
    readonly status: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** A Retry-After (or rate-limit reset) further away than this is reported rather than waited for. */
export const MAX_RETRY_AFTER_MS = 60_000;
/** Check runs with one name on one commit that `findByName` reads through; GitHub keeps at most 1000 per suite. */
const MAX_LIST_PAGES = 5;

export function createChecksClient(options: ChecksClientOptions): ChecksClient {
  const [owner, repo, extra] = options.repository.split('/');
  if (!owner || !repo || extra !== undefined) throw new Error(`Repository must be owner/name, got "${options.repository}"`);
  const octokit = createOctokit(options);

  async function call<T>(what: string, run: () => Promise<T>, id?: number): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw checksError(what, error, id);
    }
  }

  return {
    async create(input) {
      const { data } = await call(`create the check run "${input.name}"`, () =>
        octokit.rest.checks.create({ owner, repo, name: input.name, head_sha: input.headSha, ...body(input) }),
      );
      return checkRun(data);
    },
    async update(id, fields) {
      const { data } = await call(
        `update check run ${id}`,
        () => octokit.rest.checks.update({ owner, repo, check_run_id: id, ...(fields.name ? { name: fields.name } : {}), ...body(fields) }),
        id,
      );
      return checkRun(data);
    },
    async findByName(headSha, name, findOptions = {}) {
      return call(`list the check runs of commit ${headSha}`, async () => {
        const found: CheckRun[] = [];
        let pages = 0;
        for await (const page of octokit.paginate.iterator(octokit.rest.checks.listForRef, {
          owner,
          repo,
          ref: headSha,
          check_name: name,
          filter: 'all',
          per_page: 100,
        })) {
          found.push(...page.data.filter((r) => r.name === name).map(checkRun));
          if (++pages >= MAX_LIST_PAGES) break;
        }
        found.sort((a, b) => b.id - a.id);
        return (findOptions.externalId && found.find((r) => r.externalId === findOptions.externalId)) || found[0];
      });
    },
  };
}

/**
 * Octokit with bounded retries: @octokit/plugin-retry retries 5xx, connection failures and timeouts
 * (waits of 1, 4, 9 s), and the wait GitHub asks for on 429 and secondary rate limits is honoured up to
 * a minute; beyond that the request fails at once, as no status report is worth holding the job for.
 * Each try has its own timeout.
 */
export function createOctokit(options: Pick<ChecksClientOptions, 'token' | 'apiUrl' | 'timeoutMs' | 'retry' | 'log'>): Octokit {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const unitMs = options.retry?.delayUnitMs ?? 1000;
  const log = options.log;
  const RetryingOctokit = Octokit.plugin(retry, waitAsGitHubAsks(unitMs, log));
  return new RetryingOctokit({
    auth: options.token,
    baseUrl: (options.apiUrl || 'https://api.github.com').replace(/\/+$/, ''),
    userAgent: 'app-store-connect-publish',
    // 403 is retried only when it is a rate limit (decided below); the rest never change on a retry.
    retry: { retries: options.retry?.retries ?? 3, retryAfterBaseValue: unitMs, doNotRetry: [400, 401, 404, 410, 422, 451] },
    request: { fetch: timedFetch(timeoutMs) },
    // Octokit's default logger writes to the console; route it to the action's log.
    log: { debug: () => {}, info: () => {}, warn: (m: string) => log?.debug(m), error: (m: string) => log?.debug(m) },
  });
}

interface FailedRequest {
  status?: number;
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
  request?: { method?: string; url?: string; request?: { retryCount?: number } };
}

type RetryRequest = (error: FailedRequest, retries: number, retryAfter: number) => unknown;

/**
 * plugin-retry decides that a request is worth another try, then asks `octokit.retry.retryRequest` (its
 * public hook) for the wait; this plugin replaces the wait with GitHub's own when it gave one.
 */
function waitAsGitHubAsks(unitMs: number, log: ChecksClientOptions['log']) {
  return (octokit: object): Record<string, never> => {
    const hook = (octokit as unknown as { retry: { retryRequest: RetryRequest } }).retry;
    const decide = hook.retryRequest;
    hook.retryRequest = (error, retries, retryAfter) => {
      const askedMs = askedWaitMs(error);
      let tries = retries;
      let wait = retryAfter;
      if (askedMs !== undefined) {
        if (askedMs > MAX_RETRY_AFTER_MS) tries = 0;
        else wait = askedMs / 1000;
      } else if (error.status === 403) {
        tries = 0;
      }
      const attempt = (error.request?.request?.retryCount ?? 0) + 1;
      if (attempt <= tries) {
        log?.info(
          `GitHub API ${error.request?.method ?? ''} ${routeOf(error.request?.url)} failed (${describeFailure(error)}); ` +
            `retry ${attempt} of ${tries} in ${((wait * unitMs) / 1000).toFixed(1)} s`,
        );
      }
      return decide(error, tries, wait);
    };
    return {};
  };
}

/** The wait GitHub asked for: Retry-After, or the rate-limit reset when the limit is spent. */
function askedWaitMs(error: FailedRequest, now = Date.now()): number | undefined {
  const headers = error.response?.headers ?? {};
  const retryAfter = headers['retry-after'];
  if (retryAfter !== undefined) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  if (headers['x-ratelimit-remaining'] === '0' && headers['x-ratelimit-reset']) {
    const reset = Number(headers['x-ratelimit-reset']) * 1000;
    if (Number.isFinite(reset)) return Math.max(0, reset - now);
  }
  return undefined;
}

/** A fresh timeout for every try (a signal in Octokit's defaults would be one deadline for the client's life). */
function timedFetch(timeoutMs: number): typeof fetch {
  return (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    return fetch(input, { ...init, signal });
  };
}

function body(fields: CheckRunFields) {
  return {
    ...(fields.status ? { status: fields.status } : {}),
    ...(fields.conclusion ? { conclusion: fields.conclusion } : {}),
    ...(fields.detailsUrl ? { details_url: fields.detailsUrl } : {}),
    ...(fields.externalId ? { external_id: fields.externalId } : {}),
    ...(fields.output ? { output: fields.output } : {}),
  };
}

function checkRun(data: {
  id: number | bigint;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  external_id: string | null;
  html_url: string | null;
}): CheckRun {
  return {
    id: Number(data.id),
    name: data.name,
    headSha: data.head_sha,
    status: data.status,
    conclusion: data.conclusion,
    externalId: data.external_id || null,
    htmlUrl: data.html_url,
  };
}

interface GitHubErrorBody {
  message?: string;
  errors?: Array<string | { resource?: string; field?: string; code?: string; message?: string }>;
  documentation_url?: string;
}

function githubBody(error: FailedRequest): GitHubErrorBody {
  const data = error.response?.data;
  return typeof data === 'object' && data !== null ? (data as GitHubErrorBody) : {};
}

/** GitHub's message and every entry of its `errors`, on one line. */
function describeFailure(error: unknown): string {
  const failed = error as FailedRequest;
  if (failed?.response === undefined || failed.status === undefined) return `no response: ${errorMessage(error)}`;
  const gh = githubBody(failed);
  const entries = (gh.errors ?? []).map((e) =>
    typeof e === 'string' ? e : [e.field, e.message ?? e.code].filter(Boolean).join(': ') || JSON.stringify(e),
  );
  const message = (gh.message ?? errorMessage(error)).replace(/\s*\n+\s*/g, ' ').trim();
  return [`${failed.status} ${message}`, ...entries].join('; ');
}

function checksError(what: string, error: unknown, id?: number): Error {
  const failed = error as FailedRequest;
  const status = failed?.response !== undefined ? failed.status : undefined;
  const gh = failed ? githubBody(failed) : {};
  const detail = describeFailure(error);
  if (status === 403 && /not accessible by integration/i.test(gh.message ?? '')) {
    return new ChecksPermissionError(
      `GitHub refused to ${what} (${detail}): the token needs \`checks: write\`. Add it to the job's \`permissions:\`; ` +
        'runs of pull requests from forks get a read-only token and cannot write check runs at all.',
    );
  }
  if (status === 404 && id !== undefined) return new CheckRunNotFoundError(id, `Could not ${what}: GitHub answered ${detail}.`);
  const hint =
    status === 401
      ? ' Pass a valid `github-token`, such as `${{ github.token }}`.'
      : askedWaitMs(failed) !== undefined && (status === 403 || status === 429)
        ? ' GitHub asked to wait longer than this report is worth; the next run updates it.'
        : status === 422
          ? ' GitHub refused the check run as sent; please report this with the message above.'
          : status === undefined || status >= 500
            ? ' GitHub failed on every try; the next run that advances the build reports again.'
            : '';
  const docs = gh.documentation_url ? ` (${gh.documentation_url})` : '';
  return new ChecksApiError(`Could not ${what}: ${detail}${docs}.${hint}`, status, { cause: error });
}

function routeOf(url: string | undefined): string {
  if (!url) return '';
  try {
    return new URL(url).pathname;
  } catch {
    return url.split('?')[0] ?? url;
  }
}
