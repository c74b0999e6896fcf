import { enc } from './apps.js';
import { LIVE_STATES, versionState, type AppStoreVersionDetail } from './app-store-types.js';
import type { AscHttp } from './http.js';
import type { Document, ResourceObject } from './types.js';

/** Releases a version that waits in PENDING_DEVELOPER_RELEASE. */
export class ReleaseRequestsApi {
  constructor(private readonly http: AscHttp) {}

  /**
   * A release request cannot be read back, but its effect can: after a lost answer or a 409, a version
   * that has left PENDING_DEVELOPER_RELEASE for a live state (being released or released) was released,
   * and the request is not sent again.
   */
  async create(versionId: string): Promise<void> {
    const body = {
      data: {
        type: 'appStoreVersionReleaseRequests',
        relationships: { appStoreVersion: { data: { type: 'appStoreVersions', id: versionId } } },
      },
    };
    await this.http.post<Document<ResourceObject>>('/v1/appStoreVersionReleaseRequests', body, {
      readBack: async () => {
        const now = await this.http.get<Document<AppStoreVersionDetail>>(`/v1/appStoreVersions/${enc(versionId)}`);
        const state = versionState(now.data);
        return state && LIVE_STATES.includes(state) ? now : undefined;
      },
    });
  }
}
