import { realpath } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { glob } from 'tinyglobby';
import { InputError } from '../errors.js';

export const PACKAGE_EXTENSIONS = ['.ipa', '.pkg'] as const;

export function isPackagePath(path: string): boolean {
  const lower = path.toLowerCase();
  return PACKAGE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/**
 * Expands the `path` globs (one per entry; `!pattern` excludes) against `cwd` into sorted,
 * de-duplicated absolute paths of files. A file reached twice (through a symlinked folder or a
 * link to it) is listed once, by the path that goes through no link when there is one, else the
 * first in sort order: uploading it twice would fail on the second after the first was sent. Every match must be an .ipa or .pkg: publishing
 * something else by accident is worse than stopping.
 */
export async function findPackages(patterns: string[], cwd: string = process.cwd()): Promise<string[]> {
  const list = patterns.map((p) => p.trim()).filter(Boolean);
  if (list.length === 0) {
    throw new InputError('path', 'is empty: give the .ipa or .pkg to publish, one glob per line (e.g. `build/*.ipa`).');
  }
  const base = resolve(cwd);
  const matches = await glob(list, {
    cwd: base,
    absolute: true,
    onlyFiles: true,
    expandDirectories: false,
    followSymbolicLinks: true,
  });
  const files = await uniqueFiles([...new Set(matches.map((m) => resolve(m)))].sort(), base);

  if (files.length === 0) {
    throw new InputError(
      'path',
      `matches no file: ${list.map((p) => `\`${p}\``).join(', ')} searched in ${base}. Check the pattern, and that the .ipa/.pkg is there in this job: a build artifact from another job must be downloaded first (actions/download-artifact).`,
    );
  }
  const others = files.filter((f) => !isPackagePath(f));
  if (others.length > 0) {
    const shown = others.slice(0, 5).join(', ') + (others.length > 5 ? ` and ${others.length - 5} more` : '');
    throw new InputError(
      'path',
      `matches ${shown}, which ${others.length === 1 ? 'is' : 'are'} not an .ipa or .pkg: narrow the pattern to the packages (e.g. \`build/*.ipa\`), or exclude files with a \`!pattern\` line.`,
    );
  }
  return files;
}

/** One path per real file: the one through no symlink when matched, else the first. */
async function uniqueFiles(paths: string[], base: string): Promise<string[]> {
  const realBase = await realpath(base).catch(() => base);
  const chosen = new Map<string, string>();
  for (const path of paths) {
    const real = await realpath(path).catch(() => path);
    const direct = real === join(realBase, relative(base, path));
    if (!chosen.has(real) || direct) chosen.set(real, path);
  }
  const keep = new Set(chosen.values());
  return paths.filter((p) => keep.has(p));
}
