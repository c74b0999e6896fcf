/**
 * A dry run's view of post-processing: for each step the request asks for, what it would write, or
 * what Apple shows is already done. Only reads: the client of a dry run refuses any write.
 */
import { differences as localizationDifferences } from '../asc/beta-app-localizations.js';
import { differences as reviewDetailDifferences } from '../asc/beta-app-review-details.js';
import { versionState } from '../asc/app-store-types.js';
import type { AppStoreConnect } from '../asc/client.js';
import type { Build } from '../asc/types.js';
import type { Platform } from '../domain.js';
import { stepOrder, type PlanRequest, type StepName } from '../postprocess/state.js';
import { STEPS } from '../postprocess/steps/registry.js';
import { reviewFields } from '../postprocess/steps/test-information.js';

export type PlannedStatus = 'would run' | 'done' | 'skipped';

export interface PlannedStep {
  title: string;
  status: PlannedStatus;
  /** What it would write, or what is there already. */
  detail: string;
}

export interface StepPreviewInput {
  asc: AppStoreConnect;
  app: { id: string };
  version: string;
  platform: Platform;
  request: PlanRequest;
  /** `distribute`: the build already in App Store Connect; `publish`: none yet (every step would run). */
  build?: Build;
  /** An upload through the Build Upload API (altool has none to follow). */
  buildUpload: boolean;
}

const run = (detail: string): Pick<PlannedStep, 'status' | 'detail'> => ({ status: 'would run', detail });
const done = (detail: string): Pick<PlannedStep, 'status' | 'detail'> => ({ status: 'done', detail });
const skip = (detail: string): Pick<PlannedStep, 'status' | 'detail'> => ({ status: 'skipped', detail });
const list = (items: readonly string[]): string => items.join(', ');

/** Every step the request asks for, in order of execution. */
export async function previewSteps(input: StepPreviewInput): Promise<PlannedStep[]> {
  const steps: PlannedStep[] = [];
  // In the order the engine runs them (with `follow-review`, testers are told after the beta decision).
  for (const name of stepOrder(input.request).filter((n) => STEPS[n].applies(input.request)))
    steps.push({ title: STEPS[name].title, ...(await preview(name, input)) });
  return steps;
}

async function preview(name: StepName, input: StepPreviewInput): Promise<Pick<PlannedStep, 'status' | 'detail'>> {
  const { asc, request, build } = input;
  const state = build?.attributes?.processingState;
  switch (name) {
    case 'upload-state':
      if (build || !input.buildUpload) return skip('no build upload to follow');
      return run("follow the build upload until Apple's state is COMPLETE");
    case 'find-build':
      return build ? done(`build ${build.id}`) : run('wait for the build to appear (`find-build-timeout`)');
    case 'notes': {
      if (!build) return run(`create What to Test in ${list(request.notes.map((n) => n.locale))}`);
      const existing = await asc.localizations.list(build.id);
      const same = request.notes.filter((n) => existing.some((l) => l.attributes?.locale === n.locale && l.attributes.whatsNew === n.text));
      const change = request.notes.filter((n) => !same.includes(n));
      const has = (locale: string) => existing.some((l) => l.attributes?.locale === locale);
      if (!change.length) return done(`${list(same.map((n) => n.locale))} unchanged`);
      return run(
        `${change.map((n) => `${has(n.locale) ? 'update' : 'create'} ${n.locale}`).join(', ')}${same.length ? `; ${list(same.map((n) => n.locale))} unchanged` : ''}`,
      );
    }
    case 'processing':
      if (state === 'VALID') return done('VALID');
      return run(`wait until processing is VALID (\`processing-timeout\`)${state ? `; now ${state}` : ''}`);
    case 'export-compliance': {
      const answer = build?.attributes?.usesNonExemptEncryption;
      if (answer !== undefined && answer !== null) return done(`already answered (${answer})`);
      if (request.usesNonExemptEncryption === undefined) return skip('no `uses-non-exempt-encryption`: left to Info.plist');
      return run(`set usesNonExemptEncryption to ${request.usesNonExemptEncryption}`);
    }
    case 'expire-previous':
      return run(`expire the earlier builds of version ${input.version} still in TestFlight`);
    case 'test-information': {
      const info = request.testInformation;
      if (!info) return skip('no test information file');
      const existing = await asc.betaAppLocalizations.list(input.app.id);
      const changes = info.localizations.flatMap(({ locale, ...fields }) => {
        const current = existing.find((l) => l.attributes?.locale === locale);
        if (!current) return [`create ${locale}`];
        const differing = Object.keys(localizationDifferences(current, fields));
        return differing.length ? [`update ${locale} (${list(differing)})`] : [];
      });
      // The password is never compared or shown here: a real run sends it only when Apple lacks it.
      const review = Object.keys(
        reviewDetailDifferences(await asc.betaAppReviewDetails.forApp(input.app.id), reviewFields(info, undefined)),
      );
      if (review.length) changes.push(`review information (${list(review)})`);
      return changes.length ? run(`write ${changes.join('; ')}`) : done('already as the file says');
    }
    case 'beta-review': {
      const existing = build && (await asc.betaReview.forBuild(build.id));
      if (existing) return done(`already submitted (${existing.attributes?.betaReviewState ?? 'state unknown'})`);
      return run('submit the build for beta review');
    }
    case 'notify-testers':
      return run('turn on automatic notification for the build, or notify its testers');
    case 'beta-groups': {
      if (!build) return run(`add the build to ${list(request.betaGroups)}`);
      const member = new Set((await asc.betaGroups.list(input.app.id, { buildId: build.id })).map((g) => g.attributes?.name));
      const add = request.betaGroups.filter((g) => !member.has(g));
      const already = request.betaGroups.filter((g) => member.has(g));
      if (!add.length) return done(`already in ${list(already)}`);
      return run(`add the build to ${list(add)}${already.length ? `; already in ${list(already)}` : ''}`);
    }
    case 'app-store-version': {
      const store = request.appStore!;
      const found = await asc.appStore.versions.find(input.app.id, input.platform, input.version);
      const settings = [
        store.releaseType && `release type ${store.releaseType}`,
        store.earliestReleaseDate && `release date ${store.earliestReleaseDate}`,
        store.phasedRelease !== undefined && `phased release ${store.phasedRelease ? 'on' : 'off'}`,
        store.copyright && 'copyright',
      ].filter(Boolean);
      const what = `attach the build${settings.length ? `, set ${list(settings as string[])}` : ''}`;
      return run(
        found
          ? `use App Store version ${input.version} (${versionState(found) ?? 'state unknown'}): ${what}`
          : `create App Store version ${input.version} (or rename the editable one): ${what}`,
      );
    }
    case 'app-store-whats-new':
      if (!request.appStore!.notes.length) return skip('no notes given (`app-store-release-notes` or the TestFlight notes)');
      return run(`set What's New in ${list(request.appStore!.notes.map((n) => n.locale))} (the version's own locales)`);
    case 'app-store-submit':
      return run(`submit App Store version ${input.version} for App Review`);
    case 'beta-review-decision':
    case 'app-store-review-decision': {
      const hours = Math.round(((request.reviewTimeoutMs ?? 0) / 3_600_000) * 10) / 10;
      const which = name === 'beta-review-decision' ? 'the TestFlight beta review' : 'App Review';
      return run(`watch ${which} from the resume workflow until Apple decides (up to ${hours} h), writing nothing`);
    }
  }
}
