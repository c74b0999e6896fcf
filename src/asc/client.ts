import type { KeyObject } from 'node:crypto';
import type { Logger } from '../runtime.js';
import type { RetryPolicy, Sleep } from '../net/retry.js';
import { AppStoreApis } from './app-store-apis.js';
import { AppsApi } from './apps.js';
import { loadPrivateKey, TokenProvider } from './auth.js';
import { BetaAppLocalizationsApi } from './beta-app-localizations.js';
import { BetaAppReviewDetailsApi } from './beta-app-review-details.js';
import { BetaAppReviewSubmissionsApi } from './beta-app-review.js';
import { BetaBuildLocalizationsApi } from './beta-build-localizations.js';
import { BetaGroupsApi } from './beta-groups.js';
import { BuildBetaDetailsApi } from './build-beta-details.js';
import { BuildUploadsApi } from './build-uploads.js';
import { BuildsApi } from './builds.js';
import { AscHttp } from './http.js';
import { WebhookDeliveriesApi } from './webhook-deliveries.js';
import { WebhookPingsApi } from './webhook-pings.js';
import { WebhooksApi } from './webhooks.js';

/** App Store Connect, one property per resource family, over one HTTP core. */
export class AppStoreConnect {
  readonly apps: AppsApi;
  readonly builds: BuildsApi;
  readonly buildUploads: BuildUploadsApi;
  readonly localizations: BetaBuildLocalizationsApi;
  readonly betaReview: BetaAppReviewSubmissionsApi;
  readonly betaDetails: BuildBetaDetailsApi;
  readonly betaGroups: BetaGroupsApi;
  readonly betaAppLocalizations: BetaAppLocalizationsApi;
  readonly betaAppReviewDetails: BetaAppReviewDetailsApi;
  readonly appStore: AppStoreApis;
  readonly webhooks: WebhooksApi;
  readonly webhookPings: WebhookPingsApi;
  readonly webhookDeliveries: WebhookDeliveriesApi;

  constructor(readonly http: AscHttp) {
    this.apps = new AppsApi(http);
    this.builds = new BuildsApi(http);
    this.buildUploads = new BuildUploadsApi(http);
    this.localizations = new BetaBuildLocalizationsApi(http);
    this.betaReview = new BetaAppReviewSubmissionsApi(http);
    this.betaDetails = new BuildBetaDetailsApi(http);
    this.betaGroups = new BetaGroupsApi(http);
    this.betaAppLocalizations = new BetaAppLocalizationsApi(http);
    this.betaAppReviewDetails = new BetaAppReviewDetailsApi(http);
    this.appStore = new AppStoreApis(http);
    this.webhooks = new WebhooksApi(http);
    this.webhookPings = new WebhookPingsApi(http);
    this.webhookDeliveries = new WebhookDeliveriesApi(http);
  }
}

export interface ConnectOptions {
  apiUrl: string;
  keyId: string;
  issuerId?: string;
  /** The `private-key` input as given, or the key already read from it (so it is parsed once per run). */
  privateKey: string | KeyObject;
  log: Logger;
  now?: () => number;
  timeoutMs?: number;
  retry?: RetryPolicy;
  sleep?: Sleep;
  /** `dry-run`: the client refuses every write. */
  readOnly?: boolean;
}

/** Checks the key (InputError on a bad one) and returns a client whose tokens are masked as they are signed. */
export function connect(options: ConnectOptions): AppStoreConnect {
  const key = typeof options.privateKey === 'string' ? loadPrivateKey(options.privateKey) : options.privateKey;
  const tokens = new TokenProvider({
    keyId: options.keyId,
    issuerId: options.issuerId,
    key,
    now: options.now,
    onToken: (t) => options.log.mask(t),
  });
  return new AppStoreConnect(
    new AscHttp({
      baseUrl: options.apiUrl,
      tokens,
      log: options.log,
      timeoutMs: options.timeoutMs,
      retry: options.retry,
      sleep: options.sleep,
      readOnly: options.readOnly,
    }),
  );
}
