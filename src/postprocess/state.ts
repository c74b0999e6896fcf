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
 * version 2 is version 3 without the Test Information step and the TestFlight record.
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
  /** `test-information`'s file, checked; never the demo account's password (an input of each run). */
  testInformation?: TestInformation;
}

/** What the TestFlight steps found that the outputs show (read only). */
export interface TestFlightRecord {
  /** The public link of the first named external group that has one enabled. */
  publicLink?: string;
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
  /** What the TestFlight steps found (the public link). */
  testflight?: TestFlightRecord;
  /** The check run that shows this build's post-processing on the published commit. */
  checkRunId?: number;
  /** Where it came from, for the summary of a later resume. */
  origin?: { repository?: string; runId?: string; workflow?: string; sha?: string };
}
