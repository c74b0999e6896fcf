/**
 * The App Store steps, run after the TestFlight ones when `submit-app-store-review` is true: prepare the
 * version, set What's New, submit for App Review. Each reads Apple's state first, so a rerun, a resume
 * after a kill, or a `distribute` of the same build never submits twice.
 */
import { appStoreSubmitStep } from './app-store-submit.js';
import { appStoreVersionStep } from './app-store-version.js';
import { appStoreWhatsNewStep } from './app-store-whats-new.js';
import type { StepRun } from './types.js';

export const APP_STORE_STEP_NAMES = ['app-store-version', 'app-store-whats-new', 'app-store-submit'] as const;
export type AppStoreStepName = (typeof APP_STORE_STEP_NAMES)[number];

export const APP_STORE_STEP_TITLES: Record<AppStoreStepName, string> = {
  'app-store-version': 'App Store version',
  'app-store-whats-new': "App Store What's New",
  'app-store-submit': 'App Review submission',
};

export const APP_STORE_STEPS: Record<AppStoreStepName, StepRun> = {
  'app-store-version': appStoreVersionStep,
  'app-store-whats-new': appStoreWhatsNewStep,
  'app-store-submit': appStoreSubmitStep,
};
