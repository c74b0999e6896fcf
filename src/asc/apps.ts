import type { AscHttp } from './http.js';
import type { App, Document } from './types.js';

export class AppsApi {
  constructor(private readonly http: AscHttp) {}

  async get(id: string): Promise<App> {
    return (await this.http.get<Document<App>>(`/v1/apps/${enc(id)}`)).data;
  }

  /** The app with exactly this bundle ID (Apple's filter also matches prefixes of longer IDs). */
  async findByBundleId(bundleId: string): Promise<App | undefined> {
    const apps = await this.http.getAll<App>('/v1/apps', {
      'filter[bundleId]': bundleId,
      'fields[apps]': 'name,bundleId,sku,primaryLocale',
      limit: 200,
    });
    return apps.find((a) => a.attributes?.bundleId === bundleId);
  }

  /** How many apps this key can see: helps explain a lookup that found nothing. */
  async countVisible(): Promise<number> {
    const page = await this.http.get<Document<App[]>>('/v1/apps', { 'fields[apps]': 'bundleId', limit: 1 });
    return page.meta?.paging?.total ?? page.data.length;
  }
}

export const enc = encodeURIComponent;
