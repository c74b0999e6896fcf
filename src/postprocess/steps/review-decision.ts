/**
 * Steps `beta-review-decision` and `app-store-review-decision` (`follow-review: true`): each reads Apple's
 * state of a review this build was submitted to, once per call, and writes nothing. Still in review →
 * `waiting`; approved → done, saying what happens next; refused → the build's failure, naming the state
 * and the App Store Connect page where Apple explains it. The engine bounds the wait by `review-timeout`.
 */
import {
  APPROVED_STATES,
  RELEASED_STATES,
  versionState,
  type AppStoreVersionDetail,
  type AppStoreVersionState,
} from '../../asc/app-store-types.js';
import { UserError } from '../../errors.js';
import { appStoreVersionLink, buildLink } from '../../links.js';
import type { PostProcessingState } from '../state.js';
import { label, needVersionId } from './app-store-shared.js';
import { done, needBuildId, StepFailure, waiting, type StepRun } from './types.js';

/** App Review (or the developer) ended the review without an approval. */
const APP_REVIEW_REFUSED = ['REJECTED', 'METADATA_REJECTED', 'INVALID_BINARY', 'DEVELOPER_REJECTED'] as const;

const REFUSAL_HELP: Record<(typeof APP_REVIEW_REFUSED)[number], string> = {
  REJECTED: 'App Review rejected it; Apple explains why in the Resolution Center (App Review messages) of',
  METADATA_REJECTED: 'App Review rejected its metadata (the build itself was not refused); Apple explains why in the Resolution Center of',
  INVALID_BINARY: 'Apple found the build invalid for the App Store; the reasons are in the e-mail to the account holder and on',
  DEVELOPER_REJECTED: 'it was removed from review in App Store Connect (by a person or another tool); see',
};

type State = Readonly<PostProcessingState>;

/** The build's TestFlight beta review, as its beta review submission says it. */
export const betaReviewDecision: StepRun = async (state, { asc }) => {
  const buildId = needBuildId(state);
  const submission = await asc.betaReview.forBuild(buildId);
  const reviewState = submission?.attributes?.betaReviewState;
  const patch = reviewState ? { betaReview: { state: reviewState } } : undefined;
  const page = buildLink(state.app.id, state.build.platform, buildId);
  if (!submission) {
    throw new UserError(
      `Build ${state.build.buildNumber} has no TestFlight beta review submission any more (withdrawn, or the build expired), so there is no decision to follow. See ${page}; submit it again with \`command: distribute\` and \`submit-beta-review: true\`.`,
    );
  }
  if (reviewState === 'APPROVED') {
    const groups = state.request.betaGroups;
    return done(
      `APPROVED: external testers${groups.length ? ` in ${groups.join(', ')}` : ''} can install build ${state.build.buildNumber}`,
      patch,
    );
  }
  if (reviewState === 'REJECTED') {
    throw new StepFailure(
      `TestFlight beta review: build ${state.build.buildNumber} was REJECTED. Apple explains why by e-mail to the account holder and in App Store Connect → TestFlight: ${page}. Fix what Apple names, upload a new build and submit it for beta review.`,
      { betaReview: { state: 'REJECTED' } },
    );
  }
  return waiting(`beta review ${reviewState ?? 'state unknown'}`, patch);
};

/** The version's App Review, as its state says it. */
export const appStoreReviewDecision: StepRun = async (state, { asc }) => {
  const versionId = needVersionId(state);
  const { version } = await asc.appStore.versions.get(versionId);
  // In `appStoreState`'s words, whichever field Apple filled.
  const seen = versionState(version);
  const patch = { appStore: { versionId, versionState: seen } };
  if (seen && (APP_REVIEW_REFUSED as readonly string[]).includes(seen)) {
    const refusal = seen as (typeof APP_REVIEW_REFUSED)[number];
    throw new StepFailure(
      `App Review: version ${label(version)} was not approved: ${refusal}. ${REFUSAL_HELP[refusal]} the version's page: ${appStoreVersionLink(state.app.id, state.build.platform, seen)}. Fix it there and submit again with \`command: distribute\` and \`submit-app-store-review: true\`.`,
      patch,
    );
  }
  if (seen && (APPROVED_STATES.includes(seen) || RELEASED_STATES.includes(seen))) {
    return done(`APPROVED (${seen}): ${await whatNext(state, version, seen, asc)}`, patch);
  }
  return waiting(`App Review ${seen ?? 'state unknown'}`, patch);
};

/** Live, scheduled, or waiting for `command: release`; and where a phased release stands. */
async function whatNext(
  state: State,
  version: AppStoreVersionDetail,
  seen: AppStoreVersionState,
  asc: Parameters<StepRun>[1]['asc'],
): Promise<string> {
  const phased = await asc.appStore.phasedReleases.forVersion(version.id);
  const phase = phased?.attributes?.phasedReleaseState;
  const rollout =
    phase === 'ACTIVE' || phase === 'PAUSED'
      ? `; phased release ${phase} on day ${phased?.attributes?.currentDayNumber ?? '?'} of 7`
      : phase === 'INACTIVE'
        ? '; the phased release starts when it is released'
        : '';
  switch (seen) {
    case 'READY_FOR_SALE':
      return `live on the App Store${rollout}`;
    case 'PROCESSING_FOR_APP_STORE':
      return `Apple is releasing it now${rollout}`;
    case 'PENDING_APPLE_RELEASE': {
      const at = version.attributes?.earliestReleaseDate;
      return `scheduled: Apple releases it${at ? ` at ${at}` : ' at its earliest release date'}${rollout}`;
    }
    default:
      return `waiting for \`command: release\` (app-version ${state.build.version})${rollout}`;
  }
}
