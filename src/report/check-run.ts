import { CheckRunNotFoundError, ChecksPermissionError, type ChecksClient, type CheckRunOutput } from '../github/checks.js';
import { errorMessage, firstLine } from '../errors.js';
import {
  REVIEW_STEPS,
  STEP_NAMES,
  stepOrder,
  type PostProcessingState,
  type PostProcessingStatus,
  type StepName,
} from '../postprocess/state.js';
import { stepTitle } from '../postprocess/steps/registry.js';
import type { Logger } from '../runtime.js';
import { enumsInWords, platformName, readableTime } from '../words.js';
import { buildLink } from '../links.js';
import { messageMarkdown, publicLinkText, stepTable } from '../summary.js';

/**
 * What the check run on the published commit says about a build's post-processing, and the one call that
 * creates or updates it. Reporting is best effort: no GitHub failure here ever fails post-processing.
 */

/** GitHub refuses a summary over 65535 bytes (documented as characters; counted in bytes: github/docs#35252). */
export const MAX_SUMMARY_BYTES = 65535;
/** What the checks list shows on one line without cutting it. */
export const MAX_TITLE_CHARS = 80;

export const CHECKS_PERMISSION_NOTICE = "Add `checks: write` to the job's permissions to see post-processing on the commit";

export interface CheckRunPayload {
  status: 'in_progress' | 'completed';
  conclusion?: 'success' | 'failure' | 'neutral';
  output: CheckRunOutput;
}

export interface PayloadOptions {
  /** The workflow run that reports (details link). */
  runUrl: string;
  /** Default: the state's status. */
  outcome?: PostProcessingStatus;
  /** Why it failed; default: the state's failure. */
  reason?: string;
}

/** `App Store Connect: <app> <version> (<build>)`: one check run per published package. */
export function checkRunName(state: PostProcessingState): string {
  return `App Store Connect: ${state.app.name ?? state.app.bundleId} ${state.build.version} (${state.build.buildNumber})`;
}

export function checkRunPayload(state: PostProcessingState, options: PayloadOptions): CheckRunPayload {
  const outcome = options.outcome ?? state.status;
  const reason = options.reason ?? state.failure;
  const summary = summaryOf(state, options.runUrl, outcome === 'failed' ? reason : undefined);
  if (outcome === 'failed') {
    return {
      status: 'completed',
      conclusion: 'failure',
      output: { title: bounded(`Failed: ${failureInBrief(state, reason)}`), summary },
    };
  }
  if (outcome === 'timed-out') {
    // Review can take days: no decision in time is reported, not failed; each watch's last state is in the table.
    const open = REVIEW_STEPS.filter((name) => ['timed-out', 'pending'].includes(state.steps[name]?.status ?? ''));
    return {
      status: 'completed',
      conclusion: 'neutral',
      output: { title: bounded(`No review decision in time: ${open.map(reviewName).join(' and ')} still open`), summary },
    };
  }
  if (outcome === 'completed') {
    const warnings = STEP_NAMES.filter((name) => state.steps[name]?.status === 'warning').length;
    const ready = approvedTitle(state);
    const title = warnings === 0 ? ready : `${ready}, ${warnings} warning${warnings === 1 ? '' : 's'}`;
    return { status: 'completed', conclusion: 'success', output: { title: bounded(title), summary } };
  }
  return {
    status: 'in_progress',
    output: { title: bounded(watchingTitle(state) ?? `Still waiting for Apple: ${waitingFor(state)}`), summary },
  };
}

/** After `follow-review`: what Apple approved, in its words; else the TestFlight sentence. */
function approvedTitle(state: PostProcessingState): string {
  const appStore = state.steps['app-store-review-decision'];
  // The title says what comes next ("live", "scheduled", "waiting for command: release"); Apple's state is in the table.
  if (appStore?.status === 'done')
    return `Approved by App Review: ${appStore.detail?.replace(/^APPROVED \([A-Z_]+\): /, '') ?? 'ready to release'}`;
  if (state.steps['beta-review-decision']?.status === 'done') return 'Approved in TestFlight beta review — ready for external testers';
  return 'Ready for testers';
}

/** What a review watch follows, in a title. */
const reviewName = (name: StepName): string => (name === 'beta-review-decision' ? 'TestFlight beta review' : 'App Review');

/** While a review is watched: "Waiting for App Review (since …)", the watches in the order they run. */
function watchingTitle(state: PostProcessingState): string | undefined {
  const order = stepOrder(state.request);
  const next = order.find((name) => state.steps[name]?.status === 'pending');
  if (next !== 'beta-review-decision' && next !== 'app-store-review-decision') return undefined;
  const watched = REVIEW_STEPS.filter((name) => state.steps[name]?.status === 'pending');
  const timeout = state.request.reviewTimeoutMs;
  const starts = watched
    .map((name) => state.deadlines[name === 'beta-review-decision' ? 'betaReview' : 'appStoreReview'])
    .filter((d): d is string => !!d && timeout !== undefined)
    .map((d) => Date.parse(d) - timeout!);
  const since = starts.length ? ` (since ${readableTime(new Date(Math.min(...starts)).toISOString())})` : '';
  return `Waiting for ${watched.map(reviewName).join(' and ')}${since}`;
}

/** What a pending build waits for: the first step not done yet, in Apple's words where Apple has a state. */
function waitingFor(state: PostProcessingState): string {
  const next: StepName | undefined = STEP_NAMES.find((name) => state.steps[name]?.status === 'pending');
  switch (next) {
    case undefined:
    case 'processing':
      return (state.build.processingState ?? 'processing').toLowerCase().replace(/_/g, ' ');
    case 'upload-state':
      return 'checking the upload';
    case 'find-build':
      return 'the build to appear';
    default:
      return stepTitle(next).charAt(0).toLowerCase() + stepTitle(next).slice(1);
  }
}

