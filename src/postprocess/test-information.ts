/**
 * The app's TestFlight Test Information as `test-information` gives it (`test_information.json`): the
 * beta app localizations and the beta app review detail. Checked whole before any upload, so a typo
 * never costs a build; every error names the file and the key. The demo account's password is never
 * in the file: it comes from `demo-account-password` alone.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ACTION_INPUTS } from '../action-inputs.js';
import { InputError } from '../errors.js';
import type { Logger } from '../runtime.js';
import { readText } from '../text-file.js';
import { canonicalLocale, TESTFLIGHT_LOCALES } from './locales.js';
import { refusedCharacter } from './release-notes.js';

export interface BetaAppLocalizationText {
  locale: string;
  description?: string;
  feedbackEmail?: string;
  marketingUrl?: string;
  privacyPolicyUrl?: string;
}

export interface ReviewContact {
  firstName?: string;
  lastName?: string;
  phone?: string;
  email?: string;
}

/** What the file asks for, as written to the state: no password, ever. */
export interface TestInformation {
  localizations: BetaAppLocalizationText[];
  reviewContact?: ReviewContact;
  demoAccount?: { required: boolean; name?: string };
  reviewNotes?: string;
}

/**
 * Apple's limits. Its schema gives types only; the description's 4,000 is Apple's (TestFlight → Test
 * Information), review notes share App Review's 4,000; the others bound what Apple's form accepts in
 * practice: an e-mail address (RFC 5321: 254), a URL, a name, a phone number.
 */
export const TEST_INFORMATION_LIMITS = {
  description: 4000,
  reviewNotes: 4000,
  email: 254,
  url: 2048,
  name: 255,
  phone: 40,
} as const;

/** A file far larger than every field at its limit is not Test Information. */
export const MAX_TEST_INFORMATION_BYTES = 512 * 1024;

const INPUT = 'test-information';
const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:".]{2,}$/;
const PHONE = /^\+?[0-9 ()./-]{4,}$/;

const TOP_KEYS = ['localizations', 'reviewContact', 'demoAccount', 'reviewNotes'] as const;
const LOCALIZATION_KEYS = ['language', 'locale', 'description', 'feedbackEmail', 'marketingUrl', 'privacyPolicyUrl'] as const;
const CONTACT_KEYS = ['firstName', 'lastName', 'phone', 'email'] as const;
const DEMO_KEYS = ['required', 'name'] as const;

/** The example of the form, for errors. */
const FORM =
  'Expected: {"localizations": [{"language": "en-US", "description": "…", "feedbackEmail": "…"}], "reviewContact": {"firstName": "…", "lastName": "…", "phone": "…", "email": "…"}, "demoAccount": {"required": false}, "reviewNotes": "…"} (see docs/testflight-external.md).';

/**
 * Reads `test-information` when the file exists (a path given explicitly must exist). `password` is
 * `demo-account-password`: a demo account required without one is refused here, before the upload.
 */
export function readTestInformation(
  path: string,
  password: string | undefined,
  log: Logger,
  cwd = process.cwd(),
): TestInformation | undefined {
  const file = resolve(cwd, path);
  const explicit = path !== ACTION_INPUTS[INPUT].default;
  if (!existsSync(file)) {
    if (explicit) throw new InputError(INPUT, `${path} does not exist. Give the path of your test_information.json, or remove the input.`);
    if (password) log.warning('`demo-account-password` is set, but there is no test_information.json: it is not used.');
    return undefined;
  }
  if (!statSync(file).isFile()) throw new InputError(INPUT, `${path} is not a file.`);
  const text = readText(
    file,
    path,
    (what) => {
      throw new InputError(INPUT, `${what} Test Information fits in ${MAX_TEST_INFORMATION_BYTES / 1024} KiB.`);
    },
    MAX_TEST_INFORMATION_BYTES,
  );
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InputError(INPUT, `${path} is not valid JSON (${(error as Error).message}). ${FORM}`);
  }
  return parseTestInformation(parsed, path, password);
}

