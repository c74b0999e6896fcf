/** Step `app-store-version`: find, rename or create the App Store version, set it up, attach the build. */
import {
  APPROVED_STATES,
  EDITABLE_STATES,
  IN_REVIEW_STATES,
  RELEASED_STATES,
  type AppStoreVersionDetail,
  type AppStoreVersionSettings,
} from '../../asc/app-store-types.js';
import { holds } from '../../asc/app-store-versions.js';
import type { AppStoreConnect } from '../../asc/client.js';
import { AscApiError } from '../../asc/errors.js';
import { relatedId } from '../../asc/types.js';
import { UserError } from '../../errors.js';
import type { AppStoreRequest } from '../app-store-request.js';
import type { PostProcessingState } from '../state.js';
import { appStoreOf, label, openSubmissions, stateOf, withdrawOrRefuse } from './app-store-shared.js';
import { done, needBuildId, waiting, warning, type StatePatch, type StepResult, type StepRun } from './types.js';

export const appStoreVersionStep: StepRun = async (state, { asc }) => {
  const { request } = appStoreOf(state);
  const buildId = needBuildId(state);
  const wanted = state.build.version;
  const platform = state.build.platform;
  const { versions, builds } = await asc.appStore.versions.list(state.app.id, { platform });
  const buildNumber = (v: AppStoreVersionDetail): string => {
    const id = relatedId(v, 'build');
    return id ? (builds.get(id)?.attributes?.version ?? id) : 'none';
  };
  const settings = wantedSettings(request);
  const changes: string[] = [];

  let version = versions.find((v) => v.attributes?.versionString === wanted);
  if (version) {
    const s = stateOf(version)!;
    const sameBuild = relatedId(version, 'build') === buildId;
    if (RELEASED_STATES.includes(s) || APPROVED_STATES.includes(s)) {
      if (sameBuild) return done(`version ${label(version)} already ships this build: nothing to change`, recorded(version));
      if (RELEASED_STATES.includes(s)) {
        throw new UserError(
          `App Store version ${label(version)} of ${platform} is already on the App Store with build ${buildNumber(version)}. Raise \`app-version\` (and the app's version, CFBundleShortVersionString) to submit build ${state.build.buildNumber}.`,
        );
      }
      throw new UserError(
        `App Store version ${label(version)} of ${platform} was approved with build ${buildNumber(version)}. Release it with \`command: release\`, or raise \`app-version\` to submit build ${state.build.buildNumber}.`,
      );
    }
    if (IN_REVIEW_STATES.includes(s)) {
      if (sameBuild) {
        const unapplied = holds(version, settings)
          ? ''
          : '; it is in review, so `release-type`, `earliest-release-date` and `copyright` were left as they are';
        const detail = `version ${label(version)} is in review with this build${unapplied}`;
        return unapplied ? warning(detail, recorded(version)) : done(detail, recorded(version));
      }
      return unblock(asc, state, request, version, `App Store version ${label(version)} is in review with build ${buildNumber(version)}`);
    }
  } else {
    const editable = versions.find((v) => EDITABLE_STATES.includes(stateOf(v)!));
    if (editable) {
      // Apple keeps one editable version per platform: that one becomes this version.
      version = { ...(await asc.appStore.versions.update(editable.id, { versionString: wanted })), relationships: editable.relationships };
      changes.push(`renamed ${label(editable)} to ${wanted}`);
    } else {
      const inReview = versions.find((v) => IN_REVIEW_STATES.includes(stateOf(v)!));
      if (inReview) {
        return unblock(
          asc,
          state,
          request,
          inReview,
          `App Store version ${label(inReview)} is in review with build ${buildNumber(inReview)}, so Apple allows no new version`,
        );
      }
      const created = await createOrTakeOver(asc, state, settings, buildId);
      version = created.version;
      changes.push(created.how);
      if (created.fresh) return phased(asc, request, version, changes, true);
    }
  }

  if (!holds(version, settings)) {
    version = { ...(await asc.appStore.versions.update(version.id, settings)), relationships: version.relationships };
    changes.push(describeSettings(settings));
  }
  if (relatedId(version, 'build') !== buildId) {
    try {
      await asc.appStore.versions.attachBuild(version.id, buildId);
    } catch (error) {
      if (error instanceof AscApiError && error.status === 409 && error.hasCode('STATE_ERROR')) {
        throw new UserError(
          `Build ${state.build.buildNumber} could not be attached to App Store version ${label(version)}: the version is in review. Wait until App Review has finished with it, or set \`cancel-previous-submission: true\` to withdraw it and attach this build instead.\n${error.message}`,
        );
      }
      throw error;
    }
    changes.push(`build ${state.build.buildNumber} attached`);
  }
  return phased(asc, request, version, changes, false);
};

