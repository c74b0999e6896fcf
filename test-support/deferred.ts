import { loadPrivateKey } from '../src/asc/auth.js';
import { DEFAULTS } from '../src/input-values.js';
import { newState, type NewStateInput } from '../src/postprocess/new-state.js';
import type { PlanRequest, PostProcessingState } from '../src/postprocess/state.js';
import { createArtifactClient } from '../src/stores/artifact-client.js';
import { ArtifactStateStore } from '../src/stores/artifact-store.js';
import { stateSeal, type SealedState } from '../src/stores/seal.js';
import type { FakeAsc } from './fake-asc/index.js';
import type { FakeGitHub } from './fake-github/index.js';

export const STATE_FILE = 'post-processing-state.json';

export interface SeedOptions {
  /** The App Store Connect key (PEM) that seals the state, as the publish run's key would. */
  privateKeyPem: string;
  appId: string;
  bundleId: string;
  version: string;
  buildNumber: string;
  buildId?: string;
  uploadedAt?: Date;
  request?: Partial<PlanRequest>;
  runId?: number;
  mutate?: (state: PostProcessingState) => void;
}

/** A deferred state artifact as a publish run leaves it, stored straight into the fake GitHub. */
export function seedState(gh: FakeGitHub, o: SeedOptions): PostProcessingState {
  const state = seededState(gh, o);
  gh.addArtifact({
    name: stateArtifactName(state.id, state.revision),
    runId: o.runId ?? 1,
    files: { [STATE_FILE]: JSON.stringify(sealState(state, o.privateKeyPem, o.runId ?? 1)) },
  });
  return state;
}

/** Nothing asked of Apple beyond the build: the request a test adds to. */
const NOTHING_ASKED = { notes: [], expirePreviousBuilds: false, submitBetaReview: false, betaGroups: [], notifyTesters: false };

/**
 * A new state as a publish plans it, with the default deadlines (15 minutes to find the build, 120 to
 * process it), uploaded now and asking nothing beyond what `request` adds, unless told.
 */
export function plannedState(
  o: Omit<NewStateInput, 'uploadedAt' | 'findBuildTimeoutMs' | 'processingTimeoutMs' | 'request'> &
    Partial<Pick<NewStateInput, 'uploadedAt'>> & { request?: Partial<PlanRequest> },
): PostProcessingState {
  return newState({
    findBuildTimeoutMs: 15 * 60_000,
    processingTimeoutMs: 120 * 60_000,
    ...o,
    uploadedAt: o.uploadedAt ?? new Date(),
    request: { ...NOTHING_ASKED, ...o.request },
  });
}

/** The state `seedState` stores, not stored. */
export function seededState(gh: FakeGitHub, o: Omit<SeedOptions, 'privateKeyPem'>): PostProcessingState {
  const state = plannedState({
    app: { id: o.appId, bundleId: o.bundleId },
    build: { version: o.version, buildNumber: o.buildNumber, platform: 'IOS', id: o.buildId },
    uploadedAt: o.uploadedAt,
    request: o.request,
    skip: ['upload-state'],
    origin: { repository: gh.repository, runId: String(o.runId ?? 1) },
  });
  state.revision = 1;
  o.mutate?.(state);
  return state;
}

export function stateArtifactName(id: string, revision: number): string {
  return `${DEFAULTS['state-artifact']}-${id}-r${revision}`;
}

/**
 * The artifact document run `savedByRun` (attempt 1) with this key writes for `state`; `null`: the unbound
 * form older versions wrote.
 */
export function sealState(state: unknown, privateKeyPem: string, savedByRun: number | null = 1): SealedState {
  return stateSeal(loadPrivateKey(privateKeyPem)).seal(state, savedByRun === null ? undefined : { runId: savedByRun, runAttempt: 1 });
}

/** The state store a run of `gh`'s repository opens with this key, for set-up outside a run. */
export function sealedStore(gh: FakeGitHub, privateKeyPem: string): ArtifactStateStore {
  return new ArtifactStateStore(
    createArtifactClient({ token: gh.token, repository: gh.repository, apiUrl: gh.apiUrl }),
    DEFAULTS['state-artifact']!,
    stateSeal(loadPrivateKey(privateKeyPem)),
    {
      name: gh.repository,
      id: async () => gh.repositoryId,
      runUrl: (runId) => `https://github.com/${gh.repository}/actions/runs/${runId}`,
    },
  );
}

/** What Apple ends up holding for a build: each must exist once, however often the work ran. */
export function appleSideEffects(asc: FakeAsc, buildId: string) {
  const group = (id: string) => asc.resource('betaGroups', id);
  return {
    localizations: asc
      .resources('betaBuildLocalizations')
      .filter((l) => l.relationships?.build?.data?.id === buildId)
      .map((l) => `${l.attributes.locale}:${l.attributes.whatsNew ?? ''}`)
      .sort(),
    submissions: asc.resources('betaAppReviewSubmissions').filter((s) => s.relationships?.build?.data?.id === buildId).length,
    groups: asc
      .resources('betaGroups')
      .filter((g) => (g.relationships?.builds?.data ?? []).some((b: { id: string }) => b.id === buildId))
      .map((g) => group(g.id).attributes.name)
      .sort(),
    usesNonExemptEncryption: asc.resource('builds', buildId).attributes.usesNonExemptEncryption,
    autoNotify: asc.resource('buildBetaDetails', buildId)?.attributes.autoNotifyEnabled,
    notifications: asc.resources('buildBetaNotifications').filter((n) => n.relationships?.build?.data?.id === buildId).length,
  };
}

/** The builds of one version an end-to-end suite adds, and the deferred states it seeds for them. */
export interface SuiteBuilds {
  /** A new build of the version that Apple has processed (VALID), numbered on from the last. */
  validBuild(): { buildNumber: string; buildId: string };
  /** Seeds the state of a deferred publish of `build` with the suite's key, app and version unless `extra` says otherwise. */
  seed(build: { buildNumber: string; buildId: string }, extra?: Partial<SeedOptions>): PostProcessingState;
  /** The next build number, for a build the test adds itself. */
  nextNumber(): string;
}

/**
 * Builds numbered from `first` of `version` of the suite's app (`bundleId`), and their states, seeded from
 * workflow run `runId` (1 unless told). Reads the suite only when called, so it can be made where the suite is declared.
 */
export function suiteBuilds(
  suite: { asc: FakeAsc; gh: FakeGitHub; appId: string; key: { privateKeyPem: string } },
  o: { bundleId: string; version: string; first: number; runId?: number },
): SuiteBuilds {
  let next = o.first;
  const nextNumber = (): string => String(next++);
  return {
    nextNumber,
    validBuild() {
      const buildNumber = nextNumber();
      return { buildNumber, buildId: suite.asc.addBuild({ appId: suite.appId, version: o.version, buildNumber }).id };
    },
    seed(build, extra = {}) {
      const base = { privateKeyPem: suite.key.privateKeyPem, appId: suite.appId, bundleId: o.bundleId, version: o.version, runId: o.runId };
      return seedState(suite.gh, { ...base, ...build, ...extra });
    },
  };
}
