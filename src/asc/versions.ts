import type { Platform } from '../domain.js';
import { enc } from './apps.js';
import type { AscHttp } from './http.js';
import type { AppStoreVersion, Build, PreReleaseVersion } from './types.js';

/** TestFlight's pre-release versions and the App Store's versions, with their builds. */
export class VersionsApi {
  constructor(private readonly http: AscHttp) {}

  preRelease(appId: string, q: { version?: string; platform?: Platform } = {}): Promise<PreReleaseVersion[]> {
    return this.http.getAll<PreReleaseVersion>('/v1/preReleaseVersions', {
      'filter[app]': appId,
      'filter[version]': q.version,
      'filter[platform]': q.platform,
      limit: 200,
    });
  }

  preReleaseBuilds(preReleaseVersionId: string): Promise<Build[]> {
    return this.http.getAll<Build>(`/v1/preReleaseVersions/${enc(preReleaseVersionId)}/builds`, { limit: 200 });
  }

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
