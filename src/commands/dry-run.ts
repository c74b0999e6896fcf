/**
 * `dry-run: true`: every check of the preflight and each step's reads, then the plan — per package, the
 * steps that would run with what they would write, and what is already done — in the log and the job
 * summary. Nothing is written anywhere: the clients of a dry run refuse every write (DryRunWriteError),
 * so a path that should have been skipped fails loudly instead of acting. Ends with an error naming
 * every problem found, or returns (exit 0) when a real run is ready.
 */
import type { AppStoreConnect } from '../asc/client.js';
import type { App, Build } from '../asc/types.js';
import type { Config } from '../config.js';
import type { Platform } from '../domain.js';
import type { PlanRequest } from '../postprocess/state.js';
import type { Runtime } from '../runtime.js';
import { escapeCell } from '../summary.js';
import { mb, oneLine } from '../words.js';
import type { CommandDeps } from './context.js';
import { previewSteps, type PlannedStep } from './dry-run-steps.js';
import type { PublishPlan } from './preflight.js';
import { Problems } from './problems.js';
import { needsResumeWorkflow, readResumeSchedule } from './schedule.js';

/** One package (or version) of the plan. */
export interface PlannedPackage {
  heading: string;
  steps: PlannedStep[];
}

const ICONS: Record<PlannedStep['status'], string> = { 'would run': '📝 would run', done: '✅ done', skipped: '⏭️ skipped' };

/** A dry-run publish: the preflight's plan, each package's steps, the deferred needs; no upload. */
export async function dryRunPublish(plan: PublishPlan, config: Config, runtime: Runtime, deps: CommandDeps): Promise<void> {
  const problems = new Problems();
  for (const p of plan.problems) problems.add(p);
  const packages: PlannedPackage[] = [];
  for (const { pkg, app, request } of plan.targets) {
    const upload: PlannedStep = {
      title: `Upload (${config.uploadMethod})`,
      status: 'would run',
      detail: `${pkg.fileName}, ${mb(pkg.size)} MB: ${config.uploadMethod === 'api' ? 'create a build upload, reserve the file, send its parts, commit' : 'xcrun altool --upload-package'}`,
    };
    const steps =
      config.postProcessing === 'off'
        ? [{ title: 'Post-processing', status: 'skipped' as const, detail: '`post-processing: off`' }]
        : await previewSteps({
            asc: plan.asc,
            app,
            version: pkg.version,
            platform: pkg.platform,
            request,
            buildUpload: config.uploadMethod === 'api',
          });
    packages.push({ heading: heading(app, pkg.version, pkg.buildNumber, pkg.platform), steps: [upload, ...steps] });
  }
  await finishDryRun('publish', packages, await realRunNeeds(config, runtime, deps, problems), problems, runtime);
}

/** A dry-run distribute: the build found and checked, each step's reads; nothing written. */
export async function dryRunDistribute(
  input: { asc: AppStoreConnect; app: App; build: Build; platform: Platform; version: string; request: PlanRequest },
  config: Config,
  runtime: Runtime,
  deps: CommandDeps,
): Promise<void> {
  const problems = new Problems();
  const steps = await previewSteps({ ...input, buildUpload: false });
  const buildNumber = input.build.attributes?.version ?? config.buildNumber ?? '';
  const packages = [{ heading: heading(input.app, input.version, buildNumber, input.platform), steps }];
  await finishDryRun('distribute', packages, await realRunNeeds(config, runtime, deps, problems), problems, runtime);
}

/** A dry-run release: what `command: release` would do to the version. */
export async function dryRunRelease(app: App, platform: Platform, version: string, step: PlannedStep, runtime: Runtime): Promise<void> {
  const packages = [{ heading: `${appName(app)} ${version} (${platform})`, steps: [step] }];
  await finishDryRun(
    'release',
    packages,
    ['`command: release` needs only the App Store Connect key (no GitHub permission).'],
    new Problems(),
    runtime,
  );
}

/** What a real run needs beyond the key, checked read-only where it can be (the resume workflow exists). */
async function realRunNeeds(config: Config, runtime: Runtime, deps: CommandDeps, problems: Problems): Promise<string[]> {
  const needs: string[] = [];
  if (needsResumeWorkflow(config)) {
    await problems.check(async () => needs.push(await readResumeSchedule(config, runtime, deps)));
    const why =
      config.postProcessing === 'deferred'
        ? '`post-processing: deferred`'
        : '`follow-review` (the review watch is handed to the resume workflow)';
    needs.push(
      `${why} needs \`permissions: actions: write\` in the publishing job (to enable the resume workflow and save the state artifact), not checked by a dry run, which writes nothing.`,
    );
  }
  if (config.statusCheck && config.command !== 'release')
    needs.push('`status-check: true` reports on the commit with `checks: write`; without it, a notice and nothing else.');
  return needs;
}

function heading(app: App, version: string, buildNumber: string, platform: Platform): string {
  return `${appName(app)} ${version} (${buildNumber}) for ${platform}`;
}

function appName(app: App): string {
  return app.attributes?.name ?? app.attributes?.bundleId ?? app.id;
}

/** Log, job summary, then the run's result: ready (returns), or an error naming every problem. */
async function finishDryRun(
  command: string,
  packages: PlannedPackage[],
  needs: string[],
  problems: Problems,
  runtime: Runtime,
): Promise<void> {
  const { log } = runtime;
  const ready = problems.list.length === 0;
  log.info(`Dry run of ${command}: nothing was uploaded or written.`);
  for (const p of packages) {
    log.info(oneLine(p.heading, 200));
    for (const s of p.steps) log.info(`  ${s.title}: ${s.status} — ${oneLine(s.detail, 300)}`);
  }
  for (const n of needs) log.info(n);
  const lines = [`## App Store Connect Publish — ${command} (dry run)`, ''];
  lines.push(
    ready
      ? '✅ Ready: a real run would do what follows.'
      : `❌ Not ready: ${problems.list.length} problem${problems.list.length === 1 ? '' : 's'} (below).`,
    '',
  );
  lines.push('Nothing was uploaded or written (App Store Connect, GitHub).', '');
  for (const p of packages) {
    lines.push(`### ${escapeCell(p.heading)}`, '', '| Step | Plan | Detail |', '| --- | --- | --- |');
    for (const s of p.steps) lines.push(`| ${escapeCell(s.title)} | ${ICONS[s.status]} | ${escapeCell(s.detail)} |`);
    lines.push('');
  }
  if (needs.length) lines.push('### What a real run needs', '', ...needs.map((n) => `- ${escapeCell(n)}`), '');
  if (!ready) lines.push('### Problems', '', ...problems.list.map((p, i) => `${i + 1}. ${escapeCell(oneLine(p.message, 2000))}`), '');
  runtime.setOutput('post-processing', 'skipped');
  await runtime.appendSummary(lines.join('\n'));
  problems.throwIfAny();
}
