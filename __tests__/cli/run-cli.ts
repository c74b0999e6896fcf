import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { TestKey } from '../../test-support/fake-asc/index.js';
import { parseGithubOutput, runNode24, type DistRun } from '../../test-support/run-dist.js';

export const CLI_INDEX = resolve(import.meta.dirname, '..', '..', 'dist', 'cli', 'index.js');

export interface CliRun extends DistRun {
  /** The outputs as printed: `name=value` lines, or the `--json` object. */
  printed: string;
}

/**
 * Runs the bundled command line under Node 24 in `cwd`, with only PATH, HOME and `env` set (no GitHub
 * Actions variables). The job summary is read from `summary.md` in `cwd` when the run wrote one there.
 */
export async function runCli(args: string[], options: { cwd: string; env?: Record<string, string>; timeoutMs?: number }): Promise<CliRun> {
  const env = { PATH: process.env.PATH ?? '', HOME: options.cwd, ...options.env };
  const { code, signal, stdout, stderr } = await runNode24([CLI_INDEX, ...args], {
    cwd: options.cwd,
    env,
    timeoutMs: options.timeoutMs ?? 60_000,
  });
  const summaryFile = join(options.cwd, 'summary.md');
  return {
    code,
    signal,
    stdout,
    stderr,
    printed: stdout,
    outputs: args.includes('--json') ? (JSON.parse(stdout || '{}') as Record<string, string>) : parseOutputLines(stdout),
    summary: existsSync(summaryFile) ? readFileSync(summaryFile, 'utf8') : '',
    dir: options.cwd,
  };
}

/** `name=value` lines and `name<<EOF … EOF` blocks. */
function parseOutputLines(text: string): Record<string, string> {
  const outputs = parseGithubOutput(text);
  for (const line of text.split('\n')) {
    const m = /^([a-z][a-z0-9-]*)=(.*)$/.exec(line);
    if (m) outputs[m[1]!] = m[2]!;
  }
  return outputs;
}

/** Writes the key as a private .p8 file at `path` below `cwd`; returns the variables that point the command line at it. */
export function writeCliKey(cwd: string, path: string, key: TestKey): Record<string, string> {
  mkdirSync(dirname(join(cwd, path)), { recursive: true });
  writeFileSync(join(cwd, path), key.privateKeyPem, { mode: 0o600 });
  return { APP_STORE_CONNECT_ISSUER_ID: key.issuerId!, APP_STORE_CONNECT_KEY_ID: key.keyId, APP_STORE_CONNECT_PRIVATE_KEY_PATH: path };
}

/** `publish` of build/*.ipa to `apiUrl`, without encryption: the start of a command line publish. */
export function cliPublishArgs(apiUrl: string): string[] {
  return ['publish', '--path', 'build/*.ipa', '--api-url', apiUrl, '--uses-non-exempt-encryption', 'false'];
}
