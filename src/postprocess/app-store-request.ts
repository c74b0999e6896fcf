/**
 * The App Store part of a publish: the inputs that ask for it, checked from their raw text before any
 * upload, and the typed request the App Store steps read from the saved plan.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AppStoreSettings } from '../app-store-inputs.js';
import type { ReleaseType } from '../asc/app-store-types.js';
import { InputError } from '../errors.js';
import type { Logger } from '../runtime.js';
import { readReleaseNotesFile, type Note } from './release-notes.js';

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
export function appStoreInputs(settings: AppStoreSettings, log: Logger, cwd = process.cwd()): AppStoreInputs {
  const { notesPath, ...rest } = settings;
  let notes: Note[] | undefined;
  if (notesPath) {
    if (!existsSync(resolve(cwd, notesPath))) {
      throw new InputError(
        'app-store-release-notes',
        `${notesPath} does not exist. Give the path of a JSON file like [{"language": "en-US", "text": "What's new…"}], or remove the input to use the TestFlight notes.`,
      );
    }
    notes = readReleaseNotesFile(notesPath, log, cwd, 'app-store-release-notes');
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
 * known). Both were read through `readReleaseNotesFile`/`readNotes`, which refuse the `<` and `>` Apple
 * refuses in "What's New" as in "What to Test".
 */
export function appStoreRequest(inputs: AppStoreInputs, testflightNotes: Note[]): AppStoreRequest {
  return { ...inputs, notes: inputs.notes ?? testflightNotes };
}
