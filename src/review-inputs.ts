/**
 * The inputs of following review, checked from their raw text with the other inputs, before any request:
 * `follow-review`, `review-timeout` (bounded by how long a state artifact can be kept), and
 * `phased-release: pause | resume` of `command: release`.
 */
import { InputError } from './errors.js';
import { bool, oneOf, withDefaults } from './input-values.js';
import type { InputReader } from './runtime.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** GitHub keeps a workflow artifact at most 90 days (less when the repository says so). */
export const MAX_ARTIFACT_RETENTION_DAYS = 90;

export interface ReviewSettings {
  followReview: boolean;
  /** `review-timeout` in ms; read (and bounded) only with `follow-review: true`. */
  reviewTimeoutMs: number;
}

/**
 * The days a state artifact can be kept: GitHub's 90, or fewer when the runner says the repository keeps
 * artifacts less long (`GITHUB_RETENTION_DAYS`, set by the runner from the repository's setting).
 */
export function artifactRetentionLimitDays(env: NodeJS.ProcessEnv = process.env): number {
  const days = Number(env.GITHUB_RETENTION_DAYS);
  return Number.isInteger(days) && days >= 1 && days < MAX_ARTIFACT_RETENTION_DAYS ? days : MAX_ARTIFACT_RETENTION_DAYS;
}

/**
 * `follow-review` and `review-timeout`. The watch of a review ends at most `processing-timeout` +
 * `review-timeout` after the state's first save, and a resume must still find the state then: the
 * timeout is refused when the state artifact could not be kept that long (a day of it for the margin).
 */
export function readReviewSettings(read: InputReader, processingTimeoutMs: number, env: NodeJS.ProcessEnv = process.env): ReviewSettings {
  const input = withDefaults(read);
  const followReview = bool('follow-review', input('follow-review'));
  const text = input('review-timeout');
  const hours = Number(text);
  if (text === '' || !Number.isFinite(hours) || hours <= 0) {
    throw new InputError(
      'review-timeout',
      `"${text}" is not a positive number of hours (fractions such as 0.5 are allowed; the default is 72).`,
    );
  }
  const reviewTimeoutMs = Math.round(hours * HOUR_MS);
  if (followReview) {
    const days = artifactRetentionLimitDays(env);
    const maxHours = Math.floor(((days - 1) * DAY_MS - processingTimeoutMs) / HOUR_MS);
    if (reviewTimeoutMs > maxHours * HOUR_MS) {
      throw new InputError(
        'review-timeout',
        `"${text}" hours is longer than the state artifact that follows the review can be kept: ${days} days${days < MAX_ARTIFACT_RETENTION_DAYS ? " (this repository's artifact retention, Settings → Actions → General)" : " (GitHub's limit)"}, less \`processing-timeout\` and a day of margin. Use ${maxHours} hours or less.`,
      );
    }
  }
  return { followReview, reviewTimeoutMs };
}

export const PHASED_RELEASE_ACTIONS = ['pause', 'resume'] as const;
export type PhasedReleaseAction = (typeof PHASED_RELEASE_ACTIONS)[number];

/** `command: release` with `phased-release`: `pause` or `resume` (undefined: release the version). */
export function readPhasedReleaseAction(read: InputReader): PhasedReleaseAction | undefined {
  const text = read('phased-release').trim().toLowerCase();
  if (!text) return undefined;
  if (text === 'true' || text === 'false') {
    throw new InputError(
      'phased-release',
      `\`${text}\` sets up a version's phased release when it is submitted; with \`command: release\` it is \`pause\` or \`resume\` (of a phased release under way), or empty to release the version.`,
    );
  }
  return oneOf('phased-release', text, PHASED_RELEASE_ACTIONS);
}
