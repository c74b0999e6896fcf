import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';

const SCRIPT = resolve(import.meta.dirname, 'xcrun.mjs');

/** What the fake `xcrun` saw in one run. */
export interface XcrunCall {
  pid: number;
  argv: string[];
  apiPrivateKeysDir?: string;
  key: { path?: string; exists: boolean; mode?: number; dirMode?: number; pem?: boolean; sha256?: string };
  keyInEnvironment: boolean;
}

export type XcrunMode = 'success' | 'product-errors' | 'crash' | 'slow';

export interface FakeXcrun {
  /** The directory holding the `xcrun` executable. */
  binDir: string;
  calls(): XcrunCall[];
  /** How the next runs answer. */
  mode(mode: XcrunMode): void;
  /** Puts the fake first on PATH. */
  activate(): void;
  /** Restores PATH and the environment, and removes the fake. */
  restore(): void;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * A fake `xcrun` executable: a real process found on PATH, so the code under test is stubbed only
 * at the process boundary. It runs test-support/xcrun/xcrun.mjs with this Node.
 */
export function installFakeXcrun(): FakeXcrun {
  const dir = mkdtempSync(join(tmpdir(), 'fake-xcrun-'));
  const binDir = join(dir, 'bin');
  const record = join(dir, 'calls.jsonl');
  const saved = { PATH: process.env.PATH, FAKE_XCRUN_RECORD: process.env.FAKE_XCRUN_RECORD, FAKE_XCRUN_MODE: process.env.FAKE_XCRUN_MODE };
  const xcrun = join(binDir, 'xcrun');
  mkdirSync(binDir);
  writeFileSync(xcrun, `#!/bin/sh\nexec ${quote(process.execPath)} ${quote(SCRIPT)} "$@"\n`);
  chmodSync(xcrun, 0o755);
  return {
    binDir,
    calls: () =>
      existsSync(record)
        ? readFileSync(record, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as XcrunCall)
        : [],
    mode: (mode) => void (process.env.FAKE_XCRUN_MODE = mode),
    activate() {
      process.env.PATH = [binDir, saved.PATH].filter(Boolean).join(delimiter);
      process.env.FAKE_XCRUN_RECORD = record;
    },
    restore() {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
