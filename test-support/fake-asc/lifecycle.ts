/**
 * What Apple does after a file is committed: build upload PROCESSING → COMPLETE (or FAILED), the build appears,
 * processes to VALID (or INVALID/FAILED), then its beta details leave PROCESSING. Computed from timestamps on the
 * fake's clock whenever the fake is asked, so no timers run.
 */
import type { Store } from './store.js';
import type { BuildProcessingState, FakeTiming, Platform, StateDetail, StoredResource } from './types.js';

const DAY_MS = 86_400_000;

interface UploadTrack {
  committedAt: number;
  failErrors?: StateDetail[];
  completedAt?: number;
}

interface BuildTrack {
  appearedAt: number;
  validAt?: number;
  /** A state set by hand: the build no longer follows the lifecycle. */
  pinned: boolean;
}

export interface NewBuild {
  appId: string;
  version: string;
  buildNumber: string;
  platform: Platform;
  processingState: BuildProcessingState;
  usesNonExemptEncryption: boolean | null;
  expired: boolean;
  uploadedDate: string;
  buildAudienceType?: 'INTERNAL_ONLY' | 'APP_STORE_ELIGIBLE';
}

export class Lifecycle {
  private readonly uploads = new Map<string, UploadTrack>();
  private readonly builds = new Map<string, BuildTrack>();
  readonly buildFailures = new Map<string, { state: 'INVALID' | 'FAILED'; reasons: StateDetail[] }>();
  readonly neverAppearing = new Set<string>();
  nextUploadErrors: StateDetail[] | undefined;
  /** Beta reviews, moved on by the clock with the rest (set once the fake is assembled). */
  betaReviews?: { advance(): void };

  constructor(
    private readonly store: Store,
    readonly timing: FakeTiming,
    private readonly now: () => number,
  ) {}

  /** Creates a build the way Apple does: pre-release version, beta details, and the primary-locale localization. */
  createBuild(b: NewBuild, at = this.now()): StoredResource {
    const app = this.store.need('apps', b.appId);
    const prv =
      this.store
        .all('preReleaseVersions')
        .find((p) => p.rel.app === b.appId && p.attributes.version === b.version && p.attributes.platform === b.platform) ??
      this.store.add('preReleaseVersions', { version: b.version, platform: b.platform }, { app: b.appId });
    const uploaded = Date.parse(b.uploadedDate);
    const build = this.store.add(
      'builds',
      {
        version: b.buildNumber,
        uploadedDate: b.uploadedDate,
        expirationDate: new Date(uploaded + 90 * DAY_MS).toISOString(),
        expired: b.expired,
        minOsVersion: b.platform === 'MAC_OS' ? '13.0' : '16.0',
        processingState: b.processingState,
        buildAudienceType: b.buildAudienceType ?? 'APP_STORE_ELIGIBLE',
        usesNonExemptEncryption: b.usesNonExemptEncryption,
      },
      { app: b.appId, preReleaseVersion: prv.id, betaGroups: [] },
    );
    // Apple gives the beta details the build's id.
    this.store.add(
      'buildBetaDetails',
      { autoNotifyEnabled: false, internalBuildState: 'PROCESSING', externalBuildState: 'PROCESSING' },
      { build: build.id },
      build.id,
    );
    this.store.add('betaBuildLocalizations', { whatsNew: null, locale: app.attributes.primaryLocale }, { build: build.id });
    const track: BuildTrack = { appearedAt: at, pinned: b.processingState !== 'PROCESSING' };
    this.builds.set(build.id, track);
    if (b.processingState === 'VALID') {
      track.validAt = at;
      this.updateBetaStates(build);
    } else if (b.processingState !== 'PROCESSING') {
      this.setBetaStates(build, 'PROCESSING_EXCEPTION', 'PROCESSING_EXCEPTION');
    }
    return build;
  }

  commit(uploadId: string, failErrors: StateDetail[] | undefined): void {
    const errors = failErrors ?? this.nextUploadErrors;
    this.nextUploadErrors = undefined;
    this.uploads.set(uploadId, { committedAt: this.now(), failErrors: errors });
  }

  /** Sets a build's processing state by hand; it then stays there. */
  pin(build: StoredResource, state: BuildProcessingState): void {
    const track = this.builds.get(build.id) ?? { appearedAt: this.now(), pinned: true };
    track.pinned = true;
    this.builds.set(build.id, track);
    build.attributes.processingState = state;
    if (state === 'VALID') {
      track.validAt = this.now();
      this.setBetaStates(build, 'PROCESSING', 'PROCESSING');
    } else if (state === 'PROCESSING') {
      track.validAt = undefined;
      this.setBetaStates(build, 'PROCESSING', 'PROCESSING');
    } else {
      this.setBetaStates(build, 'PROCESSING_EXCEPTION', 'PROCESSING_EXCEPTION');
    }
    this.advance();
  }

