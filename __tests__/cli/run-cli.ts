import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NODE24, parseGithubOutput, type DistRun } from '../../test-support/run-dist.js';

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
  const child = spawn(NODE24, [CLI_INDEX, ...args], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done) => child.on('close', (c, s) => done([c, s])));
  clearTimeout(timer);
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
