/** Apple's rules on what a build upload may carry, beyond its schema, as live reports show them. */
import type { Env } from './context.js';
import type { StateDetail, StoredResource } from './types.js';

/** App Store version states after approval: the train of that version and every lower one is closed. */
const CLOSING_STATES = [
  'PENDING_DEVELOPER_RELEASE',
  'PENDING_APPLE_RELEASE',
  'ACCEPTED',
  'PROCESSING_FOR_APP_STORE',
  'READY_FOR_SALE',
  'PREORDER_READY_FOR_SALE',
  'REPLACED_WITH_NEW_VERSION',
  'DEVELOPER_REMOVED_FROM_SALE',
  'REMOVED_FROM_SALE',
];

/** Dotted numbers compared number by number (2.0 equals 2.0.0). */
function compareNumbers(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * macOS build numbers must be higher than every earlier upload of the app, across versions
 * (winebarrel/PagerCall #127, light-cloud-com/out-loud #43, sceneview #2443): Apple answers as for a duplicate.
 */
export function notAboveEarlierMacBuilds(env: Env, appId: string, attrs: { cfBundleVersion: string; platform: string }): boolean {
  if (attrs.platform !== 'MAC_OS') return false;
  const { store } = env;
  const earlier = [
    ...store
      .all('buildUploads')
      .filter(
        (u) => u.rel.app === appId && u.attributes.platform === 'MAC_OS' && (u.attributes.state as { state: string }).state !== 'FAILED',
      )
      .map((u) => String(u.attributes.cfBundleVersion)),
    ...store
      .all('builds')
      .filter(
        (b) => b.rel.app === appId && store.get('preReleaseVersions', String(b.rel.preReleaseVersion))?.attributes.platform === 'MAC_OS',
      )
      .map((b) => String(b.attributes.version)),
  ];
  return earlier.some((n) => compareNumbers(n, attrs.cfBundleVersion) >= 0);
}

/**
 * A version train Apple has closed (a version equal or higher approved or live) takes the whole
 * upload, then fails it (ITMS-90062; expo/eas-cli #3460, Apple-Actions/upload-testflight-build #169).
 */
export function closedTrain(env: Env, upload: StoredResource): StateDetail[] | undefined {
  const version = String(upload.attributes.cfBundleShortVersionString);
  const closing = env.store
    .all('appStoreVersions')
    .filter(
      (v) =>
        v.rel.app === upload.rel.app &&
        v.attributes.platform === upload.attributes.platform &&
        CLOSING_STATES.includes(String(v.attributes.appStoreState)) &&
        compareNumbers(String(v.attributes.versionString), version) >= 0,
    )
    .map((v) => String(v.attributes.versionString));
  if (closing.length === 0) return undefined;
  return [
    {
      code: 'ITMS-90062',
      description: `This bundle is invalid. The value for key CFBundleShortVersionString [${version}] in the Info.plist file must contain a higher version than that of the previously approved version [${closing.sort(compareNumbers).at(-1)}].`,
    },
  ];
}
