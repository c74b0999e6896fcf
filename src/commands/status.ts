import type { Config } from '../config.js';
import { createChecksClient, type ChecksClient } from '../github/checks.js';
import { runUrl as workflowRunUrl } from '../github/urls.js';
import type { PostProcessingState, PostProcessingStatus } from '../postprocess/state.js';
import { reportCheckRun } from '../report/check-run.js';
import type { Runtime } from '../runtime.js';
import type { CommandDeps } from './context.js';

/**
 * The build's post-processing as a check run on the commit it was published from (`state.origin.sha`).
 * Best effort: GitHub's refusals are a notice or a warning, never the run's failure.
 */
export interface StatusReporter {
  /**
   * Creates or updates the state's check run; returns the id for `state.checkRunId` (the one it had when
   * GitHub failed). `adopt`: a state without an id takes over a check run of the same name on its commit.
   */
  report(
    state: PostProcessingState,
    options?: { outcome?: PostProcessingStatus; reason?: string; adopt?: boolean },
  ): Promise<number | undefined>;
}

/** Off with `status-check: false`, and outside a repository's workflow (no token or repository): then no GitHub call at all. */
export function statusReporter(config: Config, runtime: Runtime, deps: CommandDeps): StatusReporter {
  const repository = process.env.GITHUB_REPOSITORY;
  const token = config.githubToken;
  if (!config.statusCheck || !token || !repository) return { report: async (state) => state.checkRunId };
  const runUrl = workflowRunUrl(process.env.GITHUB_RUN_ID, repository);
  let client: ChecksClient | undefined;
  const checks = () =>
    (client ??= createChecksClient({
      token,
      repository,
      apiUrl: process.env.GITHUB_API_URL,
      log: runtime.log,
      retry: deps.retry,
      sleep: deps.sleep,
      timeoutMs: deps.requestTimeoutMs,
      readOnly: config.dryRun,
    }));
  return {
    async report(state, options = {}) {
      return reportCheckRun(checks(), state, { ...options, runUrl, checkRunId: state.checkRunId, log: runtime.log });
    },
  };
}
