import type { AppStoreVersionState } from '../asc/app-store-types.js';
import type { Platform } from '../domain.js';
import type { AppStoreRequest } from './app-store-request.js';
import type { Note } from './release-notes.js';

/**
 * Post-processing as data: what was asked (the plan) and how far it got (progress). It is saved as-is
 * to a workflow artifact for deferred mode, so it holds no secrets: no key, no token, no key ID.
 */
export const STATE_SCHEMA_VERSION = 2;
/** The oldest state this version still finishes: version 1 is version 2 without the App Store steps. */
export const MIN_STATE_SCHEMA_VERSION = 1;

export const STEP_NAMES = [
  'upload-state',
  'find-build',
  'notes',
  'processing',
  'export-compliance',
  'expire-previous',
  'beta-review',
  // Before the groups: switching on Apple's automatic notification first means testers hear of the
  // build as it reaches them, once, however often this runs.
  'notify-testers',
  'beta-groups',
  // After TestFlight: the build goes to App Review only once testers could have it.
  'app-store-version',
  'app-store-whats-new',
  'app-store-submit',
] as const;
export type StepName = (typeof STEP_NAMES)[number];

/** The App Store part of the state: what the App Store steps found or made. */
export interface AppStoreRecord {
  versionId?: string;
  /** The version's `appStoreState` as last seen. */
  versionState?: AppStoreVersionState;
  submissionId?: string;
}

export type StepStatus = 'pending' | 'done' | 'skipped' | 'warning' | 'failed';

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
}

export type PostProcessingStatus = 'pending' | 'completed' | 'failed';

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
  /** When Apple accepted the file; both deadlines count from here. */
  uploadedAt: string;
  deadlines: { findBuild: string; processing: string };
  request: PlanRequest;
  steps: Partial<Record<StepName, StepProgress>>;
  status: PostProcessingStatus;
  /** Why it failed, when it did. */
  failure?: string;
  /** What the App Store steps found or made. */
  appStore?: AppStoreRecord;
  /** The check run that shows this build's post-processing on the published commit. */
  checkRunId?: number;
  /** Where it came from, for the summary of a later resume. */
  origin?: { repository?: string; runId?: string; workflow?: string; sha?: string };
}
