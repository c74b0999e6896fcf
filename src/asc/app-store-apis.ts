import { AppStoreVersionLocalizationsApi } from './app-store-version-localizations.js';
import { AppStoreVersionsApi } from './app-store-versions.js';
import type { AscHttp } from './http.js';
import { PhasedReleasesApi } from './phased-releases.js';
import { ReleaseRequestsApi } from './release-requests.js';
import { ReviewSubmissionsApi } from './review-submissions.js';

/** The App Store side of App Store Connect: versions, What's New, phased release, release, App Review. */
export class AppStoreApis {
  readonly versions: AppStoreVersionsApi;
  readonly localizations: AppStoreVersionLocalizationsApi;
  readonly phasedReleases: PhasedReleasesApi;
  readonly releaseRequests: ReleaseRequestsApi;
  readonly reviewSubmissions: ReviewSubmissionsApi;

  constructor(http: AscHttp) {
    this.versions = new AppStoreVersionsApi(http);
    this.localizations = new AppStoreVersionLocalizationsApi(http);
    this.phasedReleases = new PhasedReleasesApi(http);
    this.releaseRequests = new ReleaseRequestsApi(http);
    this.reviewSubmissions = new ReviewSubmissionsApi(http);
  }
}
