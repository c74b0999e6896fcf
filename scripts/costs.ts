/**
 * Billed GitHub Actions minutes per published build in each post-processing mode: the tables of
 * docs/costs.md. `npx tsx scripts/costs.ts` prints them; __tests__/deferred/costs.test.ts checks that the
 * document shows exactly these figures and that the resume schedule, run against the fake GitHub, makes
 * the number of runs used here.
 */
import { pathToFileURL } from 'node:url';

export interface CostAssumptions {
  /** Minutes from Apple accepting the file until every post-processing step can be done. */
  processingMinutes: number;
  /** Minutes between runs of the resume schedule (the example's cron: every 10 minutes). */
  cronMinutes: number;
  /** Minutes to upload the package (the `api` upload of a ~200 MB .ipa). */
  uploadMinutes: number;
  /** Minutes a separate publishing job spends before the upload (checkout, artifact download). */
  setupMinutes: number;
}

export const ASSUMED: CostAssumptions = { processingMinutes: 20, cronMinutes: 10, uploadMinutes: 1, setupMinutes: 0.5 };
/** GitHub bills a macOS minute as 10 Linux minutes against a plan's included minutes. */
export const MACOS_MULTIPLIER = 10;
const DAYS_PER_MONTH = 30;

/**
 * Resume runs one build costs, at most: every scheduled run while Apple processes finds it pending, and
 * the first run after finishes it and, with nothing left, disables the schedule. On average P/C + 1.
 */
export function resumeRunsPerBuild(processingMinutes: number, cronMinutes: number): number {
  return Math.ceil(processingMinutes / cronMinutes) + 1;
}

export interface PerBuild {
  resumeRuns: number;
  /** Minutes the publish step adds to the macOS build job when it waits inline (×10). */
  inlineMacos: number;
  /** A separate Linux publishing job that waits inline. */
  inlineLinux: number;
  /** A separate Linux publishing job that defers, plus the resume runs (each billed a whole minute). */
  deferredLinux: number;
  /** The publish step in the macOS build job, deferred, plus the resume runs. */
  deferredMacos: number;
}

/** GitHub rounds every job up to a whole minute; a resume run takes well under one. */
export function billedPerBuild(a: CostAssumptions): PerBuild {
  const resumeRuns = resumeRunsPerBuild(a.processingMinutes, a.cronMinutes);
  return {
    resumeRuns,
    inlineMacos: Math.ceil(a.uploadMinutes + a.processingMinutes) * MACOS_MULTIPLIER,
    inlineLinux: Math.ceil(a.setupMinutes + a.uploadMinutes + a.processingMinutes),
    deferredLinux: Math.ceil(a.setupMinutes + a.uploadMinutes) + resumeRuns,
    deferredMacos: Math.ceil(a.uploadMinutes) * MACOS_MULTIPLIER + resumeRuns,
  };
}

/**
 * Resume runs one build costs with the webhook relay, at most: one per state change Apple notifies (a
 * burst coalesces in the workflow's concurrency group, so this is an upper bound), plus the runs of the
 * safety-net schedule (hourly) while the build is pending.
 */
export function resumeRunsWithWebhooks(pendingMinutes: number, notices: number, safetyCronMinutes = 60): number {
  return notices + Math.ceil(pendingMinutes / safetyCronMinutes);
}

/**
 * What Apple notifies while one build is post-processed: the upload processed, the build's external
 * state leaving PROCESSING, and the change the run's own write makes (export compliance); a review adds
 * the version entering review and Apple's decision.
 */
export const NOTICES = { processing: 3, review: 2 } as const;

export interface WebhookScenario {
  label: string;
  pendingMinutes: number;
  notices: number;
}

/** The scenarios of docs/benchmarks.md: 20 minutes of processing; the same, then a 2-day App Store review. */
export const WEBHOOK_SCENARIOS: WebhookScenario[] = [
  { label: 'processing 20 min', pendingMinutes: 20, notices: NOTICES.processing },
  { label: 'processing 20 min, then a 2-day review', pendingMinutes: 20 + 2 * 24 * 60, notices: NOTICES.processing + NOTICES.review },
];

