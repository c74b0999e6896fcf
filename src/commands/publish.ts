import { loadPrivateKey } from '../asc/auth.js';
import type { AppStoreConnect } from '../asc/client.js';
import type { App } from '../asc/types.js';
import type { Config } from '../config.js';
import { InputError, UserError } from '../errors.js';
import { findPackages, readPackageInfo, type PackageInfo } from '../package/index.js';
import { advance } from '../postprocess/engine.js';
import { resolveBetaGroups } from '../postprocess/steps.js';
import { readNotes } from '../postprocess/release-notes.js';
import { newState } from '../postprocess/state.js';
import type { Runtime } from '../runtime.js';
import { openArtifactStore } from '../state/artifact-store.js';
import { MemoryStateStore, type StateStore } from '../state/store.js';
import { formatDuration } from '../summary.js';
import { requireMacOS } from '../upload/altool.js';
import { uploadPackage, type UploadResult } from '../upload/index.js';
import { finishPostProcessing, type PackageReport } from './report.js';
import {
  compareBuildNumbers,
  connectFromConfig,
  engineContext,
  nextBuildNumber,
  origin,
  planRequest,
  resolveApp,
  resolveNotes,
  saveDeferred,
  workspace,
  type CommandDeps,
} from './shared.js';

/** Upload every package the `path` globs match, then post-process each (inline, deferred or off). */
export async function publish(config: Config, runtime: Runtime, deps: CommandDeps): Promise<void> {
  // Every check that needs no network comes first, so a bad input never costs an upload.
  if (config.uploadMethod === 'altool') requireMacOS();
  const asc = connectFromConfig(config, runtime, deps);
  const notes = readNotes(config, runtime.log, workspace(deps));
  const paths = await findPackages(config.paths, workspace(deps));
  const packages: PackageInfo[] = [];
  for (const path of paths) {
    packages.push(
      await readPackageInfo(path, {
        bundleId: config.bundleId,
        version: config.appVersion,
        buildNumber: config.buildNumber,
        platform: config.platform,
      }),
    );
  }
  if (packages.length > 1 && config.buildNumber) {
    throw new InputError(
      'build-number',
      `applies to one package, but \`path\` matched ${packages.length}: ${packages.map((p) => p.fileName).join(', ')}. Narrow \`path\` or leave \`build-number\` empty.`,
    );
  }
  const store: StateStore = config.postProcessing === 'deferred' ? openArtifactStore(config, runtime, deps) : new MemoryStateStore();

  // Every package's app and build number are checked before the first byte of any is sent.
  const targets: Array<{ pkg: PackageInfo; app: App }> = [];
  for (const pkg of packages) {
    runtime.log.info(
      `${pkg.fileName}: ${pkg.bundleId} ${pkg.version} (${pkg.buildNumber}) for ${pkg.platform}, ${(pkg.size / 1e6).toFixed(1)} MB.`,
    );
    const app = await resolveApp(asc, config.appId, pkg.bundleId);
    await refuseDuplicate(asc, app.id, pkg);
    // A misspelt group would otherwise surface only after the upload and the processing wait.
    if (config.postProcessing !== 'off' && config.betaGroups.length)
      resolveBetaGroups(await asc.betaGroups.list(app.id), config.betaGroups, pkg.bundleId);
    targets.push({ pkg, app });
  }

  const reports: PackageReport[] = [];
  for (const { pkg, app } of targets) {
    try {
      const upload = await uploadPackage(asc, pkg, app.id, config, {
        log: runtime.log,
        privateKeyPem: keyPem(config),
        now: deps.now,
        sleep: deps.sleep,
        retry: deps.retry,
        idleTimeoutMs: deps.requestTimeoutMs,
      });
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
        request: planRequest(config, resolveNotes(notes, app)),
        skip: upload.buildUploadId ? [] : ['upload-state'],
        origin: origin(),
      });
      const before = [
        { title: `Upload (${upload.method})`, status: 'done' as const, detail: uploadDetail(upload), durationMs: upload.durationMs },
      ];
      const report: PackageReport = { result: { state }, before, buildUploadId: upload.buildUploadId };
      if (config.postProcessing === 'off') {
        report.outcome = 'skipped';
      } else if (config.postProcessing === 'deferred') {
        const saved = await saveDeferred(store, state, runtime).catch((error: Error) => {
          throw new UserError(
            `${error.message}\nApple accepted the upload of ${pkg.fileName}, but its deferred state could not be saved. ${distributeHint(pkg)}`,
          );
        });
        report.outcome = 'pending';
        report.stateArtifactId = saved.id;
      } else {
        report.result = await advance(state, engineContext(asc, config, runtime, deps, store), { wait: true });
        const failed = report.result.error;
        if (failed)
          report.result.error = new Error(`${failed.message}\nThe upload itself succeeded. ${distributeHint(pkg)}`, { cause: failed });
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

/** Apple refuses a build number already used for the version; say so before sending a byte. */
async function refuseDuplicate(asc: AppStoreConnect, appId: string, pkg: PackageInfo): Promise<void> {
  const [{ builds }, uploads] = await Promise.all([
    // Every processing state: a build another tool uploaded minutes ago is still PROCESSING and holds its number.
    asc.builds.list({ appId, version: pkg.version, platform: pkg.platform, anyState: true }),
    asc.buildUploads.list(appId, { version: pkg.version, platform: pkg.platform }),
  ]);
  const used = [
    ...builds.map((b) => b.attributes?.version),
    // FAILED uploads free their number; one still waiting for its file was abandoned and is taken over by the upload.
    ...uploads
      .filter((u) => !['FAILED', 'AWAITING_UPLOAD'].includes(u.attributes?.state?.state ?? ''))
      .map((u) => u.attributes?.cfBundleVersion),
  ].filter((v): v is string => !!v);
  if (!used.includes(pkg.buildNumber)) return;
  const next = nextBuildNumber(used.sort(compareBuildNumbers).at(-1));
  throw new UserError(
    `Build number ${pkg.buildNumber} is already used for ${pkg.bundleId} version ${pkg.version} (${pkg.platform}); Apple accepts each build number once per version. Build again with CFBundleVersion ${next} (or higher), or set \`build-number\` — \`command: latest-build-number\` prints the next one. Nothing was uploaded.`,
  );
}

/** How to finish post-processing without uploading again. */
function distributeHint(pkg: PackageInfo): string {
  return `Once the cause is fixed, finish post-processing without a new upload: \`command: distribute\` with \`app-version: ${pkg.version}\` and \`build-number: ${pkg.buildNumber}\`.`;
}

/** altool reads the key from a file; the API upload signs tokens in memory and needs none. */
function keyPem(config: Config): string {
  return config.uploadMethod === 'altool' ? loadPrivateKey(config.privateKey).export({ type: 'pkcs8', format: 'pem' }).toString() : '';
}

function uploadDetail(upload: UploadResult): string {
  const rate = upload.durationMs > 0 ? ` at ${(upload.bytes / 1e6 / (upload.durationMs / 1000)).toFixed(1)} MB/s` : '';
  return `${(upload.bytes / 1e6).toFixed(1)} MB${upload.parts ? ` in ${upload.parts} parts` : ''}${rate} (${formatDuration(upload.durationMs)})`;
}
