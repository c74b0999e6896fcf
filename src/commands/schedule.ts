import type { Config } from '../config.js';
import { disableWhenIdle, ensureResumeWorkflow, findResumeWorkflow, type ResumeWorkflowCheck } from '../deferred/schedule.js';
import { errorMessage, firstLine } from '../errors.js';
import { createWorkflowsClient, type WorkflowsClient } from '../github/workflows.js';
import type { Runtime } from '../runtime.js';
import type { StateListing, StateStore } from '../stores/store.js';
import type { CommandDeps } from './context.js';

/**
 * The resume workflow's schedule as the commands use it: a deferred publish or distribute checks and
 * enables it before its first write and enables it again after saving; a resume that leaves nothing
 * pending disables it (see src/deferred/schedule.ts for why no interleaving strands a build).
 */

/** The resume workflow a deferred run checked and enabled before its first write. */
export interface ResumeSchedule {
  readonly client: WorkflowsClient;
  readonly check: ResumeWorkflowCheck;
}

/** What a resume run did with its schedule; `error` fails the run after its summary is written. */
export interface IdleSchedule {
  sentence: string;
  error?: Error;
}

/**
 * The workflows client for this repository, from `github-token` and the runner's environment. Every caller
 * opens the artifact store first, which refuses a run without GITHUB_REPOSITORY or the token.
 */
function workflowsClient(config: Config, runtime: Runtime, deps: CommandDeps): WorkflowsClient {
  return createWorkflowsClient({
    token: config.githubToken!,
    repository: process.env.GITHUB_REPOSITORY!,
    apiUrl: process.env.GITHUB_API_URL,
    log: runtime.log,
    retry: deps.retry,
    timeoutMs: deps.requestTimeoutMs,
    sleep: deps.sleep,
    readOnly: config.dryRun,
  });
}

/** Whether the run needs the resume workflow: deferred post-processing, or inline with a review watch to hand over. */
export function needsResumeWorkflow(config: Config): boolean {
  return config.postProcessing === 'deferred' || (config.postProcessing === 'inline' && config.followReview);
}

/** Before the first write of a deferred run: `resume-workflow` exists and is enabled, or the run stops here. */
export async function prepareResumeSchedule(config: Config, runtime: Runtime, deps: CommandDeps): Promise<ResumeSchedule> {
  const client = workflowsClient(config, runtime, deps);
  const check = await ensureResumeWorkflow(client, config.resumeWorkflow);
  runtime.log.info(check.sentence);
  return { client, check };
}

/** A dry run: the resume workflow exists (read only); its state, and what a real run does with it. */
export async function readResumeSchedule(config: Config, runtime: Runtime, deps: CommandDeps): Promise<string> {
  const found = await findResumeWorkflow(workflowsClient(config, runtime, deps), config.resumeWorkflow);
  return `Resume workflow ${config.resumeWorkflow} exists (${found.state === 'active' ? 'enabled' : `${found.state}: a real run enables it`}).`;
}

/**
 * Deferred work a resume of this workflow can finish: valid states. A state sealed by another team's key is
 * that team's resume workflow's work (its own deferred publish enables its schedule), never this one's.
 */
function pendingIn(listing: StateListing): unknown[] {
  return listing.states;
}

/**
 * At the end of a resume: with nothing pending, disable this run's own workflow (then look again and
 * enable it if a state appeared). `disable-when-idle: false` makes no call.
 */
export async function settleIdleSchedule(
  config: Config,
  runtime: Runtime,
  deps: CommandDeps,
  store: StateStore,
  pendingAfterRun: number,
): Promise<IdleSchedule> {
  try {
    const result = await disableWhenIdle({
      client: workflowsClient(config, runtime, deps),
      ownWorkflowRef: process.env.GITHUB_WORKFLOW_REF,
      // The run listed everything once already: look only at what was saved since.
      listPending: async () => pendingIn(await store.list({ appearedSince: true })),
      resumeWorkflow: config.resumeWorkflow,
      enabled: config.disableWhenIdle,
      pendingAfterRun,
      log: runtime.log,
    });
    return { sentence: result.sentence };
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(errorMessage(error));
    return { sentence: `Schedule: ${firstLine(failure.message)}`, error: failure };
  }
}
