import { enc } from './apps.js';
import type { AscHttp } from './http.js';
import type { BuildBetaDetail, BuildBetaNotification, Document } from './types.js';

export class BuildBetaDetailsApi {
  constructor(private readonly http: AscHttp) {}

  async forBuild(buildId: string): Promise<BuildBetaDetail> {
    return (await this.http.get<Document<BuildBetaDetail>>(`/v1/builds/${enc(buildId)}/buildBetaDetail`)).data;
  }

  /** With automatic notification on, Apple tells testers when the build becomes available to them. */
  async setAutoNotify(detailId: string, enabled: boolean): Promise<BuildBetaDetail> {
    const body = { data: { type: 'buildBetaDetails', id: detailId, attributes: { autoNotifyEnabled: enabled } } };
    const path = `/v1/buildBetaDetails/${enc(detailId)}`;
    const doc = await this.http.patch<Document<BuildBetaDetail>>(path, body, {
      readBack: async () => {
        const now = await this.http.get<Document<BuildBetaDetail>>(path);
        return now.data.attributes?.autoNotifyEnabled === enabled ? now : undefined;
      },
    });
    return doc.data;
  }

  /**
   * Emails testers about the build (for groups where automatic notification is off). A notification
   * cannot be read back, so one whose answer was lost is not sent again (an AnswerLostError): testers
   * are told at most once.
   */
  async notifyTesters(buildId: string): Promise<BuildBetaNotification> {
    const body = { data: { type: 'buildBetaNotifications', relationships: { build: { data: { type: 'builds', id: buildId } } } } };
    return (await this.http.post<Document<BuildBetaNotification>>('/v1/buildBetaNotifications', body, {})).data;
  }
}
