/**
 * A fake App Store Connect API on 127.0.0.1 for tests and demos: Apple's auth, contract (asc-openapi/openapi.json),
 * JSON:API behaviour, Build Upload API and TestFlight rules, with fault injection and a request log.
 */
import { generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import type { Server } from 'node:http';
import { SignJWT } from 'jose';
import { startAppStore, type FakeAppStore } from './app-store.js';
import { iso, type Env, type Quirks } from './context.js';
import { loadSpec } from './contract.js';
import { BetaReviews, type FakeBetaReview } from './beta-review.js';
import { observedHandlers } from './observed.js';
import { Lifecycle } from './lifecycle.js';
import { readHandlers } from './routes.js';
import { listen } from './server.js';
import { Store } from './store.js';
import { seedTestInformation, testInformationHandlers } from './test-information.js';
import { TESTFLIGHT_LOCALES, testflightHandlers } from './testflight.js';
import type {
  BuildProcessingState,
  ContractViolation,
  FakeApp,
  FakeAscKey,
  FakeAscOptions,
  FakeTiming,
  FaultRule,
  LoggedRequest,
  Platform,
  StateDetail,
} from './types.js';
import { Uploads } from './uploads.js';
import { startWebhooks, type FakeWebhooks } from './webhooks.js';

export type * from './types.js';
export type { FakeWebhooks, SentDelivery } from './webhooks.js';
export type { Quirks } from './context.js';
export { TESTFLIGHT_LOCALES } from './testflight.js';

export const DEFAULT_TIMING: Readonly<FakeTiming> = {
  uploadProcessingMs: 200,
  buildAppearsAfterMs: 0,
  buildProcessingMs: 300,
  betaDetailProcessingMs: 0,
  externalBetaProcessingMs: 0,
  betaGroupLinkLagMs: 0,
  // Apple's beta reviews take hours to a day or two; tests that follow one set their own timing or decide it.
  betaReviewStartsAfterMs: 6 * 3_600_000,
  betaReviewMs: 18 * 3_600_000,
};
const DEFAULT_PART_SIZE = 8 * 1024 * 1024;

export interface FakeAsc {
  /** e.g. http://127.0.0.1:43123 (the action's api-url). */
  readonly url: string;
  close(): Promise<void>;
  /** `testInformation: false`: a fresh app, with no TestFlight Test Information at all (complete by default). */
  addApp(a: { bundleId: string; name?: string; primaryLocale?: string; sku?: string; id?: string; testInformation?: boolean }): FakeApp;
  addBetaGroup(
    appId: string,
    name: string,
    opts?: { isInternalGroup?: boolean; hasAccessToAllBuilds?: boolean; publicLink?: boolean },
  ): { id: string; name: string };
  addBuild(b: {
    appId: string;
    version: string;
    buildNumber: string;
    platform?: Platform;
    processingState?: BuildProcessingState;
    usesNonExemptEncryption?: boolean | null;
    expired?: boolean;
    uploadedDate?: string;
    buildAudienceType?: 'INTERNAL_ONLY' | 'APP_STORE_ELIGIBLE';
  }): { id: string };
  addAppStoreVersion(appId: string, versionString: string, buildId?: string, platform?: Platform): { id: string };
  setBetaAppReviewDetailComplete(appId: string, complete: boolean): void;
  /** A build upload as another uploader (altool) leaves it: e.g. AWAITING_UPLOAD with Apple's reason (MentraOS #3857). */
  addBuildUpload(u: {
    appId: string;
    version: string;
    buildNumber: string;
    platform?: Platform;
    state: 'AWAITING_UPLOAD' | 'PROCESSING' | 'FAILED' | 'COMPLETE';
    errors?: StateDetail[];
  }): { id: string };
  failNextUpload(opts: { errors: StateDetail[] }): void;
  failBuildProcessing(buildNumber: string, state: 'INVALID' | 'FAILED', reasons?: StateDetail[]): void;
  setBuildProcessingState(buildId: string, state: BuildProcessingState): void;
  neverAppear(buildNumber: string): void;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  resource(type: string, id: string): any;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  resources(type: string): any[];
  uploadedFile(buildUploadFileId: string): Buffer | undefined;
  /** App Store versions and App Review: controls for tests. */
  readonly appStore: FakeAppStore;
  /** TestFlight beta review: decide a build's review now (otherwise it moves on by `timing`). */
  readonly betaReview: FakeBetaReview;
  /** The app's webhooks: their deliveries, and the watcher that sends them. */
  readonly webhooks: FakeWebhooks;
  readonly requests: LoggedRequest[];
  readonly violations: ContractViolation[];
  readonly tokens: Array<Record<string, unknown>>;
  readonly faults: { inject(rule: FaultRule): void; clear(): void; pending(): FaultRule[] };
  timing: FakeTiming;
  /** Observed behaviours of the live service beyond the schema, for tests to switch on. */
  readonly quirks: Quirks;
  /** Size of each upload operation but the last. */
  partSize: number;
}

export async function startFakeAsc(options: FakeAscOptions): Promise<FakeAsc> {
  loadSpec();
  const now = options.now ?? Date.now;
  const timing: FakeTiming = { ...DEFAULT_TIMING, ...options.timing };
  let base = '';
  let partSize = options.partSize ?? DEFAULT_PART_SIZE;
  const store = new Store(() => base);
  const quirks: Quirks = {
    noUploadAccess: new Set(),
    listBuildsTwice: false,
    oneBetaReviewPerTrain: false,
    missingBetaAppDescription: new Set(),
    buildUploadNotFound: 0,
    looseVersionFilter: false,
    commitReadBackLagMs: 0,
    appStoreStateDropped: false,
    cancelledSubmissionHoldsMs: 0,
  };
  const lifecycle = new Lifecycle(store, timing, now);
  const betaReview = new BetaReviews(
    store,
    () => timing,
    now,
    (build) => lifecycle.updateBetaStates(build),
  );
  lifecycle.betaReviews = betaReview;
  const env: Env = {
    store,
    lifecycle,
    now,
    base: () => base,
    pageSizeCap: options.pageSizeCap ?? 200,
    partSize: () => partSize,
    storeUploadedBytes: options.storeUploadedBytes ?? true,
    quirks,
  };
  const uploads = new Uploads(env);
  const appStore = startAppStore(env);
  const webhooks = startWebhooks(env);
  const requests: LoggedRequest[] = [];
  const violations: ContractViolation[] = [];
  const tokens: Array<Record<string, unknown>> = [];
  const faults: FaultRule[] = [];
  const { server, url } = await listen({
    keys: new Map(options.keys.map((k) => [k.keyId, k])),
    now,
    env,
    uploads,
    handlers: observedHandlers(env, {
      ...readHandlers(env),
      ...testflightHandlers(env),
      ...testInformationHandlers(env, TESTFLIGHT_LOCALES),
      ...uploads.handlers(),
      ...appStore.handlers,
      ...webhooks.handlers,
    }),
    requests,
    violations,
    tokens,
    faults,
    rateLimitPerHour: options.rateLimitPerHour ?? 3500,
  });
  base = url;

  const need = (type: string, id: string) => {
    const r = store.get(type, id);
    if (!r) throw new Error(`fake App Store Connect has no ${type} ${id}`);
    return r;
  };

  return {
    url,
    close: () => (webhooks.control.stop(), closeServer(server)),
    addApp(a) {
      if (store.all('apps').some((x) => x.attributes.bundleId === a.bundleId))
        throw new Error(`an app with bundle ID ${a.bundleId} exists already`);
      const app = store.add(
        'apps',
        {
          name: a.name ?? a.bundleId.split('.').pop() ?? a.bundleId,
          bundleId: a.bundleId,
          sku: a.sku ?? a.bundleId.toUpperCase().replace(/\W/g, '_'),
          primaryLocale: a.primaryLocale ?? 'en-US',
        },
        {},
        a.id ?? store.newId('apps'),
      );
      // Apple's beta app review details share the app's id; Test Information complete unless asked for a fresh app.
      seedTestInformation(store, app, a.testInformation ?? true);
      const attrs = app.attributes as { name: string; bundleId: string; sku: string; primaryLocale: string };
      return { id: app.id, ...attrs };
    },
    addBetaGroup(appId, name, opts = {}) {
      need('apps', appId);
      const group = store.add(
        'betaGroups',
        {
          name,
          createdDate: iso(now()),
          isInternalGroup: opts.isInternalGroup ?? false,
          hasAccessToAllBuilds: opts.hasAccessToAllBuilds ?? false,
          publicLinkEnabled: opts.publicLink ?? false,
          publicLink: opts.publicLink ? `https://testflight.apple.com/join/${name.replace(/[^A-Za-z0-9]/g, '').slice(0, 4)}Ab12` : null,
          publicLinkLimitEnabled: false,
          feedbackEnabled: true,
        },
        { app: appId },
      );
      return { id: group.id, name };
    },
    addBuild(b) {
      need('apps', b.appId);
      const build = lifecycle.createBuild({
        appId: b.appId,
        version: b.version,
        buildNumber: b.buildNumber,
        platform: b.platform ?? 'IOS',
        processingState: b.processingState ?? 'VALID',
        usesNonExemptEncryption: b.usesNonExemptEncryption ?? null,
        expired: b.expired ?? false,
        uploadedDate: b.uploadedDate ?? iso(now()),
        buildAudienceType: b.buildAudienceType ?? 'APP_STORE_ELIGIBLE',
      });
      if (b.expired) lifecycle.updateBetaStates(build);
      return { id: build.id };
    },
    addAppStoreVersion(appId, versionString, buildId, platform = 'IOS') {
      need('apps', appId);
      if (buildId) need('builds', buildId);
      const version = store.add(
        'appStoreVersions',
        {
          platform,
          versionString,
          appStoreState: buildId ? 'READY_FOR_SALE' : 'PREPARE_FOR_SUBMISSION',
          appVersionState: buildId ? 'READY_FOR_DISTRIBUTION' : 'PREPARE_FOR_SUBMISSION',
          releaseType: 'MANUAL',
          downloadable: true,
          createdDate: iso(now()),
        },
        { app: appId, build: buildId ?? null },
      );
      return { id: version.id };
    },
    addBuildUpload(u) {
      need('apps', u.appId);
      const upload = store.add(
        'buildUploads',
        {
          cfBundleShortVersionString: u.version,
          cfBundleVersion: u.buildNumber,
          platform: u.platform ?? 'IOS',
          createdDate: iso(now()),
          state: { state: u.state, errors: u.errors ?? [], warnings: [], infos: [] },
        },
        { app: u.appId, build: null, assetFile: null },
      );
      return { id: upload.id };
    },
    setBetaAppReviewDetailComplete(appId, complete) {
      const detail = need('betaAppReviewDetails', appId);
      detail.attributes.contactEmail = complete ? 'review@example.com' : null;
      detail.attributes.contactPhone = complete ? '+1 408 555 0100' : null;
    },
    failNextUpload(opts) {
      lifecycle.nextUploadErrors = opts.errors;
    },
    failBuildProcessing(buildNumber, state, reasons) {
      lifecycle.buildFailures.set(buildNumber, {
        state,
        reasons: reasons ?? [
          { code: 'ITMS-90062', description: `The build ${buildNumber} could not be processed: its binary is invalid.` },
        ],
      });
    },
    setBuildProcessingState(buildId, state) {
      lifecycle.pin(need('builds', buildId), state);
    },
    neverAppear(buildNumber) {
      lifecycle.neverAppearing.add(buildNumber);
    },
    resource(type, id) {
      lifecycle.advance();
      const r = store.get(type, id);
      return r ? store.serialize(r, new Set(), true) : undefined;
    },
    resources(type) {
      lifecycle.advance();
      return store.all(type).map((r) => store.serialize(r, new Set(), true));
    },
    uploadedFile: (id) => uploads.uploadedFile(id),
    quirks,
    appStore: appStore.control,
    betaReview,
    webhooks: webhooks.control,
    requests,
    violations,
    tokens,
    faults: {
      inject: (rule) => void faults.push({ ...rule }),
      clear: () => void faults.splice(0),
      pending: () => faults.map((f) => ({ ...f })),
    },
    get timing() {
      return timing;
    },
    set timing(t: FakeTiming) {
      Object.assign(timing, t);
    },
    get partSize() {
      return partSize;
    },
    set partSize(n: number) {
      partSize = n;
    },
  };
}

async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((done, fail) => server.close((e) => (e ? fail(e) : done())));
  server.closeAllConnections();
  await closed;
}

