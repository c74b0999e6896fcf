import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appStoreInputs } from '../../src/postprocess/app-store-request.js';
import { MAX_FOLDER_ENTRIES, MAX_NOTE_FILE_BYTES } from '../../src/postprocess/notes-folder.js';
import { readNotes } from '../../src/postprocess/release-notes.js';
import type { FakeAsc, TestKey } from '../../test-support/fake-asc/index.js';
import { recordingLog } from '../../test-support/log.js';
import { closeCheckedFake, runDistribute, startOnSimulatedClock, tempWorkspace, type SimulatedClock } from '../../test-support/setup.js';

/** Writes files (path → text) under a new folder and returns it. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'ascp-notes-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const JSON_NOTES = JSON.stringify([
  { language: 'en-US', text: 'Try the new search.\nReport crashes.' },
  { language: 'de-DE', text: 'Neue Suche.' },
]);
/** The same notes in each layout another tool keeps them in. */
const LAYOUTS: Record<string, Record<string, string>> = {
  json: { 'release_notes.json': JSON_NOTES },
  'Xcode Cloud': {
    'TestFlight/WhatToTest.en-US.txt': '\uFEFFTry the new search.\r\nReport crashes.\r\n',
    'TestFlight/WhatToTest.de-DE.txt': 'Neue Suche.\n',
  },
  fastlane: {
    'metadata/en-US/release_notes.txt': 'Try the new search.\nReport crashes.\n',
    'metadata/de-DE/release_notes.txt': 'Neue Suche.',
    // The rest of a fastlane metadata folder is not notes and is left alone.
    'metadata/en-US/description.txt': 'An app.',
    'metadata/copyright.txt': '2026 Example',
    'metadata/review_information/notes.txt': 'For the reviewer.',
  },
};
const PATH: Record<string, string> = { json: 'release_notes.json', 'Xcode Cloud': 'TestFlight', fastlane: 'metadata' };
const byLocale = (notes: Array<{ locale?: string; text: string }>) =>
  [...notes].sort((a, b) => (a.locale ?? '').localeCompare(b.locale ?? ''));

