/**
 * `npm run bench`: upload throughput against curl on loopback, uploads over emulated internet links
 * (`auto` against a fixed 4 and the link's ideal), peak memory, cold start and bundle size, requests
 * while waiting for Apple, and a resume over 50 pending builds. The action runs as shipped
 * (dist/index.js under Node 24, as GitHub's runner starts it); the fake App Store Connect and the fake
 * GitHub run in a process of their own. See docs/benchmarks.md for the method and the figures.
 *
 *   npm run bench                  everything (about ten minutes on 2 cores)
 *   npm run bench -- --quick       smaller packages, one repetition, 10 builds to resume
 *   npm run bench -- --reps 7      more repetitions of each loopback upload (default 5)
 *   npm run bench -- --dist DIR    another build of the action (DIR/index.js), to compare with
 *   npm run bench -- --only relay  the webhook relay alone: delivery → dispatch over 1,000 signed
 *                                  deliveries, deliveries per second on one core, resume runs per build
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DIST_INDEX, NODE24 } from '../test-support/run-dist.js';
import { Fakes } from './bench/fakes.js';
import { apiBeforePartsMs, commitGapMs, measureLinks, settledLine, uploadWindowMs } from './bench/links.js';
import { cpuMsOf, MiB, median, runAction, runCurl, runSender, type ActionRun } from './bench/measure.js';
import { BUNDLE_ID, makeRandomIpa, makeSparseIpa } from './bench/packages.js';
import { measureRelay } from './bench/relay.js';
import { measureResume } from './bench/resume.js';
import { webhookRunsTable } from './costs.js';
import { measureWaiting } from './bench/waiting.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const reps = Number(args[args.indexOf('--reps') + 1]) || (quick ? 1 : 5);
/** The fake's default part size; Apple's is not documented. */
const PART = 8 * MiB;
/** Loopback: large enough that the run is not all start-up, small enough for 5 repetitions on 2 shared cores. */
const LOOPBACK_BYTES = (quick ? 256 : 512) * MiB;
/** Links: `auto` needs a few seconds to find the count, so it is also shown on a game-sized package (2000 MiB: the sparse writer needs zip64 from 2 GiB). */
const LINK_BYTES = quick ? [512 * MiB] : [512 * MiB, 2000 * MiB];
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

/** The relay's section of docs/benchmarks.md. */
async function relaySection(): Promise<string[]> {
  say('Webhook relay: 1,000 signed deliveries one by one, then 1,000 with 32 in flight…');
  const load = loadavg()[0]!;
  const r = await measureRelay(1000, 32);
  return [
    '### Webhook relay (`relay` of dist/cli/index.js under Node 24, one core, loopback fake GitHub)',
    '',
    table(
      ['measure', 'p50', 'p99', 'worst'],
      [
        [
          `delivery sent → dispatch received by GitHub (${r.count} in sequence)`,
          `${fmt(r.toDispatch.p50, 2)} ms`,
          `${fmt(r.toDispatch.p99, 2)} ms`,
          `${fmt(r.toDispatch.max, 2)} ms`,
        ],
        [
          'delivery sent → relay answers Apple (after GitHub took the dispatch)',
          `${fmt(r.toAnswer.p50, 2)} ms`,
          `${fmt(r.toAnswer.p99, 2)} ms`,
          '',
        ],
      ],
    ),
    '',
    `${r.count} deliveries with ${r.inFlight} in flight: ${fmt(r.perSecond)} deliveries per second${r.pinned ? ' (relay pinned to one core with taskset)' : ''}; ${fmt(r.perCpuSecond)} per second of the relay's own CPU time. Client and fake GitHub share the bench process; load average ${fmt(load, 2)} at the start.`,
    '',
    'Billed resume runs per published build (scripts/costs.ts, `webhookRunsTable`):',
    '',
    webhookRunsTable(),
    '',
  ];
}

