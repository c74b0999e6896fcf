import { enc } from './apps.js';
import type { AscHttp } from './http.js';
import type { BuildBetaDetail, BuildBetaNotification, Document } from './types.js';

export class BuildBetaDetailsApi {
  constructor(private readonly http: AscHttp) {}

  async forBuild(buildId: string): Promise<BuildBetaDetail> {
    return (await this.http.get<Document<BuildBetaDetail>>(`/v1/builds/${enc(buildId)}/buildBetaDetail`)).data;
  }

  /** Emails testers about the build (for groups where automatic notification is off). */
  async notifyTesters(buildId: string): Promise<BuildBetaNotification> {
    const body = { data: { type: 'buildBetaNotifications', relationships: { build: { data: { type: 'builds', id: buildId } } } } };
    return (await this.http.post<Document<BuildBetaNotification>>('/v1/buildBetaNotifications', body)).data;
  }
}
