import { UserError } from '../errors.js';
import type { AdvanceResult } from '../postprocess/engine.js';
import type { PostProcessingState } from '../postprocess/state.js';
import type { Runtime } from '../runtime.js';
import { outputLine } from '../log-safe.js';
import { buildLink } from '../links.js';
import { escapeText, messageMarkdown, stateSection, type ExtraRow } from '../summary.js';

/** `timed-out`: no review decision within `review-timeout` (`follow-review`), which is no failure. */
export type PostProcessingOutput = 'completed' | 'pending' | 'failed' | 'timed-out' | 'skipped';

export interface PackageReport {
  result: AdvanceResult;
  /** Rows before the post-processing steps (the upload). */
  before?: ExtraRow[];
  /** Overrides what the state's status says (deferred → pending, off → skipped). */
  outcome?: PostProcessingOutput;
  buildUploadId?: string;
  stateArtifactId?: string;
}

const WORST: PostProcessingOutput[] = ['failed', 'pending', 'timed-out', 'completed', 'skipped'];

/** The `post-processing` output of several builds: the worst of their outcomes; none → `skipped`. */
export function worstOutcome(outcomes: readonly PostProcessingOutput[]): PostProcessingOutput {
  return WORST.find((w) => outcomes.includes(w)) ?? 'skipped';
}

/**
 * The outputs read from each build's state, one line per build (empty for a build whose state is not
 * known): the check run when any build has one, the App Store version when any build asked for it.
 */
export function setStateOutputs(runtime: Runtime, states: ReadonlyArray<PostProcessingState | undefined>): void {
  const columns: Array<[string, (s: PostProcessingState) => string | undefined]> = [
    ['app-store-connect-url', (s) => buildLink(s.app.id, s.build.platform, s.build.id)],
    ['testflight-public-link', (s) => s.testflight?.publicLink],
  ];
  if (states.some((s) => s?.checkRunId)) columns.push(['check-run-id', (s) => s.checkRunId?.toString()]);
  if (states.some((s) => s?.request.submitBetaReview)) columns.push(['beta-review-state', (s) => s.betaReview?.state]);
  if (states.some((s) => s?.request.appStore)) {
    columns.push(['app-store-version-id', (s) => s.appStore?.versionId]);
    columns.push(['app-store-state', (s) => s.appStore?.versionState]);
  }
  // One line per build: a value with a line break (Apple's text) would shift every later build's line.
  for (const [name, pick] of columns) runtime.setOutput(name, states.map((s) => outputLine(s ? (pick(s) ?? '') : '')).join('\n'));
}

/**
 * Outputs, job summary and annotations for every package of a run; fails the run when any package
 * failed, after reporting all of them. With several packages each output holds one line per package.
 */
export async function finishPostProcessing(
  reports: PackageReport[],
  runtime: Runtime,
  command: string,
  aborted?: { label: string; error: Error },
): Promise<void> {
  const outcomes = reports.map((r) => r.outcome ?? outcomeOf(r));
  const columns: Array<[string, (r: PackageReport) => string | undefined]> = [
    ['app-id', (r) => r.result.state.app.id],
    ['bundle-id', (r) => r.result.state.app.bundleId],
    ['app-version', (r) => r.result.state.build.version],
    ['build-number', (r) => r.result.state.build.buildNumber],
    ['platform', (r) => r.result.state.build.platform],
    ['build-upload-id', (r) => r.buildUploadId ?? r.result.state.build.buildUploadId],
    ['build-id', (r) => r.result.state.build.id],
    ['processing-state', (r) => r.result.state.build.processingState],
  ];
  if (reports.some((r) => r.stateArtifactId)) columns.push(['state-artifact-id', (r) => r.stateArtifactId]);
  for (const [name, pick] of columns) runtime.setOutput(name, reports.map((r) => outputLine(pick(r) ?? '')).join('\n'));
  setStateOutputs(
    runtime,
    reports.map((r) => r.result.state),
  );
  runtime.setOutput('post-processing', reports.length === 1 ? outcomes[0]! : worstOutcome(outcomes));

  const sections = reports.map((r, i) => stateSection(r.result.state, { before: r.before, outcome: outcomes[i] }));
  if (aborted) sections.push(`### ${escapeText(aborted.label)} — failed\n\n${messageMarkdown(aborted.error.message)}\n`);
  await runtime.appendSummary(`## App Store Connect Publish — ${command}\n\n${sections.join('\n')}`);

  const errors = [...reports.map((r) => r.result.error), aborted?.error].filter((e): e is Error => !!e);
  if (errors.length === 1) throw new UserError(errors[0]!.message);
  // One annotation per failed package, then the run's own failure.
  for (const e of errors) runtime.log.error(e.message);
  if (errors.length > 1)
    throw new UserError(`${errors.length} of ${reports.length} packages failed; see the errors above and the job summary.`);
}

function outcomeOf(r: PackageReport): PostProcessingOutput {
  if (r.result.error) return 'failed';
  const status = r.result.state.status;
  return status === 'completed' || status === 'failed' || status === 'timed-out' ? status : 'pending';
}
