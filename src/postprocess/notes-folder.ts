/**
 * Notes as other tools keep them: a folder of Xcode Cloud's `WhatToTest.<locale>.txt` files
 * (`WhatToTest.txt` without a locale is the app's primary locale), or fastlane's
 * `<locale>/release_notes.txt` (the `metadata` folder of `pilot` and `deliver`). Every file is bounded
 * before it is read; the texts are checked by the same rules as `release_notes.json`.
 */
import { opendirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readText } from '../text-file.js';

/** One text as found, before the shared checks: `locale` undefined for `WhatToTest.txt`. */
export interface FolderNote {
  /** The locale as spelt in the file or folder name; undefined: the app's primary locale. */
  locale?: string;
  text: string;
  /** The file, relative to the folder given, for the errors. */
  file: string;
}

/** Far above a 4,000-character text in any encoding: a bigger file is refused without reading it whole. */
export const MAX_NOTE_FILE_BYTES = 64 * 1024;
/** A notes or fastlane `metadata` folder holds a few dozen entries; more is not one. */
export const MAX_FOLDER_ENTRIES = 500;

const XCODE_CLOUD = /^WhatToTest(?:\.([^.]+))?\.txt$/i;
const FASTLANE_FILE = 'release_notes.txt';

/**
 * Reads the notes of a folder; `fail` throws the input's error. A folder with both layouts, or with
 * neither, is refused: silently picking one would drop the other's notes.
 */
export function readNotesFolder(dir: string, label: string, raw: (what: string) => never): FolderNote[] {
  const fail = (what: string): never => raw(`the folder ${label} ${what}`);
  const entries = listBounded(dir, fail);
  const xcode = entries.filter((e) => e.isFile && XCODE_CLOUD.test(e.name));
  const fastlane = entries.filter((e) => e.isDirectory && isFile(join(dir, e.name, FASTLANE_FILE)));
  if (xcode.length && fastlane.length)
    fail(`holds both WhatToTest.<locale>.txt files (Xcode Cloud) and <locale>/${FASTLANE_FILE} folders (fastlane): keep one layout.`);
  if (xcode.length)
    return xcode
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((e) => ({ locale: XCODE_CLOUD.exec(e.name)![1], text: readNoteText(join(dir, e.name), join(label, e.name), raw), file: e.name }))
      .sort((a, b) => Number(a.locale !== undefined) - Number(b.locale !== undefined));
  if (fastlane.length)
    return fastlane
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((e) => {
        const file = `${e.name}/${FASTLANE_FILE}`;
        return { locale: e.name, text: readNoteText(join(dir, e.name, FASTLANE_FILE), join(label, file), raw), file };
      });
  return fail(
    `holds no notes: put WhatToTest.<locale>.txt files in it (Xcode Cloud; WhatToTest.txt for the primary locale), or <locale>/${FASTLANE_FILE} files (fastlane), or give a release_notes.json.`,
  );
}

function listBounded(dir: string, fail: (what: string) => never): Array<{ name: string; isFile: boolean; isDirectory: boolean }> {
  const entries: Array<{ name: string; isFile: boolean; isDirectory: boolean }> = [];
  const handle = opendirSync(dir);
  try {
    for (let entry = handle.readSync(); entry; entry = handle.readSync()) {
      if (entries.length >= MAX_FOLDER_ENTRIES) fail(`holds more than ${MAX_FOLDER_ENTRIES} entries: point it at the notes folder itself.`);
      // Followed like the JSON file is: a link in the checkout is the user's own.
      const stat = statOrUndefined(join(dir, entry.name));
      entries.push({ name: entry.name, isFile: !!stat?.isFile(), isDirectory: !!stat?.isDirectory() });
    }
  } finally {
    handle.closeSync();
  }
  return entries;
}

function statOrUndefined(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function isFile(path: string): boolean {
  return !!statOrUndefined(path)?.isFile();
}

/** A notes file's text, refused past MAX_NOTE_FILE_BYTES (TestFlight allows 4000 characters). */
export function readNoteText(path: string, name: string, fail: (what: string) => never): string {
  return readText(path, name, fail, MAX_NOTE_FILE_BYTES);
}
