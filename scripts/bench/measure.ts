import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST_INDEX, NODE24, parseGithubOutput } from '../../test-support/run-dist.js';
import type { Fakes } from './fakes.js';
import type { SlimRequest } from './protocol.js';

export const MiB = 1024 * 1024;

export interface PeakMemory {
  /** VmHWM: the kernel's high-water mark of the resident set, in MB. */
  rssMb: number;
  /** The largest anonymous (private) part of it seen: heap, buffers, stacks, without the mapped node binary. */
  anonMb: number;
}

/**
 * Polls a process's memory: VmHWM (which the kernel keeps as a high-water mark, so polling cannot miss
 * the peak) and RssAnon (sampled, so a short spike between polls can be missed).
 */
export function watchPeakRss(pid: number, everyMs = 20): { stop(): PeakMemory } {
  let hwmKb = 0;
  let anonKb = 0;
  const read = () => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      hwmKb = Math.max(hwmKb, Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0));
      anonKb = Math.max(anonKb, Number(/RssAnon:\s+(\d+) kB/.exec(status)?.[1] ?? 0));
    } catch {
      // exited
    }
  };
  read();
  const timer = setInterval(read, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return { rssMb: (hwmKb * 1024) / 1e6, anonMb: (anonKb * 1024) / 1e6 };
    },
  };
}

export interface ActionRun {
  code: number | null;
  /** stdout and stderr. */
  stdout: string;
  outputs: Record<string, string>;
  /** From just before the spawn to the exit. */
  wallMs: number;
  /** Date.now() just before the spawn, comparable with the fake's request times. */
  spawnedAt: number;
  peakRssMb: number;
  peakAnonMb: number;
  /** What the fake App Store Connect received during the run. */
  requests: SlimRequest[];
}

/**
 * Runs the bundled action under Node 24 as GitHub's runner does (INPUT_* variables, the GITHUB_* files),
 * watching its memory and what it sent to the fakes.
 */
export async function runAction(
  fakes: Fakes,
  inputs: Record<string, string>,
  options: { cwd?: string; env?: Record<string, string>; entry?: string } = {},
): Promise<ActionRun> {
  const s = fakes.started;
  const before = await fakes.counts();
  const dir = mkdtempSync(join(tmpdir(), 'ascp-bench-run-'));
  try {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? dir,
      RUNNER_TEMP: dir,
      GITHUB_WORKSPACE: options.cwd ?? dir,
      GITHUB_OUTPUT: join(dir, 'github_output'),
      GITHUB_STEP_SUMMARY: join(dir, 'step_summary'),
      GITHUB_ACTIONS: 'true',
      ...options.env,
    };
    writeFileSync(env.GITHUB_OUTPUT!, '');
    writeFileSync(env.GITHUB_STEP_SUMMARY!, '');
    const all = { 'key-id': s.keyId, 'issuer-id': s.issuerId, 'private-key': s.privateKeyPem, 'api-url': s.ascUrl, ...inputs };
    for (const [name, value] of Object.entries(all)) env[`INPUT_${name.toUpperCase()}`] = value;
    const spawnedAt = Date.now();
    const t0 = performance.now();
    const child = spawn(NODE24, [options.entry ?? DIST_INDEX], { cwd: options.cwd ?? dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const watch = watchPeakRss(child.pid!);
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stdout += d.toString()));
    const code = await new Promise<number | null>((done) => child.on('close', done));
    const wallMs = performance.now() - t0;
    const { rssMb: peakRssMb, anonMb: peakAnonMb } = watch.stop();
    if (code !== 0) throw new Error(`dist/index.js failed (exit ${code}):\n${stdout}`);
    const outputs = parseGithubOutput(readFileSync(env.GITHUB_OUTPUT!, 'utf8'));
    return { code, stdout, outputs, wallMs, spawnedAt, peakRssMb, peakAnonMb, requests: await fakes.requests(before.asc) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `curl -T file` to the fake's sink: the same bytes, the same loopback, the same server process. */
export async function runCurl(url: string, file: string): Promise<{ seconds: number; cpuMs: number; peakRssMb: number }> {
  // /usr/bin/time reports curl's CPU (user and system seconds) on the last line of stderr.
  const child = spawn(
    '/usr/bin/time',
    [
      '-f',
      '%U %S',
      'curl',
      '-sS',
      '--fail',
      '-o',
      '/dev/null',
      '-H',
      'Content-Type: application/octet-stream',
      '-H',
      'Expect:',
      '-T',
      file,
      '-w',
      '%{time_total}',
      url,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const watch = watchPeakRss(child.pid!);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((done) => child.on('close', done));
  const peakRssMb = watch.stop().rssMb;
  if (code !== 0) throw new Error(`curl failed (${code}): ${err}`);
  const [user = 0, system = 0] = err.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { seconds: Number(out.trim()), cpuMs: (user + system) * 1000, peakRssMb };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A sender alone (sender-child.ts) in its own process under Node 24: no API requests, no start-up in the time. */
export async function runSender(
  kind: 'ours' | 'raw',
  url: string,
  file: string,
  size: number,
  partSize: number,
  connections: number,
): Promise<{ ms: number; cpuMs: number }> {
  const child = spawn(
    NODE24,
    ['--import', 'tsx', join(import.meta.dirname, 'sender-child.ts'), kind, url, file, String(size), String(partSize), String(connections)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((done) => child.on('close', done));
  if (code !== 0) throw new Error(`the ${kind} sender failed (${code})`);
  return JSON.parse(out.trim().split('\n').at(-1)!) as { ms: number; cpuMs: number };
}

/** CPU time a process has used so far (user + system), in ms, from /proc. */
export function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * (1000 / 100); // utime, stime in clock ticks (USER_HZ = 100)
}
