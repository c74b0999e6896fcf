import { errorMessage } from '../errors.js';
import { createGitHubClient, GitHubWaitTooLongError, type GitHubClientOptions } from './octokit.js';

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

/** The shared GitHub client's options; `maxRetryAfterMs` defaults to {@link MAX_RETRY_AFTER_MS}. */
export type ChecksClientOptions = GitHubClientOptions;

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

/** A Retry-After further away than this is reported rather than waited for: no status report is worth holding the job. */
export const MAX_RETRY_AFTER_MS = 60_000;
/** Check runs with one name on one commit that `findByName` reads through; GitHub keeps at most 1000 per suite. */
const MAX_LIST_PAGES = 5;

export function createChecksClient(options: ChecksClientOptions): ChecksClient {
  const { octokit, owner, repo } = createGitHubClient({ maxRetryAfterMs: MAX_RETRY_AFTER_MS, ...options });

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

/** What Octokit's RequestError carries. */
interface FailedRequest {
  status?: number;
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
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
  if (error instanceof GitHubWaitTooLongError) {
    return new ChecksApiError(`Could not ${what}: ${error.message}`, error.status, { cause: error });
  }
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
      : status === 429 || (status === 403 && failed.response?.headers?.['x-ratelimit-remaining'] === '0')
        ? " GitHub's rate limit is spent for now; the next run that advances the build reports again."
        : status === 422
          ? ' GitHub refused the check run as sent; please report this with the message above.'
          : status === undefined || status >= 500
            ? ' GitHub failed on every try; the next run that advances the build reports again.'
            : '';
  const docs = gh.documentation_url ? ` (${gh.documentation_url})` : '';
  return new ChecksApiError(`Could not ${what}: ${detail}${docs}.${hint}`, status, { cause: error });
}
