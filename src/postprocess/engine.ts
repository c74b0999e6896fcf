import type { AppStoreConnect } from '../asc/client.js';
import { isTransient } from '../asc/errors.js';
import { errorMessage, firstLine } from '../errors.js';
import type { Sleep } from '../net/retry.js';
import type { Logger } from '../runtime.js';
import {
  REVIEW_STEPS,
  stepOrder,
  type AppStoreRecord,
  type BetaReviewRecord,
  type PostProcessingState,
  type StepName,
  type TestFlightRecord,
} from './state.js';
import { STEPS, stepTitle } from './steps/registry.js';
import { StepFailure, type StatePatch, type StepResult } from './steps/types.js';
import { enumsInWords, inBrief, readableTime } from '../words.js';

/** A failed step's detail: the whole error in brief, for its row of the step table. */
const FAILED_DETAIL_CHARS = 300;

export interface EngineContext {
  asc: AppStoreConnect;
  log: Logger;
  now: () => number;
  sleep: Sleep;
  pollIntervalMs: number;
  /** `demo-account-password` of this run, for the Test Information step; never stored. */
  demoAccountPassword?: string;
  /** Called after every change of progress, so a crash loses at most the step under way. */
  onProgress?: (state: PostProcessingState) => Promise<void>;
}

export interface AdvanceResult {
  state: PostProcessingState;
  /** Set when this call failed. The state's `status` is `failed` only when retrying cannot help. */
  error?: Error;
  /** Whether this call changed the state (a resume saves only what changed). */
  changed: boolean;
}

/** Minimum time between "still waiting" lines in the log of a long inline wait. */
const HEARTBEAT_MS = 5 * 60_000;

/**
 * Advances post-processing as far as it can. With `wait` it polls every `pollIntervalMs` until done
 * or a deadline (inline mode); without, a step that has to wait makes one status check and the call
 * returns with the state still pending (resume). Steps read Apple's state before acting and return
 * what they learnt; only the engine writes the state, and it reports every change through `onProgress`.
 *
 * A review watch (`follow-review`) never sleeps, even with `wait`: it reads Apple's decision once and,
 * undecided, leaves the state pending for a resume (a job never sleeps through a review). Another
 * watch after it still runs, so one review never hides the other's decision; the other steps after it
 * (testers notified once the build is approved) wait behind it. Its deadline's expiry ends the watch
 * `timed-out`, which is no failure.
 */
