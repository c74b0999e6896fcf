import { UserError, errorMessage } from '../errors.js';
import { networkErrorReason, parseRetryAfter, type Sleep } from '../net/retry.js';
import type { Logger } from '../runtime.js';
import { ACTIONS_WRITE_PERMISSIONS, createGitHubClient, GitHubWaitTooLongError } from './octokit.js';

/**
 * The repository's Actions workflows, as deferred post-processing needs them: read one, enable it,
 * disable it. Reading needs `actions: read`; enabling and disabling need `actions: write`.
 */

export type WorkflowState = 'active' | 'deleted' | 'disabled_fork' | 'disabled_inactivity' | 'disabled_manually';

export interface WorkflowInfo {
  id: number;
  name: string;
  /** `.github/workflows/<file>` */
  path: string;
  state: WorkflowState;
}

export interface WorkflowsClient {
  /** `fileOrId`: a file name under .github/workflows (`post-processing.yml`) or the numeric id. */
  get(fileOrId: string | number): Promise<WorkflowInfo>;
  /** Sets the workflow `active`; a no-op when it already is. */
  enable(fileOrId: string | number): Promise<void>;
  /** Stops its schedule until enabled again; a no-op when already disabled. */
  disable(fileOrId: string | number): Promise<void>;
}

export interface WorkflowsClientOptions {
  token: string;
  /** owner/name */
  repository: string;
  /** GITHUB_API_URL; default https://api.github.com */
  apiUrl?: string;
  /** Each try of a request is abandoned after this long (default 30 s). */
  timeoutMs?: number;
  /** Base of the retry backoff: 1, 4, 9 × this between the 4 tries (default 1 s). */
  retryBaseMs?: number;
  /** Told about retries. */
  log?: Pick<Logger, 'info' | 'debug'>;
  sleep?: Sleep;
}

/** The `permissions:` a job needs to enable or disable a workflow with its default token. */
export { ACTIONS_WRITE_PERMISSIONS as WORKFLOW_PERMISSIONS } from './octokit.js';

/** The repository has no workflow by that file name (or id). */
export class WorkflowMissingError extends UserError {
  override name = 'WorkflowMissingError';
  constructor(
    readonly workflow: string,
    readonly repository: string,
  ) {
    super(
      `GitHub has no workflow ${describe(workflow)} in ${repository} (404 Not Found). ` +
        'Check the file name (with its .yml or .yaml extension) and that the file is on the default branch.',
    );
  }
}

/** The token may not do this with workflows (403): `actions: write` is missing. */
export class WorkflowPermissionError extends UserError {
  override name = 'WorkflowPermissionError';
  constructor(
    readonly workflow: string,
    readonly action: 'read' | 'enable' | 'disable',
    readonly detail: string,
  ) {
    super(
      `GitHub refused to ${action} the workflow ${describe(workflow)} (403 ${detail}): the \`github-token\` needs ` +
        `\`actions: write\`. Give the job (or the workflow) these permissions:\n${ACTIONS_WRITE_PERMISSIONS}`,
    );
  }
}

