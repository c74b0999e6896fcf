import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAppStoreSettings } from '../../src/app-store-inputs.js';
import { appStoreInputs, appStoreRequest } from '../../src/postprocess/app-store-request.js';
import { readNotes } from '../../src/postprocess/release-notes.js';
import { recordingLog } from '../../test-support/log.js';

const NOW = Date.UTC(2026, 11, 1, 9, 30, 0);
const dir = mkdtempSync(join(tmpdir(), 'app-store-request-'));
/** As the config and the preflight read them: the settings checked, then the notes file read. */
const parse = (inputs: Record<string, string>) => {
  const settings = readAppStoreSettings(
    (name) => inputs[name] ?? '',
    () => NOW,
  );
  return settings && appStoreInputs(settings, dir);
};
const on = (inputs: Record<string, string>) => parse({ 'submit-app-store-review': 'true', ...inputs });

describe('App Store inputs', () => {
  it('are off by default and parse into the typed request', () => {
    expect(parse({})).toBeUndefined();
    writeFileSync(join(dir, 'store.json'), JSON.stringify([{ language: 'de_de', text: 'Neu.' }]));
    const inputs = on({
      'release-type': 'Scheduled',
      'earliest-release-date': '2026-12-24T10:00:00+01:00',
      'phased-release': 'true',
      copyright: '2026 Example Inc.',
      'app-store-release-notes': 'store.json',
      'cancel-previous-submission': 'true',
    });
    expect(inputs).toEqual({
      notes: [{ locale: 'de-DE', text: 'Neu.' }],
      releaseType: 'SCHEDULED',
      earliestReleaseDate: '2026-12-24T09:00:00.000Z',
      phasedRelease: true,
      copyright: '2026 Example Inc.',
      cancelPreviousSubmission: true,
    });
    expect(appStoreRequest(inputs!, [{ locale: 'en-US', text: 'TestFlight.' }]).notes).toEqual([{ locale: 'de-DE', text: 'Neu.' }]);
    const plain = on({ 'release-type': 'after-approval' })!;
    expect(plain).toMatchObject({ releaseType: 'AFTER_APPROVAL', cancelPreviousSubmission: false, notes: undefined });
    // Without App Store notes, What's New is the TestFlight text.
    expect(appStoreRequest(plain, [{ locale: 'en-US', text: 'TestFlight.' }]).notes).toEqual([{ locale: 'en-US', text: 'TestFlight.' }]);
  });

  it.each([
    [{ 'release-type': 'manual' }, /^Input `release-type`: asks for an App Store release, but `submit-app-store-review` is not `true`/],
    [{ copyright: '2026 X', 'phased-release': 'true' }, /^Input `phased-release`:.*also given: `copyright`.*these inputs/],
    [{ 'cancel-previous-submission': 'true' }, /^Input `cancel-previous-submission`: asks for an App Store release/],
    [{ 'app-store-release-notes': 'x.json' }, /^Input `app-store-release-notes`: asks for an App Store release/],
  ])('without submit-app-store-review, %o is an error naming the input', (inputs, message) => {
    expect(() => parse(inputs)).toThrow(message);
  });

  it.each([
    [{ 'earliest-release-date': '2026-12-24T09:00:00Z' }, /^Input `earliest-release-date`: only applies with `release-type: scheduled`/],
    [
      { 'release-type': 'manual', 'earliest-release-date': '2026-12-24T09:00:00Z' },
      /^Input `earliest-release-date`: only applies with `release-type: scheduled`, not `manual`/,
    ],
    [
      { 'release-type': 'scheduled', 'earliest-release-date': '2026-12-24T09:30:00Z' },
      /^Input `earliest-release-date`: .* is not on the hour/,
    ],
    [
      { 'release-type': 'scheduled', 'earliest-release-date': '2026-12-24T10:00:00+05:30' },
      /is not on the hour \(2026-12-24T04:30:00.000Z in UTC\)/,
    ],
    [{ 'release-type': 'scheduled', 'earliest-release-date': '2026-11-24T09:00:00Z' }, /^Input `earliest-release-date`: .* is in the past/],
    [{ 'release-type': 'scheduled', 'earliest-release-date': '2026-12-01T09:00:00Z' }, /is in the past/],
    [
      { 'release-type': 'scheduled', 'earliest-release-date': '2026-12-24T09:00:00' },
      /^Input `earliest-release-date`: .* has no time zone/,
    ],
    [{ 'release-type': 'scheduled', 'earliest-release-date': '2026-12-24' }, /is not an ISO 8601 date-time with a time zone/],
    [{ 'release-type': 'scheduled', 'earliest-release-date': 'Christmas' }, /is not an ISO 8601 date-time/],
    [{ 'release-type': 'scheduled' }, /^Input `release-type`: `scheduled` needs `earliest-release-date`/],
    [{ 'release-type': 'now' }, /^Input `release-type`: "now" is not one of `manual`, `after-approval`, `scheduled`/],
    [{ 'phased-release': 'yes' }, /^Input `phased-release`: "yes" is not a boolean/],
    [{ 'submit-app-store-review': 'maybe' }, /^Input `submit-app-store-review`: "maybe" is not a boolean/],
    [{ copyright: 'x'.repeat(201) }, /^Input `copyright`: must be one line/],
    [
      { 'app-store-release-notes': 'missing.json' },
      /^Input `app-store-release-notes`: "missing.json" is not an existing file or folder: this input is a path/,
    ],
  ])('%o is refused, naming the input', (inputs, message) => {
    expect(() => on(inputs)).toThrow(message);
  });

  it('checks the App Store notes as the store takes them: format, locales, and no < or >', () => {
    writeFileSync(join(dir, 'bad.json'), '{not json');
    expect(() => on({ 'app-store-release-notes': 'bad.json' })).toThrow(/^Input `app-store-release-notes`: bad.json is not valid JSON/);
    writeFileSync(join(dir, 'locale.json'), JSON.stringify([{ language: 'xx-YY', text: 'x' }]));
    expect(() => on({ 'app-store-release-notes': 'locale.json' })).toThrow(/^Input `app-store-release-notes`: .*not a TestFlight locale/);
    writeFileSync(join(dir, 'angle.json'), JSON.stringify([{ language: 'en-US', text: 'a <b> tag' }]));
    expect(() => on({ 'app-store-release-notes': 'angle.json' })).toThrow(
      /^Input `app-store-release-notes`: angle.json entry 1 \(en-US\) contains "<"/,
    );
    writeFileSync(join(dir, 'empty.json'), '[]');
    expect(() => on({ 'app-store-release-notes': 'empty.json' })).toThrow(/holds no notes\. Add at least one/);
    // Without App Store notes, What's New is the TestFlight text, refused with < or > as it is read.
    writeFileSync(join(dir, 'fr.json'), JSON.stringify([{ language: 'fr-FR', text: '1 > 0' }]));
    expect(() => readNotes({ releaseNotesPath: 'fr.json' }, recordingLog(), dir)).toThrow(
      /^Input `release-notes`: fr.json entry 1 \(fr-FR\) contains ">", which TestFlight refuses/,
    );
  });
});