export interface TestKey extends FakeAscKey {
  /** PKCS#8 PEM, as in a downloaded .p8 file. */
  privateKeyPem: string;
  privateKey: KeyObject;
}

/** A fresh P-256 API key; `individual` leaves out the issuer ID. */
export function makeTestKey(opts: { individual?: boolean } = {}): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    keyId: randomBytes(5).toString('hex').toUpperCase(),
    issuerId: opts.individual ? undefined : randomUUID(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    privateKey,
    publicKey,
  };
}

/** A token as Apple documents it (15 minutes), with `claims`/`header` overriding or removing (undefined) members. */
export async function signTestToken(
  key: TestKey,
  opts: { nowMs?: number; claims?: Record<string, unknown>; header?: Record<string, unknown> } = {},
): Promise<string> {
  const iat = Math.floor((opts.nowMs ?? Date.now()) / 1000);
  const claims: Record<string, unknown> = { aud: 'appstoreconnect-v1', iat, exp: iat + 900 };
  if (key.issuerId !== undefined) claims.iss = key.issuerId;
  else claims.sub = 'user';
  Object.assign(claims, opts.claims);
  const header: Record<string, unknown> = { alg: 'ES256', kid: key.keyId, typ: 'JWT', ...opts.header };
  for (const [k, v] of Object.entries(claims)) if (v === undefined) delete claims[k];
  for (const [k, v] of Object.entries(header)) if (v === undefined) delete header[k];
  return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(key.privateKey);
}

/** Throws, listing them, when the fake saw requests or sent responses that break Apple's contract. */
export function expectNoViolations(fake: Pick<FakeAsc, 'violations'>): void {
  if (fake.violations.length === 0) return;
  const lines = fake.violations.map((v) => `  ${v.method} ${v.path}: ${v.message}`);
  throw new Error(`App Store Connect contract violations (${fake.violations.length}):\n${lines.join('\n')}`);
}
