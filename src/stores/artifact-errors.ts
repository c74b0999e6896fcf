import { UserError, errorMessage } from '../errors.js';
import { ACTIONS_WRITE_PERMISSIONS, GitHubWaitTooLongError } from '../github/octokit.js';

/** A workflow artifact as the store sees it. */
export interface ArtifactRef {
  id: number;
  name: string;
  createdAt: string;
  workflowRunId?: number;
  /** The repository whose code the run ran: a fork's id for a pull request from a fork. */
  headRepositoryId?: number;
  sizeInBytes?: number;
  expired?: boolean;
}

/** What the resume workflow needs: list and download need `actions: read`, delete needs `actions: write`. */
export { ACTIONS_WRITE_PERMISSIONS as RESUME_PERMISSIONS } from '../github/octokit.js';

/** The artifact was deleted (an overlapping run finished with it) or has expired. */
export class ArtifactGoneError extends UserError {
  override name = 'ArtifactGoneError';
  constructor(
    readonly ref: ArtifactRef,
    readonly reason: 'deleted' | 'expired',
  ) {
    super(
      reason === 'expired'
        ? `The state artifact "${ref.name}" (id ${ref.id}) has expired, so its deferred post-processing cannot resume. ` +
            'Distribute the build with `command: distribute` (it finds the build by app, version and build number).'
        : `The state artifact "${ref.name}" (id ${ref.id}) no longer exists; another run has probably finished with it.`,
    );
  }
}

/** What an artifact holds is not a state document (not a zip, no state file, not JSON, far too large). */
export class ArtifactContentError extends UserError {
  override name = 'ArtifactContentError';
}

export type Operation = 'list' | 'download' | 'delete';

interface ResponseLike {
  status?: number;
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
}

export function statusOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && typeof (error as ResponseLike).status === 'number'
    ? (error as ResponseLike).status
    : undefined;
}

function headerOf(error: unknown, name: string): string | undefined {
  return (error as ResponseLike | undefined)?.response?.headers?.[name];
}

function isRateLimited(error: unknown): boolean {
  const status = statusOf(error);
  return (status === 403 || status === 429) && (headerOf(error, 'x-ratelimit-remaining') === '0' || /rate limit/i.test(messageOf(error)));
}

function messageOf(error: unknown): string {
  const data = (error as ResponseLike | undefined)?.response?.data;
  if (typeof data === 'object' && data !== null && typeof (data as { message?: unknown }).message === 'string') {
    return (data as { message: string }).message;
  }
  return errorMessage(error);
}

function describeFailure(error: unknown): string {
  const status = statusOf(error);
  const hasResponse = (error as ResponseLike | undefined)?.response !== undefined;
  return hasResponse && status !== undefined ? `${status} ${messageOf(error)}` : `no response: ${errorMessage(error)}`;
}

/** A REST failure in words: what was tried, GitHub's status and message, and what to do. */
export function apiError(operation: Operation, error: unknown, ref?: ArtifactRef): Error {
  const status = statusOf(error);
  const what =
    operation === 'list' ? "list the repository's workflow artifacts" : `${operation} the workflow artifact "${ref?.name}" (id ${ref?.id})`;
  if (error instanceof GitHubWaitTooLongError) return new UserError(`Could not ${what}: ${error.message}`);
  const message = messageOf(error);
  if (ref && operation === 'download' && status === 410) return new ArtifactGoneError(ref, 'expired');
  if (ref && operation === 'download' && status === 404) return new ArtifactGoneError(ref, 'deleted');
  if (status === 403 && /not accessible by integration/i.test(message)) {
    const needs =
      operation === 'delete'
        ? 'Deleting a state artifact needs `actions: write`'
        : `To ${operation} artifacts of other runs the token needs \`actions: read\` (and \`actions: write\` to delete them once done)`;
    return new UserError(
      `GitHub refused to ${what} (403 ${message}). ${needs}. ` +
        `Give the \`github-token\` these permissions in the resume workflow (at the top level or in its job):\n${ACTIONS_WRITE_PERMISSIONS}`,
    );
  }
  if (status === 401) {
    return new UserError(
      `GitHub rejected the \`github-token\` (401 ${message}) when trying to ${what}. Pass a valid token, such as \`\${{ github.token }}\`.`,
    );
  }
  if (isRateLimited(error)) {
    const reset = Number(headerOf(error, 'x-ratelimit-reset'));
    const when = Number.isFinite(reset) && reset > 0 ? `; it resets at ${new Date(reset * 1000).toISOString()}` : '';
    return new UserError(`GitHub's API rate limit for the \`github-token\` is exhausted (${status} ${message})${when}. Could not ${what}.`);
  }
  return new Error(`Could not ${what}: ${describeFailure(error)}`, { cause: error });
}
