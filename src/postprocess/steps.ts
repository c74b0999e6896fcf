import { AnswerLostError } from '../asc/errors.js';
import { relatedId, type Build, type BuildBetaDetail, type StateDetail } from '../asc/types.js';
import { UserError } from '../errors.js';
import { compareBuildNumbers } from './build-numbers.js';
import { betaGroupsStep, betaReviewBlocker, explainBetaReviewRefusal, TEST_INFORMATION_HELP } from './testflight-steps.js';
export { resolveBetaGroups } from './testflight-steps.js';
import type { EngineContext } from './engine.js';
import type { PostProcessingState, StepName, StepStatus } from './state.js';

export type StepOutcome = { status: Exclude<StepStatus, 'pending' | 'failed'>; detail?: string } | { status: 'waiting'; detail?: string };
type Step = (state: PostProcessingState, ctx: EngineContext) => Promise<StepOutcome>;

const done = (detail?: string): StepOutcome => ({ status: 'done', detail });
const skipped = (detail?: string): StepOutcome => ({ status: 'skipped', detail });
const waiting = (detail?: string): StepOutcome => ({ status: 'waiting', detail });

/** Each step checks Apple's current state first and only then acts, so a repeat changes nothing. */
export const STEPS: Record<StepName, Step> = {
  'upload-state': async (state, { asc, log }) => {
    const upload = await asc.buildUploads.get(needUploadId(state), { includeBuild: true });
    const s = upload.attributes?.state;
    for (const w of s?.warnings ?? []) log.warning(`Apple: ${describeDetail(w)}`);
    if (s?.state === 'FAILED') {
      throw new UserError(
        `Apple could not process the uploaded file:\n${listDetails(s.errors)}\nFix the package and upload it again with a new build number.`,
      );
    }
    if (s?.state !== 'COMPLETE') return waiting(`build upload ${s?.state ?? 'state unknown'}`);
    const buildId = relatedId(upload, 'build');
    if (buildId) state.build.id = buildId;
    return s.warnings?.length
      ? { status: 'warning', detail: `COMPLETE with warnings: ${s.warnings.map(describeDetail).join('; ')}` }
      : done('COMPLETE');
  },

  'find-build': async (state, { asc }) => {
    if (state.build.id) return done(`build ${state.build.id}`);
    let id: string | undefined;
    if (state.build.buildUploadId) {
      id = relatedId(await asc.buildUploads.get(state.build.buildUploadId, { includeBuild: true }), 'build');
    } else {
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
    state.build.id = id;
    return done(`build ${id}`);
  },

  notes: async (state, { asc }) => {
    const buildId = needBuildId(state);
    const existing = await asc.localizations.list(buildId);
    const changes: string[] = [];
    for (const note of state.request.notes) {
      changes.push(`${note.locale} ${await asc.localizations.put(buildId, note.locale, note.text, existing)}`);
    }
    return done(changes.join(', '));
  },

  processing: async (state, ctx) => {
    const { build, betaDetail } = await buildWithBetaDetail(state, ctx);
    const processing = build.attributes?.processingState;
    state.build.processingState = processing;
    if (processing === 'INVALID' || processing === 'FAILED') {
      throw new UserError(`Apple marked the build ${processing}.${await reasons(state, ctx)}`);
    }
    if (processing !== 'VALID') return waiting(`processing state ${processing ?? 'unknown'}`);
    const internal = betaDetail?.attributes?.internalBuildState;
    if (!internal || internal === 'PROCESSING') return waiting('VALID; TestFlight still processing');
    if (internal === 'PROCESSING_EXCEPTION')
      throw new UserError(
        'TestFlight reports PROCESSING_EXCEPTION for the build: Apple could not prepare it for testing. Check the build in App Store Connect → TestFlight and contact Apple if it persists.',
      );
    return done(
      `VALID; TestFlight ${internal}${betaDetail?.attributes?.externalBuildState ? ` / ${betaDetail.attributes.externalBuildState}` : ''}`,
    );
  },

  'export-compliance': async (state, ctx) => {
    const { build, betaDetail } = await buildWithBetaDetail(state, ctx);
    const answer = build.attributes?.usesNonExemptEncryption;
    const wanted = state.request.usesNonExemptEncryption;
    if (wanted === undefined) {
      if (betaDetail?.attributes?.internalBuildState === 'MISSING_EXPORT_COMPLIANCE') {
        return {
          status: 'warning',
          detail:
            'the build is waiting for export compliance (Missing Compliance): set `uses-non-exempt-encryption: false` (or `true`), or add ITSAppUsesNonExemptEncryption to Info.plist so every build answers it.',
        };
      }
      return skipped(answer === undefined || answer === null ? 'not needed' : `already answered (${answer})`);
    }
    if (answer !== undefined && answer !== null) {
      return answer === wanted
        ? skipped(`already answered (${answer})`)
        : {
            status: 'warning',
            detail: `already answered ${answer} (Info.plist or App Store Connect); Apple does not allow changing it, so \`uses-non-exempt-encryption: ${wanted}\` was not applied`,
          };
    }
    await ctx.asc.builds.setUsesNonExemptEncryption(needBuildId(state), wanted);
    return done(`usesNonExemptEncryption set to ${wanted}`);
  },

  'expire-previous': async (state, { asc }) => {
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
  },

  'beta-review': async (state, ctx) => {
    const { asc } = ctx;
    const buildId = needBuildId(state);
    const existing = await asc.betaReview.forBuild(buildId);
    if (existing) return skipped(`already submitted (${existing.attributes?.betaReviewState ?? 'state unknown'})`);
    // Apple answers 422 while the build waits for export compliance or its beta details (Codemagic #346; fastlane waits too).
    const notReady = betaReviewBlocker(state, (await buildWithBetaDetail(state, ctx)).betaDetail);
    if (notReady) return waiting(notReady);
    await checkTestInformation(state, asc);
    try {
      const submission = await asc.betaReview.create(buildId);
      return done(`submitted (${submission.attributes?.betaReviewState ?? 'WAITING_FOR_REVIEW'})`);
    } catch (error) {
      throw explainBetaReviewRefusal(error, state);
    }
  },

  'beta-groups': betaGroupsStep,

  'notify-testers': async (state, { asc }) => {
    const buildId = needBuildId(state);
    const detail = await asc.betaDetails.forBuild(buildId);
    if (detail.attributes?.autoNotifyEnabled) return skipped('Apple notifies testers automatically for this build');
    const wanted = state.request.betaGroups;
    const member = wanted.length
      ? new Set((await asc.betaGroups.list(state.app.id, { buildId })).map((g) => g.attributes?.name))
      : new Set<string | undefined>();
    if (wanted.some((name) => !member.has(name))) {
      // Readable and idempotent, unlike a notification: safe when runs overlap or die halfway.
      await asc.betaDetails.setAutoNotify(detail.id, true);
      return done(`automatic notification on: Apple notifies testers as the build reaches ${wanted.join(', ')}`);
    }
    // The build is already where testers can see it: only an explicit notification tells them.
    try {
      await asc.betaDetails.notifyTesters(buildId);
    } catch (error) {
      if (error instanceof AnswerLostError)
        return { status: 'warning', detail: `${error.message} Check in App Store Connect → TestFlight whether testers were told.` };
      throw error;
    }
    return done('notification sent');
  },
};

/** Apple refuses (sometimes with a bare 500) to submit when the review contact is missing: say so before asking. */
async function checkTestInformation(state: PostProcessingState, asc: EngineContext['asc']): Promise<void> {
  const detail = await asc.apps.betaAppReviewDetail(state.app.id);
  const a = detail.attributes ?? {};
  const missing = (['contactFirstName', 'contactLastName', 'contactPhone', 'contactEmail'] as const).filter((k) => !a[k]?.trim());
  if (a.demoAccountRequired && (!a.demoAccountName || !a.demoAccountPassword))
    missing.push('demoAccountName' as never, 'demoAccountPassword' as never);
  if (missing.length) throw new UserError(`Beta App Review Information lacks ${missing.join(', ')}. ${TEST_INFORMATION_HELP}`);
}

async function buildWithBetaDetail(
  state: PostProcessingState,
  { asc }: EngineContext,
): Promise<{ build: Build; betaDetail?: BuildBetaDetail }> {
  return asc.builds.getWithBetaDetail(needBuildId(state));
}

/** Apple keeps the reasons for a bad build on its build upload, when we have one. */
async function reasons(state: PostProcessingState, { asc }: EngineContext): Promise<string> {
  if (!state.build.buildUploadId)
    return ' Apple sends the reasons by email to the account holder; they also show in App Store Connect → TestFlight.';
  const upload = await asc.buildUploads.get(state.build.buildUploadId);
  const errors = upload.attributes?.state?.errors ?? [];
  return errors.length
    ? ` Apple's reasons:\n${listDetails(errors)}`
    : ' Apple gave no reason in the API; it sends them by email to the account holder.';
}

function needUploadId(state: PostProcessingState): string {
  if (!state.build.buildUploadId) throw new Error('internal: no build upload to follow');
  return state.build.buildUploadId;
}

function needBuildId(state: PostProcessingState): string {
  if (!state.build.id) throw new Error('internal: the build has not been found yet');
  return state.build.id;
}

function describeDetail(d: StateDetail): string {
  return [d.code, d.description].filter(Boolean).join(': ');
}

function listDetails(details: StateDetail[] | undefined): string {
  return (details ?? []).map((d) => `- ${describeDetail(d)}`).join('\n') || '- (Apple gave no reason)';
}
