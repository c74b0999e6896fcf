/** The TestFlight steps that reach testers, shaped by how Apple behaves in practice: beta review and beta groups. */
import { AscApiError, formatApiError } from '../../asc/errors.js';
import type { BetaGroup, BuildBetaDetail } from '../../asc/types.js';
import { UserError } from '../../errors.js';
import type { PostProcessingState } from '../state.js';
import { missingTestInformation, missingTestInformationError, TEST_INFORMATION_WHERE } from './test-information.js';
import { done, needBuildId, skipped, waiting, type StepContext, type StepResult, type StepRun } from './types.js';

type State = Readonly<PostProcessingState>;

/** Tries of a beta group add that Apple answers 404 although the build exists (asc CLI #1906) before waiting for the next poll. */
const GROUP_ADD_TRIES = 3;

/** Names to groups (exact, else ignoring case); an unknown name is an error listing the groups that exist. */
export function resolveBetaGroups(
  groups: BetaGroup[],
  names: readonly string[],
  bundleId: string,
): Array<{ name: string; group: BetaGroup }> {
  const wanted = names.map((name) => ({
    name,
    group: groups.find((g) => g.attributes?.name === name) ?? groups.find((g) => g.attributes?.name?.toLowerCase() === name.toLowerCase()),
  }));
  const unknown = wanted.filter((w) => !w.group).map((w) => `"${w.name}"`);
  if (unknown.length) {
    const existing = groups.map((g) => `"${g.attributes?.name}"`).join(', ') || 'none';
    throw new UserError(
      `Input \`beta-groups\`: ${unknown.join(', ')} ${unknown.length > 1 ? 'are not beta groups' : 'is not a beta group'} of ${bundleId}. Groups that exist: ${existing}. Fix the name or create the group in App Store Connect → TestFlight.`,
    );
  }
  return wanted as Array<{ name: string; group: BetaGroup }>;
}

/**
 * Why the build cannot be submitted for beta review yet (undefined: it can). Apple answers 422 while the
 * build waits for export compliance or its beta details are processed (Codemagic #346): wait instead.
 */
function betaReviewBlocker(state: State, detail: BuildBetaDetail | undefined): string | undefined {
  const internal = detail?.attributes?.internalBuildState;
  const external = detail?.attributes?.externalBuildState;
  if (internal === 'MISSING_EXPORT_COMPLIANCE' && state.request.usesNonExemptEncryption === undefined) {
    throw new UserError(
      'The build waits for export compliance (Missing Compliance), and Apple reviews no build before it is answered: set `uses-non-exempt-encryption: false` (or `true`), or add ITSAppUsesNonExemptEncryption to Info.plist, then run `command: distribute` for this build.',
    );
  }
  if (!internal || internal === 'PROCESSING' || internal === 'MISSING_EXPORT_COMPLIANCE' || external === 'PROCESSING')
    return `TestFlight not ready for beta review yet (${internal ?? 'unknown'} / ${external ?? 'unknown'})`;
  return undefined;
}

/** Beta review refusals that retrying never clears, with what to do; anything else as Apple said it. */
function explainBetaReviewRefusal(error: unknown, state: State): unknown {
  if (!(error instanceof AscApiError)) return error;
  const retry = `Then run \`command: distribute\` with \`app-version: ${state.build.version}\`, \`build-number: ${state.build.buildNumber}\` and \`submit-beta-review: true\`.`;
  if (error.status === 500) {
    // A bare 500, after every retry, is how Apple refuses incomplete Test Information, above all a
    // missing feedback e-mail (codemagic cli-tools #118): no later retry clears it.
    return new UserError(
      formatApiError(
        error.method,
        error.path,
        error.status,
        error.errors,
        `Apple answers a bare 500 to a beta review submission when the app's TestFlight Test Information is incomplete — most often a missing Feedback Email for the app's primary language — and retrying does not clear it. ${TEST_INFORMATION_WHERE} ${retry}`,
      ),
    );
  }
  if (error.status !== 422 && error.status !== 409) return error;
  if (error.hasCode('ENTITY_UNPROCESSABLE.SUBMISSION_LIMIT_REACHED') || error.mentions('submission limit')) {
    return new UserError(
      `${error.message}\nApple's daily limit of external beta review submissions for this app is reached; it resets within a day. The build is uploaded and can go to internal groups now. ${retry}`,
    );
  }
  if (error.mentions('another build is in review') || error.mentions('another build')) {
    return new UserError(
      `${error.message}\nApple reviews one build of a version (train ${state.build.version}) at a time and another one is waiting for or in beta review${otherBuild(error)}. Wait until that review ends, or expire that build in App Store Connect → TestFlight to withdraw it. ${retry}`,
    );
  }
  if (error.mentions('beta app description')) {
    return new UserError(
      `${error.message}\nThe Beta App Description is missing: fill it in App Store Connect → your app → TestFlight → Test Information (Beta App Description, for every language testers see). ${retry}`,
    );
  }
  return error;
}

