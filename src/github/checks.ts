import {
  createGitHubClient,
  describeGitHubFailure,
  MAX_SIDE_CALL_RETRY_AFTER_MS,
  readGitHubFailure,
  type GitHubClientOptions,
} from './octokit.js';

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

/** The shared GitHub client's options; `maxRetryAfterMs` defaults to {@link MAX_SIDE_CALL_RETRY_AFTER_MS}. */
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

/** Check runs with one name on one commit that `findByName` reads through; GitHub keeps at most 1000 per suite. */
const MAX_LIST_PAGES = 5;

export function createChecksClient(options: ChecksClientOptions): ChecksClient {
  const { octokit, owner, repo } = createGitHubClient({ maxRetryAfterMs: MAX_SIDE_CALL_RETRY_AFTER_MS, ...options });

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

const REPORTS_AGAIN = 'the next run that advances the build reports again.';

/** Checks' own meanings of 403, 404 and 422; anything else is worded as every GitHub client words it. */
function checksError(what: string, error: unknown, id?: number): Error {
  const failure = readGitHubFailure(error);
  if (failure.status === 403 && /not accessible by integration/i.test(failure.message)) {
    return new ChecksPermissionError(
      `GitHub refused to ${what} (${failure.detail}): the token needs \`checks: write\`. Add it to the job's \`permissions:\`; ` +
        'runs of pull requests from forks get a read-only token and cannot write check runs at all.',
    );
  }
  if (failure.status === 404 && id !== undefined)
    return new CheckRunNotFoundError(id, `Could not ${what}: GitHub answered ${failure.detail}.`);
  if (failure.status === 422) {
    const docs = failure.documentationUrl ? ` (${failure.documentationUrl})` : '';
    return new ChecksApiError(
      `Could not ${what}: ${failure.detail}${docs}. GitHub refused the check run as sent; please report this with the message above.`,
      422,
      { cause: error },
    );
  }
  return new ChecksApiError(describeGitHubFailure(what, error, REPORTS_AGAIN), failure.status, { cause: error });
}
