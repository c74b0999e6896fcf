import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ACTION_INPUTS } from '../action-inputs.js';
import { InputError } from '../errors.js';
import type { Logger } from '../runtime.js';
import { canonicalLocale, TESTFLIGHT_LOCALES } from './locales.js';
import { readText } from '../text-file.js';
import { readNotesFolder, type FolderNote } from './notes-folder.js';

/** The inputs that say which notes to set: `release-notes`, `whats-new`, `whats-new-locale`. */
export interface NotesInputs {
  releaseNotesPath: string;
  whatsNew?: string;
  whatsNewLocale?: string;
}

export const MAX_WHATS_NEW = 4000;

export interface Note {
  locale: string;
  text: string;
}

/**
 * The "What to Test" notes asked for: `release-notes` (a file or folder; the default only when it exists) plus `whats-new`, which
 * wins for its locale. Checked before any upload so a typo never costs a build. A `whats-new` without
 * a locale gets `locale: undefined`, to be filled with the app's primary locale once the app is known.
 */
export function readNotes(config: NotesInputs, log: Logger, cwd = process.cwd()): Array<{ locale?: string; text: string }> {
  const notes = readReleaseNotes(
    {
      path: config.releaseNotesPath,
      input: 'release-notes',
      defaultPath: ACTION_INPUTS['release-notes'].default,
      notAPath:
        'For "What to Test" as plain text (e.g. `release-notes: ${{ steps.notes.outputs.text }}` elsewhere), use `whats-new` (and `whats-new-locale`).',
    },
    cwd,
  );
  if (config.whatsNew !== undefined) {
    const text = config.whatsNew;
    if (text.length > MAX_WHATS_NEW)
      throw new InputError('whats-new', `is ${text.length} characters long; TestFlight allows at most ${MAX_WHATS_NEW}. Shorten it.`);
    const bad = refusedCharacter(text);
    if (bad)
      throw new InputError(
        'whats-new',
        `(${config.whatsNewLocale ?? "the app's primary locale"}) contains "${bad}", which TestFlight refuses in notes (409 "invalid characters"). Remove it or write it out (e.g. "less than").`,
      );
    let locale: string | undefined;
    if (config.whatsNewLocale) {
      locale = canonicalLocale(config.whatsNewLocale);
      if (!locale)
        throw new InputError(
          'whats-new-locale',
          `"${config.whatsNewLocale}" is not a TestFlight locale. Use one of: ${TESTFLIGHT_LOCALES.join(', ')}.`,
        );
    }
    const replaced = notes.findIndex((n) => n.locale === locale);
    if (replaced >= 0) {
      log.info(`\`whats-new\` replaces the ${locale} text of ${config.releaseNotesPath}.`);
      notes.splice(replaced, 1);
    }
    notes.push({ locale, text });
  }
  return notes;
}

/** A `release_notes.json` holds at most 50 locales of 4,000 characters: far past that is not a notes file. */
const MAX_NOTES_JSON_BYTES = 2 * 1024 * 1024;

/** Where notes come from, and whether a missing path is the unset default (silent) or an error. */
export interface NotesSource {
  path: string;
  /** The input that named it, for the errors. */
  input: string;
  /** The input's default: when it does not exist, there are simply no notes. */
  defaultPath?: string;
  /** Says what to do instead when the value is not a path (e.g. the text itself). */
  notAPath: string;
}

/**
 * Reads notes from a `release_notes.json` file or a folder of per-locale text files (Xcode Cloud's or
 * fastlane's layout), checked by one set of rules. A locale left undefined is the app's primary locale
 * (`WhatToTest.txt`). A path given explicitly that does not exist is an error: it is often the text itself.
 */
export function readReleaseNotes(source: NotesSource, cwd: string): Array<{ locale?: string; text: string }> {
  const { path, input } = source;
  const file = resolve(cwd, path);
  let stat;
  try {
    stat = statSync(file);
  } catch {
    if (path === source.defaultPath) return [];
    throw new InputError(
      input,
      `"${path.length > 80 ? `${path.slice(0, 80)}…` : path}" is not an existing file or folder: this input is a path (a release_notes.json, or a folder of WhatToTest.<locale>.txt or <locale>/release_notes.txt files). ${source.notAPath}`,
    );
  }
  const fail = (what: string): never => {
    throw new InputError(input, what);
  };
  if (stat.isDirectory())
    return checkNotes(readNotesFolder(file, path, fail), (at, what) =>
      fail(`${join(path, at)}${what.startsWith('(') ? ' ' : ': '}${what}`),
    );
  return readJsonNotes(file, path, fail);
}

function readJsonNotes(file: string, path: string, raw: (what: string) => never): Note[] {
  const fail = (what: string): never => raw(`${path} ${what} Expected: [{"language": "en-US", "text": "What to test…"}, …].`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readText(file, path, raw, MAX_NOTES_JSON_BYTES));
  } catch (error) {
    if (error instanceof InputError) throw error;
    return fail(`is not valid JSON (${(error as Error).message}).`);
  }
  if (!Array.isArray(parsed)) return fail('must hold a JSON array.');
  const found = parsed.map((entry: unknown, i) => {
    const at = `entry ${i + 1}`;
    if (typeof entry !== 'object' || entry === null) return fail(`${at} is not an object.`);
    const { language, text } = entry as { language?: unknown; text?: unknown };
    if (typeof language !== 'string' || !language.trim()) return fail(`${at} has no "language".`);
    if (typeof text !== 'string') return fail(`${at} (${language}) has no "text" string.`);
    return { locale: language, text, file: at };
  });
  return checkNotes(found, (at, what) => fail(`${at}${what.startsWith('(') ? ' ' : ': '}${what}`)) as Note[];
}

/** The rules every notes source shares: known locales, one text per locale, length, not empty, no `<` or `>`. */
function checkNotes(found: FolderNote[], fail: (at: string, what: string) => never): Array<{ locale?: string; text: string }> {
  const notes: Array<{ locale?: string; text: string }> = [];
  for (const { locale: spelt, text, file: at } of found) {
    const locale = spelt === undefined ? undefined : canonicalLocale(spelt);
    if (spelt !== undefined && !locale)
      return fail(at, `"${spelt}" is not a TestFlight locale. Use one of: ${TESTFLIGHT_LOCALES.join(', ')}.`);
    const name = locale ?? "the app's primary locale";
    if (notes.some((n) => n.locale === locale)) return fail(at, `${name} appears more than once; keep one entry per locale.`);
    if (text.length > MAX_WHATS_NEW)
      return fail(at, `(${name}) is ${text.length} characters long; TestFlight allows at most ${MAX_WHATS_NEW}.`);
    if (!text.trim()) return fail(at, `(${name}) has an empty "text".`);
    const bad = refusedCharacter(text);
    if (bad)
      return fail(
        at,
        `(${name}) contains "${bad}", which TestFlight refuses in notes (409 "invalid characters"); remove it or write it out (e.g. "less than").`,
      );
    notes.push({ locale, text });
  }
  return notes;
}

/** Apple refuses "What to Test" and "What's New" texts holding `<` or `>` (409 "invalid characters", Codemagic's docs). */
export function refusedCharacter(text: string): '<' | '>' | undefined {
  const i = text.search(/[<>]/);
  return i < 0 ? undefined : (text[i] as '<' | '>');
}
