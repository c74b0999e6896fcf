import { enc } from './apps.js';
import type { AscHttp } from './http.js';
import type { BetaBuildLocalization, Document } from './types.js';

type NoteChange = 'created' | 'updated' | 'unchanged';

/** TestFlight "What to Test" notes, one resource per build and locale. */
export class BetaBuildLocalizationsApi {
  constructor(private readonly http: AscHttp) {}

  list(buildId: string): Promise<BetaBuildLocalization[]> {
    return this.http.getAll<BetaBuildLocalization>(`/v1/builds/${enc(buildId)}/betaBuildLocalizations`, { limit: 200 });
  }

  /**
   * Sets the build's text for a locale, creating the localization or updating it. Apple creates the
   * primary locale itself, possibly between a read and a create: the 409 then names a localization
   * that exists, which is updated.
   */
  async put(buildId: string, locale: string, whatsNew: string, known?: BetaBuildLocalization[]): Promise<NoteChange> {
    const find = async () => (await this.list(buildId)).find((l) => l.attributes?.locale === locale);
    let current = known ? known.find((l) => l.attributes?.locale === locale) : await find();
    if (!current) {
      current = await this.create(buildId, locale, whatsNew, find);
      if ((current.attributes?.whatsNew ?? '') === whatsNew) return 'created';
    }
    if ((current.attributes?.whatsNew ?? '') === whatsNew) return 'unchanged';
    await this.update(current.id, whatsNew);
    return 'updated';
  }

  private async create(
    buildId: string,
    locale: string,
    whatsNew: string,
    find: () => Promise<BetaBuildLocalization | undefined>,
  ): Promise<BetaBuildLocalization> {
    const body = {
      data: {
        type: 'betaBuildLocalizations',
        attributes: { locale, whatsNew },
        relationships: { build: { data: { type: 'builds', id: buildId } } },
      },
    };
    const doc = await this.http.post<Document<BetaBuildLocalization>>('/v1/betaBuildLocalizations', body, {
      readBack: async () => {
        const existing = await find();
        return existing ? { data: existing } : undefined;
      },
    });
    return doc.data;
  }

  async update(id: string, whatsNew: string): Promise<BetaBuildLocalization> {
    const body = { data: { type: 'betaBuildLocalizations', id, attributes: { whatsNew } } };
    const path = `/v1/betaBuildLocalizations/${enc(id)}`;
    const doc = await this.http.patch<Document<BetaBuildLocalization>>(path, body, {
      readBack: async () => {
        const now = await this.http.get<Document<BetaBuildLocalization>>(path);
        return (now.data.attributes?.whatsNew ?? '') === whatsNew ? now : undefined;
      },
    });
    return doc.data;
  }
}
