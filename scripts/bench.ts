/**
 * `npm run bench`: upload throughput against curl, peak memory, cold start and bundle size, requests
 * while waiting for Apple, and a resume over 50 pending builds. The action runs as shipped
 * (dist/index.js under Node 24, as GitHub's runner starts it); the fake App Store Connect and the fake
 * GitHub run in a process of their own. See docs/benchmarks.md for the method and the figures.
 *
 *   npm run bench                  everything (a few minutes on 2 cores)
 *   npm run bench -- --quick       256 MiB only, one repetition, 10 builds to resume
 *   npm run bench -- --reps 5      more repetitions of each upload
 *   npm run bench -- --dist DIR    another build of the action (DIR/index.js), to compare with
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DIST_INDEX, NODE24 } from '../test-support/run-dist.js';
import { Fakes } from './bench/fakes.js';
import { MiB, median, runAction, runCurl, sendPartsOnly, sha256Only, type ActionRun } from './bench/measure.js';
import { BUNDLE_ID, makeRandomIpa, makeSparseIpa } from './bench/packages.js';
import { measureResume } from './bench/resume.js';
import { measureWaiting } from './bench/waiting.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const reps = Number(args[args.indexOf('--reps') + 1]) || (quick ? 1 : 3);
const PART_SIZES = [8 * MiB, 64 * MiB];
const RESUME_BUILDS = quick ? 10 : 50;
const entry = args.includes('--dist') ? join(resolve(args[args.indexOf('--dist') + 1]!), 'index.js') : DIST_INDEX;

const dir = mkdtempSync(join(tmpdir(), 'ascp-bench-'));
let fakes: Fakes | undefined;
const cleanup = () => rmSync(dir, { recursive: true, force: true });
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

const mbps = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);
const fmt = (n: number, digits = 0) => n.toFixed(digits);
const table = (head: string[], rows: Array<Array<string | number>>) =>
  [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const say = (line: string) => process.stderr.write(`${line}\n`);

/** From the request that creates the build upload to the commit: every byte sent and the checksum known. */
function uploadWindowMs(run: ActionRun): number {
  const create = run.requests.find((r) => r.method === 'POST' && r.path === '/v1/buildUploads');
  const commit = run.requests.find((r) => r.method === 'PATCH' && r.path.startsWith('/v1/buildUploadFiles/'));
  if (!create || !commit) throw new Error(`the run sent no upload:\n${run.stdout}`);
  return commit.at - create.at;
}