export async function advance(state: PostProcessingState, ctx: EngineContext, options: { wait: boolean }): Promise<AdvanceResult> {
  if (state.status !== 'pending') return { state, changed: false };
  let changed = false;
  const commit = async (): Promise<void> => {
    changed = true;
    await ctx.onProgress?.(state);
  };
  let behindReview = false;
  for (const name of stepOrder(state.request)) {
    const progress = state.steps[name];
    if (!progress || progress.status !== 'pending') continue;
    const review = REVIEW_STEPS.includes(name);
    if (behindReview && !review) continue;
    const startedAt = progress.startedAt ?? new Date(ctx.now()).toISOString();
    if (!review && watchTimedOutBefore(state, name)) {
      // Behind a watch that saw no decision (testers told once approved): there is nothing to act on.
      const detail = 'Apple did not decide on the review within `review-timeout`: not done';
      state.steps[name] = { status: 'skipped', detail, startedAt, finishedAt: new Date(ctx.now()).toISOString() };
      ctx.log.info(`${stepTitle(name)}: ${detail}`);
      await commit();
      continue;
    }
    const deadlineSet = review && startReviewDeadline(state, name, ctx.now());
    let lastDetail: string | undefined;
    let lastLog = 0;
    for (let attempt = 0; ; attempt++) {
      // Before a step that writes acts: past its deadline a state is stale (a copy kept too long, a schedule
      // that was off) and must not write to App Store Connect on what it asked for then. A step that only
      // reads (the build's state, a review's decision) reads once: a late resume still learns that Apple
      // finished, and its waiting is bounded below, with its last answer in the message.
      const limit = deadlineOf(state, name);
      if (attempt === 0 && !STEPS[name].readOnly && ctx.now() >= limit.at) {
        const failed = await fail(state, name, startedAt, new DeadlineError(lateMessage(state, limit)), ctx);
        return { ...failed, changed: true };
      }
      let result: StepResult;
      try {
        const { asc, log, sleep, pollIntervalMs, demoAccountPassword } = ctx;
        const run = () => STEPS[name].run(state, { asc, log, sleep, pollIntervalMs, demoAccountPassword });
        // Inline, a 429 is waited out up to the step's deadline; resume (and a review watch) waits only briefly and leaves the step pending.
        result = options.wait && !review ? await ctx.asc.http.waitingUntil(limit.at, `\`${limit.input}\``, run) : await run();
      } catch (error) {
        if (error instanceof StepFailure) applyPatch(state, error.patch);
        const failed = await fail(state, name, startedAt, error, ctx);
        changed = true;
        return { ...failed, changed };
      }
      const patched = applyPatch(state, result.patch);
      if (result.status !== 'waiting') {
        state.steps[name] = { status: result.status, detail: result.detail, startedAt, finishedAt: new Date(ctx.now()).toISOString() };
        const line = `${stepTitle(name)}: ${enumsInWords(result.detail ?? result.status)}`;
        if (result.status === 'warning') ctx.log.warning(line);
        else ctx.log.info(line);
        await commit();
        break;
      }
      const deadline = deadlineOf(state, name, result.bound);
      if (review && ctx.now() >= deadline.at) {
        const detail = `no decision within \`review-timeout\` (${hoursOf(state.request.reviewTimeoutMs ?? DEFAULT_REVIEW_TIMEOUT_MS)} h from the submission); last state: ${result.detail ?? 'unknown'}`;
        state.steps[name] = { status: 'timed-out', detail, startedAt, finishedAt: new Date(ctx.now()).toISOString() };
        ctx.log.warning(
          `${stepTitle(name)}: ${enumsInWords(detail)}. Apple is still deciding: this is no failure, and the build stays where it is in App Store Connect; follow it there.`,
        );
        await commit();
        break;
      }
      if (ctx.now() >= deadline.at) {
        const failed = await fail(state, name, startedAt, new DeadlineError(deadlineMessage(state, deadline, result.detail)), ctx);
        changed = true;
        return { ...failed, changed };
      }
      const before = state.steps[name];
      state.steps[name] = { status: 'pending', detail: result.detail, startedAt };
      const news = patched || deadlineSet || before?.detail !== result.detail || before?.startedAt !== startedAt;
      if (review) {
        // One look per call; what the later watches see is still worth a look.
        if (news) await commit();
        ctx.log.info(`${stepTitle(name)}: ${enumsInWords(result.detail ?? 'waiting')}; watched until ${deadline.iso}.`);
        behindReview = true;
        break;
      }
      if (!options.wait) {
        // One status check per resume: save only what it changed.
        if (news) await commit();
        return { state, changed };
      }
      if (result.detail !== lastDetail || ctx.now() - lastLog >= HEARTBEAT_MS) {
        ctx.log.info(
          `${stepTitle(name)}: ${enumsInWords(result.detail ?? 'waiting')} (${minutesSince(state.uploadedAt, ctx.now())} min since the upload; checking every ${ctx.pollIntervalMs / 1000} s)`,
        );
        lastDetail = result.detail;
        lastLog = ctx.now();
      }
      await ctx.sleep(Math.max(0, Math.min(ctx.pollIntervalMs, deadline.at - ctx.now())));
    }
  }
  if (Object.values(state.steps).some((p) => p?.status === 'pending')) return { state, changed };
  state.status = Object.values(state.steps).some((p) => p?.status === 'timed-out') ? 'timed-out' : 'completed';
  await commit();
  return { state, changed };
}

/** `review-timeout`'s default (action.yml), for a state whose request does not say it. */
const DEFAULT_REVIEW_TIMEOUT_MS = 72 * 3_600_000;

/** The review watches that run before `name` (with `follow-review`, testers are told after the beta decision). */
function watchesBefore(state: PostProcessingState, name: StepName): StepName[] {
  const order = stepOrder(state.request);
  return order.slice(0, order.indexOf(name)).filter((n) => REVIEW_STEPS.includes(n));
}

/** Whether a review watch that comes before `name` ended without a decision. */
function watchTimedOutBefore(state: PostProcessingState, name: StepName): boolean {
  return watchesBefore(state, name).some((n) => state.steps[n]?.status === 'timed-out');
}

/** The state field that holds a review watch's deadline. */
function reviewDeadlineKey(name: StepName): 'betaReview' | 'appStoreReview' {
  return STEPS[name].deadline === 'beta-review' ? 'betaReview' : 'appStoreReview';
}

/** A review watch's deadline, `review-timeout` from now (right after the submission), set once; true when set now. */
function startReviewDeadline(state: PostProcessingState, name: StepName, now: number): boolean {
  const key = reviewDeadlineKey(name);
  if (state.deadlines[key]) return false;
  state.deadlines[key] = new Date(now + (state.request.reviewTimeoutMs ?? DEFAULT_REVIEW_TIMEOUT_MS)).toISOString();
  return true;
}

function hoursOf(ms: number): number {
  return Math.round((ms / 3_600_000) * 100) / 100;
}

