import { enc } from './apps.js';
import type { AppStoreVersionPhasedRelease } from './app-store-types.js';
import { AscApiError } from './errors.js';
import type { AscHttp } from './http.js';
import type { Document } from './types.js';

/** A version's phased release (7-day rollout to users with automatic updates). */
export class PhasedReleasesApi {
  constructor(private readonly http: AscHttp) {}

  /** The version's phased release, or undefined when it has none. */
  async forVersion(versionId: string): Promise<AppStoreVersionPhasedRelease | undefined> {
    try {
      const doc = await this.http.get<Document<AppStoreVersionPhasedRelease | null>>(
        `/v1/appStoreVersions/${enc(versionId)}/appStoreVersionPhasedRelease`,
      );
      return doc.data ?? undefined;
    } catch (error) {
      if (error instanceof AscApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** Creates it; a 409 because one exists already (a lost answer, an overlapping run) returns that one. */
  async create(versionId: string): Promise<AppStoreVersionPhasedRelease> {
    const body = {
      data: {
        type: 'appStoreVersionPhasedReleases',
        attributes: { phasedReleaseState: 'INACTIVE' },
        relationships: { appStoreVersion: { data: { type: 'appStoreVersions', id: versionId } } },
      },
    };
    try {
      return (await this.http.post<Document<AppStoreVersionPhasedRelease>>('/v1/appStoreVersionPhasedReleases', body)).data;
    } catch (error) {
      if (!(error instanceof AscApiError && error.status === 409)) throw error;
      const existing = await this.forVersion(versionId);
      if (!existing) throw error;
      return existing;
    }
  }

  /** Removes it; already gone (404) is what was wanted. */
  async delete(id: string): Promise<void> {
    try {
      await this.http.delete(`/v1/appStoreVersionPhasedReleases/${enc(id)}`);
    } catch (error) {
      if (!(error instanceof AscApiError && error.status === 404)) throw error;
    }
  }

  /** Releases to every user now; a 409 when it is COMPLETE already is no failure. */
  async complete(id: string, versionId: string): Promise<AppStoreVersionPhasedRelease> {
    const body = { data: { type: 'appStoreVersionPhasedReleases', id, attributes: { phasedReleaseState: 'COMPLETE' } } };
    try {
      return (await this.http.patch<Document<AppStoreVersionPhasedRelease>>(`/v1/appStoreVersionPhasedReleases/${enc(id)}`, body)).data;
    } catch (error) {
      if (!(error instanceof AscApiError && error.status === 409)) throw error;
      const now = await this.forVersion(versionId);
      if (now?.attributes?.phasedReleaseState !== 'COMPLETE') throw error;
      return now;
    }
  }
}
