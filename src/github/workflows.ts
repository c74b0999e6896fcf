import { UserError } from '../errors.js';
import {
  ACTIONS_WRITE_PERMISSIONS,
  createGitHubClient,
  describeGitHubFailure,
  GitHubWaitTooLongError,
  MAX_SIDE_CALL_RETRY_AFTER_MS,
  readGitHubFailure,
  type GitHubClientOptions,
} from './octokit.js';

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

/** The shared GitHub client's options; `maxRetryAfterMs` defaults to {@link MAX_SIDE_CALL_RETRY_AFTER_MS}. */
export type WorkflowsClientOptions = GitHubClientOptions;

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
    maxRetryAfterMs: MAX_SIDE_CALL_RETRY_AFTER_MS,
    maxAnswerBytes: MAX_ANSWER_BYTES,
    ...options,
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

/** Workflows' own meanings of 403 and 404; anything else is worded as every GitHub client words it. */
function translate(error: unknown, action: 'read' | 'enable' | 'disable', workflow: string, repository: string): Error {
  const failure = readGitHubFailure(error);
  const what = `${action} the workflow ${describe(workflow)}`;
  if (error instanceof GitHubWaitTooLongError && failure.rateLimited) {
    return new WorkflowRequestError(
      `Could not ${what}: GitHub's API rate limit for the \`github-token\` is spent (${failure.detail}; it asks to wait ` +
        `${Math.ceil(error.waitMs / 1000)} s, longer than the ${Math.round(error.maxWaitMs / 1000)} s a run waits). Run the job again later.`,
      failure.status,
    );
  }
  if (failure.status === 404) return new WorkflowMissingError(workflow, repository);
  if (failure.status === 403 && !failure.rateLimited) return new WorkflowPermissionError(workflow, action, failure.message);
  return new WorkflowRequestError(describeGitHubFailure(what, error), failure.status);
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
