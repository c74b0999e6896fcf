import { describe, expect, it } from 'vitest';
import { associatedErrorLines, describeRefusal, placeToFix } from '../../src/asc/associated-errors.js';

describe("Apple's associated errors", () => {
  it('name the App Store Connect page for each kind of problem', () => {
    expect(placeToFix('/v1/appStoreVersions/1', { source: { pointer: '/data/attributes/copyright' } })).toContain('Copyright');
    expect(placeToFix('/v1/appScreenshotSets/1', { title: 'x' })).toContain('Previews and Screenshots');
    expect(placeToFix('/v1/ageRatingDeclarations/1', {})).toBe('App Information → Age Rating');
    expect(placeToFix('/v1/apps/1', { title: "Answers to what data your app collects and how it's used are needed." })).toContain(
      'App Privacy',
    );
    expect(placeToFix('/v1/appStoreVersionLocalizations/1', { source: { pointer: '/data/attributes/whatsNew' } })).toContain("What's New");
    expect(placeToFix('/v1/unknownThings/1', { title: 'Something' })).toContain('App Store Connect → your app');
  });

  it('bound what a hostile answer can make us print', () => {
    const many = Array.from({ length: 500 }, (_, i) => ({ code: 'X', title: `t${i}`, detail: 'd'.repeat(10_000) }));
    const lines = associatedErrorLines({ errors: [{ code: 'STATE_ERROR', meta: { associatedErrors: { '/v1/apps/1': many } } }] });
    expect(lines).toHaveLength(101);
    expect(lines.every((l) => l.length < 700)).toBe(true);
    expect(lines.at(-1)).toContain('more errors');
    // Malformed meta is ignored, not a crash.
    expect(associatedErrorLines({ errors: [{ meta: { associatedErrors: { a: 'not a list' as never } } }] })).toEqual([]);
  });

  it('show every entry of the refusal, then every associated error', () => {
    const text = describeRefusal(
      {
        status: 409,
        errors: [
          {
            code: 'STATE_ERROR',
            title: 'Cannot submit',
            detail: 'Submit for review errors found.',
            meta: {
              associatedErrors: {
                '/v1/appStoreVersions/1': [
                  {
                    code: 'ENTITY_ERROR.ATTRIBUTE.REQUIRED',
                    title: 'You must choose a build.',
                    source: { pointer: '/data/relationships/build' },
                  },
                ],
              },
            },
          },
          { code: 'ENTITY_ERROR', title: 'Second', detail: 'Also wrong.' },
        ],
      },
      'the submission',
    );
    expect(text.split('\n')).toEqual([
      'App Store Connect refused the submission (HTTP 409):',
      '- STATE_ERROR: Cannot submit — Submit for review errors found.',
      '- ENTITY_ERROR: Second — Also wrong.',
      'What to fix (1):',
      '- You must choose a build. [ENTITY_ERROR.ATTRIBUTE.REQUIRED] → fix in App Store Connect: App Store tab → the version page → Build',
    ]);
  });
});
