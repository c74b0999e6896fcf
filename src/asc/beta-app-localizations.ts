import { enc } from './apps.js';
import { changedAttributes } from './changed-attributes.js';
import type { AscHttp } from './http.js';
import type { BetaAppLocalization, Document } from './types.js';

/** The texts of one locale of the app's TestFlight Test Information. */
export type BetaAppLocalizationFields = Partial<Record<'description' | 'feedbackEmail' | 'marketingUrl' | 'privacyPolicyUrl', string>>;

export type LocalizationChange = 'created' | 'updated' | 'unchanged';

/** The app's TestFlight Test Information per locale: beta app description, feedback e-mail, URLs. */
export class BetaAppLocalizationsApi {
  constructor(private readonly http: AscHttp) {}

  list(appId: string): Promise<BetaAppLocalization[]> {
    return this.http.getAll<BetaAppLocalization>(`/v1/apps/${enc(appId)}/betaAppLocalizations`, { limit: 200 });
  }

  /**
   * Makes the locale say `wanted`: created when the app lacks the locale, else only the fields that
   * differ are sent. A create whose answer was lost (or a 409 because another run made it) is read back.
   */
  async put(appId: string, locale: string, wanted: BetaAppLocalizationFields, known?: BetaAppLocalization[]): Promise<LocalizationChange> {
    const find = async () => (await this.list(appId)).find((l) => l.attributes?.locale === locale);
    let current = known ? known.find((l) => l.attributes?.locale === locale) : await find();
    let change: LocalizationChange = 'updated';
    if (!current) {
      current = await this.create(appId, locale, wanted, find);
      change = 'created';
    }
    const differing = differences(current, wanted);
    if (!Object.keys(differing).length) return change === 'created' ? 'created' : 'unchanged';
    await this.update(current.id, differing);
    return change;
  }

  private async create(
    appId: string,
    locale: string,
    wanted: BetaAppLocalizationFields,
    find: () => Promise<BetaAppLocalization | undefined>,
  ): Promise<BetaAppLocalization> {
    const body = {
      data: {
        type: 'betaAppLocalizations',
        attributes: { locale, ...wanted },
        relationships: { app: { data: { type: 'apps', id: appId } } },
      },
    };
    const doc = await this.http.post<Document<BetaAppLocalization>>('/v1/betaAppLocalizations', body, {
      readBack: async () => {
        const existing = await find();
        return existing ? { data: existing } : undefined;
      },
    });
    return doc.data;
  }

  private async update(id: string, fields: BetaAppLocalizationFields): Promise<void> {
    const path = `/v1/betaAppLocalizations/${enc(id)}`;
    await this.http.patch<Document<BetaAppLocalization>>(
      path,
      { data: { type: 'betaAppLocalizations', id, attributes: fields } },
      {
        readBack: async () => {
          const now = await this.http.get<Document<BetaAppLocalization>>(path);
          return Object.keys(differences(now.data, fields)).length ? undefined : now;
        },
      },
    );
  }
}

/** The fields of `wanted` that Apple's localization does not hold yet. */
export function differences(current: BetaAppLocalization, wanted: BetaAppLocalizationFields): BetaAppLocalizationFields {
  return changedAttributes(current.attributes, wanted);
}
