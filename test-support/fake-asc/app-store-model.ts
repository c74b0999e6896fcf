/** The App Store model of the fake: states, rules and the clock-driven review, shared by its handlers. */
import { iso, type Env } from './context.js';
import { ApiError, conflict, stateError } from './errors.js';
import type { Platform, StoredResource } from './types.js';

export const EDITABLE_STATES = ['PREPARE_FOR_SUBMISSION', 'DEVELOPER_REJECTED', 'REJECTED', 'METADATA_REJECTED', 'INVALID_BINARY'];

/** A 4xx whose body carries several entries, as Apple sends them. */
export class MultiError extends ApiError {
  constructor(
    status: number,
    readonly entries: Array<{ code: string; title: string; detail: string; pointer?: string; meta?: Record<string, unknown> }>,
  ) {
    super(status, entries[0]!.code, entries[0]!.title, entries[0]!.detail);
  }

  override body(): { errors: never[] } {
    const errors = this.entries.map((e) => ({
      id: crypto.randomUUID(),
      status: String(this.status),
      code: e.code,
      title: e.title,
      detail: e.detail,
      ...(e.pointer ? { source: { pointer: e.pointer } } : {}),
      ...(e.meta ? { meta: e.meta } : {}),
    }));
    return { errors: errors as never[] };
  }
}

/** States of a version that was on the App Store at some point. */
export const RELEASED_STATES = ['READY_FOR_SALE', 'REPLACED_WITH_NEW_VERSION', 'DEVELOPER_REMOVED_FROM_SALE', 'REMOVED_FROM_SALE'];

export interface AppStoreTiming {
  /** A submitted version goes WAITING_FOR_REVIEW → IN_REVIEW after this long. */
  reviewStartsAfterMs: number;
  /** … and IN_REVIEW → approved after this long. */
  reviewMs: number;
  /** A cancelled submission stays CANCELING this long (live reports: a minute or more). */
  cancelingMs: number;
}

export const DEFAULT_APP_STORE_TIMING: AppStoreTiming = { reviewStartsAfterMs: 3_600_000, reviewMs: 3_600_000, cancelingMs: 90_000 };

/** Test-side controls of the App Store part of the fake. */
export interface FakeAppStore {
  timing: AppStoreTiming;
  /** When true, submitting answers Apple's 409 with the associated errors of an unfinished store listing. */
  incompleteMetadata: boolean;
  /** Locales whose "What's New" Apple refuses (as for a localization it keeps locked). */
  refuseWhatsNew: Set<string>;
  addVersion(v: {
    appId: string;
    versionString: string;
    platform?: Platform;
    state?: string;
    buildId?: string;
    locales?: string[];
    releaseType?: string;
  }): { id: string };
  setVersionState(versionId: string, state: string): void;
  addPhasedRelease(versionId: string, state: string): { id: string };
  addSubmission(s: { appId: string; platform?: Platform; state: string; versionIds?: string[]; appEventIds?: string[] }): { id: string };
  setSubmissionState(submissionId: string, state: string): void;
  /** App Review found issues: the submission is UNRESOLVED_ISSUES and its versions REJECTED. */
  reject(submissionId: string): void;
  /** App Review refused the metadata only: the submission is UNRESOLVED_ISSUES and its versions METADATA_REJECTED. */
  rejectMetadata(submissionId: string): void;
  /** App Review approves the submission now (its versions follow their release type). */
  approve(submissionId: string): void;
  advance(): void;
  /** The version as Apple would answer now (after what the clock says has happened). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  version(id: string): any;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  submission(id: string): any;
}

export interface Tracks {
  submittedAt: Map<string, number>;
  canceledAt: Map<string, number>;
  /** When a cancelled submission became COMPLETE (it may still hold its version a moment, `quirks`). */
  cancelDoneAt: Map<string, number>;
}

export function versionsOf(env: Env, appId: string, platform: string): StoredResource[] {
  return env.store.all('appStoreVersions').filter((v) => v.rel.app === appId && v.attributes.platform === platform);
}

/** Whether the app had a version of this platform on the store before this one. */
export function everReleased(env: Env, version: StoredResource): boolean {
  return versionsOf(env, String(version.rel.app), String(version.attributes.platform)).some(
    (v) => v.id !== version.id && RELEASED_STATES.includes(String(v.attributes.appStoreState)),
  );
}

