import type { AppStoreConnect } from '../asc/client.js';
import type { App } from '../asc/types.js';
import { UserError } from '../errors.js';

/** The app by `app-id`, or by bundle ID; a missing app record is explained (it must exist before any upload). */
export async function resolveApp(asc: AppStoreConnect, appId: string | undefined, bundleId: string): Promise<App> {
  if (appId) {
    const app = await asc.apps.get(appId);
    const actual = app.attributes?.bundleId;
    if (bundleId && actual && actual !== bundleId) {
      throw new UserError(
        `Input \`app-id\`: app ${appId} has bundle ID ${actual}, but the package's is ${bundleId}. Fix \`app-id\` (or \`bundle-id\`), or leave \`app-id\` empty to find the app by bundle ID.`,
      );
    }
    return app;
  }
  const app = await asc.apps.findByBundleId(bundleId);
  if (app) return app;
  const visible = await asc.apps.countVisible();
  throw new UserError(
    `No app with bundle ID ${bundleId} in App Store Connect (this API key sees ${visible} app${visible === 1 ? '' : 's'}). Create the app record first in App Store Connect → Apps → + → New App with that bundle ID — the first version is best uploaded by hand with Xcode or Transporter — or set \`app-id\` if the key cannot list apps.`,
  );
}
