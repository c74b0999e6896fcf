import type { AppStoreConnect } from '../../asc/client.js';
import { UserError } from '../../errors.js';
import type { Sleep } from '../../net/retry.js';
import type { Logger } from '../../runtime.js';
import type { AppStoreRecord, BetaReviewRecord, PostProcessingState, TestFlightRecord } from '../state.js';

export type { AppStoreRecord } from '../state.js';

/**
 * The contract between the engine and a step. A step reads Apple's state first and acts only on what
 * is missing, so running it again (a rerun, a resume after a kill) changes nothing. It never mutates
 * the state it is given: what it learnt goes into `patch`, which the engine alone applies and saves.
 */
export interface StepContext {
  asc: AppStoreConnect;
  log: Logger;
  /** For the few short waits inside a step (a beta group that Apple does not know the build in yet). */
  sleep: Sleep;
  pollIntervalMs: number;
  /** `demo-account-password` of this run: never in the state, so a resume has it only from its own inputs. */
  demoAccountPassword?: string;
}

/** What a step learnt about the build or the App Store version, merged into the state by the engine. */
export interface StatePatch {
  build?: Partial<Pick<PostProcessingState['build'], 'id' | 'processingState'>>;
  appStore?: Partial<AppStoreRecord>;
  testflight?: Partial<TestFlightRecord>;
  betaReview?: Partial<BetaReviewRecord>;
}

/** A step's failure that also says what it learnt (a review's refusal: the state that refused it, for the outputs). */
export class StepFailure extends UserError {
  constructor(
    message: string,
    readonly patch: StatePatch,
  ) {
    super(message);
  }
}

export type StepResult = {
  /** `waiting`: not yet possible; the engine polls again (inline) or leaves the step pending (resume). */
  status: 'done' | 'skipped' | 'warning' | 'waiting';
  /** What happened, for the log, the job summary and the check run ("created de-DE, updated en-US"). */
  detail?: string;
  patch?: StatePatch;
  /** A wait that is not Apple working (a build upload still without its file) is bounded by `find-build-timeout`. */
  bound?: 'find-build';
};

export type StepRun = (state: Readonly<PostProcessingState>, ctx: StepContext) => Promise<StepResult>;

export const done = (detail?: string, patch?: StatePatch): StepResult => ({ status: 'done', detail, patch });
export const skipped = (detail?: string, patch?: StatePatch): StepResult => ({ status: 'skipped', detail, patch });
export const waiting = (detail?: string, patch?: StatePatch): StepResult => ({ status: 'waiting', detail, patch });
export const warning = (detail: string, patch?: StatePatch): StepResult => ({ status: 'warning', detail, patch });

/** The build's ID, which `upload-state` or `find-build` recorded before any later step runs. */
export function needBuildId(state: Readonly<PostProcessingState>): string {
  if (!state.build.id) throw new Error('internal: the build has not been found yet');
  return state.build.id;
}