/** Merges what a step learnt into the state (the one place besides progress where it changes); true when something did. */
function applyPatch(state: PostProcessingState, patch: StatePatch | undefined): boolean {
  let changed = false;
  const merge = <T extends object>(target: T, values: Partial<T>): T => {
    const next = { ...target };
    for (const [key, value] of Object.entries(values ?? {}) as Array<[keyof T, T[keyof T]]>) {
      if (value === undefined || next[key] === value) continue;
      next[key] = value;
      changed = true;
    }
    return next;
  };
  if (patch?.build) state.build = merge<PostProcessingState['build']>(state.build, patch.build);
  if (patch?.appStore) state.appStore = merge<AppStoreRecord>(state.appStore ?? {}, patch.appStore);
  if (patch?.testflight) state.testflight = merge<TestFlightRecord>(state.testflight ?? {}, patch.testflight);
  if (patch?.betaReview) state.betaReview = merge<BetaReviewRecord>(state.betaReview ?? {}, patch.betaReview);
  return changed;
}

/** A deadline that passed: final, reported as the build's failure. */
class DeadlineError extends Error {
  override name = 'DeadlineError';
}

async function fail(
  state: PostProcessingState,
  name: StepName,
  startedAt: string,
  error: unknown,
  ctx: EngineContext,
): Promise<Omit<AdvanceResult, 'changed'>> {
  const message = `${stepTitle(name)} (step \`${name}\`) failed for ${describeBuild(state)}: ${errorMessage(error)}`;
  const wrapped = new Error(message, { cause: error });
  if (isTransient(error)) {
    // Kept pending: the next run (or resume) tries this step again.
    state.steps[name] = { status: 'pending', startedAt, detail: `last attempt failed: ${firstLine(errorMessage(error))}` };
  } else {
    state.steps[name] = {
      status: 'failed',
      startedAt,
      detail: inBrief(errorMessage(error), FAILED_DETAIL_CHARS),
      finishedAt: new Date(ctx.now()).toISOString(),
    };
    state.status = 'failed';
    state.failure = message;
  }
  await ctx.onProgress?.(state);
  return { state, error: wrapped };
}

export function describeBuild(state: PostProcessingState): string {
  return `${state.app.bundleId} ${state.build.version} (${state.build.buildNumber})`;
}

/** When a step's waiting ends, and the input that sets it. */
interface Deadline {
  at: number;
  input: string;
  iso: string;
}

function deadlineOf(state: PostProcessingState, name: StepName, bound?: 'find-build'): Deadline {
  const at = (ms: number, input: string): Deadline => ({ at: ms, input, iso: new Date(ms).toISOString() });
  const findBuild = Date.parse(state.deadlines.findBuild);
  const processing = Date.parse(state.deadlines.processing);
  const kind = STEPS[name].deadline;
  if (kind === 'find-build' || bound === 'find-build') return at(Math.min(findBuild, processing), 'find-build-timeout');
  if (kind === 'processing') {
    // A step behind a review watch (testers told once the build is approved) runs when Apple decides, days
    // after the upload: the watch's deadline bounds it, not processing's.
    const watched = watchesBefore(state, name)
      .map((n) => state.deadlines[reviewDeadlineKey(n)])
      .filter((d): d is string => !!d);
    if (watched.length) return at(Math.max(processing, ...watched.map(Date.parse)), 'review-timeout');
    return at(processing, 'processing-timeout');
  }
  const review = state.deadlines[reviewDeadlineKey(name)];
  // Set by startReviewDeadline before the watch first runs.
  if (!review) throw new Error(`internal: the review watch ${name} has no deadline`);
  return at(Date.parse(review), 'review-timeout');
}

function deadlineMessage(state: PostProcessingState, limit: Deadline, detail: string | undefined): string {
  const what = limit.input === 'find-build-timeout' ? 'the build did not appear in App Store Connect' : 'post-processing did not finish';
  return `${what} within \`${limit.input}\` (${deadlineWords(state, limit)})${detail ? `; last state: ${detail}` : ''}. Apple is sometimes slow: check the build in App Store Connect → TestFlight, raise \`${limit.input}\`, and finish it with \`command: distribute\` once it is there.`;
}

/** A step whose deadline passed before it ran (no run came in time, or a stale copy): it sent nothing. */
function lateMessage(state: PostProcessingState, limit: Deadline): string {
  return `its deadline \`${limit.input}\` (${deadlineWords(state, limit)}) passed before it ran, so nothing was sent to App Store Connect for it. Check the build in App Store Connect → TestFlight and finish it with \`command: distribute\`.`;
}

/** A deadline in words: minutes from the upload, or (a step behind a review watch) the time it ended. */
function deadlineWords(state: PostProcessingState, limit: Deadline): string {
  if (limit.input === 'review-timeout') return `the review watch's, which ended ${readableTime(limit.iso)}`;
  return `${Math.round((limit.at - Date.parse(state.uploadedAt)) / 6000) / 10} minutes from the upload`;
}

function minutesSince(iso: string, now: number): number {
  return Math.round((now - Date.parse(iso)) / 6000) / 10;
}
