import type { PlanRequest, StepName } from '../state.js';
import { appStoreSubmitStep } from './app-store-submit.js';
import { appStoreVersionStep } from './app-store-version.js';
import { appStoreWhatsNewStep } from './app-store-whats-new.js';
import { appStoreReviewDecision, betaReviewDecision } from './review-decision.js';
import { testInformation } from './test-information.js';
import * as testers from './testers.js';
import * as testflight from './testflight.js';
import type { StepRun } from './types.js';

/** What the engine knows of a step: when it applies, which deadline bounds its waiting, and how to run it. */
export interface StepDefinition {
  title: string;
  /**
   * `find-build`: finding a build Apple has finished making (`find-build-timeout`); `processing`: Apple
   * still working (the upload's processing included) and everything after — Apple still working is never
   * a failure before `processing-timeout`; `beta-review` / `app-store-review`: a review's decision
   * (`review-timeout` from the submission), whose expiry concludes the build `timed-out`, not failed.
   */
  deadline: 'find-build' | 'processing' | 'beta-review' | 'app-store-review';
  /**
   * Only reads Apple's state (the build's, a review's decision): no deadline stops it from looking once,
   * so a late resume still learns that Apple finished. Steps that write are checked before they act.
   */
  readOnly?: true;
  /** Whether the request asks for this step; the steps that always apply answer true. */
  applies(request: PlanRequest): boolean;
  run: StepRun;
}

const always = (): boolean => true;
/**
 * The App Store steps, run after the TestFlight ones when `submit-app-store-review` is true. Each reads
 * Apple's state first, so a rerun, a resume after a kill, or a `distribute` of the same build never
 * submits twice. A withdrawn submission leaving CANCELING is waited for within `processing-timeout`.
 */
const appStore = (title: string, run: StepRun): StepDefinition => ({
  title,
  deadline: 'processing',
  applies: (r) => r.appStore !== undefined,
  run,
});

/** Every step by name; the order of execution is `stepOrder`'s. */
export const STEPS: Readonly<Record<StepName, StepDefinition>> = {
  'upload-state': {
    title: 'Upload accepted by Apple',
    deadline: 'processing',
    readOnly: true,
    applies: always,
    run: testflight.uploadState,
  },
  'find-build': { title: 'Build found', deadline: 'find-build', readOnly: true, applies: always, run: testflight.findBuild },
  notes: { title: 'What to Test notes', deadline: 'processing', applies: (r) => r.notes.length > 0, run: testflight.notes },
  processing: { title: 'Processing', deadline: 'processing', readOnly: true, applies: always, run: testflight.processing },
  'export-compliance': { title: 'Export compliance', deadline: 'processing', applies: always, run: testflight.exportCompliance },
  'expire-previous': {
    title: 'Previous builds expired',
    deadline: 'processing',
    applies: (r) => r.expirePreviousBuilds,
    run: testflight.expirePrevious,
  },
  'test-information': {
    title: 'Test Information',
    deadline: 'processing',
    applies: (r) => r.testInformation !== undefined,
    run: testInformation,
  },
  'beta-review': {
    title: 'Beta review submission',
    deadline: 'processing',
    applies: (r) => r.submitBetaReview,
    run: testers.betaReview,
  },
  'notify-testers': {
    title: 'Tester notification',
    deadline: 'processing',
    applies: (r) => r.notifyTesters,
    run: testflight.notifyTesters,
  },
  'beta-groups': { title: 'Beta groups', deadline: 'processing', applies: (r) => r.betaGroups.length > 0, run: testers.betaGroups },
  'app-store-version': appStore('App Store version', appStoreVersionStep),
  'app-store-whats-new': appStore("App Store What's New", appStoreWhatsNewStep),
  'app-store-submit': appStore('App Review submission', appStoreSubmitStep),
  'beta-review-decision': {
    title: 'TestFlight beta review decision',
    deadline: 'beta-review',
    readOnly: true,
    applies: (r) => !!r.followReview && r.submitBetaReview,
    run: betaReviewDecision,
  },
  'app-store-review-decision': {
    title: 'App Review decision',
    deadline: 'app-store-review',
    readOnly: true,
    applies: (r) => !!r.followReview && r.appStore !== undefined,
    run: appStoreReviewDecision,
  },
};

export function stepTitle(name: StepName): string {
  return STEPS[name].title;
}