function summaryOf(state: PostProcessingState, runUrl: string, reason: string | undefined): string {
  const b = state.build;
  const lines = [
    ...stepTable(state),
    '',
    `[Open in App Store Connect](${buildLink(state.app.id, b.platform, b.id)})${publicLinkText(state)} · [Workflow run](${runUrl}) · ` +
      `${platformName(b.platform)} · bundle ID \`${state.app.bundleId}\`${b.id ? ` · build ${b.id}` : ''}`,
  ];
  if (reason) lines.push('', messageMarkdown(reason));
  return truncateMarkdown(lines.join('\n'), MAX_SUMMARY_BYTES);
}

const TRUNCATED_NOTE = '\n\n… (cut to fit GitHub’s limit; the workflow run’s job summary has everything)';

/**
 * Cuts Markdown to `maxBytes` of UTF-8: on a line boundary when one is near, never inside a character,
 * closing a code fence left open, and saying that it was cut.
 */
export function truncateMarkdown(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const budget = maxBytes - Buffer.byteLength(TRUNCATED_NOTE) - 16;
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (bytes + size > budget) break;
    bytes += size;
    end += char.length;
  }
  let cut = text.slice(0, end);
  const newline = cut.lastIndexOf('\n');
  if (newline > cut.length * 0.75) cut = cut.slice(0, newline);
  const fences = cut.match(/^`{3,}/gm) ?? [];
  if (fences.length % 2 === 1) cut += `\n${fences[fences.length - 1]}`;
  return cut + TRUNCATED_NOTE;
}

/** The failed step and what it said, else the reason's first line. */
function failureInBrief(state: PostProcessingState, reason: string | undefined): string {
  const step = STEP_NAMES.find((name) => state.steps[name]?.status === 'failed');
  const detail = step && state.steps[step]?.detail;
  if (step && detail) return `${stepTitle(step)}: ${enumsInWords(detail)}`;
  return firstLine(reason) || 'post-processing did not finish';
}

/** A title as the checks list shows it: plain text (no backticks), at most MAX_TITLE_CHARS, cut at a word, no dangling colon. */
export function bounded(title: string): string {
  const flat = title.replace(/`/g, '').replace(/\s+/g, ' ').trim();
  const chars = [...flat];
  if (chars.length <= MAX_TITLE_CHARS) return flat.replace(/[\s:;,]+$/, '');
  const cut = chars.slice(0, MAX_TITLE_CHARS - 1).join('');
  const word = cut.lastIndexOf(' ') > MAX_TITLE_CHARS / 2 ? cut.slice(0, cut.lastIndexOf(' ')) : cut;
  return `${word.replace(/[\s:;,.(—-]+$/, '')}…`;
}

// ---- reporting ----

/** The log reportCheckRun writes to; `notice` (a GitHub annotation) when the host has one, else `info`. */
export type CheckRunLog = Pick<Logger, 'info' | 'warning'> & { notice?(message: string): void };

export interface CheckRunContext extends PayloadOptions {
  /** The id kept in the state from an earlier report, if any. */
  checkRunId?: number;
  /** The commit, when the state does not name the one that was published (`origin.sha`). */
  headSha?: string;
  /** Without `checkRunId`: take over the check run of the same name on the commit, if there is one (distribute). */
  adopt?: boolean;
  log: CheckRunLog;
}

/** Logs that were already told about the missing permission: one notice per run, however many packages. */
const toldAboutPermission = new WeakSet<object>();

/**
 * Creates the check run, or updates the one whose id the state keeps (found again by name on the commit
 * when that id is gone, or when `adopt` asks for it). Returns the id to keep in the state. Never throws for GitHub's sake: a missing
 * `checks: write` is one notice, any other failure a warning, and the id known before is returned.
 */
export async function reportCheckRun(client: ChecksClient, state: PostProcessingState, ctx: CheckRunContext): Promise<number | undefined> {
  const headSha = state.origin?.sha || ctx.headSha;
  const name = checkRunName(state);
  if (!headSha) {
    ctx.log.info(`No check run for "${name}": the commit it was published from is not known.`);
    return ctx.checkRunId;
  }
  const payload = checkRunPayload(state, ctx);
  const fields = { ...payload, detailsUrl: ctx.runUrl };
  try {
    if (ctx.checkRunId !== undefined) {
      try {
        return (await client.update(ctx.checkRunId, fields)).id;
      } catch (error) {
        if (!(error instanceof CheckRunNotFoundError)) throw error;
        ctx.log.info(`Check run ${ctx.checkRunId} no longer exists; looking for "${name}" on commit ${headSha.slice(0, 7)}.`);
      }
    }
    if (ctx.checkRunId !== undefined || ctx.adopt) {
      const found = await client.findByName(headSha, name, { externalId: state.id });
      if (found) return (await client.update(found.id, fields)).id;
    }
    return (await client.create({ name, headSha, externalId: state.id, ...fields })).id;
  } catch (error) {
    if (error instanceof ChecksPermissionError) {
      if (!toldAboutPermission.has(ctx.log)) {
        toldAboutPermission.add(ctx.log);
        (ctx.log.notice ?? ctx.log.info).call(
          ctx.log,
          `${CHECKS_PERMISSION_NOTICE} (GitHub: 403 Resource not accessible by integration; pull requests from forks get a read-only token). Post-processing goes on.`,
        );
      }
    } else {
      ctx.log.warning(
        `The check run "${name}" on commit ${headSha.slice(0, 7)} was not updated: ${errorMessage(error)} Post-processing goes on.`,
      );
    }
    return ctx.checkRunId;
  }
}
