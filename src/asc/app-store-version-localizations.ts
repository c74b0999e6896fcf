import { enc } from './apps.js';
import type { AppStoreVersionLocalization } from './app-store-types.js';
import type { AscHttp } from './http.js';
import type { Document } from './types.js';

/** The store listing of a version, one resource per locale ("What's New" lives here). */
export class AppStoreVersionLocalizationsApi {
  constructor(private readonly http: AscHttp) {}

  list(versionId: string): Promise<AppStoreVersionLocalization[]> {
    return this.http.getAll<AppStoreVersionLocalization>(`/v1/appStoreVersions/${enc(versionId)}/appStoreVersionLocalizations`, {
      limit: 200,
    });
  }

  /** Setting a text is idempotent: a repeat after a lost answer writes the same value again. */
  async updateWhatsNew(id: string, whatsNew: string): Promise<AppStoreVersionLocalization> {
    const body = { data: { type: 'appStoreVersionLocalizations', id, attributes: { whatsNew } } };
    return (
      await this.http.patch<Document<AppStoreVersionLocalization>>(`/v1/appStoreVersionLocalizations/${enc(id)}`, body, {
        repeatable: true,
      })
    ).data;
  }
}
