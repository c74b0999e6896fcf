/**
 * The webhook relay's figures: the bundled command line's `relay` (dist/cli/index.js under Node 24,
 * pinned to one core with taskset) in front of a loopback fake GitHub. Deliveries are signed before the
 * clock starts; the time of one is from sending it to the fake GitHub receiving its dispatch (and to
 * the relay's answer, which follows GitHub's).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { signBody } from '../../src/relay/handler.js';
import { startFakeGitHub } from '../../test-support/fake-github/index.js';
import { deliveryBody, relayEnv, RELAY_SECRET } from '../../test-support/relay.js';
import { NODE24 } from '../../test-support/run-dist.js';
import { cpuMsOf } from './measure.js';

const CLI_INDEX = resolve(import.meta.dirname, '..', '..', 'dist', 'cli', 'index.js');

export interface RelayFigures {
  count: number;
  /** Sequential deliveries: send → dispatch received, and send → relay's answer (ms). */
  toDispatch: { p50: number; p99: number; max: number };
  toAnswer: { p50: number; p99: number };
  /** `inFlight` deliveries at once. */
  inFlight: number;
  perSecond: number;
  /** Deliveries per second of the relay process's own CPU time. */
  perCpuSecond: number;
  pinned: boolean;
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

async function signed(count: number, tag: string): Promise<Array<{ id: string; body: string; signature: string }>> {
  const out = [];
  for (let i = 0; i < count; i++) {
    const id = `${tag}${i}`;
    const body = deliveryBody({ id });
    out.push({ id, body, signature: await signBody(RELAY_SECRET, body) });
  }
  return out;
}

const post = (url: string, d: { body: string; signature: string }) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-apple-signature': d.signature }, body: d.body });

export async function measureRelay(count = 1000, inFlight = 32): Promise<RelayFigures> {
  const gh = await startFakeGitHub();
  const pinned = existsSync('/usr/bin/taskset');
  const command = pinned
    ? ['/usr/bin/taskset', ['-c', '0', NODE24, CLI_INDEX, 'relay', '--port', '0']]
    : [NODE24, [CLI_INDEX, 'relay', '--port', '0']];
  const child: ChildProcess = spawn(command[0] as string, command[1] as string[], {
    env: { PATH: process.env.PATH ?? '', ...relayEnv(gh) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let text = '';
      child.stdout!.on('data', (d: Buffer) => {
        text += d.toString();
        const m = /Relay listening on (\S+)/.exec(text);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`the relay exited (${code})`)));
    });
    for (const d of await signed(100, 'warm')) await (await post(url, d)).arrayBuffer();

    const sequential = await signed(count, 'seq');
    const sent = new Map<string, { at: number; answeredMs: number }>();
    for (const d of sequential) {
      const at = performance.timeOrigin + performance.now();
      const response = await post(url, d);
      await response.arrayBuffer();
      if (response.status !== 204) throw new Error(`the relay answered ${response.status}`);
      sent.set(d.id, { at, answeredMs: performance.timeOrigin + performance.now() - at });
    }
    const toDispatch: number[] = [];
    for (const dispatch of gh.dispatches.list) {
      const s = sent.get(String(dispatch.clientPayload.resource_id));
      if (s) toDispatch.push(dispatch.at - s.at);
    }
    if (toDispatch.length !== count) throw new Error(`${toDispatch.length} dispatches for ${count} deliveries`);
    const answers = [...sent.values()].map((s) => s.answeredMs);

    const burst = await signed(count, 'par');
    const cpu0 = cpuMsOf(child.pid!);
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < burst.length) {
          const response = await post(url, burst[next++]!);
          await response.arrayBuffer();
          if (response.status !== 204) throw new Error(`the relay answered ${response.status}`);
        }
      }),
    );
    const wallMs = performance.now() - t0;
    const cpuMs = cpuMsOf(child.pid!) - cpu0;
    return {
      count,
      toDispatch: { p50: percentile(toDispatch, 50), p99: percentile(toDispatch, 99), max: Math.max(...toDispatch) },
      toAnswer: { p50: percentile(answers, 50), p99: percentile(answers, 99) },
      inFlight,
      perSecond: count / (wallMs / 1000),
      perCpuSecond: count / (cpuMs / 1000),
      pinned,
    };
  } finally {
    child.kill('SIGTERM');
    await gh.close();
  }
}
