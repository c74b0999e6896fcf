import type { Platform } from '../domain.js';
import { enc } from './apps.js';
import type { AscHttp } from './http.js';
import { relatedId, type Build, type BuildBetaDetail, type Document, type PreReleaseVersion, type ProcessingState } from './types.js';

/**
 * Without `filter[processingState]` Apple lists only VALID builds (`asc` CLI #759; fastlane
 * always sends all four): a lookup that must see a build still processing asks for every state.
 */
const ALL_PROCESSING_STATES: readonly ProcessingState[] = ['PROCESSING', 'FAILED', 'INVALID', 'VALID'];

export interface BuildQuery {
  appId: string;
  /** CFBundleVersion. */
  buildNumber?: string;
  /** CFBundleShortVersionString. */
  version?: string;
  platform?: Platform;
  expired?: boolean;
  /** Also builds still processing, or that failed (Apple's default is VALID only). */
  anyState?: boolean;
}

export class BuildsApi {
  constructor(private readonly http: AscHttp) {}

  async get(id: string): Promise<Build> {
    return (await this.http.get<Document<Build>>(`/v1/builds/${enc(id)}`)).data;
  }

  /**
   * Builds of an app, newest upload first, with their pre-release version included. Each build once:
   * Apple can list the same build twice (fastlane #22248, a "1.0" and a "1.0.0" train). Apple's filters
   * match loosely (`filter[preReleaseVersion.version]=1.1` also returns the 1.1.0 train, asc CLI
   * e7645df9): version, build number and platform are matched exactly here, for every caller.
   */
  async list(q: BuildQuery): Promise<{ builds: Build[]; preReleaseVersions: PreReleaseVersion[] }> {
    const builds = new Map<string, Build>();
    const versions = new Map<string, PreReleaseVersion>();
    for await (const page of this.http.pages<Build>('/v1/builds', {
      'filter[app]': q.appId,
      'filter[version]': q.buildNumber,
      'filter[preReleaseVersion.version]': q.version,
      'filter[preReleaseVersion.platform]': q.platform,
      'filter[expired]': q.expired === undefined ? undefined : String(q.expired),
      'filter[processingState]': q.anyState ? ALL_PROCESSING_STATES : undefined,
      sort: '-uploadedDate',
      include: 'preReleaseVersion',
      limit: 200,
    })) {
      for (const build of page.data) if (!builds.has(build.id)) builds.set(build.id, build);
      for (const r of page.included ?? []) if (r.type === 'preReleaseVersions') versions.set(r.id, r as PreReleaseVersion);
    }
    const exact = [...builds.values()].filter((b) => {
      if (q.buildNumber !== undefined && b.attributes?.version !== q.buildNumber) return false;
      if (q.version === undefined && q.platform === undefined) return true;
      const train = versions.get(relatedId(b, 'preReleaseVersion') ?? '');
      return (
        (q.version === undefined || train?.attributes?.version === q.version) &&
        (q.platform === undefined || train?.attributes?.platform === q.platform)
      );
    });
    return { builds: exact, preReleaseVersions: [...versions.values()] };
  }

  /** The build and its TestFlight state in one request. */
  async getWithBetaDetail(id: string): Promise<{ build: Build; betaDetail?: BuildBetaDetail }> {
    const doc = await this.http.get<Document<Build>>(`/v1/builds/${enc(id)}`, { include: 'buildBetaDetail' });
    const detailId = relatedId(doc.data, 'buildBetaDetail');
    const betaDetail = doc.included?.find((r): r is BuildBetaDetail => r.type === 'buildBetaDetails' && (!detailId || r.id === detailId));
    return { build: doc.data, betaDetail };
  }

  /**
   * Answers export compliance. Apple refuses a second answer (409): when the build already holds this
   * one (an overlapping run, or our own write whose answer was lost), that is success.
   */
  async setUsesNonExemptEncryption(id: string, value: boolean): Promise<Build> {
    return this.update(id, { usesNonExemptEncryption: value }, (b) => b.attributes?.usesNonExemptEncryption === value);
  }

  /** Expires a build; one already expired is what was wanted (Apple answers 409 to a second expiry). */
  async expire(id: string): Promise<Build> {
    return this.update(id, { expired: true }, (b) => b.attributes?.expired === true);
  }

  private async update(id: string, attributes: Record<string, unknown>, holds: (b: Build) => boolean): Promise<Build> {
    const body = { data: { type: 'builds', id, attributes } };
    const doc = await this.http.patch<Document<Build>>(`/v1/builds/${enc(id)}`, body, {
      readBack: async () => {
        const build = await this.get(id);
        return holds(build) ? { data: build } : undefined;
      },
    });
    return doc.data;
  }

  /** Adds the build to beta groups; adding it to a group that has it changes nothing, so it is safe to repeat. */
  async addToBetaGroups(buildId: string, groupIds: string[]): Promise<void> {
    await this.http.post(
      `/v1/builds/${enc(buildId)}/relationships/betaGroups`,
      { data: groupIds.map((id) => ({ type: 'betaGroups', id })) },
      { repeatable: true },
    );
  }
}
