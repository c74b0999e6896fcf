import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { missingIn } from '../../src/postprocess/steps/test-information.js';
import {
  MAX_TEST_INFORMATION_BYTES,
  parseTestInformation,
  readTestInformation,
  type TestInformation,
} from '../../src/postprocess/test-information.js';
import { recordingLog } from '../../test-support/log.js';
import { inputErrorOf } from '../../test-support/setup.js';

const FILE = 'ti.json';
const complete = {
  localizations: [
    { language: 'en_us', description: 'A notes app.', feedbackEmail: 'beta@example.com', marketingUrl: 'https://example.com' },
  ],
  reviewContact: { firstName: 'Jane', lastName: 'Appleseed', phone: '+1 408 555 0100', email: 'jane@example.com' },
  demoAccount: { required: true, name: 'reviewer@example.com' },
  reviewNotes: 'Sign in with the demo account.',
};
const parse = (value: unknown, password: string | undefined = 'pw-123456') => parseTestInformation(value, FILE, password);
const errorOf = (value: unknown, password?: string) => inputErrorOf(() => parseTestInformation(value, FILE, password)).message;

describe('test_information.json: checked before the upload', () => {
  it('reads a complete file: canonical locales, trimmed texts, no password anywhere', () => {
    const info = parse(complete);
    expect(info).toEqual<TestInformation>({
      localizations: [
        { locale: 'en-US', description: 'A notes app.', feedbackEmail: 'beta@example.com', marketingUrl: 'https://example.com' },
      ],
      reviewContact: { firstName: 'Jane', lastName: 'Appleseed', phone: '+1 408 555 0100', email: 'jane@example.com' },
      demoAccount: { required: true, name: 'reviewer@example.com' },
      reviewNotes: 'Sign in with the demo account.',
    });
    expect(JSON.stringify(info)).not.toContain('pw-123456');
  });

  it.each([
    [{ ...complete, extra: 1 }, /ti\.json: `extra` is not a key of Test Information/],
    [{ localizations: [{ language: 'en-US', descripton: 'x' }] }, /`localizations\[0\]\.descripton` is not a key/],
    [{ reviewContact: { mail: 'a@b.co' } }, /`reviewContact\.mail` is not a key/],
    [{ localizations: [{ language: 'xx-YY' }] }, /`localizations\[0\]\.language` "xx-YY" is not a TestFlight locale/],
    [{ localizations: [{ language: 'en-US' }, { language: 'en_US' }] }, /en-US appears twice/],
    [
      { localizations: [{ language: 'en-US', feedbackEmail: 'not-an-email' }] },
      /`localizations\[0\]\.feedbackEmail` "not-an-email" is not an e-mail/,
    ],
    [{ reviewContact: { email: 'jane@' } }, /`reviewContact\.email` "jane@" is not an e-mail/],
    [
      { localizations: [{ language: 'en-US', marketingUrl: 'http://example.com' }] },
      /`localizations\[0\]\.marketingUrl` .* must be an https:\/\/ address/,
    ],
    [
      { localizations: [{ language: 'en-US', privacyPolicyUrl: 'example.com/privacy' }] },
      /privacyPolicyUrl` "example.com\/privacy" is not a URL/,
    ],
    [
      { localizations: [{ language: 'en-US', description: 'x'.repeat(4001) }] },
      /description` is 4001 characters long; Apple allows at most 4000/,
    ],
    [{ reviewNotes: 'n'.repeat(4001) }, /`reviewNotes` is 4001 characters long/],
    [{ localizations: [{ language: 'en-US', description: 'a <b> tag' }] }, /description` contains "<", which TestFlight refuses/],
    [{ reviewNotes: 'use -> here' }, /`reviewNotes` contains ">"/],
    [{ reviewContact: { phone: 'call me' } }, /`reviewContact\.phone` "call me" is not a phone number/],
    [{ reviewContact: { firstName: 'a\nb' } }, /`reviewContact\.firstName` must be one line/],
    [{ demoAccount: { required: true } }, /`demoAccount\.name` is missing: a demo account is required/],
    [{ demoAccount: { required: 'yes', name: 'x' } }, /`demoAccount\.required` must be true or false/],
    [
      { demoAccount: { required: true, name: 'x', password: 'p' } },
      /`demoAccount\.password` must not be in a file: pass the password with the `demo-account-password` input/,
    ],
    [{ localizations: { language: 'en-US' } }, /`localizations` must be a list/],
    [[], /`the file` must be a JSON object/],
  ])('refuses %j, naming the file and the key', (value, message) => {
    const text = errorOf(value, 'pw-123456');
    expect(text).toMatch(/^Input `test-information`: ti\.json/);
    expect(text).toMatch(message);
  });

  it('refuses a required demo account without `demo-account-password`, naming that input', () => {
    expect(errorOf({ demoAccount: { required: true, name: 'reviewer' } }, undefined)).toMatch(
      /^Input `demo-account-password`: is empty, but ti\.json says a demo account is required/,
    );
    expect(parseTestInformation({ demoAccount: { required: false } }, FILE, undefined)).toEqual({
      localizations: [],
      demoAccount: { required: false },
    });
  });

  it('the example in examples/ is a complete, valid file', () => {
    const info = readTestInformation('examples/test_information.json', 'a password', recordingLog(), join(import.meta.dirname, '..', '..'));
    expect(info?.localizations.map((l) => l.locale)).toEqual(['en-US', 'de-DE']);
    expect(missingIn([], { type: 'betaAppReviewDetails', id: '1', attributes: {} }, 'en-US', info, true)).toEqual([]);
  });

  it('reads the default file only when it exists; an explicit path must exist; the size is bounded', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ascp-ti-'));
    const log = recordingLog();
    expect(readTestInformation('test_information.json', undefined, log, dir)).toBeUndefined();
    expect(inputErrorOf(() => readTestInformation('config/ti.json', undefined, log, dir)).message).toMatch(
      /`test-information`: config\/ti\.json does not exist/,
    );
    writeFileSync(join(dir, 'big.json'), ' '.repeat(MAX_TEST_INFORMATION_BYTES + 1));
    expect(inputErrorOf(() => readTestInformation('big.json', undefined, log, dir)).message).toMatch(/big\.json is \d+ bytes/);
    writeFileSync(join(dir, 'bad.json'), '{"localizations": [');
    expect(inputErrorOf(() => readTestInformation('bad.json', undefined, log, dir)).message).toMatch(/bad\.json is not valid JSON/);
    writeFileSync(join(dir, 'test_information.json'), JSON.stringify({ reviewNotes: 'Hello' }));
    expect(readTestInformation('test_information.json', undefined, log, dir)).toEqual({ localizations: [], reviewNotes: 'Hello' });
  });
});

describe('what Apple requires before the first external beta review', () => {
  const detail = (attributes: Record<string, unknown>) => ({ type: 'betaAppReviewDetails' as const, id: '1', attributes });
  const loc = (attributes: Record<string, unknown>) => ({ type: 'betaAppLocalizations' as const, id: 'l', attributes });

  it('names every missing field of a fresh app', () => {
    expect(missingIn([], detail({}), 'en-GB').map((m) => m.field)).toEqual([
      "localizations (en-GB, the app's primary language).description",
      "localizations (en-GB, the app's primary language).feedbackEmail",
      'reviewContact.firstName',
      'reviewContact.lastName',
      'reviewContact.phone',
      'reviewContact.email',
    ]);
  });

  it('counts what Apple holds and what the file sets; another locale does not stand in for the primary one', () => {
    const info = parse({
      localizations: [{ language: 'en-GB', feedbackEmail: 'b@example.com' }],
      reviewContact: { phone: '+44 20 7946 0000' },
    });
    const apple = [loc({ locale: 'en-GB', description: 'Hi' }), loc({ locale: 'de-DE', feedbackEmail: 'x@example.com' })];
    const have = detail({ contactFirstName: 'J', contactLastName: 'A', contactEmail: 'j@example.com' });
    expect(missingIn(apple, have, 'en-GB', info)).toEqual([]);
    expect(missingIn(apple, have, 'de-DE', info).map((m) => m.field)).toEqual([
      "localizations (de-DE, the app's primary language).description",
    ]);
  });

  it('a demo account Apple requires needs a name and a password', () => {
    const have = detail({
      ...{ contactFirstName: 'J', contactLastName: 'A', contactEmail: 'j@x.co', contactPhone: '1234' },
      demoAccountRequired: true,
    });
    const apple = [loc({ locale: 'en-US', description: 'Hi', feedbackEmail: 'b@x.co' })];
    expect(missingIn(apple, have, 'en-US').map((m) => m.field)).toEqual(['demoAccount.name', '`demo-account-password` input']);
    expect(missingIn(apple, have, 'en-US', parse({ demoAccount: { required: false } }))).toEqual([]);
  });
});
