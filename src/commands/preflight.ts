import { APPROVED_STATES, RELEASED_STATES, versionState } from '../asc/app-store-types.js';
import type { AppStoreConnect } from '../asc/client.js';
import type { App } from '../asc/types.js';
import type { Config } from '../config.js';
import { compareBuildNumbers, nextBuildNumber } from '../domain.js';
import { DryRunWriteError, InputError, UserError } from '../errors.js';
import { findPackages, readPackageInfo, refuseSameBuildTwice, type PackageInfo } from '../package/index.js';
import { planRequest, resolveNotes } from '../postprocess/request.js';
import type { PlanRequest } from '../postprocess/state.js';
import { firstPublicLink, resolveBetaGroups } from '../postprocess/steps/testers.js';
import type { Runtime } from '../runtime.js';
import { openArtifactStore } from '../stores/artifact-store.js';
import { MemoryStateStore, type StateStore } from '../stores/store.js';
import { requireMacOS } from '../upload/altool.js';
import { uploadPackage, type UploadResult } from '../upload/index.js';
import { mb, platformName } from '../words.js';
import { workspace, type CommandDeps } from './context.js';
import { readPostProcessInputs } from './post-process.js';
import { resolveApp } from './app.js';
import { Problems } from './problems.js';
import { needsResumeWorkflow, prepareResumeSchedule, type ResumeSchedule } from './schedule.js';
import { refuseIncompleteTestInformation } from './test-information.js';
import { refuseClosedTrain, refuseLowMacBuildNumber } from './train-checks.js';

/** One package to publish, with its app and what post-processing it asks for. */
export interface PublishTarget {
  readonly pkg: PackageInfo;
  readonly app: App;
  readonly request: PlanRequest;
  /** The public link of the first named external group that has one (`testflight-public-link`). */
  readonly publicLink?: string;
}

/** Everything a publish needs, read and checked before the first byte is sent. */
export interface PublishPlan {
  readonly asc: AppStoreConnect;
  readonly targets: readonly PublishTarget[];
  /** Where post-processing progress is kept: memory (inline, off) or workflow artifacts (deferred). */
  readonly store: StateStore;
  /** Deferred: the resume workflow, checked and enabled; enabled again after each save. */
  readonly schedule?: ResumeSchedule;
  /** Inline with `follow-review`: where the review watch is handed to the resume workflow. */
  readonly handoff?: { store: StateStore; schedule: ResumeSchedule };
  readonly upload: (pkg: PackageInfo, appId: string) => Promise<UploadResult>;
  /** `dry-run`: the problems found, for the plan to name them all (a real run throws them instead). */
  readonly problems: readonly Error[];
}

/**
 * Reads and checks everything a publish needs — the key, the uploader's host, the notes, the packages,
 * the apps, the build numbers, the beta groups, the state store — so a bad input never costs an upload.
 */
