/**
 * `altool` can report success while Apple refused the file: Xcode 26's altool hid a "lower version"
 * error (fastlane #29725), and a daily upload limit (ITMS-90382) left an AWAITING_UPLOAD build upload
 * (MentraOS #3857). After altool, the app's build uploads of this version and build number (matched
 * exactly) are read: Apple's own reason is reported, and post-processing follows the upload found.
 */
import type { AppStoreConnect } from '../asc/client.js';
import { listDetails, uploadRefusalAdvice } from '../asc/upload-refusals.js';
import { UserError } from '../errors.js';
import type { PackageInfo } from '../package/index.js';
import type { Logger } from '../runtime.js';

/** The build upload altool made, when Apple lists it; a refusal Apple recorded on it is an error. */
export async function followAltoolUpload(asc: AppStoreConnect, pkg: PackageInfo, appId: string, log: Logger): Promise<string | undefined> {
  const uploads = await asc.buildUploads.list(appId, { version: pkg.version, buildNumber: pkg.buildNumber, platform: pkg.platform });
  const newest = uploads.sort((a, b) => (b.attributes?.createdDate ?? '').localeCompare(a.attributes?.createdDate ?? ''))[0];
  if (!newest) {
    log.info(`Apple lists no build upload of ${pkg.version} (${pkg.buildNumber}) yet: the build is looked up by version and build number.`);
    return undefined;
  }
  const s = newest.attributes?.state;
  if (s?.state === 'FAILED' || s?.errors?.length) {
    throw new UserError(
      `xcrun altool reported success, but Apple refused the upload of ${pkg.fileName} (build upload ${newest.id}, ${s.state ?? 'state unknown'}):\n${listDetails(s.errors)}\n${uploadRefusalAdvice(s.errors, pkg.version)}`,
    );
  }
  log.info(`Apple lists altool's upload as build upload ${newest.id} (${s?.state ?? 'state unknown'}): following it.`);
  return newest.id;
}
