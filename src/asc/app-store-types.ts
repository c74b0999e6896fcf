/**
 * The App Store resources of Apple's schemas (asc-openapi/openapi.json) that the App Store release reads
 * and writes: versions, their localizations and phased release, release requests, review submissions.
 */
import type { Platform } from '../domain.js';
import type { ResourceObject } from './types.js';

/** `AppStoreVersionState` (Apple still fills this deprecated attribute, and it is the finer one). */
export type AppStoreVersionState =
  | 'ACCEPTED'
  | 'DEVELOPER_REMOVED_FROM_SALE'
  | 'DEVELOPER_REJECTED'
  | 'IN_REVIEW'
  | 'INVALID_BINARY'
  | 'METADATA_REJECTED'
  | 'PENDING_APPLE_RELEASE'
  | 'PENDING_CONTRACT'
  | 'PENDING_DEVELOPER_RELEASE'
  | 'PREPARE_FOR_SUBMISSION'
  | 'PREORDER_READY_FOR_SALE'
  | 'PROCESSING_FOR_APP_STORE'
  | 'READY_FOR_REVIEW'
  | 'READY_FOR_SALE'
  | 'REJECTED'
  | 'REMOVED_FROM_SALE'
  | 'WAITING_FOR_EXPORT_COMPLIANCE'
  | 'WAITING_FOR_REVIEW'
  | 'REPLACED_WITH_NEW_VERSION'
  | 'NOT_APPLICABLE';

/** A version in one of these can be renamed, given a build and submitted (PRODUCT.md's list). */
export const EDITABLE_STATES: readonly AppStoreVersionState[] = [
  'PREPARE_FOR_SUBMISSION',
  'DEVELOPER_REJECTED',
  'REJECTED',
  'METADATA_REJECTED',
  'INVALID_BINARY',
];
/** Sent to App Review and not yet decided. */
export const IN_REVIEW_STATES: readonly AppStoreVersionState[] = ['WAITING_FOR_REVIEW', 'IN_REVIEW', 'WAITING_FOR_EXPORT_COMPLIANCE'];
/** Approved, not yet (or being) released. */
export const APPROVED_STATES: readonly AppStoreVersionState[] = [
  'PENDING_DEVELOPER_RELEASE',
  'PENDING_APPLE_RELEASE',
  'ACCEPTED',
  'PROCESSING_FOR_APP_STORE',
];
/** On the App Store now or before. */
export const RELEASED_STATES: readonly AppStoreVersionState[] = [
  'READY_FOR_SALE',
  'PREORDER_READY_FOR_SALE',
  'REPLACED_WITH_NEW_VERSION',
  'DEVELOPER_REMOVED_FROM_SALE',
  'REMOVED_FROM_SALE',
];
/** Released or being released: App Store Connect shows these as the live ("deliverable") version. */
export const LIVE_STATES: readonly AppStoreVersionState[] = [
  'READY_FOR_SALE',
  'PREORDER_READY_FOR_SALE',
  'PROCESSING_FOR_APP_STORE',
  'REPLACED_WITH_NEW_VERSION',
];

export type ReleaseType = 'MANUAL' | 'AFTER_APPROVAL' | 'SCHEDULED';

export type AppStoreVersionDetail = ResourceObject<
  'appStoreVersions',
  {
    platform?: Platform;
    versionString?: string;
    appStoreState?: AppStoreVersionState;
    appVersionState?: string;
    copyright?: string | null;
    releaseType?: ReleaseType | null;
    earliestReleaseDate?: string | null;
    downloadable?: boolean;
    createdDate?: string;
  }
>;

/** The attributes a create or an update may set. */
export interface AppStoreVersionSettings {
  versionString?: string;
  copyright?: string;
  releaseType?: ReleaseType;
  earliestReleaseDate?: string;
}

export type AppStoreVersionLocalization = ResourceObject<
  'appStoreVersionLocalizations',
  { locale?: string; whatsNew?: string | null; description?: string | null; keywords?: string | null }
>;

export type PhasedReleaseState = 'INACTIVE' | 'ACTIVE' | 'PAUSED' | 'COMPLETE';

export type AppStoreVersionPhasedRelease = ResourceObject<
  'appStoreVersionPhasedReleases',
  { phasedReleaseState?: PhasedReleaseState; startDate?: string; totalPauseDuration?: number; currentDayNumber?: number }
>;

export type ReviewSubmissionState =
  'READY_FOR_REVIEW' | 'WAITING_FOR_REVIEW' | 'IN_REVIEW' | 'UNRESOLVED_ISSUES' | 'CANCELING' | 'COMPLETING' | 'COMPLETE';

export type ReviewSubmission = ResourceObject<
  'reviewSubmissions',
  { platform?: Platform; submittedDate?: string; state?: ReviewSubmissionState }
>;

export type ReviewSubmissionItem = ResourceObject<
  'reviewSubmissionItems',
  { state?: 'READY_FOR_REVIEW' | 'ACCEPTED' | 'APPROVED' | 'REJECTED' | 'REMOVED' }
>;

/** `appVersionState` values named otherwise in `appStoreState`. */
const FROM_APP_VERSION_STATE: Readonly<Record<string, AppStoreVersionState>> = {
  READY_FOR_DISTRIBUTION: 'READY_FOR_SALE',
  PROCESSING_FOR_DISTRIBUTION: 'PROCESSING_FOR_APP_STORE',
};

/**
 * A version's state in `appStoreState`'s words. Apple deprecated `appStoreState` for `appVersionState`
 * (and refused a request naming it, botiverse/hands #240): `appVersionState` is read first; the
 * deprecated one only where it is absent, or where it refines the same state (REMOVED_FROM_SALE is
 * READY_FOR_DISTRIBUTION in the new words).
 */
export function versionState(v: AppStoreVersionDetail | undefined): AppStoreVersionState | undefined {
  const current = v?.attributes?.appVersionState;
  const deprecated = v?.attributes?.appStoreState;
  if (!current) return deprecated;
  const mapped = FROM_APP_VERSION_STATE[current] ?? (current as AppStoreVersionState);
  if (deprecated && toAppVersionState(deprecated) === current) return deprecated;
  return mapped;
}

function toAppVersionState(state: AppStoreVersionState): string {
  if (['READY_FOR_SALE', 'DEVELOPER_REMOVED_FROM_SALE', 'REMOVED_FROM_SALE', 'PREORDER_READY_FOR_SALE'].includes(state))
    return 'READY_FOR_DISTRIBUTION';
  return state === 'PROCESSING_FOR_APP_STORE' ? 'PROCESSING_FOR_DISTRIBUTION' : state;
}
