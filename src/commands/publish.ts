import type { Config } from '../config.js';
import { newState } from '../postprocess/new-state.js';
import type { Runtime } from '../runtime.js';
import { formatDuration, mb } from '../words.js';
import type { UploadResult } from '../upload/index.js';
import { origin, type CommandDeps } from './context.js';
import { dryRunPublish } from './dry-run.js';
import { distributeHint, nextStepAfterUpload } from './next-step.js';
import { postProcess } from './post-process.js';
import { preflightPublish, type PublishPlan } from './preflight.js';
import { finishPostProcessing, type PackageReport } from './report.js';
import { statusReporter } from './status.js';

/** Upload every package the `path` globs match, then post-process each (inline, deferred or off). */
export async function publish(config: Config, runtime: Runtime, deps: CommandDeps): Promise<void> {
  const plan = await preflightPublish(config, runtime, deps);
  if (config.dryRun) return dryRunPublish(plan, config, runtime, deps);
  await executePublish(plan, config, runtime, deps);
}

async function executePublish(plan: PublishPlan, config: Config, runtime: Runtime, deps: CommandDeps): Promise<void> {
  const reports: PackageReport[] = [];
  const status = statusReporter(config, runtime, deps);
  for (const { pkg, app, request, publicLink } of plan.targets) {
    try {
      const upload = await plan.upload(pkg, app.id);
      const state = newState({
        app: { id: app.id, bundleId: pkg.bundleId, name: app.attributes?.name },
        build: {
          version: pkg.version,
          buildNumber: pkg.buildNumber,
          platform: pkg.platform,
          fileName: pkg.fileName,
          buildUploadId: upload.buildUploadId,
        },
        uploadedAt: upload.uploadedAt,
        findBuildTimeoutMs: config.findBuildTimeoutMs,
        processingTimeoutMs: config.processingTimeoutMs,
        request,
        skip: upload.buildUploadId ? [] : ['upload-state'],
        origin: origin(),
        testflight: publicLink ? { publicLink } : undefined,
      });
      const before = [
        { title: `Upload (${upload.method})`, status: 'done' as const, detail: uploadDetail(upload), durationMs: upload.durationMs },
      ];
      const processed: PackageReport =
        config.postProcessing === 'off'
          ? { result: { state, changed: true }, outcome: 'skipped' }
          : await postProcess(state, {
              asc: plan.asc,
              config,
              runtime,
              deps,
              status,
              deferred: config.postProcessing === 'deferred' ? { store: plan.store, schedule: plan.schedule! } : undefined,
              inlineStore: plan.store,
              handoff: plan.handoff,
              onSaveFailure: `Apple accepted the upload of ${pkg.fileName}, but its deferred state could not be saved. ${distributeHint(pkg)}`,
              onStepFailure: nextStepAfterUpload,
            });
      reports.push({ ...processed, before, buildUploadId: upload.buildUploadId });
    } catch (error) {
      // Report the packages already published before failing for this one.
      if (reports.length) await finishPostProcessing(reports, runtime, 'publish', { label: pkg.fileName, error: error as Error });
      throw error;
    }
  }
  await finishPostProcessing(reports, runtime, 'publish');
}

function uploadDetail(upload: UploadResult): string {
  // The rate the log gave: over the time spent sending, not creating the upload and committing it.
  const sendingMs = upload.sendingMs ?? upload.durationMs;
  const rate = sendingMs > 0 ? ` at ${mb(upload.bytes / (sendingMs / 1000))} MB/s` : '';
  return `${mb(upload.bytes)} MB${upload.parts ? ` in ${upload.parts} parts` : ''}${rate} (${formatDuration(upload.durationMs)})`;
}
