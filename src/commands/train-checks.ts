/**
 * What Apple refuses only after taking the whole upload, checked before the first byte: a closed
 * version train, and a macOS build number not above every earlier upload of the app.
 */
import {
  APPROVED_STATES,
  RELEASED_STATES,
  versionState,
  type AppStoreVersionDetail,
  type AppStoreVersionState,
} from '../asc/app-store-types.js';
import { AscApiError } from '../asc/errors.js';
import type { AppStoreConnect } from '../asc/client.js';
import { compareBuildNumbers, nextBuildNumber } from '../domain.js';
import { InputError, UserError } from '../errors.js';
import type { PackageInfo } from '../package/index.js';
import type { Logger } from '../runtime.js';

/**
 * States that close a version train: approved (waiting for release, or being released) or on the
 * store now or before. Versions waiting for or in review do not: a rejection reopens them.
 */
const CLOSING_STATES: readonly AppStoreVersionState[] = [...APPROVED_STATES, ...RELEASED_STATES];

/**
 * Apple fails an upload whose version is not above every approved or live App Store version of the
 * platform (ITMS-90062/90186/90478; expo/eas-cli #3460, Apple-Actions/upload-testflight-build #169),
 * TestFlight-only uploads included. Versions are compared number by number (2.0 is 2.0.0).
 */
export async function refuseClosedTrain(asc: AppStoreConnect, appId: string, pkg: PackageInfo, log: Logger): Promise<void> {
  let versions: AppStoreVersionDetail[];
  try {
    ({ versions } = await asc.appStore.versions.list(appId, { platform: pkg.platform }));
  } catch (error) {
    // A key whose role cannot read App Store versions can still upload to TestFlight: the check is skipped, saying so.
    if (!(error instanceof AscApiError && error.status === 403)) throw error;
    log.warning(
      `This API key cannot read the App Store versions of ${pkg.bundleId} (403): whether version ${pkg.version} is still open for builds is not checked before the upload.`,
    );
    return;
  }
  const closing = versions
    .filter((v) => v.attributes?.platform === undefined || v.attributes.platform === pkg.platform)
    .map((v) => ({ string: v.attributes?.versionString ?? '', state: versionState(v) }))
    .filter((v) => /^\d+(\.\d+)*$/.test(v.string) && v.state !== undefined && CLOSING_STATES.includes(v.state))
    .filter((v) => compareBuildNumbers(v.string, pkg.version) >= 0)
    .sort((a, b) => compareBuildNumbers(a.string, b.string));
  const highest = closing.at(-1);
  if (!highest) return;
  throw new InputError(
    'app-version',
    `version ${pkg.version} of ${pkg.bundleId} (${pkg.platform}) can no longer take builds: App Store version ${highest.string} (${highest.state}) is approved or live, and Apple closes every version up to it (ITMS-90062/90186/90478, told only after the whole upload). Build with a higher CFBundleShortVersionString, or set \`app-version\`: raise it above ${highest.string}. Nothing was uploaded.`,
  );
}

/**
 * macOS build numbers must be higher than every earlier upload of the app, whatever its version
 * (winebarrel/PagerCall #127, light-cloud-com/out-loud #43, sceneview #2443); Apple's 409 would read
 * like a duplicate. Builds in every processing state and build uploads still under way count.
 */
export async function refuseLowMacBuildNumber(asc: AppStoreConnect, appId: string, pkg: PackageInfo): Promise<void> {
  if (pkg.platform !== 'MAC_OS') return;
  const highest = await highestMacBuildNumber(asc, appId);
  if (!highest || compareBuildNumbers(pkg.buildNumber, highest) > 0) return;
  throw new UserError(
    `Build number ${pkg.buildNumber} of ${pkg.bundleId} (MAC_OS) is not higher than ${highest}, the highest uploaded for the app so far: Apple requires each macOS build number to be higher than every earlier upload, across versions. Build again with CFBundleVersion ${nextBuildNumber(highest)} (or higher), or set \`build-number\`. Nothing was uploaded.`,
  );
}

/** The highest build number of the app's macOS builds and live build uploads, across versions. */
async function highestMacBuildNumber(asc: AppStoreConnect, appId: string): Promise<string | undefined> {
  const [{ builds }, uploads] = await Promise.all([
    asc.builds.list({ appId, platform: 'MAC_OS', anyState: true }),
    asc.buildUploads.list(appId, { platform: 'MAC_OS' }),
  ]);
  const numbers = [
    ...builds.map((b) => b.attributes?.version),
    // A FAILED upload frees its number; one still waiting for its file is taken over by the upload.
    ...uploads
      .filter((u) => !['FAILED', 'AWAITING_UPLOAD'].includes(u.attributes?.state?.state ?? ''))
      .map((u) => u.attributes?.cfBundleVersion),
  ].filter((v): v is string => !!v);
  return numbers.sort(compareBuildNumbers).at(-1);
}
