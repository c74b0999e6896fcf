import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';
import { readReviewSettings } from '../src/review-inputs.js';
import { inputErrorOf } from '../test-support/setup.js';

/** `follow-review`, `review-timeout` and `phased-release: pause | resume`, read with the other inputs before any request. */
const base = { 'key-id': 'ABC1234567', 'private-key': 'pem' };
const reader = (inputs: Record<string, string>) => (name: string) => inputs[name] ?? '';
const config = (inputs: Record<string, string>) => parseConfig(reader({ ...base, ...inputs }));
const inputError = (inputs: Record<string, string>) => inputErrorOf(() => config(inputs));
const HOUR = 3_600_000;

describe('follow-review and review-timeout', () => {
  it('defaults: not followed, 72 hours; fractions of hours are read', () => {
    expect(config({})).toMatchObject({ followReview: false, reviewTimeoutMs: 72 * HOUR });
    expect(config({ 'follow-review': 'true', 'submit-beta-review': 'true', 'review-timeout': '0.5' })).toMatchObject({
      followReview: true,
      reviewTimeoutMs: 0.5 * HOUR,
    });
  });

  it('needs a submission to follow', () => {
    const error = inputError({ 'follow-review': 'true' });
    expect(error.input).toBe('follow-review');
    expect(error.message).toMatch(/set `submit-beta-review: true` and\/or `submit-app-store-review: true`/);
    expect(config({ 'follow-review': 'true', 'submit-app-store-review': 'true' }).followReview).toBe(true);
    expect(inputError({ 'follow-review': 'true', 'submit-beta-review': 'true', 'post-processing': 'off' }).input).toBe(
      'submit-beta-review',
    );
  });

  it.each(['0', '-1', 'three', 'Infinity'])('refuses review-timeout %s, naming the input', (value) => {
    const error = inputError({ 'review-timeout': value });
    expect(error.input).toBe('review-timeout');
    expect(error.message).toMatch(/is not a positive number of hours/);
  });

  it("is bounded by how long the state artifact can be kept: GitHub's 90 days, or the repository's retention", () => {
    const read = reader({ 'follow-review': 'true', 'review-timeout': '2200' });
    const error = inputErrorOf(() => readReviewSettings(read, 2 * HOUR, {}));
    expect(error.input).toBe('review-timeout');
    expect(error.message).toMatch(/90 days \(GitHub's limit\).*Use 2134 hours or less/);
    expect(readReviewSettings(reader({ 'follow-review': 'true', 'review-timeout': '2134' }), 2 * HOUR, {}).reviewTimeoutMs).toBe(
      2134 * HOUR,
    );
    const short = inputErrorOf(() => readReviewSettings(reader({ 'follow-review': 'true' }), 2 * HOUR, { GITHUB_RETENTION_DAYS: '3' }));
    expect(short.message).toMatch(/3 days \(this repository's artifact retention.*Use 46 hours or less/);
    // Without follow-review the timeout is not used, so a short retention does not matter.
    expect(readReviewSettings(reader({}), 2 * HOUR, { GITHUB_RETENTION_DAYS: '1' }).followReview).toBe(false);
  });
});

describe('phased-release with command: release', () => {
  const release = { command: 'release', 'app-version': '1.2', 'bundle-id': 'com.example.app' };
  it('reads pause and resume', () => {
    expect(config({ ...release, 'phased-release': 'pause' }).phasedReleaseAction).toBe('pause');
    expect(config({ ...release, 'phased-release': 'Resume' }).phasedReleaseAction).toBe('resume');
    expect(config(release).phasedReleaseAction).toBeUndefined();
  });

  it('refuses true/false and other words there, and pause with a submission', () => {
    expect(inputError({ ...release, 'phased-release': 'true' }).message).toMatch(/with `command: release` it is `pause` or `resume`/);
    expect(inputError({ ...release, 'phased-release': 'stop' }).input).toBe('phased-release');
    expect(inputError({ 'submit-app-store-review': 'true', 'phased-release': 'pause' }).input).toBe('phased-release');
  });
});
