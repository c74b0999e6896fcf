/** Test Information before anything is sent: the file read and checked, and what Apple requires present. */
import type { AppStoreConnect } from '../asc/client.js';
import type { App } from '../asc/types.js';
import type { Config } from '../config.js';
import { missingTestInformation, missingTestInformationError } from '../postprocess/steps/test-information.js';
import type { TestInformation } from '../postprocess/test-information.js';

/**
 * With `submit-beta-review: true`, Apple refuses the review until the app's Test Information is complete
 * (a missing feedback e-mail with a bare 500): what neither Apple holds nor the file sets is named now,
 * with both ways to set it, instead of after the upload and the processing wait.
 */
export async function refuseIncompleteTestInformation(
  asc: AppStoreConnect,
  app: App,
  config: Config,
  info: TestInformation | undefined,
  nothingSent: string,
): Promise<void> {
  if (!config.submitBetaReview || config.postProcessing === 'off') return;
  const primary = app.attributes?.primaryLocale ?? 'en-US';
  const missing = await missingTestInformation(asc, app.id, primary, info, !!config.demoAccountPassword);
  if (missing.length) throw missingTestInformationError(app.attributes?.bundleId ?? app.id, missing, nothingSent);
}
