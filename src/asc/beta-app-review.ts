import type { AscHttp } from './http.js';
import type { BetaAppReviewSubmission, Document } from './types.js';

export class BetaAppReviewSubmissionsApi {
  constructor(private readonly http: AscHttp) {}

  async forBuild(buildId: string): Promise<BetaAppReviewSubmission | undefined> {
    const page = await this.http.get<Document<BetaAppReviewSubmission[]>>('/v1/betaAppReviewSubmissions', {
      'filter[build]': buildId,
      limit: 1,
    });
    return page.data[0];
  }

  /** Submits the build; a submission that exists already (a lost answer, an overlapping run) is the one returned. */
  async create(buildId: string): Promise<BetaAppReviewSubmission> {
    const body = { data: { type: 'betaAppReviewSubmissions', relationships: { build: { data: { type: 'builds', id: buildId } } } } };
    const doc = await this.http.post<Document<BetaAppReviewSubmission>>('/v1/betaAppReviewSubmissions', body, {
      readBack: async () => {
        const existing = await this.forBuild(buildId);
        return existing ? { data: existing } : undefined;
      },
    });
    return doc.data;
  }
}
