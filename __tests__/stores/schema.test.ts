import { describe, expect, it } from 'vitest';
import { newState } from '../../src/postprocess/new-state.js';
import type { PostProcessingState } from '../../src/postprocess/state.js';
import { parseState } from '../../src/stores/schema.js';

const valid = (): PostProcessingState => {
  const state = newState({
    app: { id: '1234567890', bundleId: 'com.example.schema', name: 'Schema' },
    build: { version: '2.1.0', buildNumber: '42', platform: 'MAC_OS', fileName: 'App.pkg', buildUploadId: 'a1b2-c3' },
    uploadedAt: new Date(),
    findBuildTimeoutMs: 60_000,
    processingTimeoutMs: 120_000,
    request: {
      notes: [{ locale: 'en-US', text: 'New search' }],
      usesNonExemptEncryption: false,
      expirePreviousBuilds: true,
      submitBetaReview: true,
      betaGroups: ['QA'],
      notifyTesters: true,
    },
    origin: { repository: 'octo/app', runId: '17', workflow: 'Release', sha: 'a'.repeat(40) },
  });
  state.steps['find-build'] = { status: 'done', detail: 'build 99', startedAt: state.createdAt, finishedAt: state.createdAt };
  return state;
};

/** A document taken apart on purpose: any field may become anything. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = Record<string, any>;
type Mutation = [string, (s: Loose) => void, RegExp];

const BAD: Mutation[] = [
  ['an unknown top-level field', (s) => (s.command = 'rm -rf'), /state\.command is not a known field/],
  // Names every object inherits: only a field of its own is known.
  ['a field named like a prototype member', (s) => void Object.assign(s, { constructor: 'x' }), /state\.constructor is not a known field/],
  ['a step named toString', (s) => (s.steps.toString = { status: 'pending' }), /state\.steps\.toString is not a known field/],
  ['an unknown step', (s) => (s.steps['delete-app'] = { status: 'pending' }), /state\.steps\.delete-app is not a known field/],
  ['an unknown step status', (s) => (s.steps.notes = { status: 'skip-checks' }), /state\.steps\.notes\.status is not one of/],
  ['an unknown locale', (s) => (s.request.notes = [{ locale: 'xx-XX', text: 'hi' }]), /state\.request\.notes\[0\]\.locale is not one of/],
  ['a note over 4000 characters', (s) => (s.request.notes[0].text = 'x'.repeat(4001)), /longer than 4000 characters/],
  ['markup in a note', (s) => (s.request.notes[0].text = '<a href=x>sign in</a>'), /contains < or >/],
  ['a locale twice', (s) => s.request.notes.push({ locale: 'en-US', text: 'again' }), /names a locale twice/],
  ['an unknown platform', (s) => (s.build.platform = 'WATCH_OS'), /state\.build\.platform is not one of IOS, MAC_OS, TV_OS, VISION_OS/],
  ['a build number that is not one', (s) => (s.build.buildNumber = '1; drop'), /state\.build\.buildNumber is not of the form/],
  ['a version that is not one', (s) => (s.build.version = '1.0.0.0'), /state\.build\.version is not of the form/],
  ['a date that does not parse', (s) => (s.deadlines.processing = '2026-13-45T99:00:00Z'), /state\.deadlines\.processing is not a date/],
  ['a date that is not ISO', (s) => (s.uploadedAt = 'yesterday'), /state\.uploadedAt is not of the form/],
  ['an app id that is not digits', (s) => (s.app.id = '../apps'), /state\.app\.id is not of the form/],
  ['a string where a boolean goes', (s) => (s.request.submitBetaReview = 'true'), /state\.request\.submitBetaReview is not true or false/],
  ['a missing field', (s) => delete s.deadlines, /state\.deadlines is missing/],
  ['a revision that is not a whole number', (s) => (s.revision = 1.5), /state\.revision is not a whole number/],
  ['an id that is not a UUID', (s) => (s.id = 'x'), /state\.id is not of the form/],
  ['a file name with a path', (s) => (s.build.fileName = '../../etc/passwd'), /state\.build\.fileName is not of the form/],
  ['too many beta groups', (s) => (s.request.betaGroups = Array.from({ length: 101 }, (_, i) => `G${i}`)), /more than 100 entries/],
  ['an App Store id with markup', (s) => (s.appStore = { versionId: '[x](y)' }), /state\.appStore\.versionId is not of the form/],
  ['a check run id that is a string', (s) => (s.checkRunId = '12'), /state\.checkRunId is not a whole number/],
  ['an origin in another form', (s) => (s.origin.repository = 'https://evil.example'), /state\.origin\.repository is not of the form/],
  ['a list where an object goes', (s) => (s.app = []), /state\.app is not an object/],
];

describe('parseState: the strict form of a state read back', () => {
  it('accepts what the action writes, with the optional App Store and check-run fields', () => {
    const s = valid();
    expect(parseState(JSON.parse(JSON.stringify(s)), 'x')).toEqual(s);
    const later = {
      ...s,
      appStore: { versionId: 'f00d-1', versionState: 'WAITING_FOR_REVIEW', submissionId: 'abc-123' },
      checkRunId: 4242,
      request: {
        ...s.request,
        appStore: {
          notes: [{ locale: 'en-US', text: 'New search' }],
          releaseType: 'SCHEDULED',
          earliestReleaseDate: '2027-01-01T10:00:00.000Z',
          phasedRelease: true,
          copyright: '2026 Example Inc.',
          cancelPreviousSubmission: false,
        },
      },
      steps: { ...s.steps, 'app-store-version': { status: 'done', detail: 'created 2.1.0' }, 'app-store-submit': { status: 'pending' } },
    };
    expect(parseState(later, 'x')).toEqual(later);
    expect(() => parseState({ ...later, request: { ...later.request, appStore: { cancelPreviousSubmission: false } } }, 'x')).toThrow(
      /state\.request\.appStore\.notes is missing/,
    );
    expect(() =>
      parseState({ ...later, request: { ...later.request, appStore: { ...later.request.appStore, copyright: 'a\nb' } } }, 'x'),
    ).toThrow(/state\.request\.appStore\.copyright is not of the form/);
  });

  it('still reads a state written before the App Store steps (schema 1), and refuses one that claims them', () => {
    const one = { ...valid(), schemaVersion: 1 };
    expect(parseState(JSON.parse(JSON.stringify(one)), 'x')).toEqual(one);
    expect(() => parseState({ ...one, steps: { ...one.steps, 'app-store-submit': { status: 'pending' } } }, 'x')).toThrow(
      /state\.steps\.app-store-submit is not a step of state schema 1/,
    );
    expect(() => parseState({ ...one, appStore: { versionId: 'f00d-1' } }, 'x')).toThrow(
      /state\.appStore is not a field of state schema 1/,
    );
    expect(() => parseState({ ...one, schemaVersion: 4 }, 'x')).toThrow(/written by a newer version of the action \(state schema 4/);
    expect(() => parseState({ ...one, schemaVersion: 0 }, 'x')).toThrow(/written by an older version/);
  });

  it.each(BAD)('refuses %s, naming the field', (_, mutate, message) => {
    const s = JSON.parse(JSON.stringify(valid())) as Loose;
    mutate(s);
    expect(() => parseState(s, 'State artifact "a-r1"')).toThrow(/^State artifact "a-r1" is not in the form this action writes: /);
    expect(() => parseState(s, 'State artifact "a-r1"')).toThrow(message);
  });
});
