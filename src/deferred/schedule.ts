import { InputError, UserError, errorMessage } from '../errors.js';
import { ACTIONS_WRITE_PERMISSIONS } from '../github/octokit.js';
import {
  WorkflowMissingError,
  WorkflowPermissionError,
  isWorkflowReference,
  type WorkflowInfo,
  type WorkflowState,
  type WorkflowsClient,
} from '../github/workflows.js';
import type { Logger } from '../runtime.js';

/**
 * The resume workflow's schedule runs only while deferred work is pending, so an idle repository pays
 * nothing. A deferred publish enables it before the upload and again after saving its state; a resume
 * that finds nothing pending disables it, then looks once more and re-enables it if a state appeared.
 * Whatever the interleaving of a publish and a resume, a saved state is never left behind a disabled
 * schedule: a state saved before the resume's second look is seen by it, and one saved after that look
 * is followed by the publish's own enable, which comes after the resume's disable.
 */

/** The resume workflow as a deferred publish found it, for the log and the job summary. */
export interface ResumeWorkflowCheck {
  file: string;
  id: number;
  name: string;
  /** Its state before this run enabled it. */
  stateBefore: WorkflowState;
  wasDisabled: boolean;
  /** GitHub disabled it after 60 days without repository activity. */
  disabledByInactivity: boolean;
  /** One sentence for the log and summary. */
  sentence: string;
}

export type IdleOutcome =
  'kept-by-input' | 'kept-pending' | 'kept-unknown-workflow' | 'kept-other-workflow' | 'disabled' | 're-enabled' | 'disable-failed';

export interface IdleResult {
  outcome: IdleOutcome;
  /** The workflow file this run belongs to, when known. */
  file?: string;
  /** One sentence for the job summary: what happened to the schedule and why. */
  sentence: string;
}

export interface DisableWhenIdleOptions {
  client: WorkflowsClient;
  /** GITHUB_WORKFLOW_REF: `owner/repo/.github/workflows/post-processing.yml@refs/heads/main`. */
  ownWorkflowRef: string | undefined;
  /** The deferred states still pending in the repository (listed afresh on each call). */
  listPending: () => Promise<readonly unknown[]>;
  /** `resume-workflow`: only that workflow is disabled, as only that one is enabled again by a publish. */
  resumeWorkflow: string;
  /** `disable-when-idle` */
  enabled: boolean;
  /** States this run left pending; a run that leaves work keeps the schedule. */
  pendingAfterRun: number;
  log: Pick<Logger, 'info' | 'warning'>;
}

const INPUT = 'resume-workflow';
const PUBLISH_PERMISSIONS_NOTE = `${ACTIONS_WRITE_PERMISSIONS}\n(add \`checks: write\` for the status on the commit)`;

/**
 * Before the first byte of a deferred publish or distribute: the resume workflow must exist, and this
 * job must be able to enable it (which it does now, so a schedule GitHub disabled runs again).
 */
export async function ensureResumeWorkflow(client: WorkflowsClient, file: string): Promise<ResumeWorkflowCheck> {
  const found = await findResumeWorkflow(client, file);
  try {
    await client.enable(file);
  } catch (error) {
    if (error instanceof WorkflowPermissionError) throw permissionError(file, 'enable', error, found.state);
    throw error;
  }
  const wasDisabled = found.state !== 'active';
  const disabledByInactivity = found.state === 'disabled_inactivity';
  const sentence = !wasDisabled
    ? `Resume workflow ${file} is enabled.`
    : disabledByInactivity
      ? `Resume workflow ${file} was disabled by GitHub after 60 days without activity; enabled it.`
      : `Resume workflow ${file} was disabled (${found.state}); enabled it.`;
  return { file, id: found.id, name: found.name, stateBefore: found.state, wasDisabled, disabledByInactivity, sentence };
}

/** The resume workflow, read only (a dry run stops here): it must exist and not be deleted. */
export async function findResumeWorkflow(client: WorkflowsClient, file: string): Promise<WorkflowInfo> {
  if (!isWorkflowReference(file) || /^\d+$/.test(file)) {
    throw new InputError(
      INPUT,
      `expected the file name of the workflow that runs \`command: resume\` (e.g. post-processing.yml, under .github/workflows), ` +
        `got ${JSON.stringify(file.slice(0, 100))}.`,
    );
  }
  let found;
  try {
    found = await client.get(file);
  } catch (error) {
    if (error instanceof WorkflowMissingError) throw missingError(file, 'has no workflow');
    if (error instanceof WorkflowPermissionError) throw permissionError(file, 'read', error);
    throw error;
  }
  // GitHub reports a workflow whose file was removed as `deleted`; it can never run again.
  if (found.state === 'deleted') throw missingError(file, 'no longer has the workflow');
  return found;
}

function missingError(file: string, what: string): InputError {
  return new InputError(
    INPUT,
    `the repository ${what} .github/workflows/${file}. Deferred post-processing is finished by that workflow ` +
      `(\`command: resume\` on a schedule); without it the build would wait forever. Add it on the default branch ` +
      `(copy examples/workflows/post-processing.yml from this action's repository), set \`${INPUT}\` to the file name ` +
      'of your resume workflow, or use `post-processing: inline`. Nothing was uploaded.',
  );
}

