import type { Config } from '../config.js';
import { UserError } from '../errors.js';
import type { PackageInfo } from '../package/index.js';
import { advance } from '../postprocess/engine.js';
import { newState } from '../postprocess/new-state.js';
import type { Runtime } from '../runtime.js';
import { formatDuration } from '../words.js';
import type { UploadResult } from '../upload/index.js';
import { engineContext, origin, type CommandDeps } from './context.js';
import { saveDeferred } from './deferred.js';
import { preflightPublish, type PublishPlan } from './preflight.js';
import { finishPostProcessing, type PackageReport } from './report.js';
import { statusReporter } from './status.js';

/** Upload every package the `path` globs match, then post-process each (inline, deferred or off). */
export async function publish(config: Config, runtime: Runtime, deps: CommandDeps): Promise<void> {
  const plan = await preflightPublish(config, runtime, deps);
  await executePublish(plan, config, runtime, deps);
}

async function executePublish(plan: PublishPlan, config: Config, runtime: Runtime, deps: CommandDeps): Promise<void> {
  const reports: PackageReport[] = [];
  const status = statusReporter(config, runtime, deps);
  for (const { pkg, app, request } of plan.targets) {
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
      });
      const before = [
        { title: `Upload (${upload.method})`, status: 'done' as const, detail: uploadDetail(upload), durationMs: upload.durationMs },
      ];
      const report: PackageReport = { result: { state, changed: true }, before, buildUploadId: upload.buildUploadId };
      if (config.postProcessing === 'off') {
        report.outcome = 'skipped';
      } else {
        // Before a deferred save, so the id travels in the signed state.
        state.checkRunId = await status.report(state);
        if (config.postProcessing === 'deferred') {
          const saved = await saveDeferred(plan.store, state, runtime, plan.schedule!).catch(async (error: Error) => {
            const reason = `${error.message}\nApple accepted the upload of ${pkg.fileName}, but its deferred state could not be saved. ${distributeHint(pkg)}`;
            await status.report(state, { outcome: 'failed', reason });
            throw new UserError(reason);
          });
          report.outcome = 'pending';
          report.stateArtifactId = saved.id;
        } else {
          report.result = await advance(state, engineContext(plan.asc, config.pollIntervalMs, runtime, deps, plan.store), { wait: true });
          const failed = report.result.error;
          if (failed)
            report.result.error = new Error(`${failed.message}\nThe upload itself succeeded. ${distributeHint(pkg)}`, { cause: failed });
          const reason = report.result.error?.message;
          state.checkRunId = await status.report(state, reason ? { outcome: 'failed', reason } : {});
        }
      }
      reports.push(report);
    } catch (error) {
      // Report the packages already published before failing for this one.
      if (reports.length) await finishPostProcessing(reports, runtime, 'publish', { label: pkg.fileName, error: error as Error });
      throw error;
    }
  }
  await finishPostProcessing(reports, runtime, 'publish');
}

/** How to finish post-processing without uploading again. */
function distributeHint(pkg: PackageInfo): string {
  return `Once the cause is fixed, finish post-processing without a new upload: \`command: distribute\` with \`app-version: ${pkg.version}\` and \`build-number: ${pkg.buildNumber}\`.`;
}

function uploadDetail(upload: UploadResult): string {
  const rate = upload.durationMs > 0 ? ` at ${(upload.bytes / 1e6 / (upload.durationMs / 1000)).toFixed(1)} MB/s` : '';
  return `${(upload.bytes / 1e6).toFixed(1)} MB${upload.parts ? ` in ${upload.parts} parts` : ''}${rate} (${formatDuration(upload.durationMs)})`;
}