export function newVersion(
  env: Env,
  app: StoredResource,
  versionString: string,
  platform: string,
  buildId: string | null,
  attrs: Record<string, unknown>,
): StoredResource {
  const previous = versionsOf(env, app.id, platform).sort((a, b) =>
    String(b.attributes.createdDate).localeCompare(String(a.attributes.createdDate)),
  )[0];
  const version = env.store.add(
    'appStoreVersions',
    {
      platform,
      versionString,
      appStoreState: 'PREPARE_FOR_SUBMISSION',
      appVersionState: 'PREPARE_FOR_SUBMISSION',
      copyright: attrs.copyright ?? previous?.attributes.copyright ?? null,
      releaseType: attrs.releaseType ?? previous?.attributes.releaseType ?? 'MANUAL',
      earliestReleaseDate: attrs.earliestReleaseDate ?? null,
      downloadable: true,
      createdDate: iso(env.now()),
    },
    { app: app.id, build: buildId },
  );
  // Apple gives a new version the languages of the one before it, or the app's primary language.
  const locales = previous ? env.store.related(previous, 'appStoreVersionLocalizations').map((l) => String(l.attributes.locale)) : [];
  for (const locale of locales.length ? locales : [String(app.attributes.primaryLocale)]) addLocalization(env, version, locale);
  return version;
}

export function addLocalization(env: Env, version: StoredResource, locale: string): StoredResource {
  return env.store.add(
    'appStoreVersionLocalizations',
    {
      locale,
      description: 'An app.',
      keywords: 'app',
      whatsNew: null,
      promotionalText: null,
      supportUrl: 'https://example.com/support',
      marketingUrl: null,
    },
    { appStoreVersion: version.id },
  );
}

export function addPhasedRelease(env: Env, version: StoredResource, state: string): StoredResource {
  return env.store.add(
    'appStoreVersionPhasedReleases',
    {
      phasedReleaseState: state,
      startDate: state === 'INACTIVE' ? null : iso(env.now()),
      totalPauseDuration: 0,
      currentDayNumber: state === 'INACTIVE' ? 0 : 1,
    },
    { appStoreVersion: version.id },
  );
}

const APP_VERSION_STATE: Record<string, string> = {
  READY_FOR_SALE: 'READY_FOR_DISTRIBUTION',
  DEVELOPER_REMOVED_FROM_SALE: 'READY_FOR_DISTRIBUTION',
  REMOVED_FROM_SALE: 'READY_FOR_DISTRIBUTION',
  PROCESSING_FOR_APP_STORE: 'PROCESSING_FOR_DISTRIBUTION',
};

export function setVersionState(version: StoredResource, state: string): void {
  version.attributes.appStoreState = state;
  version.attributes.appVersionState = APP_VERSION_STATE[state] ?? state;
}

/** On the store: the version before it is replaced, and its phased release (if any) starts. */
export function makeLive(env: Env, version: StoredResource): void {
  for (const v of versionsOf(env, String(version.rel.app), String(version.attributes.platform))) {
    if (v.id !== version.id && v.attributes.appStoreState === 'READY_FOR_SALE') setVersionState(v, 'REPLACED_WITH_NEW_VERSION');
  }
  setVersionState(version, 'READY_FOR_SALE');
  const phased = env.store.relatedOne(version, 'appStoreVersionPhasedRelease');
  if (phased?.attributes.phasedReleaseState === 'INACTIVE') {
    phased.attributes.phasedReleaseState = 'ACTIVE';
    phased.attributes.startDate = iso(env.now());
    phased.attributes.currentDayNumber = 1;
  }
}

export function requireEditable(version: StoredResource, what: string): void {
  const state = String(version.attributes.appStoreState);
  if (!EDITABLE_STATES.includes(state)) {
    throw stateError(`The App Store version ${String(version.attributes.versionString)} is ${state} and can not be ${what}.`);
  }
}

export function requireAttachable(build: StoredResource, app: StoredResource): void {
  if (build.rel.app !== app.id)
    throw conflict(
      'ENTITY_ERROR.RELATIONSHIP.INVALID',
      'The provided entity includes a relationship with an invalid value',
      `The build '${build.id}' belongs to another app.`,
    );
  if (build.attributes.processingState !== 'VALID' || build.attributes.expired)
    throw stateError(`The build ${String(build.attributes.version)} is not VALID or has expired and can not be chosen for the App Store.`);
}

