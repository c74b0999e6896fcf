/**
 * `command: release`: makes an approved App Store version live now. A version waiting in
 * PENDING_DEVELOPER_RELEASE is released; a phased release that is ACTIVE or PAUSED is completed (every
 * user now). Anything else is an error that says the version's state.
 */
import type { AppStoreVersionDetail, AppStoreVersionState } from '../asc/app-store-types.js';
import type { AppStoreConnect } from '../asc/client.js';
import type { Config } from '../config.js';
import { PLATFORMS, type Platform } from '../domain.js';
import { UserError } from '../errors.js';
import type { Logger, Runtime } from '../runtime.js';
import { appStoreVersionLink, escapeCell } from '../summary.js';
import { inWords, platformName } from '../words.js';
import { resolveApp } from './app.js';
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
  action: 'released' | 'phased-release-completed';
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

export async function releaseVersion(asc: AppStoreConnect, target: ReleaseTarget, log: Logger): Promise<ReleaseOutcome> {
  const version = await find(asc, target);
  const state = version.attributes?.appStoreState;
  const name = `App Store version ${target.version} of ${target.platform}`;

  if (state === 'PENDING_DEVELOPER_RELEASE') {
    // A lost answer or a 409 is read back by the client: a version released meanwhile is done.
    await asc.appStore.releaseRequests.create(version.id);
    const after = await stateNow(asc, version.id);
    const detail = `${name} released (${after ?? 'state unknown'})`;
    log.info(detail);
    return { versionId: version.id, state: after, action: 'released', detail };
  }

  if (state === 'READY_FOR_SALE') {
    const phased = await asc.appStore.phasedReleases.forVersion(version.id);
    const phase = phased?.attributes?.phasedReleaseState;
    if (phased && (phase === 'ACTIVE' || phase === 'PAUSED')) {
      const completed = await asc.appStore.phasedReleases.complete(phased.id, version.id);
      const detail = `${name}: phased release ${phase} on day ${phased.attributes?.currentDayNumber ?? '?'} completed (${completed.attributes?.phasedReleaseState ?? 'COMPLETE'}): every user gets it now`;
      log.info(detail);
      return { versionId: version.id, state, action: 'phased-release-completed', detail };
    }
  }

  throw new UserError(
    `${name} is ${state ?? 'in an unknown state'}${state === 'READY_FOR_SALE' ? ' with no phased release under way' : ''}, so there is nothing to release: ${HINTS[state!] ?? 'only a version in PENDING_DEVELOPER_RELEASE, or one whose phased release is ACTIVE or PAUSED, can be released'}.`,
  );
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
  return (await asc.appStore.versions.get(id)).version.attributes?.appStoreState;
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
  const outcome = await releaseVersion(asc, { appId: app.id, version, platform }, runtime.log);
  runtime.setOutput('app-id', app.id);
  runtime.setOutput('bundle-id', app.attributes?.bundleId ?? '');
  runtime.setOutput('app-version', version);
  runtime.setOutput('platform', platform);
  runtime.setOutput('app-store-version-id', outcome.versionId);
  runtime.setOutput('app-store-state', outcome.state ?? '');
  const what = outcome.action === 'released' ? 'Released' : 'Phased release completed';
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
      `[Open the version in App Store Connect](${appStoreVersionLink(app.id, platform, outcome.state)})`,
      '',
    ].join('\n'),
  );
}

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
