import type { Platform } from '../domain.js';
import { enc } from './apps.js';
import type { AscHttp } from './http.js';
import { relatedId, type Build, type BuildBetaDetail, type Document, type PreReleaseVersion } from './types.js';

export interface BuildQuery {
  appId: string;
  /** CFBundleVersion. */
  buildNumber?: string;
  /** CFBundleShortVersionString. */
  version?: string;
  platform?: Platform;
  expired?: boolean;
}

export class BuildsApi {
  constructor(private readonly http: AscHttp) {}

  async get(id: string): Promise<Build> {
    return (await this.http.get<Document<Build>>(`/v1/builds/${enc(id)}`)).data;
  }

  /** Builds of an app, newest upload first, with their pre-release version included. */
  async list(q: BuildQuery): Promise<{ builds: Build[]; preReleaseVersions: PreReleaseVersion[] }> {
    const builds: Build[] = [];
    const versions = new Map<string, PreReleaseVersion>();
    for await (const page of this.http.pages<Build>('/v1/builds', {
      'filter[app]': q.appId,
      'filter[version]': q.buildNumber,
      'filter[preReleaseVersion.version]': q.version,
      'filter[preReleaseVersion.platform]': q.platform,
      'filter[expired]': q.expired === undefined ? undefined : String(q.expired),
      sort: '-uploadedDate',
      include: 'preReleaseVersion',
      limit: 200,
    })) {
      builds.push(...page.data);
      for (const r of page.included ?? []) if (r.type === 'preReleaseVersions') versions.set(r.id, r as PreReleaseVersion);
    }
    return { builds, preReleaseVersions: [...versions.values()] };
  }

  /** The build and its TestFlight state in one request. */
  async getWithBetaDetail(id: string): Promise<{ build: Build; betaDetail?: BuildBetaDetail }> {
    const doc = await this.http.get<Document<Build>>(`/v1/builds/${enc(id)}`, { include: 'buildBetaDetail' });
    const detailId = relatedId(doc.data, 'buildBetaDetail');
    const betaDetail = doc.included?.find((r): r is BuildBetaDetail => r.type === 'buildBetaDetails' && (!detailId || r.id === detailId));
    return { build: doc.data, betaDetail };
  }

  async update(id: string, attributes: { usesNonExemptEncryption?: boolean; expired?: boolean }): Promise<Build> {
    return (await this.http.patch<Document<Build>>(`/v1/builds/${enc(id)}`, { data: { type: 'builds', id, attributes } })).data;
  }

  async addToBetaGroups(buildId: string, groupIds: string[]): Promise<void> {
    await this.http.post(`/v1/builds/${enc(buildId)}/relationships/betaGroups`, {
      data: groupIds.map((id) => ({ type: 'betaGroups', id })),
    });
  }
}
