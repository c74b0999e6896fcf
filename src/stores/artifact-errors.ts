import { UserError } from '../errors.js';
import { ACTIONS_WRITE_PERMISSIONS, describeGitHubFailure, GitHubWaitTooLongError, readGitHubFailure } from '../github/octokit.js';

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

/** A REST failure in words: artifacts' own meanings of 403, 404 and 410, else as every GitHub client words it. */
export function apiError(operation: Operation, error: unknown, ref?: ArtifactRef): Error {
  const failure = readGitHubFailure(error);
  const { status } = failure;
  const what =
    operation === 'list' ? "list the repository's workflow artifacts" : `${operation} the workflow artifact "${ref?.name}" (id ${ref?.id})`;
  if (ref && operation === 'download' && status === 410) return new ArtifactGoneError(ref, 'expired');
  if (ref && operation === 'download' && status === 404) return new ArtifactGoneError(ref, 'deleted');
  if (status === 403 && /not accessible by integration/i.test(failure.message)) {
    const needs =
      operation === 'delete'
        ? 'Deleting a state artifact needs `actions: write`'
        : `To ${operation} artifacts of other runs the token needs \`actions: read\` (and \`actions: write\` to delete them once done)`;
    return new UserError(
      `GitHub refused to ${what} (${failure.detail}). ${needs}. ` +
        `Give the \`github-token\` these permissions in the resume workflow (at the top level or in its job):\n${ACTIONS_WRITE_PERMISSIONS}`,
    );
  }
  const message = describeGitHubFailure(what, error);
  // Those the user acts on (token, rate limit) are UserErrors; the rest keep GitHub's error as their cause.
  return status === 401 || failure.rateLimited || error instanceof GitHubWaitTooLongError
    ? new UserError(message)
    : new Error(message, { cause: error });
}