async function main(): Promise<void> {
  if (args.includes('--only') && args[args.indexOf('--only') + 1] === 'relay') {
    process.stdout.write(`\n${(await relaySection()).join('\n')}\n`);
    return;
  }
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
  const loopbackPath = join(dir, 'Bench-loopback.ipa');
  const loopback = { path: loopbackPath, size: makeRandomIpa(loopbackPath, LOOPBACK_BYTES) };
  // Over the links the content does not matter: zeros written as holes cost no disk and no reading.
  const linkFiles = LINK_BYTES.map((bytes) => {
    const path = join(dir, `Bench-link-${bytes / MiB}m.ipa`);
    return { path, bytes: makeSparseIpa(path, bytes) };
  });
  const sparsePath = join(dir, 'Bench-4g.ipa');
  const sparse = quick ? undefined : { path: sparsePath, size: makeSparseIpa(sparsePath, 4.4e9) };

  fakes = await Fakes.start(PART);
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

  // 2. Loopback: the action (auto and a fixed 4) against curl sending the same file to the same server.
  const sink = `${fakes.started.ascUrl}/sink`;
  const upload = (path: string, concurrency: string, extra: Record<string, string> = {}) =>
    runAction(
      fakes!,
      {
        path: path.split('/').pop()!,
        'post-processing': 'off',
        'build-number': String(build++),
        'upload-concurrency': concurrency,
        ...extra,
      },
      { cwd: dir, entry },
    );
  const curlMs: number[] = [];
  const autoRuns: ActionRun[] = [];
  const fourRuns: ActionRun[] = [];
  // The same uploads with the fake's contract checks off: the fake's own cost (ajv over Apple's
  // schema, on every API request and answer) is not the action's.
  const autoUncheckedRuns: ActionRun[] = [];
  const fourUncheckedRuns: ActionRun[] = [];
  // Where the time goes: the senders alone (no API requests, no start-up), each with its own CPU and
  // the fake server's CPU over the same time.
  const senders = {
    curl: { label: 'curl -T, 1 connection', runs: [] as Sent[] },
    raw1: { label: 'a minimal Node sender (scripts/bench/raw-sender.ts), 1 connection', runs: [] as Sent[] },
    raw4: { label: 'the same minimal Node sender, 4 connections', runs: [] as Sent[] },
    ours4: { label: "the action's sender (src/upload/parts.ts), 4 connections", runs: [] as Sent[] },
  };
  const timed = async (send: () => Promise<{ ms: number; cpuMs: number }>): Promise<Sent> => {
    const server = cpuMsOf(fakes!.pid);
    const { ms, cpuMs } = await send();
    return { ms, cpuMs, serverCpuMs: cpuMsOf(fakes!.pid) - server };
  };
  await fakes.call({ op: 'partSize', bytes: PART });
  for (let rep = 0; rep < reps; rep++) {
    say(`Loopback ${LOOPBACK_BYTES / MiB} MiB, repetition ${rep + 1} of ${reps}…`);
    const curl = await timed(async () => {
      const { seconds, cpuMs } = await runCurl(sink, loopback.path);
      return { ms: seconds * 1000, cpuMs };
    });
    senders.curl.runs.push(curl);
    curlMs.push(curl.ms);
    autoRuns.push(await upload(loopback.path, 'auto'));
    fourRuns.push(await upload(loopback.path, '4'));
    await fakes.call({ op: 'contractChecks', on: false });
    autoUncheckedRuns.push(await upload(loopback.path, 'auto'));
    fourUncheckedRuns.push(await upload(loopback.path, '4'));
    await fakes.call({ op: 'contractChecks', on: true });
    senders.raw1.runs.push(await timed(() => runSender('raw', sink, loopback.path, loopback.size, PART, 1)));
    senders.raw4.runs.push(await timed(() => runSender('raw', sink, loopback.path, loopback.size, PART, 4)));
    senders.ours4.runs.push(await timed(() => runSender('ours', sink, loopback.path, loopback.size, PART, 4)));
  }
  const autoMs = autoRuns.map(uploadWindowMs);
  const fourMs = fourRuns.map(uploadWindowMs);
  const autoUncheckedMs = autoUncheckedRuns.map(uploadWindowMs);
  const fourUncheckedMs = fourUncheckedRuns.map(uploadWindowMs);
  const beforeParts = (runs: ActionRun[]) => `${fmt(median(runs.map(apiBeforePartsMs)))} ms`;
  const row = (client: string, ms: number[], before: string, note = '') => [
    client,
    `${fmt(median(ms) / 1000, 2)} s (${fmt(Math.min(...ms) / 1000, 2)})`,
    fmt(mbps(loopback.size, median(ms))),
    `${fmt(median(ms) / median(curlMs), 2)}×`,
    `${fmt(median(ms.map((v, i) => v / curlMs[i]!)), 2)}×`,
    before,
    note,
  ];
  const settledAt = autoRuns.map((r) => settledLine(r.stdout).split(' ')[0] || '?');
  out.push(
    `### Loopback: ${LOOPBACK_BYTES / MiB} MiB in ${Math.ceil(loopback.size / PART)} parts of ${PART / MiB} MiB (${reps} repetition${reps === 1 ? '' : 's'}, alternating)`,
    '',
    'Time: median (best). Ours: from the request creating the build upload to the commit, as the fake logged them.',
    '',
    table(
      ['client', 'time', 'MB/s (median)', '× curl (medians)', '× curl (per repetition, median)', 'before the first part', ''],
      [
        row('curl -T, one stream', curlMs, '', ''),
        row('**dist/index.js**, `upload-concurrency: auto`', autoMs, beforeParts(autoRuns), `settled at ${settledAt.join(', ')}`),
        row('**dist/index.js**, `upload-concurrency: 4`', fourMs, beforeParts(fourRuns)),
        row(
          '**dist/index.js**, `auto`, fake without contract checks',
          autoUncheckedMs,
          beforeParts(autoUncheckedRuns),
          `settled at ${autoUncheckedRuns.map((r) => settledLine(r.stdout).split(' ')[0] || '?').join(', ')}`,
        ),
        row('**dist/index.js**, `4`, fake without contract checks', fourUncheckedMs, beforeParts(fourUncheckedRuns)),
      ],
    ),
    '',
    `auto / fixed 4 (medians): ${fmt(median(autoMs) / median(fourMs), 3)}×; without contract checks ${fmt(median(autoUncheckedMs) / median(fourUncheckedMs), 3)}×. Before the first part: the two API requests (create the build upload, reserve the file), from the first's arrival to the first part's, as the fake logged them. Commit after the last part's request: auto ${fmt(median(autoRuns.map(commitGapMs)))} ms, fixed 4 ${fmt(median(fourRuns.map(commitGapMs)))} ms (medians).`,
    '',
    'Where the time goes: each sender alone on the same file and server, each in its own process (Node 24 for ours), without API requests. The fake server runs in one Node process: its CPU over the transfer shows whether it, not the sender, set the pace.',
    '',
    table(
      ['sender', 'time', '× curl (medians)', "sender's CPU", "the fake server's CPU", 'server CPU ÷ time'],
      Object.values(senders).map(({ label, runs }) => [
        label,
        `${fmt(median(runs.map((r) => r.ms)) / 1000, 2)} s (${fmt(Math.min(...runs.map((r) => r.ms)) / 1000, 2)})`,
        `${fmt(median(runs.map((r) => r.ms)) / median(curlMs), 2)}×`,
        `${fmt(median(runs.map((r) => r.cpuMs)))} ms`,
        `${fmt(median(runs.map((r) => r.serverCpuMs)))} ms`,
        `${fmt(median(runs.map((r) => (100 * r.serverCpuMs) / r.ms)))} %`,
      ]),
    ),
    '',
  );

  // 3. Memory: 16 parts of 16 MiB in flight, and a 4.1 GiB package with auto.
  say('Memory…');
  await fakes.call({ op: 'partSize', bytes: 16 * MiB });
  const memoryRows: Array<Array<string | number>> = [];
  const sixteen = [await upload(loopback.path, '16'), ...(quick ? [] : [await upload(loopback.path, '16')])];
  memoryRows.push([`${LOOPBACK_BYTES / MiB} MiB`, '16 MiB', '16', ...memory(sixteen)]);
  if (sparse) {
    await fakes.call({ op: 'partSize', bytes: PART });
    const big = [await upload(sparse.path, 'auto')];
    memoryRows.push(['4.1 GiB zip64 (sparse)', '8 MiB', 'auto', ...memory(big)]);
  }
  await fakes.call({ op: 'partSize', bytes: PART });
  out.push(
    '### Memory of the action during uploads (median, worst in brackets)',
    '',
    table(['package', 'parts', 'in flight', 'peak RSS (VmHWM), MB', 'peak private (RssAnon), MB', 'whole run'], memoryRows),
    '',
  );

  // 4. Emulated internet links.
  const linkRuns = await measureLinks(
    fakes,
    [
      ...linkFiles.map((f) => ({ setting: 'auto' as const, path: f.path, bytes: f.bytes })),
      { setting: 4, path: linkFiles[0]!.path, bytes: linkFiles[0]!.bytes },
    ],
    PART,
    () => String(build++),
    { cwd: dir, entry, say },
  );
  out.push(
    `### Emulated links (${PART / MiB} MiB parts; the shaper in the fake's part host, test-support/link.ts)`,
    '',
    'Ideal: size ÷ the rate the setting can reach (the total rate for auto; 4 × the per-connection rate for 4, when lower) + one RTT per round of parts.',
    '',
    table(
      ['link', 'upload-concurrency', 'package', 'time', 'ideal', '× ideal', 'MB/s', 'where auto settled'],
      linkRuns.map((r) => [
        r.link,
        r.setting,
        `${fmt(r.bytes / MiB)} MiB`,
        `${fmt(r.ms / 1000, 1)} s`,
        `${fmt(r.idealMs / 1000, 1)} s`,
        `**${fmt(r.ms / r.idealMs, 2)}×**`,
        fmt(mbps(r.bytes, r.ms)),
        r.settled,
      ]),
    ),
    '',
  );

  // 5. Requests while waiting for Apple (simulated clock).
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

  // 6. Resume over 50 pending builds.
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
  out.push(...(await relaySection()));
  out.push(
    `Machine: ${machine.cores} cores (${machine.cpu}), action on Node ${machine.action} (bundled dist/index.js), fakes and curl-side on Node ${machine.bench}, curl ${machine.curl}; load average ${fmt(machine.load, 2)} at the start, ${fmt(loadavg()[0]!, 2)} at the end; ${fmt((performance.now() - started) / 1000)} s in all.`,
  );
  process.stdout.write(`\n${out.join('\n')}\n`);
}

interface Sent {
  ms: number;
  cpuMs: number;
  serverCpuMs: number;
}

function memory(runs: ActionRun[]): string[] {
  const worst = (values: number[]) => `${fmt(median(values))} (${fmt(Math.max(...values))})`;
  return [
    worst(runs.map((r) => r.peakRssMb)),
    worst(runs.map((r) => r.peakAnonMb)),
    `${fmt(median(runs.map((r) => r.wallMs)) / 1000, 1)} s`,
  ];
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