  /** Applies every step whose time has come, in order. */
  advance(): void {
    this.betaReviews?.advance();
    const now = this.now();
    for (let changed = true; changed;) {
      changed = false;
      for (const [id, track] of this.uploads) {
        const upload = this.store.get('buildUploads', id);
        if (!upload) continue;
        const state = () => (upload.attributes.state as { state: string }).state;
        if (state() === 'PROCESSING' && track.completedAt === undefined && now >= track.committedAt + this.timing.uploadProcessingMs) {
          track.completedAt = track.committedAt + this.timing.uploadProcessingMs;
          if (track.failErrors) {
            upload.attributes.state = { state: 'FAILED', errors: track.failErrors };
            this.fileState(upload, 'FAILED', track.failErrors);
          }
          changed = true;
        }
        // The upload can read PROCESSING long after its build exists (expo/eas-cli #3403: Expo raised its wait to 30 minutes).
        if (state() === 'PROCESSING' && track.completedAt !== undefined && now >= track.completedAt + (this.timing.uploadStateLagMs ?? 0)) {
          upload.attributes.state = { state: 'COMPLETE', errors: [] };
          this.fileState(upload, 'COMPLETE');
          changed = true;
        }
        if (
          ['PROCESSING', 'COMPLETE'].includes(state()) &&
          track.completedAt !== undefined &&
          !upload.rel.build &&
          !this.neverAppearing.has(String(upload.attributes.cfBundleVersion)) &&
          now >= track.completedAt + this.timing.buildAppearsAfterMs
        ) {
          const at = track.completedAt + this.timing.buildAppearsAfterMs;
          const build = this.createBuild(
            {
              appId: String(upload.rel.app),
              version: String(upload.attributes.cfBundleShortVersionString),
              buildNumber: String(upload.attributes.cfBundleVersion),
              platform: upload.attributes.platform as Platform,
              processingState: 'PROCESSING',
              usesNonExemptEncryption: null,
              expired: false,
              uploadedDate: String(upload.attributes.uploadedDate),
            },
            at,
          );
          upload.rel.build = build.id;
          changed = true;
        }
      }
      for (const [id, track] of this.builds) {
        const build = this.store.get('builds', id);
        if (!build) continue;
        if (!track.pinned && build.attributes.processingState === 'PROCESSING' && now >= track.appearedAt + this.timing.buildProcessingMs) {
          const failure = this.buildFailures.get(String(build.attributes.version));
          if (failure) {
            build.attributes.processingState = failure.state;
            this.setBetaStates(build, 'PROCESSING_EXCEPTION', 'PROCESSING_EXCEPTION');
            const upload = this.store.all('buildUploads').find((u) => u.rel.build === build.id);
            if (upload) upload.attributes.state = { ...(upload.attributes.state as object), errors: failure.reasons };
          } else {
            build.attributes.processingState = 'VALID';
            track.validAt = track.appearedAt + this.timing.buildProcessingMs;
          }
          changed = true;
        }
        const detail = this.store.get('buildBetaDetails', id);
        if (
          build.attributes.processingState === 'VALID' &&
          track.validAt !== undefined &&
          detail?.attributes.internalBuildState === 'PROCESSING' &&
          now >= track.validAt + this.timing.betaDetailProcessingMs
        ) {
          this.updateBetaStates(build);
          changed = true;
        }
        if (
          detail?.attributes.externalBuildState === 'PROCESSING' &&
          detail.attributes.internalBuildState !== 'PROCESSING' &&
          this.externalReadyAt(id) !== undefined &&
          now >= this.externalReadyAt(id)!
        ) {
          this.updateBetaStates(build);
          changed = true;
        }
      }
    }
  }

  /** When TestFlight has finished with a build for external testing: after its internal processing, plus a lag. */
  externalReadyAt(buildId: string): number | undefined {
    const validAt = this.builds.get(buildId)?.validAt;
    return validAt === undefined ? undefined : validAt + this.timing.betaDetailProcessingMs + (this.timing.externalBetaProcessingMs ?? 0);
  }

  /** Whether the build's beta details have left PROCESSING. */
  betaReady(build: StoredResource): boolean {
    return this.store.get('buildBetaDetails', build.id)?.attributes.internalBuildState !== 'PROCESSING';
  }

  /** Recomputes beta states of a processed build from its export compliance, expiry and beta review. */
  updateBetaStates(build: StoredResource): void {
    if (build.attributes.expired) return this.setBetaStates(build, 'EXPIRED', 'EXPIRED');
    if (build.attributes.processingState !== 'VALID') return;
    if (build.attributes.usesNonExemptEncryption == null)
      return this.setBetaStates(build, 'MISSING_EXPORT_COMPLIANCE', 'MISSING_EXPORT_COMPLIANCE');
    if (build.attributes.buildAudienceType === 'INTERNAL_ONLY')
      return this.setBetaStates(build, 'READY_FOR_BETA_TESTING', 'NOT_APPLICABLE');
    const review = this.store.all('betaAppReviewSubmissions').find((s) => s.rel.build === build.id);
    const external = review
      ? (reviewToExternal[String(review.attributes.betaReviewState)] ?? 'WAITING_FOR_BETA_REVIEW')
      : 'READY_FOR_BETA_SUBMISSION';
    const readyAt = this.externalReadyAt(build.id);
    const externalDone = readyAt === undefined || this.now() >= readyAt;
    this.setBetaStates(build, 'READY_FOR_BETA_TESTING', externalDone ? external : 'PROCESSING');
  }

  private setBetaStates(build: StoredResource, internal: string, external: string): void {
    const detail = this.store.get('buildBetaDetails', build.id);
    if (!detail) return;
    detail.attributes.internalBuildState = internal;
    detail.attributes.externalBuildState = external;
  }

  private fileState(upload: StoredResource, state: string, errors?: StateDetail[]): void {
    for (const file of this.store.all('buildUploadFiles').filter((f) => f.rel.buildUpload === upload.id)) {
      file.attributes.assetDeliveryState = { state, errors: errors ?? [], warnings: [] };
    }
  }
}

const reviewToExternal: Record<string, string> = {
  WAITING_FOR_REVIEW: 'WAITING_FOR_BETA_REVIEW',
  IN_REVIEW: 'IN_BETA_REVIEW',
  REJECTED: 'BETA_REJECTED',
  APPROVED: 'BETA_APPROVED',
};
