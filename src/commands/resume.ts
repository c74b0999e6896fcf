import type { AppStoreConnect } from '../asc/client.js';
import { AscApiError } from '../asc/errors.js';
import type { Config } from '../config.js';
import { UserError, errorMessage, firstLine } from '../errors.js';
import { advance, describeBuild } from '../postprocess/engine.js';
import { stepOrder, type PostProcessingState } from '../postprocess/state.js';
import { stepTitle } from '../postprocess/steps/registry.js';
import type { Runtime } from '../runtime.js';
import { openArtifactStore } from '../stores/artifact-store.js';
import type { RejectedState, StateStore, StoredRef } from '../stores/store.js';
import { buildLink } from '../links.js';
import { escapeCell } from '../summary.js';
import { runUrl } from '../github/urls.js';
import { connectFromConfig, engineContext, readKey, type CommandDeps } from './context.js';
import { setStateOutputs, worstOutcome } from './report.js';
import { statusReporter, type StatusReporter } from './status.js';
import { enumsInWords, readableTime } from '../words.js';
import { settleIdleSchedule } from './schedule.js';

type Outcome = 'completed' | 'pending' | 'failed' | 'timed-out';

interface Row {
  label: string;
  outcome: Outcome | 'rejected';
  state?: PostProcessingState;
  detail: string;
  /** The run that made a rejected artifact. */
  run?: RejectedState['run'];
  kind?: RejectedState['kind'];
}

/**
 * Finds every pending state artifact of the repository and advances each as far as it can without
 * waiting. Done or failed for good → the state is deleted; still waiting → the new progress is saved.
 * Every build is handled before the run fails for any of them.
 */
export async function resume(config: Config, runtime: Runtime, deps: CommandDeps, store?: StateStore): Promise<void> {
  // Read once, for the client and the state seal.
  const key = readKey(config);
  store ??= openArtifactStore(config, runtime, deps, key);
  const asc = connectFromConfig(config, runtime, deps, key);
  const { states: refs, rejected } = await store.list();
  runtime.log.info(pendingSentence(refs.length, rejected.length));
  const visibleApps = new Map<string, Promise<boolean>>();
  const status = statusReporter(config, runtime, deps);
  // Never acted on, never deleted, and the job's result does not depend on them.
  const rows: Row[] = rejectedRows(rejected, runtime);
  for (const ref of refs) {
    // One build's trouble (a failed delete, an unreadable answer) must not stop the others.
    rows.push(
      await resumeOne(ref, store, asc, config, runtime, deps, visibleApps, status).catch((error: Error) => {
        runtime.log.error(`${ref.label}: ${error.message}`);
        return { label: ref.label, outcome: 'failed' as const, detail: firstLine(error.message) };
      }),
    );
  }

  const counted = rows.filter((r): r is Row & { outcome: Outcome } => r.outcome !== 'rejected');
  runtime.setOutput('post-processing', worstOutcome(counted.map((r) => r.outcome)));
  // One line per build, as publish does for several packages.
  setStateOutputs(
    runtime,
    counted.map((r) => r.state),
  );
  const schedule = await settleIdleSchedule(config, runtime, deps, store, rows.filter(leftPending).length);
  await runtime.appendSummary(`${resumeSummary(rows)}\n${schedule.sentence}\n`);
  if (schedule.error) throw schedule.error;
  const failed = rows.filter((r) => r.outcome === 'failed');
  if (failed.length)
    throw new UserError(
      `${failed.length} of ${counted.length} deferred build${counted.length === 1 ? '' : 's'} failed: ${failed.map((r) => (r.state ? describeBuild(r.state) : r.label)).join(', ')}. See the errors above and the job summary.`,
    );
}

/**
 * Whether a row leaves work for a later run: a pending build, or a state kept after a failure (unreadable,
 * an app the key cannot see). A finished or failed build's state is deleted; a rejected artifact is never
 * this workflow's work (another key's state is its own team's resume workflow's).
 */
function leftPending(row: Row): boolean {
  if (row.outcome === 'rejected') return false;
  if (row.outcome === 'failed') return row.state?.status !== 'failed';
  return row.outcome === 'pending';
}

/**
 * Anyone who can run a workflow can upload thousands of artifacts named like state: the first few are
 * named in the log and the summary, the rest counted in one line, so the genuine builds' report stays readable
 * (and within GitHub's limit for a job summary).
 */
const NAMED_REJECTIONS = 10;

function rejectedRows(rejected: RejectedState[], runtime: Runtime): Row[] {
  const rows: Row[] = rejected.slice(0, NAMED_REJECTIONS).map((r) => {
    runtime.log.warning(`${r.label} is not used: ${r.reason}.${r.run ? ` It was made by workflow run ${r.run.id}: ${r.run.url}` : ''}`);
    return { label: r.label, outcome: 'rejected', detail: r.reason, run: r.run, kind: r.kind };
  });
  const rest = rejected.slice(NAMED_REJECTIONS);
  if (rest.length) {
    const forks = rest.filter((r) => r.reason.startsWith('a run of another repository')).length;
    const detail = `and ${rest.length} more artifacts named like state not used (${forks} made by runs of other repositories); none was acted on`;
    runtime.log.warning(`${detail}. List them under Actions → the runs that made them.`);
    rows.push({ label: `and ${rest.length} more`, outcome: 'rejected', detail });
  }
  return rows;
}

