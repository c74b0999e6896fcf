/** A fake GitHub shared by the tests of one suite: started before them, reset after each, closed after them. */
import { afterAll, afterEach, beforeAll } from 'vitest';
import { applyEnv } from './env.js';
import { startFakeGitHub, type FakeGitHub, type FakeGitHubOptions } from './index.js';

export interface SuiteFakeGitHubOptions extends FakeGitHubOptions {
  /** Act as a job of this workflow run for the whole suite (its env applied once, before the first import reads it). */
  runId?: number;
  /** What else to reset after each test (the checks or workflows state). */
  reset?: (gh: FakeGitHub) => void;
}

/**
 * Registers the hooks and returns the fake (usable inside tests and hooks, not at import). After each test its
 * faults are cleared and its artifact permissions granted again.
 */
export function useFakeGitHub(options: SuiteFakeGitHubOptions = {}): FakeGitHub {
  let current: FakeGitHub | undefined;
  let restoreEnv: (() => void) | undefined;
  beforeAll(async () => {
    current = await startFakeGitHub(options);
    if (options.runId !== undefined) restoreEnv = applyEnv(current.runEnv(options.runId));
  });
  afterAll(async () => {
    restoreEnv?.();
    await current?.close();
  });
  afterEach(() => {
    if (!current) return;
    options.reset?.(current);
    current.faults.clear();
    current.denyPermissions(false);
  });
  return new Proxy({} as FakeGitHub, {
    get(_, property) {
      if (!current) throw new Error('The fake GitHub starts before the first test; use it inside a test or hook.');
      return Reflect.get(current, property);
    },
  });
}
