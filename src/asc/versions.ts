import type { Platform } from '../domain.js';
import { enc } from './apps.js';
import type { AscHttp } from './http.js';
import type { AppStoreVersion, Build } from './types.js';

/** The App Store's versions of an app, with the build attached to each (for the latest build number). */
export class VersionsApi {
  constructor(private readonly http: AscHttp) {}

  /** App Store versions with the build attached to each. */
  async appStore(
    appId: string,
    q: { version?: string; platform?: Platform } = {},
  ): Promise<{ versions: AppStoreVersion[]; builds: Build[] }> {
    const versions: AppStoreVersion[] = [];
    const builds = new Map<string, Build>();
    for await (const page of this.http.pages<AppStoreVersion>(`/v1/apps/${enc(appId)}/appStoreVersions`, {
      'filter[versionString]': q.version,
      'filter[platform]': q.platform,
      include: 'build',
      limit: 200,
    })) {
      versions.push(...page.data);
      for (const r of page.included ?? []) if (r.type === 'builds') builds.set(r.id, r as Build);
    }
    return { versions, builds: [...builds.values()] };
  }
}
