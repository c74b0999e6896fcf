import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPackages } from '../../src/package/index.js';
import { inputError, tempDir } from './fixtures.js';

const { dir, cleanup } = tempDir();
const at = (...parts: string[]) => join(dir, ...parts);

beforeAll(() => {
  for (const file of [
    'build/ios/Example.ipa',
    'build/ios/Example.dSYM.zip',
    'build/tvos/Example TV.ipa',
    'build/mac/Example.pkg',
    'build/mac/Example.app/Contents/Info.plist',
    'other/Old.ipa',
    '.hidden/Secret.ipa',
  ]) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(at(file), 'x');
  }
  mkdirSync(at('build', 'Folder.ipa'));
  symlinkSync(at('build', 'ios', 'Example.ipa'), at('build', 'Link.ipa'));
});
afterAll(cleanup);

describe('findPackages', () => {
  it('expands several globs into sorted, de-duplicated absolute paths of files', async () => {
    const found = await findPackages(['build/**/*.ipa', 'build/ios/Example.ipa', '  ', 'build/mac/*.pkg'], dir);
    // build/Link.ipa is the same file as build/ios/Example.ipa: listed once, by its own path.
    expect(found).toEqual([at('build', 'ios', 'Example.ipa'), at('build', 'mac', 'Example.pkg'), at('build', 'tvos', 'Example TV.ipa')]);
  });

  it('lists a package reached through a symlinked folder once, by the path through no link', async () => {
    symlinkSync(at('build', 'ios'), at('build', 'latest'));
    try {
      expect(await findPackages(['build/**/*.ipa'], dir)).toEqual([
        at('build', 'ios', 'Example.ipa'),
        at('build', 'tvos', 'Example TV.ipa'),
      ]);
      // Only links matched: the first in sort order.
      expect(await findPackages(['build/latest/*.ipa', 'build/Link.ipa'], dir)).toEqual([at('build', 'Link.ipa')]);
    } finally {
      rmSync(at('build', 'latest'));
    }
  });

  it('applies !exclusions, absolute patterns and ../', async () => {
    expect(await findPackages(['**/*.ipa', '!other/**', '!build/Link.ipa'], dir)).toEqual([
      at('build', 'ios', 'Example.ipa'),
      at('build', 'tvos', 'Example TV.ipa'),
    ]);
    expect(await findPackages([at('other', '*.ipa')], at('build'))).toEqual([at('other', 'Old.ipa')]);
    expect(await findPackages(['../other/Old.ipa'], at('build'))).toEqual([at('other', 'Old.ipa')]);
  });

  it('does not descend into hidden folders unless named', async () => {
    expect(await findPackages(['**/Secret.ipa', 'build/ios/*.ipa'], dir)).toEqual([at('build', 'ios', 'Example.ipa')]);
    expect(await findPackages(['.hidden/*.ipa'], dir)).toEqual([at('.hidden', 'Secret.ipa')]);
  });

  it('lists the patterns and the folder when nothing matches', async () => {
    const error = await inputError(findPackages(['dist/*.ipa', 'dist/*.pkg'], dir));
    expect(error.message).toBe(
      `Input \`path\`: matches no file: \`dist/*.ipa\`, \`dist/*.pkg\` searched in ${dir}. Check the pattern, and that the .ipa/.pkg is there in this job: a build artifact from another job must be downloaded first (actions/download-artifact).`,
    );
  });

  it('does not match folders, even ones named like a package', async () => {
    await inputError(findPackages(['build/Folder.ipa'], dir));
  });

  it('refuses a match that is not an .ipa or .pkg', async () => {
    const error = await inputError(findPackages(['build/ios/*', 'build/mac/**'], dir));
    expect(error.message).toBe(
      `Input \`path\`: matches ${at('build', 'ios', 'Example.dSYM.zip')}, ${at('build', 'mac', 'Example.app', 'Contents', 'Info.plist')}, which are not an .ipa or .pkg: narrow the pattern to the packages (e.g. \`build/*.ipa\`), or exclude files with a \`!pattern\` line.`,
    );
  });

  it('refuses an empty list', async () => {
    expect((await inputError(findPackages(['', ' '], dir))).message).toContain('is empty');
  });
});
