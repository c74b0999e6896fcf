/**
 * `command: release`: makes an approved App Store version live now. A version waiting in
 * PENDING_DEVELOPER_RELEASE is released; a phased release that is ACTIVE or PAUSED is completed (every
 * user now). Anything else is an error that says the version's state. With `phased-release: pause` or
 * `resume` it pauses or resumes the version's phased release instead.
 */
import {
  versionState,
  type AppStoreVersionDetail,
  type AppStoreVersionPhasedRelease,
  type AppStoreVersionState,
} from '../asc/app-store-types.js';
import type { AppStoreConnect } from '../asc/client.js';
import type { Config } from '../config.js';
import { PLATFORMS, type Platform } from '../domain.js';
import { UserError } from '../errors.js';
import type { PhasedReleaseAction } from '../review-inputs.js';
import type { Logger, Runtime } from '../runtime.js';
import { appStoreVersionLink } from '../links.js';
import { escapeCell } from '../summary.js';
import { inWords, platformName } from '../words.js';
import { resolveApp } from './app.js';
import { dryRunRelease } from './dry-run.js';
import { connectFromConfig, type CommandDeps } from './context.js';

export interface ReleaseTarget {
  appId: string;
  /** The version's `versionString` (`app-version`). */
  version: string;
  platform: Platform;
}

export interface ReleaseOutcome {
  versionId: string;
  /** The version's state after the release (`app-store-state`). */
  state?: AppStoreVersionState;
  action: 'released' | 'phased-release-completed' | 'phased-release-paused' | 'phased-release-resumed';
  detail: string;
}

const HINTS: Partial<Record<AppStoreVersionState, string>> = {
  PREPARE_FOR_SUBMISSION: 'it has not been submitted: publish or distribute it with `submit-app-store-review: true` first',
  WAITING_FOR_REVIEW: 'App Review has not approved it yet: run `command: release` once it is Pending Developer Release',
  IN_REVIEW: 'App Review has not approved it yet: run `command: release` once it is Pending Developer Release',
  PENDING_APPLE_RELEASE:
    'it is scheduled: Apple releases it at its earliest release date (change the date in App Store Connect to release sooner)',
  READY_FOR_SALE: 'it is already on the App Store for every user',
  PROCESSING_FOR_APP_STORE: 'Apple is releasing it now',
  REJECTED: 'App Review rejected it: see Resolution Center in App Store Connect',
  METADATA_REJECTED: 'App Review rejected its metadata: see Resolution Center in App Store Connect',
  DEVELOPER_REJECTED: 'it was withdrawn from review: submit it again first',
};

/** What a release would do to the version, read only; a version with nothing to release is an error. */
async function planRelease(
  asc: AppStoreConnect,
  target: ReleaseTarget,
): Promise<{ version: AppStoreVersionDetail; phased?: AppStoreVersionPhasedRelease; detail: string }> {
  const version = await find(asc, target);
  const state = versionState(version);
  const name = `App Store version ${target.version} of ${target.platform}`;
  if (state === 'PENDING_DEVELOPER_RELEASE') return { version, detail: `release ${name} (${state}) to the App Store` };
  if (state === 'READY_FOR_SALE') {
    const phased = await asc.appStore.phasedReleases.forVersion(version.id);
    const phase = phased?.attributes?.phasedReleaseState;
    if (phased && (phase === 'ACTIVE' || phase === 'PAUSED'))
      return {
        version,
        phased,
        detail: `complete the phased release of ${name} (${phase}, day ${phased.attributes?.currentDayNumber ?? '?'}): every user gets it`,
      };
  }
  throw new UserError(
    `${name} is ${state ?? 'in an unknown state'}${state === 'READY_FOR_SALE' ? ' with no phased release under way' : ''}, so there is nothing to release: ${HINTS[state!] ?? 'only a version in PENDING_DEVELOPER_RELEASE, or one whose phased release is ACTIVE or PAUSED, can be released'}.`,
  );
}

