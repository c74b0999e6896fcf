import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * What a command needs from its host: a log, outputs and a job summary. The GitHub Action and the CLI
 * each provide one, so the commands have a single implementation.
 */
export interface Logger {
  info(message: string): void;
  warning(message: string): void;
  /** A notice annotation where the host has them (GitHub); hosts without one log it as `info`. */
  notice?(message: string): void;
  error(message: string): void;
  debug(message: string): void;
  /** Registers a value that must never appear in the log (GitHub replaces it with ***). */
  mask(secret: string): void;
}

export interface Runtime {
  log: Logger;
  setOutput(name: string, value: string): void;
  /** Appends Markdown to the job summary. */
  appendSummary(markdown: string): Promise<void>;
  /** Runs `fn` with its log folded under `name` where the host can fold it (GitHub's log groups). */
  group?<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

/** Reads one input by its action.yml name; '' when unset. */
export type InputReader = (name: string) => string;

/**
 * Makes a new private directory (mode 0700) under the runner's temp dir: RUNNER_TEMP, which the
 * runner empties after each job, else the OS temp dir. The caller removes it when done.
 */
export function runnerTempDir(prefix: string): Promise<string> {
  return mkdtemp(join(process.env.RUNNER_TEMP || tmpdir(), prefix));
}
