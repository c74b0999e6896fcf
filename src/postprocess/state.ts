import { randomUUID } from 'node:crypto';
import type { Platform } from '../config.js';
import type { Note } from './release-notes.js';

/**
 * Post-processing as data: what was asked (the plan) and how far it got (progress). It is saved as-is
 * to a workflow artifact for deferred mode, so it holds no secrets: no key, no token, no key ID.
 */
export const STATE_SCHEMA_VERSION = 1;

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
] as const;
export type StepName = (typeof STEP_NAMES)[number];

export const STEP_TITLES: Record<StepName, string> = {
  'upload-state': 'Upload accepted by Apple',
  'find-build': 'Build found',
  notes: 'What to Test notes',
  processing: 'Processing',
  'export-compliance': 'Export compliance',
  'expire-previous': 'Previous builds expired',
  'beta-review': 'Beta review submission',
  'beta-groups': 'Beta groups',
  'notify-testers': 'Tester notification',
};

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
}

export type PostProcessingStatus = 'pending' | 'completed' | 'failed';

export interface PostProcessingState {
  schemaVersion: typeof STATE_SCHEMA_VERSION;
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
  /** Where it came from, for the summary of a later resume. */
  origin?: { repository?: string; runId?: string; workflow?: string; sha?: string };
}

export interface NewStateInput {
  app: PostProcessingState['app'];
  build: PostProcessingState['build'];
  uploadedAt: Date;
  findBuildTimeoutMs: number;
  processingTimeoutMs: number;
  request: PlanRequest;
  /** Steps that do not apply (e.g. `upload-state` after an altool upload, which has no build upload). */
  skip?: StepName[];
  origin?: PostProcessingState['origin'];
}

export function newState(input: NewStateInput): PostProcessingState {
  const at = input.uploadedAt.getTime();
  const steps: PostProcessingState['steps'] = {};
  for (const name of plannedSteps(input.request)) steps[name] = { status: input.skip?.includes(name) ? 'skipped' : 'pending' };
  return {
    schemaVersion: STATE_SCHEMA_VERSION,
    id: randomUUID(),
    revision: 0,
    createdAt: new Date().toISOString(),
    app: input.app,
    build: input.build,
    uploadedAt: input.uploadedAt.toISOString(),
    deadlines: {
      findBuild: new Date(at + input.findBuildTimeoutMs).toISOString(),
      processing: new Date(at + input.processingTimeoutMs).toISOString(),
    },
    request: input.request,
    steps,
    status: 'pending',
    origin: input.origin,
  };
}

/** The steps a request needs, in order. Finding the build and waiting for processing always apply. */
export function plannedSteps(request: PlanRequest): StepName[] {
  return STEP_NAMES.filter((name) => {
    switch (name) {
      case 'notes':
        return request.notes.length > 0;
      case 'expire-previous':
        return request.expirePreviousBuilds;
      case 'beta-review':
        return request.submitBetaReview;
      case 'beta-groups':
        return request.betaGroups.length > 0;
      case 'notify-testers':
        return request.notifyTesters;
      default:
        return true;
    }
  });
}