/**
 * Creates the version. A 409 is read back: the version made by an earlier attempt whose answer was lost,
 * or an editable version another run created meanwhile (Apple keeps one per platform), then renamed.
 */
async function createOrTakeOver(
  asc: AppStoreConnect,
  state: Readonly<PostProcessingState>,
  settings: Omit<AppStoreVersionSettings, 'versionString'>,
  buildId: string,
): Promise<{ version: AppStoreVersionDetail; how: string; fresh: boolean }> {
  const wanted = state.build.version;
  try {
    const created = await asc.appStore.versions.create(state.app.id, state.build.platform, wanted, settings, buildId);
    return {
      version: created.version,
      how: created.created ? `created version ${wanted}` : `found version ${wanted} (created by an earlier attempt)`,
      fresh: created.created,
    };
  } catch (error) {
    if (!(error instanceof AscApiError && error.status === 409)) throw error;
    const editable = (await asc.appStore.versions.list(state.app.id, { platform: state.build.platform })).versions.find((v) =>
      EDITABLE_STATES.includes(stateOf(v)!),
    );
    if (!editable) throw error;
    const renamed = await asc.appStore.versions.update(editable.id, { versionString: wanted });
    return {
      version: { ...renamed, relationships: editable.relationships },
      how: `renamed ${label(editable)} to ${wanted} (it appeared meanwhile)`,
      fresh: false,
    };
  }
}

async function phased(
  asc: AppStoreConnect,
  request: AppStoreRequest,
  version: AppStoreVersionDetail,
  changes: string[],
  fresh: boolean,
): Promise<StepResult> {
  if (request.phasedRelease !== undefined) {
    const current = fresh ? undefined : await asc.appStore.phasedReleases.forVersion(version.id);
    if (request.phasedRelease && !current) {
      await asc.appStore.phasedReleases.create(version.id);
      changes.push('phased release on');
    } else if (!request.phasedRelease && current) {
      await asc.appStore.phasedReleases.delete(current.id);
      changes.push('phased release off');
    }
  }
  return done(changes.length ? changes.join('; ') : `version ${label(version)} already set up with this build`, recorded(version));
}

/** The version in the way is in review: withdraw its submission (and wait), or say what to do. */
async function unblock(
  asc: AppStoreConnect,
  state: Readonly<PostProcessingState>,
  request: AppStoreRequest,
  version: AppStoreVersionDetail,
  why: string,
): Promise<StepResult> {
  const holder = (await openSubmissions(asc, state)).find((o) => o.items.some((i) => i.versionId === version.id));
  if (!holder) {
    if (!request.cancelPreviousSubmission) {
      throw new UserError(
        `${why}, and no open review submission holds it (Apple may still be filing it). Wait until App Review has finished with it, or withdraw it: set \`cancel-previous-submission: true\` (this waits until Apple shows its submission, then withdraws it), or remove it from review on the version's page in App Store Connect, then run \`command: distribute\` for build ${state.build.buildNumber} again.`,
      );
    }
    return waiting(`${why}; no open review submission holds it yet: waiting for Apple`);
  }
  return withdrawOrRefuse(asc, request, holder, why);
}

function wantedSettings(request: AppStoreRequest): Omit<AppStoreVersionSettings, 'versionString'> {
  const s: Omit<AppStoreVersionSettings, 'versionString'> = {};
  if (request.releaseType) s.releaseType = request.releaseType;
  if (request.earliestReleaseDate) s.earliestReleaseDate = request.earliestReleaseDate;
  if (request.copyright) s.copyright = request.copyright;
  return s;
}

function describeSettings(s: Omit<AppStoreVersionSettings, 'versionString'>): string {
  return [
    s.releaseType && `release type ${s.releaseType}`,
    s.earliestReleaseDate && `earliest release ${s.earliestReleaseDate}`,
    s.copyright && `copyright "${s.copyright}"`,
  ]
    .filter(Boolean)
    .join(', ');
}

/** What the engine records of the version: its ID and state as last seen. */
function recorded(version: AppStoreVersionDetail): StatePatch {
  return { appStore: { versionId: version.id, versionState: stateOf(version) } };
}
