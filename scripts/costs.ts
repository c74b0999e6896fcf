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

/** Following review (`follow-review`): how long Apple takes to decide, and what the relay's deliveries are. */
export interface ReviewAssumptions {
  /** Minutes from the submissions to Apple's decision (two days). */
  reviewMinutes: number;
  /** Reviews followed per build (TestFlight beta review and App Review). */
  reviews: number;
  /** State changes Apple sends per review through the webhook relay (in review, then the decision). */
  deliveriesPerReview: number;
  /** Minutes between runs of the safety-net schedule once the relay is in place (hourly). */
  safetyNetCronMinutes: number;
}

export const REVIEW_ASSUMED: ReviewAssumptions = {
  reviewMinutes: 2 * 24 * 60,
  reviews: 2,
  deliveriesPerReview: 2,
  safetyNetCronMinutes: 60,
};

/**
 * Resume runs that watching a review adds to a build, at most: the state stays pending until Apple
 * decides, so every scheduled run in the meantime finds it (the run that finds the decision is the
 * build's last run, counted already).
 */
export function reviewWatchRuns(reviewMinutes: number, cronMinutes: number): number {
  return Math.ceil(reviewMinutes / cronMinutes);
}

export interface ReviewWatch {
  /** The example's cron every 10 minutes over the review. */
  cron: number;
  /** The webhook relay starts a run per delivery; the schedule is off in between. */
  relayOnly: number;
  /** The relay, with an hourly schedule as a safety net for lost deliveries. */
  relayWithSafetyNet: number;
}

/** Billed minutes (one per run) that following the reviews adds to a build. */
export function reviewWatchMinutes(a: CostAssumptions = ASSUMED, r: ReviewAssumptions = REVIEW_ASSUMED): ReviewWatch {
  const deliveries = r.reviews * r.deliveriesPerReview;
  return {
    cron: reviewWatchRuns(r.reviewMinutes, a.cronMinutes),
    relayOnly: deliveries,
    relayWithSafetyNet: resumeRunsWithWebhooks(r.reviewMinutes, deliveries, r.safetyNetCronMinutes),
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

export function costTables(a: CostAssumptions = ASSUMED, buildsPerMonth = 60, releasesPerMonth = 4): string {
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
  const r = REVIEW_ASSUMED;
  const watch = reviewWatchMinutes(a, r);
  const deliveries = `${r.reviews} reviews × ${r.deliveriesPerReview} deliveries`;
  const review = [
    `| following review (\`follow-review\`), ${r.reviewMinutes / 60 / 24}-day review | computation | billed minutes per release, added | ${releasesPerMonth} releases a month |`,
    '| --- | --- | --: | --: |',
    `| cron every ${a.cronMinutes} min | ${number(r.reviewMinutes)} min / ${a.cronMinutes} min, 1 run each | ${number(watch.cron)} | ${number(watch.cron * releasesPerMonth)} |`,
    `| webhook relay, schedule hourly as a safety net | ${number(r.reviewMinutes)} min / ${r.safetyNetCronMinutes} min + ${deliveries} | ${watch.relayWithSafetyNet} | ${number(watch.relayWithSafetyNet * releasesPerMonth)} |`,
    `| webhook relay only | ${deliveries} | ${watch.relayOnly} | ${number(watch.relayOnly * releasesPerMonth)} |`,
  ];
  return `${perBuild.join('\n')}\n\n${sensitivity.join('\n')}\n\n${review.join('\n')}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.stdout.write(costTables());