describe('release-notes: a JSON file, or a folder in Xcode Cloud’s or fastlane’s layout', () => {
  it.each(Object.keys(LAYOUTS))('%s sets the same notes as the JSON', (layout) => {
    const root = tree(LAYOUTS[layout]!);
    const expected = byLocale(readNotes({ releaseNotesPath: 'release_notes.json' }, recordingLog(), tree(LAYOUTS.json!)));
    expect(expected).toHaveLength(2);
    expect(byLocale(readNotes({ releaseNotesPath: PATH[layout]! }, recordingLog(), root))).toEqual(expected);
    // The App Store's What's New reads the same layouts (fastlane's release_notes.txt is deliver's What's New).
    const store = appStoreInputs({ notesPath: PATH[layout]!, cancelPreviousSubmission: false }, root);
    expect(byLocale(store.notes!)).toEqual(expected);
  });

  it("Xcode Cloud's WhatToTest.txt is the primary locale; a localized file wins for its locale", () => {
    const root = tree({ 'TestFlight/WhatToTest.txt': 'Everyone.', 'TestFlight/WhatToTest.fr-FR.txt': 'Tout le monde.' });
    expect(readNotes({ releaseNotesPath: 'TestFlight' }, recordingLog(), root)).toEqual([
      { locale: undefined, text: 'Everyone.' },
      { locale: 'fr-FR', text: 'Tout le monde.' },
    ]);
    // What's New has no "primary locale" file: each must name its locale.
    expect(() => appStoreInputs({ notesPath: 'TestFlight', cancelPreviousSubmission: false }, root)).toThrow(
      /^Input `app-store-release-notes`: TestFlight: WhatToTest\.txt names no locale/,
    );
  });

  const tooLong = 'x'.repeat(4001);
  it.each([
    [
      'Xcode Cloud',
      'unknown locale',
      { 'n/WhatToTest.english.txt': 'a' },
      /n\/WhatToTest\.english\.txt: "english" is not a TestFlight locale/,
    ],
    ['Xcode Cloud', 'empty', { 'n/WhatToTest.en-US.txt': ' \n' }, /n\/WhatToTest\.en-US\.txt \(en-US\) has an empty "text"/],
    ['Xcode Cloud', 'too long', { 'n/WhatToTest.en-US.txt': tooLong }, /WhatToTest\.en-US\.txt \(en-US\) is 4001 characters long/],
    ['Xcode Cloud', 'a refused character', { 'n/WhatToTest.ja.txt': 'a <b>' }, /WhatToTest\.ja\.txt \(ja\) contains "<"/],
    ['Xcode Cloud', 'a locale twice', { 'n/WhatToTest.en-US.txt': 'a', 'n/WhatToTest.en_us.txt': 'b' }, /en-US appears more than once/],
    [
      'fastlane',
      'unknown locale',
      { 'n/default/release_notes.txt': 'a' },
      /n\/default\/release_notes\.txt: "default" is not a TestFlight locale/,
    ],
    ['fastlane', 'empty', { 'n/de-DE/release_notes.txt': '' }, /n\/de-DE\/release_notes\.txt \(de-DE\) has an empty "text"/],
    ['fastlane', 'too long', { 'n/de-DE/release_notes.txt': tooLong }, /de-DE\/release_notes\.txt \(de-DE\) is 4001 characters long/],
    ['fastlane', 'a locale twice', { 'n/de-DE/release_notes.txt': 'a', 'n/de_de/release_notes.txt': 'b' }, /de-DE appears more than once/],
    ['json', 'unknown locale', { n: '[{"language":"english","text":"a"}]' }, /n entry 1: "english" is not a TestFlight locale/],
    ['json', 'empty', { n: '[{"language":"en-US","text":"  "}]' }, /n entry 1 \(en-US\) has an empty "text"/],
    ['json', 'too long', { n: JSON.stringify([{ language: 'en-US', text: tooLong }]) }, /n entry 1 \(en-US\) is 4001 characters long/],
    ['either', 'a folder with both layouts', { 'n/WhatToTest.txt': 'a', 'n/en-US/release_notes.txt': 'b' }, /holds both WhatToTest/],
    ['either', 'a folder without notes', { 'n/readme.md': 'a' }, /the folder n holds no notes: put WhatToTest\.<locale>\.txt files/],
    [
      'either',
      'a file past the size bound',
      { 'n/WhatToTest.txt': 'x'.repeat(MAX_NOTE_FILE_BYTES + 1) },
      /n\/WhatToTest\.txt is 65537 bytes/,
    ],
  ])('%s: %s is refused, naming the input and the file', (_layout, _case, files, message) => {
    const root = tree(files);
    expect(() => readNotes({ releaseNotesPath: 'n' }, recordingLog(), root)).toThrow(message);
    expect(() => readNotes({ releaseNotesPath: 'n' }, recordingLog(), root)).toThrow(/^Input `release-notes`: /);
    expect(() => appStoreInputs({ notesPath: 'n', cancelPreviousSubmission: false }, root)).toThrow(/^Input `app-store-release-notes`: /);
  });

  it('a folder with more entries than any notes folder holds is refused without reading them', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i <= MAX_FOLDER_ENTRIES; i++) files[`n/f${i}`] = '';
    expect(() => readNotes({ releaseNotesPath: 'n' }, recordingLog(), tree(files))).toThrow(/holds more than 500 entries/);
  });

  it('an explicit path that does not exist is an error saying it is a path and that whats-new takes text; the default stays silent', () => {
    const root = tree({});
    const log = recordingLog();
    expect(readNotes({ releaseNotesPath: 'release_notes.json' }, log, root)).toEqual([]);
    expect(log.warnings).toEqual([]);
    expect(() => readNotes({ releaseNotesPath: 'Fixed the crash on launch' }, log, root)).toThrow(
      /^Input `release-notes`: "Fixed the crash on launch" is not an existing file or folder: this input is a path .*use `whats-new`/,
    );
    expect(() => appStoreInputs({ notesPath: 'Bug fixes', cancelPreviousSubmission: false }, root)).toThrow(
      /^Input `app-store-release-notes`: "Bug fixes" is not an existing file or folder: this input is a path/,
    );
  });
});

describe('a folder of notes through distribute, against the fake App Store Connect', () => {
  let key: TestKey, fake: FakeAsc, clock: SimulatedClock, appId: string;
  beforeEach(async () => {
    ({ key, fake, appId, clock } = await startOnSimulatedClock({
      app: { bundleId: 'com.example.app', name: 'Example', primaryLocale: 'en-US' },
    }));
  });
  afterEach(() => closeCheckedFake(fake));

  it.each(Object.keys(LAYOUTS))('%s: TestFlight shows the same What to Test texts', async (layout) => {
    const ws = tempWorkspace('ascp-notes-run-');
    for (const [path, text] of Object.entries(LAYOUTS[layout]!)) {
      mkdirSync(join(ws, path, '..'), { recursive: true });
      writeFileSync(join(ws, path), text);
    }
    fake.addBuild({ appId, version: '2.0', buildNumber: '7', processingState: 'VALID', usesNonExemptEncryption: false });
    const { error } = await runDistribute(key, fake, { 'release-notes': PATH[layout]! }, clock);
    expect(error).toBeUndefined();
    expect(
      fake
        .resources('betaBuildLocalizations')
        .map((l) => [l.attributes.locale, l.attributes.whatsNew])
        .sort(),
    ).toEqual([
      ['de-DE', 'Neue Suche.'],
      ['en-US', 'Try the new search.\nReport crashes.'],
    ]);
  });
});
