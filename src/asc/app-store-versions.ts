import type { Platform } from '../domain.js';
import { enc } from './apps.js';
import type { AppStoreVersionDetail, AppStoreVersionSettings } from './app-store-types.js';
import type { AscHttp } from './http.js';
import { relatedId, type Build, type Document } from './types.js';

export interface VersionList {
  versions: AppStoreVersionDetail[];
  /** The builds attached to those versions, by id. */
  builds: Map<string, Build>;
}

/** App Store versions: find, create, update, and the build each one ships. */
export class AppStoreVersionsApi {
  constructor(private readonly http: AscHttp) {}

  /**
   * Versions of one platform when given (the app's other platforms have versions of their own), else of
   * every platform; with `versionString`, only those Apple matches to it.
   */
  async list(appId: string, q: { platform?: Platform; versionString?: string }): Promise<VersionList> {
    const versions: AppStoreVersionDetail[] = [];
    const builds = new Map<string, Build>();
    for await (const page of this.http.pages<AppStoreVersionDetail>(`/v1/apps/${enc(appId)}/appStoreVersions`, {
      'filter[platform]': q.platform,
      'filter[versionString]': q.versionString,
      include: 'build',
      limit: 200,
    })) {
      versions.push(...page.data);
      for (const r of page.included ?? []) if (r.type === 'builds') builds.set(r.id, r as Build);
    }
    return { versions, builds };
  }

  /** The version `versionString` of one platform, if the app has it (Apple's filter is a match, checked exactly here). */
  async find(appId: string, platform: Platform, versionString: string): Promise<AppStoreVersionDetail | undefined> {
    const { versions } = await this.list(appId, { platform, versionString });
    return versions.find((v) => v.attributes?.versionString === versionString);
  }

  async get(id: string): Promise<{ version: AppStoreVersionDetail; build?: Build }> {
    const doc = await this.http.get<Document<AppStoreVersionDetail>>(`/v1/appStoreVersions/${enc(id)}`, { include: 'build' });
    const buildId = relatedId(doc.data, 'build');
    const build = doc.included?.find((r): r is Build => r.type === 'builds' && r.id === buildId);
    return { version: doc.data, build };
  }

  /**
   * Creates the version. Apple answers 409 when it exists already (our own create whose answer was lost,
   * or an overlapping run): then the version with that string is read back and returned.
   */
  async create(
    appId: string,
    platform: Platform,
    versionString: string,
    settings: Omit<AppStoreVersionSettings, 'versionString'>,
    buildId?: string,
  ): Promise<{ version: AppStoreVersionDetail; created: boolean }> {
    const body = {
      data: {
        type: 'appStoreVersions',
        attributes: { platform, versionString, ...settings },
        relationships: {
          app: { data: { type: 'apps', id: appId } },
          ...(buildId ? { build: { data: { type: 'builds', id: buildId } } } : {}),
        },
      },
    };
    let readBack = false;
    const doc = await this.http.post<Document<AppStoreVersionDetail>>('/v1/appStoreVersions', body, {
      readBack: async () => {
        const existing = await this.find(appId, platform, versionString);
        readBack = existing !== undefined;
        return existing ? { data: existing } : undefined;
      },
    });
    return { version: doc.data, created: !readBack };
  }

  /** Sets attributes; a 409 is read back, and is no failure when the version already holds them. */
  async update(id: string, settings: AppStoreVersionSettings): Promise<AppStoreVersionDetail> {
    const body = { data: { type: 'appStoreVersions', id, attributes: settings } };
    const doc = await this.http.patch<Document<AppStoreVersionDetail>>(`/v1/appStoreVersions/${enc(id)}`, body, {
      readBack: async () => {
        const { version } = await this.get(id);
        return holds(version, settings) ? { data: version } : undefined;
      },
    });
    return doc.data;
  }

  /** Attaches the build; a 409 is no failure when the version already ships that build. */
  async attachBuild(id: string, buildId: string): Promise<void> {
    const body = { data: { type: 'builds', id: buildId } };
    await this.http.patch<Document<Build> | undefined>(`/v1/appStoreVersions/${enc(id)}/relationships/build`, body, {
      readBack: async () => {
        const { build } = await this.get(id);
        return build?.id === buildId ? { data: build } : undefined;
      },
    });
  }
}

/** Whether the version's attributes already equal the settings (dates compared as instants). */
export function holds(version: AppStoreVersionDetail, settings: AppStoreVersionSettings): boolean {
  const a = version.attributes ?? {};
  return (
    (settings.versionString === undefined || a.versionString === settings.versionString) &&
    (settings.copyright === undefined || a.copyright === settings.copyright) &&
    (settings.releaseType === undefined || a.releaseType === settings.releaseType) &&
    (settings.earliestReleaseDate === undefined ||
      (!!a.earliestReleaseDate && Date.parse(a.earliestReleaseDate) === Date.parse(settings.earliestReleaseDate)))
  );
}