export async function releaseVersion(asc: AppStoreConnect, target: ReleaseTarget, log: Logger): Promise<ReleaseOutcome> {
  const { version, phased } = await planRelease(asc, target);
  const name = `App Store version ${target.version} of ${target.platform}`;
  if (!phased) {
    // A lost answer or a 409 is read back by the client: a version released meanwhile is done.
    await asc.appStore.releaseRequests.create(version.id);
    const after = await stateNow(asc, version.id);
    const detail = `${name} released (${after ?? 'state unknown'})`;
    log.info(detail);
    return { versionId: version.id, state: after, action: 'released', detail };
  }
  const completed = await asc.appStore.phasedReleases.complete(phased.id, version.id);
  const detail = `${name}: phased release ${phased.attributes?.phasedReleaseState} on day ${phased.attributes?.currentDayNumber ?? '?'} completed (${completed.attributes?.phasedReleaseState ?? 'COMPLETE'}): every user gets it now`;
  log.info(detail);
  return { versionId: version.id, state: versionState(version), action: 'phased-release-completed', detail };
}

/**
 * What `phased-release: pause` / `resume` would do, read only: a phased release under way (ACTIVE or PAUSED)
 * is paused or resumed; one already so is left alone (a rerun changes nothing). Any other state is an error
 * naming it.
 */
async function planPhasedRelease(asc: AppStoreConnect, target: ReleaseTarget, action: PhasedReleaseAction) {
  const version = await find(asc, target);
  const state = versionState(version);
  const name = `App Store version ${target.version} of ${target.platform}`;
  const phased = await asc.appStore.phasedReleases.forVersion(version.id);
  const phase = phased?.attributes?.phasedReleaseState;
  const wanted: 'PAUSED' | 'ACTIVE' = action === 'pause' ? 'PAUSED' : 'ACTIVE';
  if (!phased || (phase !== 'ACTIVE' && phase !== 'PAUSED')) {
    const why = !phased
      ? 'it has no phased release (`phased-release: true` when submitting sets one up)'
      : phase === 'INACTIVE'
        ? `its phased release is INACTIVE: it starts when the version is released${state === 'PENDING_DEVELOPER_RELEASE' ? ' (`command: release`)' : ''}`
        : `its phased release is ${phase ?? 'in an unknown state'}: every user has it already`;
    throw new UserError(
      `Input \`phased-release: ${action}\`: ${name} (${state ?? 'state unknown'}) cannot be ${action === 'pause' ? 'paused' : 'resumed'}: ${why}. Only a phased release that is ACTIVE or PAUSED can be paused or resumed.`,
    );
  }
  const day = `day ${phased.attributes?.currentDayNumber ?? '?'} of 7`;
  const detail =
    phase === wanted
      ? `${name}: phased release already ${phase} (${day}); nothing to change`
      : `${action} the phased release of ${name} (${phase}, ${day})`;
  return { version, state, name, phased, wanted, day, unchanged: phase === wanted, detail };
}

/** `phased-release: pause` / `resume` (see planPhasedRelease). */
export async function setPhasedRelease(
  asc: AppStoreConnect,
  target: ReleaseTarget,
  action: PhasedReleaseAction,
  log: Logger,
): Promise<ReleaseOutcome> {
  const plan = await planPhasedRelease(asc, target, action);
  const result = action === 'pause' ? 'phased-release-paused' : 'phased-release-resumed';
  if (plan.unchanged) {
    log.info(plan.detail);
    return { versionId: plan.version.id, state: plan.state, action: result, detail: plan.detail };
  }
  const after = await asc.appStore.phasedReleases.setState(plan.phased.id, plan.version.id, plan.wanted);
  const detail = `${plan.name}: phased release ${action === 'pause' ? 'paused' : 'resumed'} on ${plan.day} (${after.attributes?.phasedReleaseState ?? plan.wanted})`;
  log.info(detail);
  return { versionId: plan.version.id, state: plan.state, action: result, detail };
}

