import type { AppStoreConnect } from '../asc/client.js';
import { AscApiError } from '../asc/errors.js';
import { errorMessage } from '../errors.js';
import { NetworkError, type Sleep } from '../net/retry.js';
import type { Logger } from '../runtime.js';
import { STEP_NAMES, STEP_TITLES, type PostProcessingState, type StepName } from './state.js';
import { STEPS, type StepOutcome } from './steps.js';

export interface EngineContext {
  asc: AppStoreConnect;
  log: Logger;
  now: () => number;
  sleep: Sleep;
  pollIntervalMs: number;
  /** Called after every change of progress, so a crash loses at most the step under way. */
  onProgress?: (state: PostProcessingState) => Promise<void>;
}

export interface AdvanceResult {
  state: PostProcessingState;
  /** Set when this call failed. The state's `status` is `failed` only when retrying cannot help. */
  error?: Error;
}

/** Minimum time between "still waiting" lines in the log of a long inline wait. */
const HEARTBEAT_MS = 5 * 60_000;

/**
 * Advances post-processing as far as it can. With `wait` it polls every `pollIntervalMs` until done
 * or a deadline (inline mode); without, a step that has to wait makes one status check and the call
 * returns with the state still pending (resume). Steps check Apple's state before acting, so running
 * a step again after a crash never does its work twice.
 */
export async function advance(state: PostProcessingState, ctx: EngineContext, options: { wait: boolean }): Promise<AdvanceResult> {
  if (state.status !== 'pending') return { state };
  for (const name of STEP_NAMES) {
    const progress = state.steps[name];
    if (!progress || progress.status !== 'pending') continue;
    const startedAt = progress.startedAt ?? new Date(ctx.now()).toISOString();
    state.steps[name] = { ...progress, startedAt };
    let lastDetail: string | undefined;
    let lastLog = 0;
    for (;;) {
      let outcome: StepOutcome;
      try {
        const run = () => STEPS[name](state, ctx);
        // Inline, a 429 is waited out up to the step's deadline; resume waits only briefly and leaves the step pending.
        const limit = deadlineOf(state, name);
        outcome = options.wait ? await ctx.asc.http.waitingUntil(limit.at, `\`${limit.input}\``, run) : await run();
      } catch (error) {
        return fail(state, name, error, ctx);
      }
      if (outcome.status !== 'waiting') {
        state.steps[name] = { status: outcome.status, detail: outcome.detail, startedAt, finishedAt: new Date(ctx.now()).toISOString() };
        const line = `${STEP_TITLES[name]}: ${outcome.detail ?? outcome.status}`;
        if (outcome.status === 'warning') ctx.log.warning(line);
        else ctx.log.info(line);
        await ctx.onProgress?.(state);
        break;
      }
      const deadline = deadlineOf(state, name);
      if (ctx.now() >= deadline.at) {
        return fail(state, name, new DeadlineError(deadlineMessage(state, name, deadline.input, outcome.detail)), ctx);
      }
      state.steps[name] = { status: 'pending', detail: outcome.detail, startedAt };
      if (!options.wait) {
        await ctx.onProgress?.(state);
        return { state };
      }
      if (outcome.detail !== lastDetail || ctx.now() - lastLog >= HEARTBEAT_MS) {
        ctx.log.info(
          `${STEP_TITLES[name]}: ${outcome.detail ?? 'waiting'} (${minutesSince(state.uploadedAt, ctx.now())} min since the upload; checking every ${ctx.pollIntervalMs / 1000} s)`,
        );
        lastDetail = outcome.detail;
        lastLog = ctx.now();
      }
      await ctx.sleep(Math.max(0, Math.min(ctx.pollIntervalMs, deadline.at - ctx.now())));
    }
  }
  state.status = 'completed';
  await ctx.onProgress?.(state);
  return { state };
}

/** A deadline that passed: final, reported as the build's failure. */
export class DeadlineError extends Error {
  override name = 'DeadlineError';
}

/** Failures that may pass by themselves: Apple's 5xx and 429 after every retry, and network errors. */
export function isTransient(error: unknown): boolean {
  return error instanceof NetworkError || (error instanceof AscApiError && (error.status >= 500 || error.status === 429));
}

async function fail(state: PostProcessingState, name: StepName, error: unknown, ctx: EngineContext): Promise<AdvanceResult> {
  const message = `${STEP_TITLES[name]} (step \`${name}\`) failed for ${describeBuild(state)}: ${errorMessage(error)}`;
  const wrapped = new Error(message, { cause: error });
  const progress = state.steps[name];
  if (isTransient(error)) {
    // Kept pending: the next run (or resume) tries this step again.
    state.steps[name] = { ...progress, status: 'pending', detail: `last attempt failed: ${firstLine(errorMessage(error))}` };
  } else {
    state.steps[name] = {
      ...progress,
      status: 'failed',
      detail: firstLine(errorMessage(error)),
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

function deadlineOf(state: PostProcessingState, name: StepName): { at: number; input: string } {
  const findBuild = Date.parse(state.deadlines.findBuild);
  const processing = Date.parse(state.deadlines.processing);
  if (name === 'find-build' || name === 'upload-state') return { at: Math.min(findBuild, processing), input: 'find-build-timeout' };
  return { at: processing, input: 'processing-timeout' };
}

function deadlineMessage(state: PostProcessingState, name: StepName, input: string, detail: string | undefined): string {
  const minutes =
    Math.round(
      ((input === 'find-build-timeout' ? Date.parse(state.deadlines.findBuild) : Date.parse(state.deadlines.processing)) -
        Date.parse(state.uploadedAt)) /
        6000,
    ) / 10;
  const what =
    name === 'find-build' || name === 'upload-state' ? 'the build did not appear in App Store Connect' : 'post-processing did not finish';
  return `${what} within \`${input}\` (${minutes} minutes from the upload)${detail ? `; last state: ${detail}` : ''}. Apple is sometimes slow: check the build in App Store Connect → TestFlight, raise \`${input}\`, and finish it with \`command: distribute\` once it is there.`;
}

function minutesSince(iso: string, now: number): number {
  return Math.round((now - Date.parse(iso)) / 6000) / 10;
}

function firstLine(text: string): string {
  return text.split('\n')[0]!;
}