/** Checks the parsed file; `path` names it in every error. */
export function parseTestInformation(value: unknown, path: string, password: string | undefined): TestInformation {
  const fail = (key: string, what: string): never => {
    throw new InputError(INPUT, `${path}: \`${key}\` ${what}`);
  };
  const top = record(value, 'the file', fail);
  unknownKeys(top, TOP_KEYS, '', fail);
  const info: TestInformation = { localizations: [] };

  if (top.localizations !== undefined) {
    if (!Array.isArray(top.localizations)) fail('localizations', `must be a list of objects, one per language. ${FORM}`);
    (top.localizations as unknown[]).forEach((entry, i) => {
      const at = `localizations[${i}]`;
      const loc = record(entry, at, fail);
      unknownKeys(loc, LOCALIZATION_KEYS, `${at}.`, fail);
      const language = loc.language ?? loc.locale;
      if (typeof language !== 'string' || !language.trim()) return fail(`${at}.language`, 'is missing: name the locale (e.g. "en-US").');
      const locale = canonicalLocale(language);
      if (!locale) return fail(`${at}.language`, `"${language}" is not a TestFlight locale. Use one of: ${TESTFLIGHT_LOCALES.join(', ')}.`);
      if (info.localizations.some((l) => l.locale === locale))
        return fail(`${at}.language`, `${locale} appears twice: keep one entry per locale.`);
      const text: BetaAppLocalizationText = { locale };
      const description = optionalText(loc, 'description', at, fail);
      if (description !== undefined)
        text.description = checkedText(description, `${at}.description`, TEST_INFORMATION_LIMITS.description, fail);
      const email = optionalText(loc, 'feedbackEmail', at, fail);
      if (email !== undefined) text.feedbackEmail = checkedEmail(email, `${at}.feedbackEmail`, fail);
      for (const key of ['marketingUrl', 'privacyPolicyUrl'] as const) {
        const url = optionalText(loc, key, at, fail);
        if (url !== undefined) text[key] = checkedUrl(url, `${at}.${key}`, fail);
      }
      info.localizations.push(text);
    });
  }

  if (top.reviewContact !== undefined) {
    const contact = record(top.reviewContact, 'reviewContact', fail);
    unknownKeys(contact, CONTACT_KEYS, 'reviewContact.', fail);
    const out: ReviewContact = {};
    for (const key of ['firstName', 'lastName'] as const) {
      const v = optionalText(contact, key, 'reviewContact', fail);
      if (v !== undefined) out[key] = checkedLine(v, `reviewContact.${key}`, TEST_INFORMATION_LIMITS.name, fail);
    }
    const phone = optionalText(contact, 'phone', 'reviewContact', fail);
    if (phone !== undefined) {
      out.phone = checkedLine(phone, 'reviewContact.phone', TEST_INFORMATION_LIMITS.phone, fail);
      if (!PHONE.test(out.phone))
        fail('reviewContact.phone', `"${out.phone}" is not a phone number: digits, spaces and + ( ) . - only (e.g. "+1 408 555 0100").`);
    }
    const email = optionalText(contact, 'email', 'reviewContact', fail);
    if (email !== undefined) out.email = checkedEmail(email, 'reviewContact.email', fail);
    info.reviewContact = out;
  }

  if (top.demoAccount !== undefined) {
    const demo = record(top.demoAccount, 'demoAccount', fail);
    if ('password' in demo)
      fail('demoAccount.password', 'must not be in a file: pass the password with the `demo-account-password` input, from a secret.');
    unknownKeys(demo, DEMO_KEYS, 'demoAccount.', fail);
    if (typeof demo.required !== 'boolean')
      fail('demoAccount.required', 'must be true or false: whether Apple needs to sign in to review the app.');
    const name = optionalText(demo, 'name', 'demoAccount', fail);
    const account: NonNullable<TestInformation['demoAccount']> = { required: demo.required as boolean };
    if (name !== undefined) account.name = checkedLine(name, 'demoAccount.name', TEST_INFORMATION_LIMITS.name, fail);
    if (account.required && !account.name)
      fail('demoAccount.name', 'is missing: a demo account is required, so give the user name Apple signs in with.');
    if (account.required && !password)
      throw new InputError(
        'demo-account-password',
        `is empty, but ${path} says a demo account is required (\`demoAccount.required: true\`): pass its password from a secret, e.g. \`demo-account-password: \${{ secrets.DEMO_ACCOUNT_PASSWORD }}\`.`,
      );
    info.demoAccount = account;
  }

  const notes = optionalText(top, 'reviewNotes', '', fail);
  if (notes !== undefined) info.reviewNotes = checkedText(notes, 'reviewNotes', TEST_INFORMATION_LIMITS.reviewNotes, fail);
  return info;
}

type Fail = (key: string, what: string) => never;

function record(value: unknown, key: string, fail: Fail): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(key, `must be a JSON object. ${FORM}`);
  return value as Record<string, unknown>;
}

function unknownKeys(value: Record<string, unknown>, known: readonly string[], prefix: string, fail: Fail): void {
  for (const key of Object.keys(value))
    if (!known.includes(key)) fail(`${prefix}${key}`, `is not a key of Test Information. Known here: ${known.join(', ')}.`);
}

function optionalText(value: Record<string, unknown>, key: string, at: string, fail: Fail): string | undefined {
  const v = value[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') return fail(at ? `${at}.${key}` : key, 'must be a string.');
  return v.trim();
}

/** A text of Apple's TestFlight forms: bounded, and without `<`/`>`, which TestFlight refuses in its texts. */
function checkedText(text: string, key: string, max: number, fail: Fail): string {
  if (!text) return fail(key, 'is empty: remove the key or give the text.');
  if (text.length > max) return fail(key, `is ${text.length} characters long; Apple allows at most ${max}.`);
  const bad = refusedCharacter(text);
  if (bad) return fail(key, `contains "${bad}", which TestFlight refuses in its texts: remove it or write it out (e.g. "less than").`);
  return text;
}

function checkedLine(text: string, key: string, max: number, fail: Fail): string {
  if (/[\r\n]/.test(text)) return fail(key, 'must be one line.');
  return checkedText(text, key, max, fail);
}

function checkedEmail(text: string, key: string, fail: Fail): string {
  const email = checkedLine(text, key, TEST_INFORMATION_LIMITS.email, fail);
  if (!EMAIL.test(email)) return fail(key, `"${email}" is not an e-mail address (name@example.com).`);
  return email;
}

function checkedUrl(text: string, key: string, fail: Fail): string {
  const value = checkedLine(text, key, TEST_INFORMATION_LIMITS.url, fail);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(key, `"${value}" is not a URL: give a full https:// address.`);
  }
  if (url.protocol !== 'https:') return fail(key, `"${value}" must be an https:// address.`);
  return value;
}