function permissionError(file: string, action: 'read' | 'enable', cause: WorkflowPermissionError, state?: WorkflowState): UserError {
  const now = state && state !== 'active' ? ` It is disabled now (${state}), so a deferred build would wait forever.` : '';
  return new UserError(
    `Deferred post-processing ${action === 'read' ? 'reads' : 'enables'} the resume workflow .github/workflows/${file} ` +
      `(input \`${INPUT}\`) before uploading, so its schedule runs while the build is pending, and GitHub refused ` +
      `(403 ${cause.detail}).${now} Give the publishing job these permissions:\n${PUBLISH_PERMISSIONS_NOTE}\n` +
      'Nothing was uploaded.',
  );
}

/**
 * After the state is saved: enable once more, so a resume that disabled the schedule between this
 * run's first enable and the save cannot strand the build. The state is saved either way, so a failure
 * here is a warning that says what to do.
 */
export async function reenableAfterSave(client: WorkflowsClient, file: string, log: Pick<Logger, 'warning'>): Promise<boolean> {
  try {
    await client.enable(file);
    return true;
  } catch (error) {
    log.warning(
      `The post-processing state is saved, but enabling the resume workflow .github/workflows/${file} once more failed: ` +
        `${errorMessage(error)}\nIf that workflow is disabled now, the build waits until it runs: enable it in the ` +
        "repository's Actions tab (or run it there by hand), or publish again.",
    );
    return false;
  }
}

/** `owner/repo/.github/workflows/post-processing.yml@refs/heads/main` → `post-processing.yml`. */
export function workflowFileFromRef(ref: string | undefined): string | undefined {
  const match = /^[^/]+\/[^/]+\/\.github\/workflows\/([^/@]+)@\S+$/.exec(ref ?? '');
  return match?.[1] && isWorkflowReference(match[1]) ? match[1] : undefined;
}

/**
 * At the end of a resume run: with nothing pending, disable this run's own workflow, then list the
 * states once more and re-enable it when one appeared in between (a publish saved meanwhile).
 */
export async function disableWhenIdle(options: DisableWhenIdleOptions): Promise<IdleResult> {
  const { client, log } = options;
  if (!options.enabled) return { outcome: 'kept-by-input', sentence: 'Schedule kept enabled: `disable-when-idle` is false.' };
  if (options.pendingAfterRun > 0) {
    const builds = options.pendingAfterRun === 1 ? '1 build is' : `${options.pendingAfterRun} builds are`;
    return { outcome: 'kept-pending', sentence: `Schedule kept enabled: ${builds} still pending.` };
  }
  const file = workflowFileFromRef(options.ownWorkflowRef);
  if (!file) {
    log.warning(
      `Nothing is pending, but this run cannot tell which workflow it belongs to (GITHUB_WORKFLOW_REF is ` +
        `${options.ownWorkflowRef ? JSON.stringify(options.ownWorkflowRef.slice(0, 200)) : 'not set'}), so its schedule stays ` +
        'enabled. Run `command: resume` from a workflow file under .github/workflows, or set `disable-when-idle: false`.',
    );
    return { outcome: 'kept-unknown-workflow', sentence: 'Schedule kept enabled: this run could not tell its own workflow.' };
  }
  if (file !== options.resumeWorkflow) {
    // Disabling a workflow that deferred publishes do not enable would strand their builds.
    log.warning(
      `Nothing is pending, but this run belongs to ${file} while \`${INPUT}\` is ${JSON.stringify(options.resumeWorkflow.slice(0, 100))}: ` +
        `deferred publishes enable that one, not ${file}, so its schedule stays enabled. Set \`${INPUT}: ${file}\` in the ` +
        'publishing and the resume workflows, or `disable-when-idle: false`.',
    );
    return { outcome: 'kept-other-workflow', file, sentence: `Schedule kept enabled: ${file} is not the \`${INPUT}\`.` };
  }
  try {
    await client.disable(file);
  } catch (error) {
    const fix =
      error instanceof WorkflowPermissionError
        ? `Give the resume workflow these permissions:\n${ACTIONS_WRITE_PERMISSIONS}\nor set \`disable-when-idle: false\`.`
        : 'The next run tries again.';
    log.warning(`Nothing is pending, but disabling the schedule of ${file} failed: ${errorMessage(error)}\n${fix}`);
    return { outcome: 'disable-failed', file, sentence: `Schedule kept enabled: disabling ${file} failed (see the log).` };
  }
  let appeared: number;
  try {
    appeared = (await options.listPending()).length;
  } catch (error) {
    // Unknown is treated as pending: a disabled schedule with a state behind it would never finish it.
    log.warning(`Could not list the deferred states after disabling ${file} (${errorMessage(error)}); enabling it again.`);
    appeared = -1;
  }
  if (appeared === 0) {
    log.info(`Disabled ${file}: nothing is pending. The next deferred publish enables it.`);
    return { outcome: 'disabled', file, sentence: `Schedule disabled (${file}): nothing pending; the next deferred publish enables it.` };
  }
  try {
    await client.enable(file);
  } catch (error) {
    throw new UserError(
      `This run disabled ${file} while a deferred publish saved its state, and enabling it again failed: ${errorMessage(error)}\n` +
        "Enable the workflow in the repository's Actions tab so the pending build is finished.",
    );
  }
  const why = appeared > 0 ? 'a state appeared meanwhile' : 'the states could not be listed to confirm nothing is pending';
  log.info(`Enabled ${file} again: ${why}.`);
  return { outcome: 're-enabled', file, sentence: `Schedule disabled, then re-enabled (${file}): ${why}.` };
}
