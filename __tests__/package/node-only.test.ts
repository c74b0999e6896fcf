import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The tests, their support code and the scripts run on a machine with Node only: no Python
 * interpreter is invoked and no Python script is kept. Packages are made by test-support/fixtures.
 */

const ROOT = resolve(import.meta.dirname, '..', '..');
const SELF = relative(ROOT, import.meta.filename);
const FOLDERS = ['__tests__', 'test-support', 'scripts', '.github'];
/** `python`, `python3`, `python3.12`, a `.py` file, or a `#!…python` line. */
const PYTHON = /\bpython[0-9.]*\b|\.py\b/i;

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    if (name === 'node_modules') return [];
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

describe('Node only', () => {
  it('no test, test support file or script invokes Python', () => {
    const found: string[] = [];
    for (const path of [...FOLDERS.flatMap((f) => files(join(ROOT, f))), join(ROOT, 'package.json')]) {
      const shown = relative(ROOT, path);
      if (shown === SELF) continue;
      if (PYTHON.test(shown)) found.push(`${shown} (a Python file)`);
      readFileSync(path, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (PYTHON.test(line)) found.push(`${shown}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(found).toEqual([]);
  });
});
