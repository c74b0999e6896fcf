import type { AppStoreConnect } from '../asc/client.js';
import { isTransient } from '../asc/errors.js';
import { errorMessage, firstLine } from '../errors.js';
import type { Sleep } from '../net/retry.js';
import type { Logger } from '../runtime.js';
import { STEP_NAMES, type AppStoreRecord, type PostProcessingState, type StepName } from './state.js';
import { STEPS, stepTitle } from './steps/registry.js';
import type { StatePatch, StepResult } from './steps/types.js';
import { enumsInWords } from '../words.js';

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
 */
export async function advance(state: PostProcessingState, ctx: EngineContext, options: { wait: boolean }): Promise<AdvanceResult> {
  if (state.status !== 'pending') return { state, changed: false };
  let changed = false;
  const commit = async (): Promise<void> => {
    changed = true;
    await ctx.onProgress?.(state);
  };
  for (const name of STEP_NAMES) {
    const progress = state.steps[name];
    if (!progress || progress.status !== 'pending') continue;
    const startedAt = progress.startedAt ?? new Date(ctx.now()).toISOString();
    let lastDetail: string | undefined;
    let lastLog = 0;
    for (let attempt = 0; ; attempt++) {
      // Before the step acts: past its deadline a state is stale (a copy kept too long, a schedule that was off)
      // and must not write to App Store Connect on what it asked for then.
      const limit = deadlineOf(state, name);
      // (Once it has run in this call, its waiting is bounded below, with its last answer in the message.)
      if (attempt === 0 && ctx.now() >= limit.at) {
        const failed = await fail(state, name, startedAt, new DeadlineError(lateMessage(state, limit.input)), ctx);
        return { ...failed, changed: true };
      }
      let result: StepResult;
      try {
        const run = () => STEPS[name].run(state, { asc: ctx.asc, log: ctx.log, sleep: ctx.sleep, pollIntervalMs: ctx.pollIntervalMs });
        // Inline, a 429 is waited out up to the step's deadline; resume waits only briefly and leaves the step pending.
        result = options.wait ? await ctx.asc.http.waitingUntil(limit.at, `\`${limit.input}\``, run) : await run();
      } catch (error) {
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
      const deadline = deadlineOf(state, name);
      if (ctx.now() >= deadline.at) {
        const failed = await fail(
          state,
          name,
          startedAt,
          new DeadlineError(deadlineMessage(state, name, deadline.input, result.detail)),
          ctx,
        );
        changed = true;
        return { ...failed, changed };
      }
      const before = state.steps[name];
      state.steps[name] = { status: 'pending', detail: result.detail, startedAt };
      if (!options.wait) {
        // One status check per resume: save only what it changed.
        if (patched || before?.detail !== result.detail || before?.startedAt !== startedAt) await commit();
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
  state.status = 'completed';
  await commit();
  return { state, changed };
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
  if (STEPS[name].deadline === 'find-build') return { at: Math.min(findBuild, processing), input: 'find-build-timeout' };
  return { at: processing, input: 'processing-timeout' };
}

function deadlineMessage(state: PostProcessingState, name: StepName, input: string, detail: string | undefined): string {
  const minutes =
    Math.round(
      ((input === 'find-build-timeout' ? Date.parse(state.deadlines.findBuild) : Date.parse(state.deadlines.processing)) -
        Date.parse(state.uploadedAt)) /
        6000,
    ) / 10;
  const what = STEPS[name].deadline === 'find-build' ? 'the build did not appear in App Store Connect' : 'post-processing did not finish';
  return `${what} within \`${input}\` (${minutes} minutes from the upload)${detail ? `; last state: ${detail}` : ''}. Apple is sometimes slow: check the build in App Store Connect → TestFlight, raise \`${input}\`, and finish it with \`command: distribute\` once it is there.`;
}

/** A step whose deadline passed before it ran (no run came in time, or a stale copy): it sent nothing. */
function lateMessage(state: PostProcessingState, input: string): string {
  const at = input === 'find-build-timeout' ? state.deadlines.findBuild : state.deadlines.processing;
  const minutes = Math.round((Date.parse(at) - Date.parse(state.uploadedAt)) / 6000) / 10;
  return `its deadline \`${input}\` (${minutes} minutes from the upload) passed before it ran, so nothing was sent to App Store Connect for it. Check the build in App Store Connect → TestFlight and finish it with \`command: distribute\`.`;
}

function minutesSince(iso: string, now: number): number {
  return Math.round((now - Date.parse(iso)) / 6000) / 10;
}