/** The other build Apple names in its refusal, when it names one. */
function otherBuild(error: AscApiError): string {
  for (const e of error.entries()) {
    const m = /build\s+['"]?([\w.-]*\d[\w.-]*)['"]?\s+(?:is|of)/i.exec(e.detail ?? '');
    if (m) return ` (build ${m[1]})`;
  }
  return '';
}

export const betaReview: StepRun = async (state, ctx) => {
  const { asc } = ctx;
  const buildId = needBuildId(state);
  const existing = await asc.betaReview.forBuild(buildId);
  if (existing) {
    const seen = existing.attributes?.betaReviewState;
    return skipped(`already submitted (${seen ?? 'state unknown'})`, seen ? { betaReview: { state: seen } } : undefined);
  }
  // Apple answers 422 while the build waits for export compliance or its beta details (Codemagic #346; fastlane waits too).
  const notReady = betaReviewBlocker(state, (await asc.builds.getWithBetaDetail(buildId)).betaDetail);
  if (notReady) return waiting(notReady);
  await checkTestInformation(state, ctx);
  try {
    const submission = await asc.betaReview.create(buildId);
    const seen = submission.attributes?.betaReviewState ?? 'WAITING_FOR_REVIEW';
    return done(`submitted (${seen})`, { betaReview: { state: seen } });
  } catch (error) {
    throw explainBetaReviewRefusal(error, state);
  }
};

/** Apple refuses (a missing feedback e-mail with a bare 500) to submit incomplete Test Information: say so before asking. */
async function checkTestInformation(state: State, { asc }: StepContext): Promise<void> {
  const app = await asc.apps.get(state.app.id);
  const missing = await missingTestInformation(asc, state.app.id, app.attributes?.primaryLocale ?? 'en-US');
  if (missing.length)
    throw missingTestInformationError(
      state.app.bundleId,
      missing,
      `Then run \`command: distribute\` for build ${state.build.buildNumber} of version ${state.build.version} with \`submit-beta-review: true\`.`,
    );
}

export const betaGroups: StepRun = async (state, ctx): Promise<StepResult> => {
  const { asc, log } = ctx;
  const buildId = needBuildId(state);
  const wanted = resolveBetaGroups(await asc.betaGroups.list(state.app.id), state.request.betaGroups, state.app.bundleId);
  // Apple refuses builds for an internal group with access to every build (422, asc CLI #1143): it has them all already.
  const allBuilds = wanted.filter((w) => w.group.attributes?.isInternalGroup && w.group.attributes?.hasAccessToAllBuilds);
  for (const w of allBuilds)
    log.info(
      `Beta group "${w.group.attributes?.name}" is internal with access to every build: it gets this build without being asked, so it is skipped.`,
    );
  const assignable = wanted.filter((w) => !allBuilds.includes(w));
  const external = assignable.filter((w) => !w.group.attributes?.isInternalGroup);
  if (external.length) {
    const { build, betaDetail } = await asc.builds.getWithBetaDetail(buildId);
    if (build.attributes?.buildAudienceType === 'INTERNAL_ONLY') {
      throw new UserError(
        `Build ${state.build.buildNumber} was uploaded for internal testing only (TestFlight Internal Only), so Apple never lets it join an external group: ${names(external)}. Export the app for App Store Connect distribution (not "TestFlight Internal Only") and upload it with a new build number, or list only internal groups in \`beta-groups\`.`,
      );
    }
    // Until TestFlight has finished with the build for external testing, Apple answers the add with a 404 (asc CLI #1906).
    const externalState = betaDetail?.attributes?.externalBuildState;
    if (externalState === 'PROCESSING') return waiting('TestFlight external processing (PROCESSING)');
  }
  const member = new Set((await asc.betaGroups.list(state.app.id, { buildId })).map((g) => g.id));
  const toAdd = assignable.filter((w) => !member.has(w.group.id));
  if (
    toAdd.length &&
    !(await addWithRetry(
      ctx,
      buildId,
      toAdd.map((w) => w.group.id),
    ))
  ) {
    return waiting(`Apple does not let the build join ${names(toAdd)} yet (404)`);
  }
  const already = assignable.filter((w) => member.has(w.group.id));
  const publicLink = firstPublicLink(wanted);
  return done(
    [
      toAdd.length ? `added to ${names(toAdd)}` : '',
      already.length ? `already in ${names(already)}` : '',
      allBuilds.length ? `skipped ${names(allBuilds)} (internal, every build)` : '',
    ]
      .filter(Boolean)
      .join('; '),
    publicLink ? { testflight: { publicLink } } : undefined,
  );
};

/** The public link of the first named external group that has one enabled (read only: enabling it is the group's setting). */
export function firstPublicLink(groups: Array<{ group: BetaGroup }>): string | undefined {
  const link = groups.find(
    (w) => !w.group.attributes?.isInternalGroup && w.group.attributes?.publicLinkEnabled && w.group.attributes.publicLink,
  )?.group.attributes?.publicLink;
  // Only Apple's own https links reach the outputs and the summary.
  return link && /^https:\/\/testflight\.apple\.com\/join\/[A-Za-z0-9]{1,32}$/.test(link) ? link : undefined;
}

/** False when Apple still answers "no resource of type 'builds'" after a few tries: the step waits for the next poll. */
async function addWithRetry(ctx: StepContext, buildId: string, groupIds: string[]): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      await ctx.asc.builds.addToBetaGroups(buildId, groupIds);
      return true;
    } catch (error) {
      const buildUnknown =
        error instanceof AscApiError && error.status === 404 && error.hasCode('NOT_FOUND') && error.mentions("type 'builds'");
      if (!buildUnknown) throw error;
      if (attempt >= GROUP_ADD_TRIES) return false;
      const delay = Math.min(ctx.pollIntervalMs, 15_000) * attempt;
      ctx.log.info(
        `Apple does not know build ${buildId} for beta groups yet (404, usual right after processing); trying again in ${(delay / 1000).toFixed(1)} s.`,
      );
      await ctx.sleep(delay);
    }
  }
}

function names(groups: Array<{ group: BetaGroup }>): string {
  return groups.map((w) => w.group.attributes?.name).join(', ');
}
