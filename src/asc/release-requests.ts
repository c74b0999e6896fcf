import type { AppStoreVersionReleaseRequest } from './app-store-types.js';
import type { AscHttp } from './http.js';
import type { Document } from './types.js';

/** Releases a version that waits in PENDING_DEVELOPER_RELEASE. */
export class ReleaseRequestsApi {
  constructor(private readonly http: AscHttp) {}

  /** Not idempotent by itself: callers read the version's state first and after a 409. */
  async create(versionId: string): Promise<AppStoreVersionReleaseRequest> {
    const body = {
      data: {
        type: 'appStoreVersionReleaseRequests',
        relationships: { appStoreVersion: { data: { type: 'appStoreVersions', id: versionId } } },
      },
    };
    return (await this.http.post<Document<AppStoreVersionReleaseRequest>>('/v1/appStoreVersionReleaseRequests', body)).data;
  }
}