/** Any other failure of a workflows request, after the retries. */
export class WorkflowRequestError extends UserError {
  override name = 'WorkflowRequestError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

const ATTEMPTS = 4;
/** A 429 or secondary rate limit asking to wait longer than this is reported, not slept through. */
export const MAX_RETRY_AFTER_MS = 60_000;
const DEFAULT_TIMEOUT_MS = 30_000;
/** A workflow is a few hundred bytes; an answer past this is not one, and is not read into memory. */
export const MAX_ANSWER_BYTES = 1024 * 1024;
/** Workflow file names are short; anything longer is not one. */
const MAX_FILE_NAME = 255;

/** Whether `value` can name a workflow: a plain .yml/.yaml file name or a numeric id. */
export function isWorkflowReference(value: string): boolean {
  return /^\d{1,20}$/.test(value) || (value.length <= MAX_FILE_NAME && /^[^/\\\0]+\.ya?ml$/.test(value) && !value.startsWith('.'));
}

export function createWorkflowsClient(options: WorkflowsClientOptions): WorkflowsClient {
  const { octokit, owner, repo } = createGitHubClient({
    token: options.token,
    repository: options.repository,
    apiUrl: options.apiUrl,
    log: options.log,
    retry: { attempts: ATTEMPTS, baseDelayMs: options.retryBaseMs ?? 1000 },
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxRetryAfterMs: MAX_RETRY_AFTER_MS,
    maxAnswerBytes: MAX_ANSWER_BYTES,
    sleep: options.sleep,
  });

  async function call<T>(action: 'read' | 'enable' | 'disable', fileOrId: string | number, run: () => Promise<T>): Promise<T> {
    const workflow = String(fileOrId);
    if (!isWorkflowReference(workflow)) {
      throw new Error(`A workflow is named by its file name (e.g. post-processing.yml) or numeric id, got ${JSON.stringify(workflow)}`);
    }
    try {
      return await run();
    } catch (error) {
      if (error instanceof WorkflowRequestError) throw error;
      throw translate(error, action, workflow, options.repository);
    }
  }

  return {
    get: (fileOrId) =>
      call('read', fileOrId, async () => {
        const { data } = await octokit.rest.actions.getWorkflow({ owner, repo, workflow_id: fileOrId });
        return asWorkflow(data, String(fileOrId));
      }),
    enable: (fileOrId) =>
      call('enable', fileOrId, async () => {
        await octokit.rest.actions.enableWorkflow({ owner, repo, workflow_id: fileOrId });
      }),
    disable: (fileOrId) =>
      call('disable', fileOrId, async () => {
        await octokit.rest.actions.disableWorkflow({ owner, repo, workflow_id: fileOrId });
      }),
  };
}

/** Milliseconds GitHub asked to wait (Retry-After, or the rate-limit reset), for a 429 or a rate-limited 403. */
function rateLimitWait(error: unknown): number | undefined {
  const status = statusOf(error);
  if (status !== 429 && status !== 403) return undefined;
  const retryAfter = parseRetryAfter(headerOf(error, 'retry-after') ?? null);
  if (retryAfter !== undefined) return retryAfter;
  if (headerOf(error, 'x-ratelimit-remaining') === '0') {
    const reset = Number(headerOf(error, 'x-ratelimit-reset'));
    return Number.isFinite(reset) ? Math.max(0, reset * 1000 - Date.now()) : Number.POSITIVE_INFINITY;
  }
  return status === 429 ? 0 : undefined;
}

function translate(error: unknown, action: 'read' | 'enable' | 'disable', workflow: string, repository: string): Error {
  const status = statusOf(error);
  if (error instanceof GitHubWaitTooLongError && status !== 429 && status !== 403) {
    return new WorkflowRequestError(`Could not ${action} the workflow ${describe(workflow)}: ${error.message}`, status);
  }
  if (error instanceof GitHubWaitTooLongError) {
    return new WorkflowRequestError(
      `Could not ${action} the workflow ${describe(workflow)}: GitHub's API rate limit for the \`github-token\` is spent ` +
        `(${status} ${messageOf(error)}; it asks to wait ${Math.ceil(error.waitMs / 1000)} s, longer than the ` +
        `${MAX_RETRY_AFTER_MS / 1000} s a run waits). Run the job again later.`,
      status,
    );
  }
  const hasResponse = (error as ResponseLike | undefined)?.response !== undefined;
  if (status === undefined) {
    return new WorkflowRequestError(`Could not ${action} the workflow ${describe(workflow)}: ${reasonOf(error)}. Run the job again.`);
  }
  if (!hasResponse) {
    return new WorkflowRequestError(
      `Could not ${action} the workflow ${describe(workflow)}: GitHub did not answer after ${ATTEMPTS} tries ` +
        `(${reasonOf(error)}). Check GitHub's status (https://www.githubstatus.com) and run the job again.`,
    );
  }
  const wait = rateLimitWait(error);
  if (wait !== undefined && (status === 429 || status === 403)) {
    return new WorkflowRequestError(
      `Could not ${action} the workflow ${describe(workflow)}: GitHub's API rate limit for the \`github-token\` is spent ` +
        `(${status} ${messageOf(error)}; it asks to wait ${Number.isFinite(wait) ? `${Math.ceil(wait / 1000)} s` : 'an unknown time'}). ` +
        'Run the job again later.',
      status,
    );
  }
  if (status === 404) return new WorkflowMissingError(workflow, repository);
  if (status === 403) return new WorkflowPermissionError(workflow, action, messageOf(error));
  if (status === 401) {
    return new WorkflowRequestError(
      `GitHub rejected the \`github-token\` (401 ${messageOf(error)}) when trying to ${action} the workflow ${describe(workflow)}. ` +
        'Pass a valid token, such as `${{ github.token }}`.',
      status,
    );
  }
  return new WorkflowRequestError(
    `Could not ${action} the workflow ${describe(workflow)}: GitHub answered ${status ?? 'an error'} ${messageOf(error)}` +
      `${status !== undefined && status >= 500 ? ` after ${ATTEMPTS} tries` : ''}. Run the job again; if it persists, check GitHub's status.`,
    status,
  );
}

const STATES: readonly string[] = ['active', 'deleted', 'disabled_fork', 'disabled_inactivity', 'disabled_manually'];

/** Octokit hands over whatever came back (an empty string when the body could not be read): check its form. */
function asWorkflow(data: unknown, workflow: string): WorkflowInfo {
  const w = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  if (
    typeof w.id === 'number' &&
    typeof w.name === 'string' &&
    typeof w.path === 'string' &&
    typeof w.state === 'string' &&
    STATES.includes(w.state)
  ) {
    return { id: w.id, name: w.name.slice(0, 300), path: w.path.slice(0, 300), state: w.state as WorkflowState };
  }
  throw new WorkflowRequestError(
    `Could not read the workflow ${describe(workflow)}: GitHub's answer is not a workflow (it needs an id, a name, a path ` +
      `and a known state; an answer over ${MAX_ANSWER_BYTES} bytes is not read). Run the job again; if it persists, check GitHub's status.`,
  );
}

function describe(workflow: string): string {
  return /^\d+$/.test(workflow) ? `with id ${workflow}` : `\`.github/workflows/${workflow}\``;
}

interface ResponseLike {
  status?: number;
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
}

function statusOf(error: unknown): number | undefined {
  const status = (error as ResponseLike | undefined)?.status;
  return typeof status === 'number' ? status : undefined;
}

function headerOf(error: unknown, name: string): string | undefined {
  return (error as ResponseLike | undefined)?.response?.headers?.[name];
}

function messageOf(error: unknown): string {
  const data = (error as ResponseLike | undefined)?.response?.data;
  const message = typeof data === 'object' && data !== null ? (data as { message?: unknown }).message : undefined;
  // A hostile or broken answer must not flood the log.
  return (typeof message === 'string' ? message : errorMessage(error)).slice(0, 300);
}

/** Octokit wraps a failure without an answer in a RequestError; the reason is in its cause. */
function reasonOf(error: unknown): string {
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  return networkErrorReason(cause instanceof Error ? cause : error);
}
