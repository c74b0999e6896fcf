import { describe, expect, it } from 'vitest';
import { newState } from '../src/postprocess/new-state.js';
import { stateSection } from '../src/summary.js';
import { enumsInWords, formatDuration, inWords, oneLine, platformName, readableTime } from '../src/words.js';

describe("Apple's enums in words", () => {
  it('says each state a build, upload, review or version goes through', () => {
    expect(inWords('MISSING_EXPORT_COMPLIANCE')).toBe('missing export compliance');
    expect(inWords('READY_FOR_BETA_TESTING')).toBe('ready for beta testing');
    expect(inWords('PROCESSING')).toBe('processing');
    expect(inWords('AWAITING_UPLOAD')).toBe('awaiting upload');
    expect(inWords('BETA_REJECTED')).toBe('rejected in beta review');
    expect(inWords('WAITING_FOR_REVIEW')).toBe('waiting for review');
    expect(inWords('PENDING_DEVELOPER_RELEASE')).toBe('pending developer release');
    expect(inWords('READY_FOR_SALE')).toBe('ready for sale');
    // A state Apple adds later still reads as words; a value that is not an enum is left alone.
    expect(inWords('SOME_NEW_STATE')).toBe('some new state');
    expect(inWords('QA')).toBe('QA');
  });

  it('rewrites the enums inside a detail, and nothing else', () => {
    expect(enumsInWords('VALID; TestFlight MISSING_EXPORT_COMPLIANCE / MISSING_EXPORT_COMPLIANCE')).toBe(
      'valid; TestFlight missing export compliance / missing export compliance',
    );
    expect(enumsInWords('already submitted (WAITING_FOR_REVIEW)')).toBe('already submitted (waiting for review)');
    expect(enumsInWords('HTTP 409 ENTITY_ERROR on IOS for group QA_TEAM')).toBe('HTTP 409 ENTITY_ERROR on IOS for group QA_TEAM');
  });

  it('the job summary shows details in words; the state keeps the raw value', () => {
    const state = newState({
      app: { id: '6440000001', bundleId: 'com.example.words', name: 'Words' },
      build: { version: '1.0', buildNumber: '3', platform: 'IOS', id: 'b-1' },
      uploadedAt: new Date('2026-01-01T00:00:00Z'),
      findBuildTimeoutMs: 60_000,
      processingTimeoutMs: 60_000,
      request: { notes: [], expirePreviousBuilds: false, submitBetaReview: false, betaGroups: [], notifyTesters: false },
    });
    const detail = 'VALID; TestFlight MISSING_EXPORT_COMPLIANCE / MISSING_EXPORT_COMPLIANCE';
    state.steps.processing = { status: 'pending', detail, startedAt: '2026-01-01T00:00:01Z' };
    const section = stateSection(state);
    expect(section).toContain('| Processing | ⏳ waiting | valid; TestFlight missing export compliance / missing export compliance |');
    expect(section).not.toContain('MISSING_EXPORT_COMPLIANCE');
    expect(state.steps.processing.detail).toBe(detail);
  });
});

describe('text for a reader', () => {
  it('says a duration in milliseconds, seconds or minutes and seconds', () => {
    expect(formatDuration(undefined)).toBe('');
    expect(formatDuration(450)).toBe('450 ms');
    expect(formatDuration(1_000)).toBe('1.0 s');
    expect(formatDuration(61_500)).toBe('1 min 2 s');
  });

  it('puts a text on one line, cut with an ellipsis past its bound', () => {
    expect(oneLine('  <html>\n  <body>Sign in</body>\t</html> ', 200)).toBe('<html> <body>Sign in</body> </html>');
    expect(oneLine('a'.repeat(10), 4)).toBe('aaaa…');
    expect(oneLine('abcd', 4)).toBe('abcd');
  });
});

describe('words for someone new to App Store Connect', () => {
  it('platforms as Apple writes them in prose', () => {
    expect(['IOS', 'MAC_OS', 'TV_OS', 'VISION_OS', 'OTHER'].map(platformName)).toEqual(['iOS', 'macOS', 'tvOS', 'visionOS', 'OTHER']);
  });

  it('times in UTC to the minute, without milliseconds', () => {
    expect(readableTime('2026-12-08T01:37:59.123Z')).toBe('2026-12-08 01:37 UTC');
    expect(readableTime(undefined)).toBe('');
    expect(readableTime('not a time')).toBe('not a time');
  });
});