export function checkSchedule(releaseType: unknown, date: unknown, current: unknown, now: number): void {
  if (releaseType === 'SCHEDULED' && !date && !current) {
    throw conflict(
      'ENTITY_ERROR.ATTRIBUTE.REQUIRED',
      'The provided entity is missing a required attribute',
      "'earliestReleaseDate' is required with the release type SCHEDULED.",
      '/data/attributes/earliestReleaseDate',
    );
  }
  if (typeof date === 'string') {
    const at = Date.parse(date);
    if (Number.isNaN(at) || at % 3_600_000 !== 0 || at <= now)
      throw conflict(
        'ENTITY_ERROR.ATTRIBUTE.INVALID',
        'An attribute value is invalid.',
        `The earliest release date '${date}' must be on the hour and in the future.`,
        '/data/attributes/earliestReleaseDate',
      );
  }
}

/** App Review approved the submission: each version goes where its release type says (live, scheduled, or waiting for its developer). */
export function approve(env: Env, submission: StoredResource, tracks: Tracks): void {
  submission.attributes.state = 'COMPLETE';
  tracks.submittedAt.delete(submission.id);
  for (const item of env.store.related(submission, 'items')) {
    if (item.attributes.state === 'REMOVED') continue;
    item.attributes.state = 'APPROVED';
    const v = env.store.relatedOne(item, 'appStoreVersion');
    if (!v) continue;
    const type = v.attributes.releaseType;
    if (type === 'AFTER_APPROVAL') makeLive(env, v);
    else setVersionState(v, type === 'SCHEDULED' ? 'PENDING_APPLE_RELEASE' : 'PENDING_DEVELOPER_RELEASE');
  }
}

/** App Review found issues: the submission is UNRESOLVED_ISSUES and its versions `state` (REJECTED or METADATA_REJECTED). */
export function refuse(env: Env, submission: StoredResource, tracks: Tracks, state: 'REJECTED' | 'METADATA_REJECTED'): void {
  submission.attributes.state = 'UNRESOLVED_ISSUES';
  tracks.submittedAt.delete(submission.id);
  for (const item of env.store.related(submission, 'items')) {
    if (item.attributes.state === 'REMOVED') continue;
    item.attributes.state = 'REJECTED';
    const version = env.store.relatedOne(item, 'appStoreVersion');
    if (version) setVersionState(version, state);
  }
}

export function advance(env: Env, timing: AppStoreTiming, tracks: Tracks): void {
  const now = env.now();
  for (const submission of env.store.all('reviewSubmissions')) {
    const versions = env.store
      .related(submission, 'items')
      .map((i) => env.store.relatedOne(i, 'appStoreVersion'))
      .filter((v): v is StoredResource => !!v);
    const submittedAt = tracks.submittedAt.get(submission.id);
    const state = submission.attributes.state;
    if (state === 'WAITING_FOR_REVIEW' && submittedAt !== undefined && now >= submittedAt + timing.reviewStartsAfterMs) {
      submission.attributes.state = 'IN_REVIEW';
      for (const v of versions) setVersionState(v, 'IN_REVIEW');
    }
    if (
      submission.attributes.state === 'IN_REVIEW' &&
      submittedAt !== undefined &&
      now >= submittedAt + timing.reviewStartsAfterMs + timing.reviewMs
    ) {
      approve(env, submission, tracks);
    }
    const canceledAt = tracks.canceledAt.get(submission.id);
    if (state === 'CANCELING' && canceledAt !== undefined && now >= canceledAt + timing.cancelingMs) {
      submission.attributes.state = 'COMPLETE';
      tracks.canceledAt.delete(submission.id);
      tracks.cancelDoneAt.set(submission.id, canceledAt + timing.cancelingMs);
      for (const item of env.store.related(submission, 'items')) item.attributes.state = 'REMOVED';
      for (const v of versions) if (!EDITABLE_STATES.includes(String(v.attributes.appStoreState))) setVersionState(v, 'DEVELOPER_REJECTED');
    }
  }
  for (const v of env.store.all('appStoreVersions')) {
    const date = v.attributes.earliestReleaseDate;
    if (v.attributes.appStoreState === 'PENDING_APPLE_RELEASE' && typeof date === 'string' && now >= Date.parse(date)) makeLive(env, v);
  }
}
