import { enc } from './apps.js';
import { changedAttributes } from './changed-attributes.js';
import type { AscHttp } from './http.js';
import type { BetaAppReviewDetail, Document } from './types.js';

export type BetaAppReviewDetailFields = NonNullable<BetaAppReviewDetail['attributes']>;

/** The app's Beta App Review information: contact, demo account, notes (one per app, made by Apple). */
export class BetaAppReviewDetailsApi {
  constructor(private readonly http: AscHttp) {}

  async forApp(appId: string): Promise<BetaAppReviewDetail> {
    return (await this.http.get<Document<BetaAppReviewDetail>>(`/v1/apps/${enc(appId)}/betaAppReviewDetail`)).data;
  }

  /**
   * Sends only the fields that differ from `current`; returns their names (none: nothing sent). A lost
   * answer is read back, so an update Apple made is never sent twice.
   */
  async update(current: BetaAppReviewDetail, wanted: BetaAppReviewDetailFields): Promise<string[]> {
    const fields = differences(current, wanted);
    const names = Object.keys(fields);
    if (!names.length) return [];
    const path = `/v1/betaAppReviewDetails/${enc(current.id)}`;
    await this.http.patch<Document<BetaAppReviewDetail>>(
      path,
      { data: { type: 'betaAppReviewDetails', id: current.id, attributes: fields } },
      {
        readBack: async () => {
          const now = await this.http.get<Document<BetaAppReviewDetail>>(path);
          return Object.keys(differences(now.data, fields)).length ? undefined : now;
        },
      },
    );
    return names;
  }
}

/** The fields of `wanted` that Apple's review detail does not hold yet. */
export function differences(current: BetaAppReviewDetail, wanted: BetaAppReviewDetailFields): BetaAppReviewDetailFields {
  return changedAttributes(current.attributes, wanted);
}