export async function preflightPublish(config: Config, runtime: Runtime, deps: CommandDeps): Promise<PublishPlan> {
  if (config.uploadMethod === 'altool') requireMacOS();
  const { key, asc, notes, appStore, testInformation } = readPostProcessInputs(config, runtime, deps);
  const packages: PackageInfo[] = [];
  for (const path of await findPackages(config.paths, workspace(deps))) {
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
  refuseSameBuildTwice(packages);
  const store: StateStore = config.postProcessing === 'deferred' ? openArtifactStore(config, runtime, deps, key) : new MemoryStateStore();
  const handoffStore =
    needsResumeWorkflow(config) && config.postProcessing === 'inline' ? openArtifactStore(config, runtime, deps, key) : undefined;

  const targets: PublishTarget[] = [];
  // Independent checks add to `problems`, so one run names them all.
  const problems = new Problems();
  const groupsByApp = new Map<string, ReturnType<typeof resolveBetaGroups>>();
  for (const pkg of packages) {
    runtime.log.info(
      `${pkg.fileName}: ${pkg.bundleId} ${pkg.version} (${pkg.buildNumber}) for ${platformName(pkg.platform)}, ${mb(pkg.size)} MB.`,
    );
    const app = await resolveApp(asc, config.appId, pkg.bundleId);
    await problems.check(() => refuseDuplicate(asc, app.id, pkg));
    await problems.check(() => refuseLowMacBuildNumber(asc, app.id, pkg));
    // One problem per closed version: with `submit-app-store-review` an approved or live version of this
    // very string is told as such (it may need only `command: release`), otherwise as a closed train.
    await problems.check(async () => {
      if (appStore) await refuseReviewedVersion(asc, app.id, pkg);
      await refuseClosedTrain(asc, app.id, pkg, runtime.log);
    });
    // The app's own checks, once per app however many of its packages are published (iOS and macOS).
    let groups = groupsByApp.get(app.id) ?? [];
    if (!groupsByApp.has(app.id)) {
      groupsByApp.set(app.id, groups);
      // A misspelt group would otherwise surface only after the upload and the processing wait.
      if (config.postProcessing !== 'off' && config.betaGroups.length)
        await problems.check(async () => {
          groups = resolveBetaGroups(await asc.betaGroups.list(app.id), config.betaGroups, pkg.bundleId);
          groupsByApp.set(app.id, groups);
        });
      await problems.check(() => refuseIncompleteTestInformation(asc, app, config, testInformation, 'Nothing was uploaded.'));
    }
    const request = planRequest(config, resolveNotes(notes, app), appStore, testInformation);
    // Known now: a deferred publish can hand out the group's public link at once.
    targets.push(Object.freeze({ pkg, app, request, publicLink: firstPublicLink(groups) }));
  }
  // A dry run reports the problems with its plan, and checks the resume workflow without enabling it.
  if (config.dryRun) {
    const refuse = (): Promise<never> => Promise.reject(new DryRunWriteError('a package upload'));
    return Object.freeze({ asc, targets: Object.freeze(targets), store, upload: refuse, problems: problems.list });
  }
  problems.throwIfAny();

  // Last, once everything else holds: a deferred build must never wait behind a missing or disabled schedule.
  const schedule = needsResumeWorkflow(config) ? await prepareResumeSchedule(config, runtime, deps) : undefined;
  const handoff = handoffStore && schedule ? { store: handoffStore, schedule } : undefined;

  // altool reads the key from a file; the API upload signs tokens in memory and needs none.
  const privateKeyPem = config.uploadMethod === 'altool' ? key.export({ type: 'pkcs8', format: 'pem' }).toString() : '';
  const upload = (pkg: PackageInfo, appId: string): Promise<UploadResult> =>
    uploadPackage(asc, pkg, appId, config, {
      log: runtime.log,
      privateKeyPem,
      now: deps.now,
      sleep: deps.sleep,
      retry: deps.retry,
      idleTimeoutMs: deps.requestTimeoutMs,
    });
  return Object.freeze({ asc, targets: Object.freeze(targets), store, schedule, handoff, upload, problems: [] });
}

/**
 * A new build can never join an App Store version that is approved or live: the App Store steps would
 * fail after the upload, so say so before it.
 */
async function refuseReviewedVersion(asc: AppStoreConnect, appId: string, pkg: PackageInfo): Promise<void> {
  const state = versionState(await asc.appStore.versions.find(appId, pkg.platform, pkg.version));
  if (!state || !(RELEASED_STATES.includes(state) || APPROVED_STATES.includes(state))) return;
  throw new UserError(
    `App Store version ${pkg.version} of ${pkg.bundleId} (${platformName(pkg.platform)}) is already ${state}${APPROVED_STATES.includes(state) ? ': release it with `command: release`, or' : ':'} raise the app's version (CFBundleShortVersionString) to submit a new build with \`submit-app-store-review\`. Nothing was uploaded.`,
  );
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
    `Build number ${pkg.buildNumber} is already used for ${pkg.bundleId} version ${pkg.version} (${platformName(pkg.platform)}); Apple accepts each build number once per version. Build again with CFBundleVersion ${next} (or higher), or set \`build-number\` — \`command: latest-build-number\` prints the next one. Nothing was uploaded.`,
  );
}