/** Billed resume runs per published build, each a whole minute: the schedule alone, and with the relay. */
export function webhookRunsTable(a: CostAssumptions = ASSUMED): string {
  const rows = WEBHOOK_SCENARIOS.map((s) => {
    const without = resumeRunsPerBuild(s.pendingMinutes, a.cronMinutes);
    const withRelay = resumeRunsWithWebhooks(s.pendingMinutes, s.notices);
    return `| ${s.label} | ${without} | ${withRelay} (${s.notices} notices + ${withRelay - s.notices} hourly) | up to ${a.cronMinutes} min + GitHub's schedule delay | seconds |`;
  });
  return [
    `| build | schedule every ${a.cronMinutes} min: runs | relay + hourly schedule: runs | Apple's change noticed, schedule | with the relay |`,
    '| --- | --: | --: | --- | --- |',
    ...rows,
  ].join('\n');
}

/** Billed minutes a month of a schedule that runs whether or not anything is pending. */
export function alwaysOnMinutesPerMonth(cronMinutes: number): number {
  return (DAYS_PER_MONTH * 24 * 60) / cronMinutes;
}

const number = (n: number): string => n.toLocaleString('en-US');

export function costTables(a: CostAssumptions = ASSUMED, buildsPerMonth = 60): string {
  const b = billedPerBuild(a);
  const alwaysOn = alwaysOnMinutesPerMonth(a.cronMinutes);
  const rows: [string, string, number, number][] = [
    ['inline, publish step in the macOS build job', `${a.uploadMinutes + a.processingMinutes} min × ${MACOS_MULTIPLIER}`, b.inlineMacos, 0],
    ['inline, separate Linux job', `${a.setupMinutes + a.uploadMinutes + a.processingMinutes} min, rounded up`, b.inlineLinux, 0],
    [
      'deferred, separate Linux job',
      `${a.setupMinutes + a.uploadMinutes} min, rounded up, + ${b.resumeRuns} resume runs × 1 min`,
      b.deferredLinux,
      0,
    ],
    [
      'deferred, publish step in the macOS build job',
      `${a.uploadMinutes} min × ${MACOS_MULTIPLIER} + ${b.resumeRuns} resume runs × 1 min`,
      b.deferredMacos,
      0,
    ],
  ];
  const perBuild = [
    `| mode | computation | billed minutes per build | ${number(buildsPerMonth)} builds a month | idle month |`,
    '| --- | --- | --: | --: | --: |',
    ...rows.map(
      ([mode, how, minutes, idle]) => `| ${mode} | ${how} | ${number(minutes)} | ${number(minutes * buildsPerMonth)} | ${idle} |`,
    ),
    `| deferred with the schedule always on (\`disable-when-idle: false\`) | ${number(alwaysOn)} runs a month × 1 min + ${Math.ceil(a.setupMinutes + a.uploadMinutes)} min per build | — | ${number(alwaysOn + Math.ceil(a.setupMinutes + a.uploadMinutes) * buildsPerMonth)} | ${number(alwaysOn)} |`,
  ];
  const sensitivity = [
    '| Apple processing | resume runs per build (at most) | on average | inline, Linux job | inline, macOS job | deferred, Linux job |',
    '| --: | --: | --: | --: | --: | --: |',
    ...[15, 20, 30].map((processingMinutes) => {
      const c = billedPerBuild({ ...a, processingMinutes });
      const mean = processingMinutes / a.cronMinutes + 1;
      return `| ${processingMinutes} min | ${c.resumeRuns} | ${mean} | ${c.inlineLinux} | ${c.inlineMacos} | ${c.deferredLinux} |`;
    }),
  ];
  return `${perBuild.join('\n')}\n\n${sensitivity.join('\n')}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.stdout.write(costTables());
