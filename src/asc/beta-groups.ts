import type { AscHttp } from './http.js';
import type { BetaGroup } from './types.js';

export class BetaGroupsApi {
  constructor(private readonly http: AscHttp) {}

  /** An app's beta groups; with `buildId`, only the groups that already have that build. */
  list(appId: string, options: { buildId?: string } = {}): Promise<BetaGroup[]> {
    return this.http.getAll<BetaGroup>('/v1/betaGroups', {
      'filter[app]': appId,
      'filter[builds]': options.buildId,
      'fields[betaGroups]': 'name,isInternalGroup,hasAccessToAllBuilds,publicLinkEnabled,publicLink',
      limit: 200,
    });
  }
}
