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
    const doc = await this.http.post<Document<AppStoreVersionPhasedRelease>>('/v1/appStoreVersionPhasedReleases', body, {
      readBack: async () => {
        const existing = await this.forVersion(versionId);
        return existing ? { data: existing } : undefined;
      },
    });
    return doc.data;
  }

  /** Removes it (already gone is what was wanted). */
  async delete(id: string): Promise<void> {
    await this.http.delete(`/v1/appStoreVersionPhasedReleases/${enc(id)}`);
  }

  /** Releases to every user now; a 409 when it is COMPLETE already is no failure. */
  complete(id: string, versionId: string): Promise<AppStoreVersionPhasedRelease> {
    return this.setState(id, versionId, 'COMPLETE');
  }

  /** Pauses (`PAUSED`), resumes (`ACTIVE`) or completes it; a lost answer or a 409 is no failure when it is in that state already. */
  async setState(id: string, versionId: string, wanted: 'PAUSED' | 'ACTIVE' | 'COMPLETE'): Promise<AppStoreVersionPhasedRelease> {
    const body = { data: { type: 'appStoreVersionPhasedReleases', id, attributes: { phasedReleaseState: wanted } } };
    const doc = await this.http.patch<Document<AppStoreVersionPhasedRelease>>(`/v1/appStoreVersionPhasedReleases/${enc(id)}`, body, {
      readBack: async () => {
        const now = await this.forVersion(versionId);
        return now?.attributes?.phasedReleaseState === wanted ? { data: now } : undefined;
      },
    });
    return doc.data;
  }
}
