import { enc } from './apps.js';
import type { AscHttp } from './http.js';
import type { BetaBuildLocalization, Document } from './types.js';

/** TestFlight "What to Test" notes, one resource per build and locale. */
export class BetaBuildLocalizationsApi {
  constructor(private readonly http: AscHttp) {}

  list(buildId: string): Promise<BetaBuildLocalization[]> {
    return this.http.getAll<BetaBuildLocalization>(`/v1/builds/${enc(buildId)}/betaBuildLocalizations`, { limit: 200 });
  }

  async create(buildId: string, locale: string, whatsNew: string): Promise<BetaBuildLocalization> {
    const body = {
      data: {
        type: 'betaBuildLocalizations',
        attributes: { locale, whatsNew },
        relationships: { build: { data: { type: 'builds', id: buildId } } },
      },
    };
    return (await this.http.post<Document<BetaBuildLocalization>>('/v1/betaBuildLocalizations', body)).data;
  }

  async update(id: string, whatsNew: string): Promise<BetaBuildLocalization> {
    const body = { data: { type: 'betaBuildLocalizations', id, attributes: { whatsNew } } };
    return (await this.http.patch<Document<BetaBuildLocalization>>(`/v1/betaBuildLocalizations/${enc(id)}`, body)).data;
  }
}
