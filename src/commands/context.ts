import type { KeyObject } from 'node:crypto';
import { loadPrivateKey } from '../asc/auth.js';
import { connect, type AppStoreConnect } from '../asc/client.js';
import type { Config } from '../config.js';
import type { EngineContext } from '../postprocess/engine.js';
import { sleep, type RetryPolicy, type Sleep } from '../net/retry.js';
import type { PostProcessingState } from '../postprocess/state.js';
import type { Runtime } from '../runtime.js';
import type { StateStore } from '../stores/store.js';

/** Test seams: a clock and a sleep, so long waits can be simulated. Production uses the real ones. */
export interface CommandDeps {
  now: () => number;
  sleep: Sleep;
  /** Per-request timeout and retry policy for App Store Connect, part uploads and artifacts; defaults when absent. */
  requestTimeoutMs?: number;
  retry?: RetryPolicy;
  /** Where relative paths are resolved; default the checkout (GITHUB_WORKSPACE) or the current directory. */
  workspace?: string;
}

export const realDeps: CommandDeps = { now: Date.now, sleep };

/** The key, read once; a bad one is an InputError before any request. */
export function readKey(config: Config): KeyObject {
  return loadPrivateKey(config.privateKey);
}

/** The App Store Connect client for this run, from a key read once (`private-key` as text, or already loaded). */
export function connectFromConfig(config: Config, runtime: Runtime, deps: CommandDeps, key?: KeyObject): AppStoreConnect {
  return connect({
    apiUrl: config.apiUrl,
    keyId: config.keyId,
    issuerId: config.issuerId,
    privateKey: key ?? config.privateKey,
    log: runtime.log,
    now: deps.now,
    sleep: deps.sleep,
    timeoutMs: deps.requestTimeoutMs,
    retry: deps.retry,
    readOnly: config.dryRun,
  });
}

/** The engine's context for this run; `store` keeps progress as it happens; the password is this run's input. */
export function engineContext(
  asc: AppStoreConnect,
  pollIntervalMs: number,
  runtime: Runtime,
  deps: CommandDeps,
  store?: StateStore,
  demoAccountPassword?: string,
): EngineContext {
  return {
    asc,
    demoAccountPassword,
    log: runtime.log,
    now: deps.now,
    sleep: deps.sleep,
    pollIntervalMs,
    onProgress: store ? async (s) => void (await store.save(s)) : undefined,
  };
}

/** Where relative paths (packages, release notes) are resolved: the checkout. */
export function workspace(deps?: CommandDeps): string {
  return deps?.workspace ?? (process.env.GITHUB_WORKSPACE || process.cwd());
}

/** The origin of this run, for the summary of whoever finishes the work later. */
export function origin(): PostProcessingState['origin'] {
  return {
    repository: process.env.GITHUB_REPOSITORY,
    runId: process.env.GITHUB_RUN_ID,
    workflow: process.env.GITHUB_WORKFLOW,
    sha: process.env.GITHUB_SHA,
  };
}