async function find(asc: AppStoreConnect, target: ReleaseTarget): Promise<AppStoreVersionDetail> {
  const version = await asc.appStore.versions.find(target.appId, target.platform, target.version);
  if (!version) {
    throw new UserError(
      `Input \`app-version\`: the app has no App Store version ${target.version} for ${target.platform}. Check \`app-version\` and \`platform\` (App Store Connect → your app → the platform's versions).`,
    );
  }
  return version;
}

async function stateNow(asc: AppStoreConnect, id: string): Promise<AppStoreVersionState | undefined> {
  return versionState((await asc.appStore.versions.get(id)).version);
}

/**
 * The `release` command: finds the app and the version (`app-version`; `platform`, or the one platform
 * that has that version), releases it, and reports `app-store-version-id` and `app-store-state`.
 */
export async function release(config: Config, runtime: Runtime, deps: CommandDeps): Promise<void> {
  const asc = connectFromConfig(config, runtime, deps);
  const app = await resolveApp(asc, config.appId, config.bundleId ?? '');
  const version = config.appVersion!;
  const platform = config.platform ?? (await onlyPlatformWith(asc, app.id, version));
  const target = { appId: app.id, version, platform };
  if (config.dryRun) {
    const { detail } = config.phasedReleaseAction
      ? await planPhasedRelease(asc, target, config.phasedReleaseAction)
      : await planRelease(asc, target);
    return dryRunRelease(app, platform, version, { title: 'Release', status: 'would run', detail }, runtime);
  }
  const outcome = config.phasedReleaseAction
    ? await setPhasedRelease(asc, target, config.phasedReleaseAction, runtime.log)
    : await releaseVersion(asc, target, runtime.log);
  runtime.setOutput('app-id', app.id);
  runtime.setOutput('bundle-id', app.attributes?.bundleId ?? '');
  runtime.setOutput('app-version', version);
  runtime.setOutput('platform', platform);
  runtime.setOutput('app-store-version-id', outcome.versionId);
  runtime.setOutput('app-store-state', outcome.state ?? '');
  const what = WHAT[outcome.action];
  await runtime.appendSummary(
    [
      `## App Store Connect Publish — release`,
      '',
      `### ${app.attributes?.name ?? app.attributes?.bundleId ?? app.id} ${version} (${platformName(platform)}) — ${what.toLowerCase()}`,
      '',
      '| Version | Result | State | App Store version ID |',
      '| --- | --- | --- | --- |',
      `| ${escapeCell(version)} | ✅ ${what} | ${escapeCell(outcome.state ? inWords(outcome.state) : 'unknown')} | ${escapeCell(outcome.versionId)} |`,
      '',
      escapeCell(outcome.detail),
      '',
      `[Open the version in App Store Connect](${appStoreVersionLink(app.id, platform, outcome.state)})`,
      '',
    ].join('\n'),
  );
}

const WHAT: Record<ReleaseOutcome['action'], string> = {
  released: 'Released',
  'phased-release-completed': 'Phased release completed',
  'phased-release-paused': 'Phased release paused',
  'phased-release-resumed': 'Phased release resumed',
};

/** Without `platform`: the platform that has version `version`; several → the input must choose. */
async function onlyPlatformWith(asc: AppStoreConnect, appId: string, version: string): Promise<Platform> {
  // One listing across platforms, grouped by each version's platform.
  const { versions } = await asc.appStore.versions.list(appId, { versionString: version });
  const has = new Set(versions.filter((v) => v.attributes?.versionString === version).map((v) => v.attributes?.platform));
  const found = PLATFORMS.filter((p) => has.has(p));
  if (found.length === 1) return found[0]!;
  if (found.length > 1) {
    throw new UserError(
      `Input \`platform\`: App Store version ${version} exists for ${found.join(' and ')}; set \`platform\` to choose one.`,
    );
  }
  throw new UserError(
    `Input \`app-version\`: the app has no App Store version ${version} on any platform. Check \`app-version\` (App Store Connect → your app → Distribution).`,
  );
}