async function resumeOne(
  ref: StoredRef,
  store: StateStore,
  asc: AppStoreConnect,
  config: Config,
  runtime: Runtime,
  deps: CommandDeps,
  visibleApps: Map<string, Promise<boolean>>,
  status: StatusReporter,
): Promise<Row> {
  let state: PostProcessingState;
  try {
    // An artifact another run deleted between our listing and our download is left out by `list` already.
    state = await store.load(ref);
  } catch (error) {
    runtime.log.error(`${ref.label}: ${errorMessage(error)}`);
    return { label: ref.label, outcome: 'failed', detail: errorMessage(error) };
  }
  if (!visibleApps.has(state.app.id)) visibleApps.set(state.app.id, canSee(asc, state.app.id));
  if (!(await visibleApps.get(state.app.id))) {
    const message = `${ref.label} is for ${state.app.bundleId} (app ${state.app.id}), which this API key cannot see. Run resume with the key that published it (a key with access to that app); the state is kept.`;
    runtime.log.error(message);
    return { label: ref.label, outcome: 'failed', state, detail: message };
  }
  const result = await advance(state, engineContext(asc, config.pollIntervalMs, runtime, deps, undefined, config.demoAccountPassword), {
    wait: false,
  });
  // Before the save, so a check run made now (none could be made at publish) is kept.
  const checkRunId = result.changed || state.checkRunId === undefined ? await status.report(state) : state.checkRunId;
  const newCheckRun = checkRunId !== state.checkRunId;
  state.checkRunId = checkRunId;
  if (state.status !== 'pending') {
    await store.remove(ref);
  } else if (result.changed || newCheckRun) {
    // The artifact library's upload lines, folded as a publish's save is.
    const save = () => store.save(state, ref);
    await (runtime.group ? runtime.group(`Saving the post-processing state of ${describeBuild(state)}`, save) : save());
  }
  if (result.error) runtime.log.error(result.error.message);
  const outcome: Outcome = result.error ? 'failed' : state.status === 'pending' ? 'pending' : state.status;
  return { label: ref.label, outcome, state, detail: result.error ? firstLine(result.error.message) : currentStep(state) };
}

async function canSee(asc: AppStoreConnect, appId: string): Promise<boolean> {
  try {
    await asc.apps.get(appId);
    return true;
  } catch (error) {
    if (error instanceof AscApiError && (error.status === 404 || error.status === 403)) return false;
    throw error;
  }
}

function currentStep(state: PostProcessingState): string {
  if (state.status === 'completed') return 'all steps done';
  if (state.status === 'timed-out') return 'no review decision within `review-timeout`';
  const name = stepOrder(state.request).find((n) => state.steps[n]?.status === 'pending');
  return name ? `${stepTitle(name)}: ${state.steps[name]?.detail ?? 'waiting'}` : state.status;
}

const OUTCOME_ICON: Record<Row['outcome'], string> = {
  completed: '✅ completed',
  pending: '⏳ pending',
  failed: '❌ failed',
  'timed-out': '⌛ no review decision in time',
  rejected: '⚠️ not used',
};

/** Link to a run of this repository; ids are numbers, so nothing from a state reaches the link but digits. */
function runLink(runId: number | string | undefined): string {
  if (runId === undefined || !/^\d{1,20}$/.test(String(runId)) || !process.env.GITHUB_REPOSITORY) return '';
  return `[${runId}](${runUrl(runId)})`;
}

/** How many states this run can use, and how many it cannot, in one sentence that never says "none" of a state it lists. */
function pendingSentence(usable: number, notUsed: number): string {
  if (!usable && !notUsed) return 'No pending post-processing.';
  const found = usable
    ? `${usable} pending post-processing state${usable === 1 ? '' : 's'} found`
    : 'No pending post-processing this key can use';
  return notUsed ? `${found}; ${notUsed} state artifact${notUsed === 1 ? ' is' : 's are'} not used (below).` : `${found}.`;
}

function resumeSummary(rows: Row[]): string {
  const lines = ['## App Store Connect Publish — resume', ''];
  if (!rows.length) return lines.concat('No pending post-processing.', '').join('\n');
  lines.push('| Build | Result | Now | Uploaded | From run | Link |', '| --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const s = r.state;
    const build = s ? `${s.app.name ?? s.app.bundleId} ${s.build.version} (${s.build.buildNumber})` : r.label;
    const run = runLink(r.run?.id ?? s?.origin?.runId);
    const link = s ? `[App Store Connect](${buildLink(s.app.id, s.build.platform, s.build.id)})` : '';
    lines.push(
      `| ${escapeCell(build)} | ${OUTCOME_ICON[r.outcome]} | ${escapeCell(enumsInWords(r.detail))} | ${escapeCell(readableTime(s?.uploadedAt))} | ${run} | ${link} |`,
    );
  }
  const watching = rows.flatMap((r) => (r.outcome === 'pending' && r.state ? watchLines(r.state) : []));
  if (watching.length) lines.push('', '**Following review** (`follow-review`):', '', ...watching);
  return lines.concat('').join('\n');
}

/** What a pending build's review watches wait for, and until when (its `review-timeout`). */
function watchLines(state: PostProcessingState): string[] {
  const build = escapeCell(`${state.app.name ?? state.app.bundleId} ${state.build.version} (${state.build.buildNumber})`);
  const watches = [
    ['beta-review-decision', 'TestFlight beta review', state.deadlines.betaReview],
    ['app-store-review-decision', 'App Review', state.deadlines.appStoreReview],
  ] as const;
  return watches
    .filter(([name]) => state.steps[name]?.status === 'pending')
    .map(
      ([name, what, until]) =>
        `- ${build}: ${what} — ${escapeCell(enumsInWords(state.steps[name]?.detail ?? 'not looked at yet'))}; watched until ${until ?? 'its submission'} (then concluded neutral, not failed)`,
    );
}
