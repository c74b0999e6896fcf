import type { AppStoreVersionState } from '../asc/app-store-types.js';
import type { Platform } from '../domain.js';
import type { AppStoreRequest } from './app-store-request.js';
import type { Note } from './release-notes.js';
import type { TestInformation } from './test-information.js';

/**
 * Post-processing as data: what was asked (the plan) and how far it got (progress). It is saved as-is
 * to a workflow artifact for deferred mode, so it holds no secrets: no key, no token, no key ID.
 */
export const STATE_SCHEMA_VERSION = 3;
/**
 * The oldest state this version still finishes: version 1 is version 2 without the App Store steps;
 * version 2 is version 3 without the Test Information step, the TestFlight record and following review
 * (`follow-review`).
 */
export const MIN_STATE_SCHEMA_VERSION = 1;

export const STEP_NAMES = [
  'upload-state',
  'find-build',
  'notes',
  'processing',
  'export-compliance',
  'expire-previous',
  // Apple refuses the first external beta review until the app's Test Information is complete.
  'test-information',
  'beta-review',
  // Before the groups: switching on Apple's automatic notification first means testers hear of the
  // build as it reaches them, once, however often this runs.
  'notify-testers',
  'beta-groups',
  // After TestFlight: the build goes to App Review only once testers could have it.
  'app-store-version',
  'app-store-whats-new',
  'app-store-submit',
  // Last, after every submission: watching Apple's decisions writes nothing, and one review does not hold up the other.
  'beta-review-decision',
  'app-store-review-decision',
] as const;
export type StepName = (typeof STEP_NAMES)[number];

/** The steps that watch a review (`follow-review`): they never sleep in a job, and their deadline's expiry is no failure. */
export const REVIEW_STEPS: readonly StepName[] = ['beta-review-decision', 'app-store-review-decision'];

/**
 * The order of execution for a request: STEP_NAMES', except that with `follow-review` and a beta review
 * testers are notified once Apple has approved the build, not when it joins the groups still in review.
 */
export function stepOrder(request: PlanRequest): readonly StepName[] {
  if (!(request.followReview && request.submitBetaReview)) return STEP_NAMES;
  const order: StepName[] = STEP_NAMES.filter((name) => name !== 'notify-testers');
  order.splice(order.indexOf('beta-review-decision') + 1, 0, 'notify-testers');
  return order;
}

/** The App Store part of the state: what the App Store steps found or made. */
export interface AppStoreRecord {
  versionId?: string;
  /** The version's `appStoreState` as last seen. */
  versionState?: AppStoreVersionState;
  submissionId?: string;
}

/** `timed-out`: a review step that saw no decision within `review-timeout` (not a failure). */
export type StepStatus = 'pending' | 'done' | 'skipped' | 'warning' | 'failed' | 'timed-out';

export interface StepProgress {
  status: StepStatus;
  /** What happened, for the job summary ("created de-DE, updated en-US"). */
  detail?: string;
  startedAt?: string;
  finishedAt?: string;
}

export interface PlanRequest {
  notes: Note[];
  usesNonExemptEncryption?: boolean;
  expirePreviousBuilds: boolean;
  submitBetaReview: boolean;
  betaGroups: string[];
  notifyTesters: boolean;
  /** `submit-app-store-review: true`: the version, What's New and the App Review submission. */
  appStore?: AppStoreRequest;
  /** `test-information`'s file, checked; never the demo account's password (an input of each run). */
  testInformation?: TestInformation;
  /** `follow-review: true`: stay pending until Apple decides on the reviews submitted. */
  followReview?: boolean;
  /** `review-timeout`: how long after a submission its decision is watched for. */
  reviewTimeoutMs?: number;
}

/** What the TestFlight steps found that the outputs show (read only). */
export interface TestFlightRecord {
  /** The public link of the first named external group that has one enabled. */
  publicLink?: string;
}

/** `timed-out`: no review decision within `review-timeout`; reported neutral, not as a failure. */
export type PostProcessingStatus = 'pending' | 'completed' | 'failed' | 'timed-out';

/** What the TestFlight beta review steps saw. */
export interface BetaReviewRecord {
  /** The build's `betaReviewState` as last seen (WAITING_FOR_REVIEW, IN_REVIEW, APPROVED, REJECTED). */
  state?: string;
}

/** The deadline of each wait; the review ones are set when their watch starts (right after the submissions). */
export interface Deadlines {
  findBuild: string;
  processing: string;
  betaReview?: string;
  appStoreReview?: string;
}

export interface PostProcessingState {
  /** STATE_SCHEMA_VERSION when written by this version; a version-1 state read back keeps its 1. */
  schemaVersion: number;
  /** Unique per published package; names its state artifacts. */
  id: string;
  /** Incremented each time the state is saved, so a newer copy wins over a superseded one. */
  revision: number;
  createdAt: string;
  app: { id: string; bundleId: string; name?: string };
  build: {
    version: string;
    buildNumber: string;
    platform: Platform;
    fileName?: string;
    buildUploadId?: string;
    id?: string;
    processingState?: string;
  };
  /** When Apple accepted the file; the find-build and processing deadlines count from here. */
  uploadedAt: string;
  deadlines: Deadlines;
  request: PlanRequest;
  steps: Partial<Record<StepName, StepProgress>>;
  status: PostProcessingStatus;
  /** Why it failed, when it did. */
  failure?: string;
  /** What the App Store steps found or made. */
  appStore?: AppStoreRecord;
  /** What the TestFlight steps found (the public link). */
  testflight?: TestFlightRecord;
  /** What the beta review steps saw. */
  betaReview?: BetaReviewRecord;
  /** The check run that shows this build's post-processing on the published commit. */
  checkRunId?: number;
  /** Where it came from, for the summary of a later resume. */
  origin?: { repository?: string; runId?: string; workflow?: string; sha?: string };
}
