/**
 * Uploads over emulated internet links (test-support/link.ts, in the fake's part host): `auto`
 * against a fixed 4, each against the fastest the link allows.
 */
import { EmulatedLink, type LinkSpec } from '../../test-support/link.js';
import type { Fakes } from './fakes.js';
import { MiB, runAction, type ActionRun } from './measure.js';

export const LINKS: Array<{ label: string; spec: LinkSpec }> = [
  { label: '40 ms, 100 Mbit/s per connection, 1 Gbit/s in all', spec: { rttMs: 40, perConnectionBps: 100e6, totalBps: 1e9 } },
  { label: '40 ms, 50 Mbit/s per connection, 800 Mbit/s in all', spec: { rttMs: 40, perConnectionBps: 50e6, totalBps: 800e6 } },
];

export interface LinkRun {
  link: string;
  setting: string;
  bytes: number;
  parts: number;
  ms: number;
  /** The ideal for this setting: `auto` against the whole link, a number against what that many connections carry. */
  idealMs: number;
  /** The log line that says where `auto` settled. */
  settled: string;
  peakRssMb: number;
}

/** From the request that creates the build upload to the commit, as the fake logged them. */
export function uploadWindowMs(run: ActionRun): number {
  const create = run.requests.find((r) => r.method === 'POST' && r.path === '/v1/buildUploads');
  const commit = run.requests.find((r) => r.method === 'PATCH' && r.path.startsWith('/v1/buildUploadFiles/'));
  if (!create || !commit) throw new Error(`the run sent no upload:\n${run.stdout}`);
  return commit.at - create.at;
}

/** From the request that creates the build upload to the first part's arrival: the API requests before any byte of the package. */
export function apiBeforePartsMs(run: ActionRun): number {
  const create = run.requests.find((r) => r.method === 'POST' && r.path === '/v1/buildUploads');
  const firstPart = run.requests.find((r) => r.path.startsWith('/upload/'));
  if (!create || !firstPart) throw new Error(`the run sent no upload:\n${run.stdout}`);
  return firstPart.at - create.at;
}

/** The commit's arrival after the last part's answer: the gap the upload leaves at its end. */
export function commitGapMs(run: ActionRun): number {
  const commit = run.requests.find((r) => r.method === 'PATCH' && r.path.startsWith('/v1/buildUploadFiles/'))!;
  const lastPart = Math.max(...run.requests.filter((r) => r.path.startsWith('/upload/')).map((r) => r.at));
  return commit.at - lastPart;
}

export function settledLine(stdout: string): string {
  return /\d+ parts in flight[^\n]*/.exec(stdout)?.[0]?.trim() ?? '';
}

export async function measureLinks(
  fakes: Fakes,
  runs: Array<{ setting: 'auto' | number; path: string; bytes: number }>,
  partSize: number,
  next: () => string,
  options: { cwd: string; entry: string; say: (line: string) => void },
): Promise<LinkRun[]> {
  const out: LinkRun[] = [];
  await fakes.call({ op: 'partSize', bytes: partSize });
  try {
    for (const { label, spec } of LINKS) {
      await fakes.call({ op: 'link', spec });
      const link = new EmulatedLink(spec);
      // The count that fills the link: more connections cannot beat the total rate.
      const fill = Math.min(16, Math.ceil(spec.totalBps / spec.perConnectionBps));
      for (const run of runs) {
        options.say(`Link ${label}: ${run.setting}, ${(run.bytes / MiB).toFixed(0)} MiB…`);
        const parts = Math.ceil(run.bytes / partSize);
        const result = await runAction(
          fakes,
          {
            path: run.path.split('/').pop()!,
            'post-processing': 'off',
            'build-number': next(),
            'upload-concurrency': String(run.setting),
          },
          { cwd: options.cwd, entry: options.entry },
        );
        out.push({
          link: label,
          setting: String(run.setting),
          bytes: run.bytes,
          parts,
          ms: uploadWindowMs(result),
          idealMs: link.idealMs(run.bytes, parts, run.setting === 'auto' ? fill : run.setting),
          settled: run.setting === 'auto' ? settledLine(result.stdout) : '',
          peakRssMb: result.peakRssMb,
        });
      }
    }
  } finally {
    await fakes.call({ op: 'link', spec: null });
  }
  return out;
}
