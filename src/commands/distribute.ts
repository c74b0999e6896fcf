import type { Config } from '../config.js';
import { UserError } from '../errors.js';
import { newState } from '../postprocess/new-state.js';
import { planRequest, resolveNotes } from '../postprocess/request.js';
import type { Runtime } from '../runtime.js';
import { openArtifactStore } from '../stores/artifact-store.js';
import { MemoryStateStore } from '../stores/store.js';
import { finishPostProcessing } from './report.js';
import { resolveApp } from './app.js';
import { origin, type CommandDeps } from './context.js';
import { dryRunDistribute } from './dry-run.js';
import { postProcess, readPostProcessInputs } from './post-process.js';
import { statusReporter } from './status.js';
import { needsResumeWorkflow, prepareResumeSchedule } from './schedule.js';
import { refuseIncompleteTestInformation } from './test-information.js';

/** Runs post-processing on a build already in App Store Connect (manual promotion, or a retry). */
export async function distribute(config: Config, runtime: Runtime, deps: CommandDeps): Promise<void> {
  const { key, asc, notes, appStore, testInformation } = readPostProcessInputs(config, runtime, deps);
  const app = await resolveApp(asc, config.appId, config.bundleId ?? '');
  const version = config.appVersion!;
  const buildNumber = config.buildNumber!;
  // Every processing state: a build uploaded minutes ago is still PROCESSING, and is waited for below.
  const { builds, preReleaseVersions } = await asc.builds.list({
    appId: app.id,
    version,
    buildNumber,
    platform: config.platform,
    anyState: true,
  });
  if (builds.length === 0) {
    throw new UserError(
      `No build ${buildNumber} of version ${version}${config.platform ? ` (${config.platform})` : ''} for ${app.attributes?.bundleId}. Check \`app-version\` and \`build-number\` (\`command: latest-build-number\` lists the latest), or wait until the upload shows in TestFlight.`,
    );
  }
  const platforms = new Set(preReleaseVersions.map((v) => v.attributes?.platform));
  if (builds.length > 1 && platforms.size > 1 && !config.platform) {
    throw new UserError(
      `Input \`platform\`: build ${buildNumber} of version ${version} exists for ${[...platforms].join(' and ')}; set \`platform\` to choose one.`,
    );
  }
  const build = builds[0]!;
  // Apple keeps an expired build VALID: only `expired` tells it can no longer be tested.
  if (build.attributes?.expired) {
    throw new UserError(
      `Build ${buildNumber} of version ${version} of ${app.attributes?.bundleId} has expired${build.attributes.expirationDate ? ` (${build.attributes.expirationDate.slice(0, 10)})` : ''}: TestFlight no longer offers it, and an expired build cannot be distributed again. Upload a new build (\`command: latest-build-number\` prints the next number).`,
    );
  }
  if (build.attributes?.processingState === 'PROCESSING')
    runtime.log.info(`Build ${buildNumber} is still processing at Apple: waiting for it (within \`processing-timeout\`).`);
  await refuseIncompleteTestInformation(asc, app, config, testInformation, 'Nothing was changed.');
  const platform = config.platform ?? preReleaseVersions[0]?.attributes?.platform ?? 'IOS';
  // One request for the dry run and the real run: what the plan shows is what runs.
  const request = planRequest(config, resolveNotes(notes, app), appStore, testInformation);
  if (config.dryRun) {
    // Opened for its checks (a GitHub Actions step, the token); its clients refuse every write.
    if (needsResumeWorkflow(config)) openArtifactStore(config, runtime, deps, key);
    return dryRunDistribute({ asc, app, build, platform, version, request }, config, runtime, deps);
  }
  const started = new Date(deps.now());
  // No upload in this run: the deadlines count from now.
  const state = newState({
    app: { id: app.id, bundleId: app.attributes?.bundleId ?? '', name: app.attributes?.name },
    build: { version, buildNumber, platform, id: build.id, processingState: build.attributes?.processingState },
    uploadedAt: started,
    findBuildTimeoutMs: config.findBuildTimeoutMs,
    processingTimeoutMs: config.processingTimeoutMs,
    request,
    skip: ['upload-state'],
    origin: origin(),
  });
  // A check run of this build on this commit (a publish whose post-processing failed) is carried on, not repeated.
  const status = statusReporter(config, runtime, deps);
  const deferredStore = config.postProcessing === 'deferred' ? openArtifactStore(config, runtime, deps, key) : undefined;
  // Inline with `follow-review`: the review watch is handed to the resume workflow, checked now like deferred.
  const handoffStore = needsResumeWorkflow(config) && !deferredStore ? openArtifactStore(config, runtime, deps, key) : undefined;
  // Before anything is written: without the resume workflow a deferred build would wait forever.
  const schedule = needsResumeWorkflow(config) ? await prepareResumeSchedule(config, runtime, deps) : undefined;
  // Deferred: promote now, finish later; the scheduled resume takes it from here, as after a deferred publish.
  const report = await postProcess(state, {
    asc,
    config,
    runtime,
    deps,
    status,
    deferred: deferredStore && { store: deferredStore, schedule: schedule! },
    inlineStore: new MemoryStateStore(),
    handoff: handoffStore && { store: handoffStore, schedule: schedule! },
    adopt: true,
    onSaveFailure: `The deferred state of build ${buildNumber} could not be saved. Nothing was changed at Apple; once the cause is fixed, run \`command: distribute\` again.`,
  });
  await finishPostProcessing([report], runtime, 'distribute');
}
