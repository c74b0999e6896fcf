import { AnswerLostError } from '../../asc/errors.js';
import { relatedId } from '../../asc/types.js';
import { describeDetail, listDetails, uploadRefusalAdvice } from '../../asc/upload-refusals.js';
import { compareBuildNumbers } from '../../domain.js';
import { UserError } from '../../errors.js';
import type { PostProcessingState } from '../state.js';
import { resolveBetaGroups } from './testers.js';
import { done, needBuildId, skipped, waiting, warning, type StepContext, type StepRun } from './types.js';

type State = Readonly<PostProcessingState>;

/**
 * Follows Apple's processing of the uploaded file until it has made the build. The build is followed
 * as soon as it exists, whatever the upload's state: an upload can stay PROCESSING long after its
 * build exists (Expo raised its wait to 30 minutes, expo/eas-cli #3403; the asc CLI reads the `build`
 * link in any state). Apple still working is bounded by `processing-timeout` (the registry), not
 * `find-build-timeout`.
 */
export const uploadState: StepRun = async (state, { asc, log }) => {
  const upload = await asc.buildUploads.get(needUploadId(state), { includeBuild: true });
  const s = upload.attributes?.state;
  if (s?.state === 'FAILED' || (s?.state === 'AWAITING_UPLOAD' && s.errors?.length)) {
    // AWAITING_UPLOAD with errors: Apple refused the file before taking it (altool's daily limit, MentraOS #3857).
    throw new UserError(
      `Apple could not process the uploaded file:\n${listDetails(s.errors)}\n${uploadRefusalAdvice(s.errors, state.build.version)}`,
    );
  }
  const buildId = relatedId(upload, 'build');
  const finished = s?.state === 'COMPLETE';
  if (!buildId && s?.state === 'AWAITING_UPLOAD') {
    // Apple is not working on it: the file has not arrived (altool reported success nonetheless, fastlane #29725).
    return { ...waiting('build upload AWAITING_UPLOAD: Apple has not received the file'), bound: 'find-build' };
  }
  if (!buildId && !finished) return waiting(`build upload ${s?.state ?? 'state unknown'}`);
  for (const w of s?.warnings ?? []) log.warning(`Apple: ${describeDetail(w)}`);
  const detail = buildId ? `build ${buildId} made (build upload ${s?.state ?? 'state unknown'})` : 'COMPLETE';
  const patch = buildId ? { build: { id: buildId } } : undefined;
  return s?.warnings?.length
    ? warning(`${detail} with warnings: ${s.warnings.map(describeDetail).join('; ')}`, patch)
    : done(detail, patch);
};

/** Finds the build: the upload's `build` link, else a lookup by version and build number (matched exactly). */
export const findBuild: StepRun = async (state, { asc }) => {
  if (state.build.id) return done(`build ${state.build.id}`);
  let id: string | undefined;
  if (state.build.buildUploadId) id = relatedId(await asc.buildUploads.get(state.build.buildUploadId, { includeBuild: true }), 'build');
  if (!id) {
    const { builds } = await asc.builds.list({
      appId: state.app.id,
      buildNumber: state.build.buildNumber,
      version: state.build.version,
      platform: state.build.platform,
      anyState: true,
    });
    id = builds[0]?.id;
  }
  if (!id) return waiting('not in App Store Connect yet');
  return done(`build ${id}`, { build: { id } });
};

export const notes: StepRun = async (state, { asc }) => {
  const buildId = needBuildId(state);
  const existing = await asc.localizations.list(buildId);
  const changes: string[] = [];
  for (const note of state.request.notes) {
    changes.push(`${note.locale} ${await asc.localizations.put(buildId, note.locale, note.text, existing)}`);
  }
  return done(changes.join(', '));
};

export const processing: StepRun = async (state, ctx) => {
  const { build, betaDetail } = await ctx.asc.builds.getWithBetaDetail(needBuildId(state));
  const processingState = build.attributes?.processingState;
  const patch = { build: { processingState } };
  if (processingState === 'INVALID' || processingState === 'FAILED') {
    throw new UserError(`Apple marked the build ${processingState}.${await reasons(state, ctx)}`);
  }
  if (processingState !== 'VALID') return waiting(`processing state ${processingState ?? 'unknown'}`, patch);
  const internal = betaDetail?.attributes?.internalBuildState;
  if (!internal || internal === 'PROCESSING') return waiting('VALID; TestFlight still processing', patch);
  if (internal === 'PROCESSING_EXCEPTION')
    throw new UserError(
      'TestFlight reports PROCESSING_EXCEPTION for the build: Apple could not prepare it for testing. Check the build in App Store Connect → TestFlight and contact Apple if it persists.',
    );
  // Processing is done; what TestFlight still waits for (an export compliance answer) is the next steps' to settle.
  if (internal === 'MISSING_EXPORT_COMPLIANCE') return done('VALID; TestFlight waits for the export compliance answer', patch);
  return done(
    `VALID; TestFlight ${internal}${betaDetail?.attributes?.externalBuildState ? ` / ${betaDetail.attributes.externalBuildState}` : ''}`,
    patch,
  );
};

