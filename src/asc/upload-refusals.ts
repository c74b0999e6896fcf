/**
 * Apple's reasons for refusing an uploaded build, as its build upload carries them, with what to do:
 * the generic advice ("a new build number") is wrong for a closed version train or a daily limit.
 */
import type { StateDetail } from './types.js';

/**
 * A version train Apple has closed: ITMS-90062 ("must contain a higher version than that of the
 * previously approved version"), 90186 ("Invalid Pre-Release Train … closed for new build submissions"),
 * 90478 ("a later version has been closed"); expo/eas-cli #3460, Apple-Actions/upload-testflight-build #169.
 */
const CLOSED_TRAIN =
  /\b(?:ITMS-)?90062\b|\b(?:ITMS-)?90186\b|\b(?:ITMS-)?90478\b|higher version than that of the previously approved|closed for new build submissions/i;
/** The daily upload limit (ITMS-90382, MentraOS #3857). */
const DAILY_LIMIT = /\b(?:ITMS-)?90382\b|upload limit/i;

export function describeDetail(d: StateDetail): string {
  return [d.code, d.description].filter(Boolean).join(': ');
}

export function listDetails(details: readonly StateDetail[] | undefined): string {
  return (details ?? []).map((d) => `- ${describeDetail(d)}`).join('\n') || '- (Apple gave no reason)';
}

/** What to do about a refused upload, read from Apple's reasons. */
export function uploadRefusalAdvice(details: readonly StateDetail[] | undefined, version: string): string {
  const text = (details ?? []).map(describeDetail).join('\n');
  if (CLOSED_TRAIN.test(text)) {
    return `Version ${version} is closed at Apple: a version equal to or higher than it has been approved or released. Raise \`app-version\` (CFBundleShortVersionString) above the App Store's latest approved version and upload again; a new build number alone does not help.`;
  }
  if (DAILY_LIMIT.test(text)) {
    return "Apple's daily upload limit for this app is reached: upload again tomorrow (the limit resets after 24 hours); a new build number does not help today.";
  }
  return 'Fix the package and upload it again with a new build number.';
}
