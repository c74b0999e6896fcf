/** What the three App Store steps share: where they find their request and record, and Apple's states. */
import { versionState, type AppStoreVersionDetail, type AppStoreVersionState, type ReviewSubmission } from '../../asc/app-store-types.js';
import type { AppStoreConnect } from '../../asc/client.js';
import type { SubmissionItem } from '../../asc/review-submissions.js';
import { UserError } from '../../errors.js';
import type { AppStoreRequest } from '../app-store-request.js';
import type { PostProcessingState } from '../state.js';
import { waiting, type AppStoreRecord, type StepResult } from './types.js';

/** Where the App Store steps find their request (the plan's `request.appStore`) and record (`appStore`). */
export function appStoreOf(state: Readonly<PostProcessingState>): { request: AppStoreRequest; record: AppStoreRecord } {
  if (!state.request.appStore) throw new Error('internal: the plan has no App Store request');
  return { request: state.request.appStore, record: state.appStore ?? {} };
}

export function needVersionId(state: Readonly<PostProcessingState>): string {
  const id = appStoreOf(state).record.versionId;
  if (!id) throw new Error('internal: the App Store version has not been prepared yet');
  return id;
}

export const stateOf = (v: AppStoreVersionDetail | undefined): AppStoreVersionState | undefined => versionState(v);

export function label(v: AppStoreVersionDetail): string {
  return `${v.attributes?.versionString ?? v.id} (${stateOf(v) ?? 'state unknown'})`;
}

export interface OpenSubmission {
  submission: ReviewSubmission;
  items: SubmissionItem[];
}

/**
 * Every open review submission of the app and platform that holds an App Store version or nothing yet,
 * with what each holds. One holding only other items (in-app events, …) may be in review beside the
 * version's (tramlinehq/applelink #44, quoting Apple's help): it is left out, so it is neither a
 * conflict nor ever withdrawn.
 */
export async function openSubmissions(asc: AppStoreConnect, state: Readonly<PostProcessingState>): Promise<OpenSubmission[]> {
  const open = await asc.appStore.reviewSubmissions.listOpen(state.app.id, state.build.platform);
  const all = await Promise.all(
    open.map(async (submission) => ({ submission, items: await asc.appStore.reviewSubmissions.items(submission.id) })),
  );
  return all.filter((o) => !holdsOnlyOtherItems(o));
}

function holdsOnlyOtherItems(o: OpenSubmission): boolean {
  return o.items.length > 0 && o.items.every((i) => !i.versionId);
}

export function describeSubmission(o: OpenSubmission): string {
  const held = o.items.map((i) => (i.version ? `version ${label(i.version)}` : i.versionId ? `version ${i.versionId}` : 'another item'));
  return `review submission ${o.submission.id} (${o.submission.attributes?.state ?? 'state unknown'}${held.length ? `, holding ${held.join(', ')}` : ''})`;
}

/**
 * A submission that stands in the way: with `cancel-previous-submission` it is withdrawn and the step
 * waits for Apple to finish cancelling; without, an error names it and the input.
 */
export async function withdrawOrRefuse(
  asc: AppStoreConnect,
  request: AppStoreRequest,
  blocking: OpenSubmission,
  why: string,
): Promise<StepResult> {
  const submissionState = blocking.submission.attributes?.state;
  if (submissionState === 'CANCELING' || submissionState === 'COMPLETING') {
    return waiting(`${describeSubmission(blocking)} is ${submissionState}; waiting for Apple`);
  }
  if (!request.cancelPreviousSubmission) {
    throw new UserError(
      `${why}: ${describeSubmission(blocking)}. Wait until App Review has finished with it, or set \`cancel-previous-submission: true\` to withdraw it and submit this build instead.`,
    );
  }
  await asc.appStore.reviewSubmissions.cancel(blocking.submission.id);
  return waiting(`withdrew ${describeSubmission(blocking)} (\`cancel-previous-submission\`); waiting for it to leave CANCELING`);
}
