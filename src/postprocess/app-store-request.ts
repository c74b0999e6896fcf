/**
 * The App Store part of a publish: the inputs that ask for it, checked from their raw text before any
 * upload, and the typed request the App Store steps read from the saved plan.
 */
import type { AppStoreSettings } from '../app-store-inputs.js';
import type { ReleaseType } from '../asc/app-store-types.js';
import { InputError } from '../errors.js';
import { readReleaseNotes, type Note } from './release-notes.js';

export interface AppStoreRequest {
  /** "What's New" per locale: `app-store-release-notes`, else the TestFlight notes. */
  notes: Note[];
  /** Unset: the version keeps its current setting. */
  releaseType?: ReleaseType;
  /** ISO 8601 in UTC, on the hour; only with `SCHEDULED`. */
  earliestReleaseDate?: string;
  phasedRelease?: boolean;
  copyright?: string;
  cancelPreviousSubmission: boolean;
}

/** The App Store inputs as parsed; `notes` undefined means "use the TestFlight notes". */
export type AppStoreInputs = Omit<AppStoreRequest, 'notes'> & { notes?: Note[] };

/** The checked settings with the `app-store-release-notes` file read (before any upload). */
export function appStoreInputs(settings: AppStoreSettings, cwd = process.cwd()): AppStoreInputs {
  const { notesPath, ...rest } = settings;
  let notes: Note[] | undefined;
  if (notesPath) {
    const found = readReleaseNotes(
      {
        path: notesPath,
        input: 'app-store-release-notes',
        notAPath: "Remove the input to use the TestFlight notes as What's New.",
      },
      cwd,
    );
    if (found.some((n) => n.locale === undefined))
      throw new InputError(
        'app-store-release-notes',
        `${notesPath}: WhatToTest.txt names no locale; App Store What's New needs one per file (e.g. WhatToTest.en-US.txt).`,
      );
    notes = found as Note[];
    if (notes.length === 0)
      throw new InputError(
        'app-store-release-notes',
        `${notesPath} holds no notes. Add at least one {"language", "text"} entry, or remove \`app-store-release-notes\` to use the TestFlight notes.`,
      );
  }
  return { notes, ...rest };
}

/**
 * The request saved in the plan: the App Store notes, else the TestFlight notes (once their locales are
 * known). Both were read through `readReleaseNotes`/`readNotes`, which refuse the `<` and `>` Apple
 * refuses in "What's New" as in "What to Test".
 */
export function appStoreRequest(inputs: AppStoreInputs, testflightNotes: Note[]): AppStoreRequest {
  return { ...inputs, notes: inputs.notes ?? testflightNotes };
}
