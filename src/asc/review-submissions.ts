import type { Platform } from '../domain.js';
import { enc } from './apps.js';
import type { AppStoreVersionDetail, ReviewSubmission, ReviewSubmissionItem, ReviewSubmissionState } from './app-store-types.js';
import { AscApiError } from './errors.js';
import type { AscHttp } from './http.js';
import { relatedId, type Document } from './types.js';

/** A version held by a just-cancelled submission: tried this many times, this far apart (about 8 s in all). */
const HELD_VERSION_TRIES = 5;
const HELD_VERSION_WAIT_MS = 2_000;

/** Every state but COMPLETE: a submission in one of these is still open (one per platform at Apple). */
const OPEN_SUBMISSION_STATES: readonly ReviewSubmissionState[] = [
  'READY_FOR_REVIEW',
  'WAITING_FOR_REVIEW',
  'IN_REVIEW',
  'UNRESOLVED_ISSUES',
  'CANCELING',
  'COMPLETING',
];

const SENT_STATES: readonly ReviewSubmissionState[] = ['WAITING_FOR_REVIEW', 'IN_REVIEW', 'COMPLETING', 'COMPLETE'];

export interface SubmissionItem {
  item: ReviewSubmissionItem;
  /** The App Store version the item submits, when it submits one (other items: events, in-app purchases…). */
  versionId?: string;
  version?: AppStoreVersionDetail;
}

/** App Review submissions (the API that replaced appStoreVersionSubmissions) and their items. */
export class ReviewSubmissionsApi {
  constructor(private readonly http: AscHttp) {}

  /**
   * Open submissions of the app for one platform. The platform filter is required: without it Apple
   * also returns the drafts of the app's other platforms.
   */
  listOpen(appId: string, platform: Platform): Promise<ReviewSubmission[]> {
    return this.http.getAll<ReviewSubmission>('/v1/reviewSubmissions', {
      'filter[app]': appId,
      'filter[platform]': platform,
      'filter[state]': OPEN_SUBMISSION_STATES,
      limit: 200,
    });
  }

  async get(id: string): Promise<ReviewSubmission> {
    return (await this.http.get<Document<ReviewSubmission>>(`/v1/reviewSubmissions/${enc(id)}`)).data;
  }

  /** Creates a draft; on a 409 (a lost answer, an overlapping run) an empty draft of the platform is read back. */
  async create(appId: string, platform: Platform): Promise<ReviewSubmission> {
    const body = {
      data: {
        type: 'reviewSubmissions',
        attributes: { platform },
        relationships: { app: { data: { type: 'apps', id: appId } } },
      },
    };
    const doc = await this.http.post<Document<ReviewSubmission>>('/v1/reviewSubmissions', body, {
      readBack: async () => {
        for (const draft of (await this.listOpen(appId, platform)).filter((s) => s.attributes?.state === 'READY_FOR_REVIEW')) {
          if ((await this.items(draft.id)).length === 0) return { data: draft };
        }
        return undefined;
      },
    });
    return doc.data;
  }

  async items(submissionId: string): Promise<SubmissionItem[]> {
    const items: SubmissionItem[] = [];
    for await (const page of this.http.pages<ReviewSubmissionItem>(`/v1/reviewSubmissions/${enc(submissionId)}/items`, {
      include: 'appStoreVersion',
      limit: 200,
    })) {
      for (const item of page.data) {
        const versionId = relatedId(item, 'appStoreVersion');
        const version = page.included?.find((r): r is AppStoreVersionDetail => r.type === 'appStoreVersions' && r.id === versionId);
        items.push({ item, versionId, version });
      }
    }
    return items;
  }

  /**
   * Adds the version; a 409 is no failure when the submission already holds it. A just-cancelled
   * submission still holds its version for a few seconds (409 "… already in another reviewSubmission …
   * still in progress"; the asc CLI retries about 4 s, commit 21384c75): that 409 is retried briefly.
   */
  async addVersion(submissionId: string, versionId: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.addVersionOnce(submissionId, versionId);
      } catch (error) {
        const held = error instanceof AscApiError && error.status === 409 && error.mentions('still in progress');
        if (!held || attempt >= HELD_VERSION_TRIES) throw error;
        this.http.log.info(
          `The App Store version is still held by a submission being withdrawn; trying again in ${HELD_VERSION_WAIT_MS / 1000} s.`,
        );
        await this.http.wait(HELD_VERSION_WAIT_MS);
      }
    }
  }

  private async addVersionOnce(submissionId: string, versionId: string): Promise<void> {
    const body = {
      data: {
        type: 'reviewSubmissionItems',
        relationships: {
          reviewSubmission: { data: { type: 'reviewSubmissions', id: submissionId } },
          appStoreVersion: { data: { type: 'appStoreVersions', id: versionId } },
        },
      },
    };
    await this.http.post<Document<ReviewSubmissionItem>>('/v1/reviewSubmissionItems', body, {
      readBack: async () => {
        const held = (await this.items(submissionId)).find((i) => i.versionId === versionId);
        return held ? { data: held.item } : undefined;
      },
    });
  }

  /** Sends the submission to App Review; a 409 is no failure when it has been sent already. */
  submit(id: string): Promise<ReviewSubmission> {
    return this.change(id, { submitted: true }, SENT_STATES);
  }

  /** Withdraws it from review; a 409 is no failure when it is being (or has been) withdrawn. */
  cancel(id: string): Promise<ReviewSubmission> {
    return this.change(id, { canceled: true }, ['CANCELING', 'COMPLETE']);
  }

  private async change(
    id: string,
    attributes: { submitted?: boolean; canceled?: boolean },
    doneStates: readonly ReviewSubmissionState[],
  ): Promise<ReviewSubmission> {
    const body = { data: { type: 'reviewSubmissions', id, attributes } };
    const doc = await this.http.patch<Document<ReviewSubmission>>(`/v1/reviewSubmissions/${enc(id)}`, body, {
      readBack: async () => {
        const now = await this.get(id);
        return doneStates.includes(now.attributes?.state as ReviewSubmissionState) ? { data: now } : undefined;
      },
    });
    return doc.data;
  }
}
