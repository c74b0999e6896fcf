/** Step `app-store-submit`: put the version in a review submission and send it to App Review, once. */
import { APPROVED_STATES, RELEASED_STATES } from '../../asc/app-store-types.js';
import { describeRefusal } from '../../asc/associated-errors.js';
import { AscApiError } from '../../asc/errors.js';
import { UserError } from '../../errors.js';
import {
  appStoreOf,
  describeSubmission,
  label,
  needVersionId,
  openSubmissions,
  stateOf,
  withdrawOrRefuse,
  type OpenSubmission,
} from './app-store-shared.js';
import { done, needBuildId, waiting, type StepResult, type StepRun } from './types.js';

const SENT = ['WAITING_FOR_REVIEW', 'IN_REVIEW'];
const WAITING = ['WAITING_FOR_REVIEW', 'IN_REVIEW', 'UNRESOLVED_ISSUES'];

export const appStoreSubmitStep: StepRun = async (state, { asc }) => {
  const { request } = appStoreOf(state);
  const versionId = needVersionId(state);
  const buildId = needBuildId(state);
  const { version, build } = await asc.appStore.versions.get(versionId);
  const submitted = (detail: string, submissionId?: string, versionState = stateOf(version)): StepResult =>
    done(detail, { appStore: { versionId, versionState, ...(submissionId ? { submissionId } : {}) } });
  if (build?.id !== buildId) {
    throw new UserError(
      `App Store version ${label(version)} ships build ${build?.attributes?.version ?? 'none'}, not build ${state.build.buildNumber}: it was changed in App Store Connect meanwhile. Run \`command: distribute\` for the build you want to submit.`,
    );
  }
  const s = stateOf(version)!;
  if (APPROVED_STATES.includes(s) || RELEASED_STATES.includes(s)) return submitted(`already reviewed with this build: ${s}`);

  const open = await openSubmissions(asc, state);
  const holding = open.find((o) => o.items.some((i) => i.versionId === versionId));
  const holdingState = holding?.submission.attributes?.state;
  if (holding && SENT.includes(holdingState ?? '')) {
    return submitted(
      `already submitted with this build (review submission ${holding.submission.id}, ${holdingState})`,
      holding.submission.id,
    );
  }
  if (holding && (holdingState === 'COMPLETING' || holdingState === 'CANCELING')) {
    return waiting(`${describeSubmission(holding)} is ${holdingState}; waiting for Apple`);
  }
  for (const other of open.filter((o) => o !== holding)) {
    const otherState = other.submission.attributes?.state ?? '';
    if (WAITING.includes(otherState) || otherState === 'CANCELING' || otherState === 'COMPLETING') {
      return withdrawOrRefuse(asc, request, other, `Another App Store review submission of ${state.build.platform} is open`);
    }
    if (otherState === 'READY_FOR_REVIEW' && other.items.length > 0) {
      // A draft with someone else's items: reusing it would submit them too.
      return withdrawOrRefuse(asc, request, other, `A draft review submission of ${state.build.platform} holds other items`);
    }
  }

  let submission: OpenSubmission['submission'];
  let how: string;
  if (holding) {
    submission = holding.submission;
    how = holdingState === 'UNRESOLVED_ISSUES' ? 'submitted again (it had unresolved issues)' : 'submitted (draft held it already)';
  } else {
    const draft = open.find((o) => o.submission.attributes?.state === 'READY_FOR_REVIEW' && o.items.length === 0);
    submission = draft?.submission ?? (await asc.appStore.reviewSubmissions.create(state.app.id, state.build.platform));
    await asc.appStore.reviewSubmissions.addVersion(submission.id, versionId);
    how = draft ? 'submitted (reused an empty draft)' : 'submitted';
  }
  let sent;
  try {
    sent = await asc.appStore.reviewSubmissions.submit(submission.id);
  } catch (error) {
    if (error instanceof AscApiError && (error.status === 409 || error.status === 422)) {
      throw new UserError(
        `${describeRefusal(error, `App Review submission of version ${label(version)}`)}\nFix these in App Store Connect, then run \`command: distribute\` for build ${state.build.buildNumber} with \`submit-app-store-review: true\`: the steps done are not repeated.`,
      );
    }
    throw error;
  }
  const after = await asc.appStore.versions.get(versionId);
  return submitted(
    `${how} for App Review: review submission ${sent.id} ${sent.attributes?.state ?? ''}`.trim(),
    sent.id,
    stateOf(after.version),
  );
};