export const exportCompliance: StepRun = async (state, { asc }) => {
  const { build, betaDetail } = await asc.builds.getWithBetaDetail(needBuildId(state));
  const answer = build.attributes?.usesNonExemptEncryption;
  const wanted = state.request.usesNonExemptEncryption;
  if (wanted === undefined) {
    if (betaDetail?.attributes?.internalBuildState === 'MISSING_EXPORT_COMPLIANCE') {
      return warning(
        'the build is waiting for export compliance (Missing Compliance): set `uses-non-exempt-encryption: false` (or `true`), or add ITSAppUsesNonExemptEncryption to Info.plist so every build answers it.',
      );
    }
    return skipped(answer === undefined || answer === null ? 'not needed' : `already answered (${encryption(answer)})`);
  }
  if (answer !== undefined && answer !== null) {
    return answer === wanted
      ? skipped(`already answered (${encryption(answer)})`)
      : warning(
          `already answered (${encryption(answer)}, in Info.plist or App Store Connect); Apple does not allow changing it, so \`uses-non-exempt-encryption: ${wanted}\` was not applied`,
        );
  }
  await asc.builds.setUsesNonExemptEncryption(needBuildId(state), wanted);
  return done(`answered: ${encryption(wanted)}`);
};

/** An export compliance answer in words. */
function encryption(uses: boolean): string {
  return uses ? 'uses non-exempt encryption' : 'uses no non-exempt encryption';
}

export const expirePrevious: StepRun = async (state, { asc }) => {
  const buildId = needBuildId(state);
  const { builds } = await asc.builds.list({
    appId: state.app.id,
    version: state.build.version,
    platform: state.build.platform,
    expired: false,
  });
  // Earlier builds only: promoting an older build must not expire the newer ones.
  const previous = builds.filter(
    (b) => b.id !== buildId && !b.attributes?.expired && compareBuildNumbers(b.attributes?.version ?? '', state.build.buildNumber) < 0,
  );
  for (const b of previous) await asc.builds.expire(b.id);
  return previous.length
    ? done(`expired ${previous.map((b) => b.attributes?.version ?? b.id).join(', ')}`)
    : skipped('no earlier build to expire');
};

export const notifyTesters: StepRun = async (state, { asc }) => {
  const buildId = needBuildId(state);
  // With `follow-review` this runs after the beta review's decision (without one, the engine skips it: testers are not told of a build they cannot have).
  const detail = await asc.betaDetails.forBuild(buildId);
  if (detail.attributes?.autoNotifyEnabled) return skipped('Apple notifies testers automatically for this build');
  const wanted = state.request.betaGroups;
  // The groups as `beta-groups` names them (ignoring case, like the `beta-groups` step), compared by ID.
  const groups = wanted.length ? resolveBetaGroups(await asc.betaGroups.list(state.app.id), wanted, state.app.bundleId) : [];
  const member = groups.length ? new Set((await asc.betaGroups.list(state.app.id, { buildId })).map((g) => g.id)) : new Set<string>();
  if (groups.some((w) => !member.has(w.group.id))) {
    // Readable and idempotent, unlike a notification: safe when runs overlap or die halfway.
    await asc.betaDetails.setAutoNotify(detail.id, true);
    return done(`automatic notification on: Apple notifies testers as the build reaches ${wanted.join(', ')}`);
  }
  // The build is already where testers can see it: only an explicit notification tells them.
  try {
    await asc.betaDetails.notifyTesters(buildId);
  } catch (error) {
    // A notification cannot be read back: one whose answer was lost is not sent again.
    if (error instanceof AnswerLostError)
      return warning(`${error.happened} Check in App Store Connect → TestFlight whether testers were told.`);
    throw error;
  }
  return done('notification sent');
};

/** Apple keeps the reasons for a bad build on its build upload, when we have one. */
/** Apple's reasons for an INVALID build, each on its line, and the one thing to do about them. */
async function reasons(state: State, { asc }: StepContext): Promise<string> {
  const errors = state.build.buildUploadId ? ((await asc.buildUploads.get(state.build.buildUploadId)).attributes?.state?.errors ?? []) : [];
  const why = errors.length
    ? ` Apple's reasons:\n${listDetails(errors)}`
    : state.build.buildUploadId
      ? ' Apple gave no reason in the API; it sends them by email to the account holder.'
      : ' Apple sends the reasons by email to the account holder; they also show in App Store Connect → TestFlight.';
  return `${why}\n${uploadRefusalAdvice(errors, state.build.version)}`;
}

function needUploadId(state: State): string {
  if (!state.build.buildUploadId) throw new Error('internal: no build upload to follow');
  return state.build.buildUploadId;
}