async function main(): Promise<void> {
  const started = performance.now();
  const machine = {
    cores: cpus().length,
    cpu: cpus()[0]?.model.trim() ?? '?',
    action: execFileSync(NODE24, ['--version'], { encoding: 'utf8' }).trim(),
    bench: process.version,
    curl: execFileSync('curl', ['--version'], { encoding: 'utf8' }).split(' ')[1] ?? '?',
    load: loadavg()[0]!,
  };
  say(`Machine: ${machine.cores} cores (${machine.cpu}); action on Node ${machine.action}; fakes on Node ${machine.bench}.`);

  say('Making the packages…');
  const files = [
    { label: '256 MiB', path: join(dir, 'Bench-256m.ipa'), size: makeRandomIpa(join(dir, 'Bench-256m.ipa'), 256 * MiB) },
    ...(quick
      ? []
      : [
          { label: '1 GiB', path: join(dir, 'Bench-1g.ipa'), size: makeRandomIpa(join(dir, 'Bench-1g.ipa'), 1024 * MiB) },
          { label: '4.1 GiB zip64 (sparse)', path: join(dir, 'Bench-4g.ipa'), size: makeSparseIpa(join(dir, 'Bench-4g.ipa'), 4.4e9) },
        ]),
  ];

  fakes = await Fakes.start(PART_SIZES[0]!);
  const out: string[] = [];
  let build = 100;

  // 1. Cold start and bundle size.
  say('Cold start…');
  const starts: ActionRun[] = [];
  for (let i = 0; i < 5; i++) starts.push(await runAction(fakes, { command: 'latest-build-number', 'bundle-id': BUNDLE_ID }, { entry }));
  const firstRequest = starts.map((r) => r.requests[0]!.at - r.spawnedAt);
  out.push(
    '### Cold start and bundle',
    '',
    table(
      ['measure', 'median', 'best'],
      [
        ['spawn → first request to App Store Connect', `${fmt(median(firstRequest))} ms`, `${fmt(Math.min(...firstRequest))} ms`],
        [
          'whole `latest-build-number` run',
          `${fmt(median(starts.map((r) => r.wallMs)))} ms`,
          `${fmt(Math.min(...starts.map((r) => r.wallMs)))} ms`,
        ],
        [
          'peak RSS of that run',
          `${fmt(median(starts.map((r) => r.peakRssMb)))} MB`,
          `${fmt(Math.min(...starts.map((r) => r.peakRssMb)))} MB`,
        ],
        ['size of dist/index.js', `${fmt(statSync(entry).size / 1e6, 2)} MB`, ''],
      ],
    ),
    '',
  );

  // 2. Upload throughput and memory, against curl sending the same file to the same server.
  const speedRows: Array<Array<string | number>> = [];
  const memoryRows: Array<Array<string | number>> = [];
  const sink = `${fakes.started.ascUrl}/sink`;
  for (const file of files) {
    const curl: number[] = [];
    const sendOnly: number[] = [];
    const hashOnly: number[] = [];
    const ours = new Map<number, ActionRun[]>(PART_SIZES.map((p) => [p, []]));
    for (let rep = 0; rep < reps; rep++) {
      say(`Upload ${file.label}, repetition ${rep + 1} of ${reps}…`);
      curl.push(mbps(file.size, (await runCurl(sink, file.path)).seconds * 1000));
      for (const partSize of PART_SIZES) {
        await fakes.call({ op: 'partSize', bytes: partSize });
        const run = await runAction(
          fakes,
          { path: file.path.split('/').pop()!, 'post-processing': 'off', 'build-number': String(build++) },
          { cwd: dir, entry },
        );
        ours.get(partSize)!.push(run);
      }
      sendOnly.push(mbps(file.size, (await sendPartsOnly(sink, file.path, file.size, PART_SIZES[0]!)) * 1000));
      hashOnly.push(mbps(file.size, (await sha256Only(file.path)) * 1000));
    }
    const rate = (values: number[]) => `${fmt(median(values))} (${fmt(Math.max(...values))})`;
    // Each repetition's rate over curl's in the same repetition: load from elsewhere hits both alike.
    const ratio = (values: number[]) => `${fmt(median(values.map((v, i) => v / curl[i]!)), 2)}×`;
    speedRows.push([file.label, 'curl -T, one stream', rate(curl), '1.00×']);
    for (const partSize of PART_SIZES) {
      const runs = ours.get(partSize)!;
      const rates = runs.map((r) => mbps(file.size, uploadWindowMs(r)));
      speedRows.push([
        file.label,
        `**dist/index.js**, ${partSize / MiB} MiB parts × ${Math.ceil(file.size / partSize)}`,
        rate(rates),
        `**${ratio(rates)}**`,
      ]);
      memoryRows.push([
        file.label,
        `${partSize / MiB} MiB`,
        `${fmt(median(runs.map((r) => r.peakRssMb)))} (${fmt(Math.max(...runs.map((r) => r.peakRssMb)))})`,
        `${fmt(median(runs.map((r) => r.peakAnonMb)))} (${fmt(Math.max(...runs.map((r) => r.peakAnonMb)))})`,
        `${fmt(median(runs.map((r) => r.wallMs)) / 1000, 1)} s`,
      ]);
    }
    speedRows.push([
      file.label,
      `its parts alone, ${PART_SIZES[0]! / MiB} MiB, no checksum (src, in-process)`,
      rate(sendOnly),
      ratio(sendOnly),
    ]);
    speedRows.push([file.label, 'its SHA-256 alone, one core (src, in-process)', rate(hashOnly), ratio(hashOnly)]);
  }
  out.push(
    `### Upload throughput (${reps} repetition${reps === 1 ? '' : 's'}, upload-concurrency 4)`,
    '',
    'Ours: from the request creating the build upload to the commit (every part sent and the checksum known).',
    "MB/s: median (best). vs curl: median over the repetitions of the rate over curl's in the same repetition.",
    '',
    table(['package', 'client', 'MB/s', 'vs curl'], speedRows),
    '',
    '### Memory of the action during those uploads (median, worst in brackets)',
    '',
    table(['package', 'parts', 'peak RSS (VmHWM), MB', 'peak private (RssAnon), MB', 'whole run'], memoryRows),
    '',
  );

  // 3. Requests while waiting for Apple (simulated clock).
  say('Polling while Apple processes (simulated clock)…');
  const waits = [];
  for (const [p, t] of [
    [30, 60],
    [10, 60],
    [30, 110],
  ] as const)
    waits.push(await measureWaiting(p, t));
  out.push(
    '### Requests while waiting (publish, inline; Apple: 2 min upload processing, 3 min until the build appears, then T)',
    '',
    table(
      [
        'poll interval p',
        'processing T',
        'T·60/p',
        'requests while waiting',
        'all requests',
        'busiest minute',
        'busiest hour',
        'tokens signed',
      ],
      waits.map((w) => [
        `${w.pollSeconds} s`,
        `${w.processingMinutes} min`,
        w.polls,
        `${w.whileWaiting} (over ${w.processingMinutes + 5} min)`,
        w.total,
        w.peakPerMinute,
        `${w.peakPerHour} (limit 3,500)`,
        w.tokensSigned,
      ]),
    ),
    '',
  );

  // 4. Resume over 50 pending builds.
  say(`Resume over ${RESUME_BUILDS} pending builds…`);
  const resume = await measureResume(fakes, dir, RESUME_BUILDS, entry);
  out.push(
    `### Resume over ${RESUME_BUILDS} pending builds (states seeded in ${fmt(resume.seedMs / 1000, 1)} s)`,
    '',
    table(
      ['run', 'wall', 'App Store Connect requests', 'GitHub requests (storage)', 'peak RSS', 'outcome', 'artifacts left'],
      resume.runs.map((r) => [
        r.label,
        `${fmt(r.wallMs / 1000, 1)} s`,
        r.ascRequests,
        `${r.githubRequests} (${r.githubStorageRequests})`,
        `${fmt(r.peakRssMb)} MB`,
        r.outcome,
        r.artifactsLeft,
      ]),
    ),
    '',
    ...resume.runs.map(
      (r) =>
        `GitHub requests, ${r.label}: ${Object.entries(r.githubRoutes)
          .map(([route, n]) => `${route} ×${n}`)
          .join(', ')}`,
    ),
    '',
  );

  const violations = await fakes.call<string[]>({ op: 'violations' });
  if (violations.length) out.push(`App Store Connect contract violations: ${violations.length}`, ...violations, '');
  out.push(
    `Machine: ${machine.cores} cores (${machine.cpu}), action on Node ${machine.action} (bundled dist/index.js), fakes and curl-side on Node ${machine.bench}, curl ${machine.curl}; load average ${fmt(machine.load, 2)} at the start, ${fmt(loadavg()[0]!, 2)} at the end; ${fmt((performance.now() - started) / 1000)} s in all.`,
  );
  process.stdout.write(`\n${out.join('\n')}\n`);
}

main()
  .catch((error: unknown) => {
    process.exitCode = 1;
    say(String((error as Error).stack ?? error));
  })
  .finally(async () => {
    await fakes?.stop();
    cleanup();
  });
