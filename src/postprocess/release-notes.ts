import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ACTION_INPUTS } from '../action-inputs.js';
import { InputError } from '../errors.js';
import type { Logger } from '../runtime.js';
import { canonicalLocale, TESTFLIGHT_LOCALES } from './locales.js';

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
 * The "What to Test" notes asked for: `release-notes` (when the file exists) plus `whats-new`, which
 * wins for its locale. Checked before any upload so a typo never costs a build. A `whats-new` without
 * a locale gets `locale: undefined`, to be filled with the app's primary locale once the app is known.
 */
export function readNotes(config: NotesInputs, log: Logger, cwd = process.cwd()): Array<{ locale?: string; text: string }> {
  const notes: Array<{ locale?: string; text: string }> = readReleaseNotesFile(config.releaseNotesPath, log, cwd);
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

/** Reads a `release_notes.json`; `input` is the input that named it, for the errors. */
export function readReleaseNotesFile(path: string, log: Logger, cwd: string, input = 'release-notes'): Note[] {
  const file = resolve(cwd, path);
  if (!existsSync(file)) {
    if (path !== ACTION_INPUTS['release-notes'].default)
      log.warning(`\`release-notes\`: ${path} does not exist, so no notes are read from it.`);
    return [];
  }
  const fail = (what: string): never => {
    throw new InputError(input, `${path} ${what} Expected: [{"language": "en-US", "text": "What to test…"}, …].`);
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
  } catch (error) {
    return fail(`is not valid JSON (${(error as Error).message}).`);
  }
  if (!Array.isArray(parsed)) return fail('must hold a JSON array.');
  const notes: Note[] = [];
  parsed.forEach((entry: unknown, i) => {
    const at = `entry ${i + 1}`;
    if (typeof entry !== 'object' || entry === null) return fail(`${at} is not an object.`);
    const { language, text } = entry as { language?: unknown; text?: unknown };
    if (typeof language !== 'string' || !language.trim()) return fail(`${at} has no "language".`);
    if (typeof text !== 'string') return fail(`${at} (${language}) has no "text" string.`);
    const locale = canonicalLocale(language);
    if (!locale) return fail(`${at}: "${language}" is not a TestFlight locale. Use one of: ${TESTFLIGHT_LOCALES.join(', ')}.`);
    if (notes.some((n) => n.locale === locale)) return fail(`${at}: ${locale} appears more than once; keep one entry per locale.`);
    if (text.length > MAX_WHATS_NEW)
      return fail(`${at} (${locale}) is ${text.length} characters long; TestFlight allows at most ${MAX_WHATS_NEW}.`);
    if (!text.trim()) return fail(`${at} (${locale}) has an empty "text".`);
    const bad = refusedCharacter(text);
    if (bad)
      return fail(
        `${at} (${locale}) contains "${bad}", which TestFlight refuses in notes (409 "invalid characters"); remove it or write it out (e.g. "less than").`,
      );
    notes.push({ locale, text });
  });
  return notes;
}

/** Apple refuses "What to Test" and "What's New" texts holding `<` or `>` (409 "invalid characters", Codemagic's docs). */
export function refusedCharacter(text: string): '<' | '>' | undefined {
  const i = text.search(/[<>]/);
  return i < 0 ? undefined : (text[i] as '<' | '>');
}
