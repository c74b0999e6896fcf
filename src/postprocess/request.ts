import type { App } from '../asc/types.js';
import { appStoreRequest, type AppStoreInputs } from './app-store-request.js';
import type { Note } from './release-notes.js';
import type { PlanRequest } from './state.js';
import type { TestInformation } from './test-information.js';

/** What post-processing was asked to do, as the inputs say it (notes resolved separately, per app). */
type RequestOptions = Omit<PlanRequest, 'notes' | 'appStore' | 'testInformation' | 'followReview' | 'reviewTimeoutMs'> & {
  followReview?: boolean;
  reviewTimeoutMs?: number;
};

/**
 * The plan's request. `appStore` (the App Store inputs, read before any request) adds the App Store
 * steps; their "What's New" is the App Store notes, else these (TestFlight) notes once resolved.
 */
export function planRequest(
  options: RequestOptions,
  notes: Note[],
  appStore?: AppStoreInputs,
  testInformation?: TestInformation,
): PlanRequest {
  return {
    ...(appStore ? { appStore: appStoreRequest(appStore, notes) } : {}),
    ...(testInformation ? { testInformation } : {}),
    notes,
    usesNonExemptEncryption: options.usesNonExemptEncryption,
    expirePreviousBuilds: options.expirePreviousBuilds,
    submitBetaReview: options.submitBetaReview,
    betaGroups: [...options.betaGroups],
    notifyTesters: options.notifyTesters,
    // Only when asked: a state without it is read by the versions before `follow-review`.
    ...(options.followReview ? { followReview: true, reviewTimeoutMs: options.reviewTimeoutMs } : {}),
  };
}

/** Fills in the app's primary locale for a `whats-new` given without `whats-new-locale`. */
export function resolveNotes(notes: ReadonlyArray<{ locale?: string; text: string }>, app: App): Note[] {
  const primary = app.attributes?.primaryLocale ?? 'en-US';
  const resolved: Note[] = [];
  for (const n of notes) {
    const locale = n.locale ?? primary;
    const existing = resolved.findIndex((r) => r.locale === locale);
    if (existing >= 0) resolved.splice(existing, 1);
    resolved.push({ locale, text: n.text });
  }
  return resolved;
}
