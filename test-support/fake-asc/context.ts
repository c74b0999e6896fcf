import type { Lifecycle } from './lifecycle.js';
import type { Store } from './store.js';

/** One /v1 request after auth and contract checks. */
export interface Ctx {
  method: string;
  template: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  /** The request URL on the fake (absolute), for `links.self`. */
  url: URL;
}

export interface Reply {
  status: number;
  body?: unknown;
}

export type Handler = (ctx: Ctx) => Reply;

/** Behaviour of the live service that the schema does not tell, switched on by tests. */
export interface Quirks {
  /** Apple reports a checksum of the received file in the commit's answer (`tamper`: a wrong one). */
  reportChecksums?: { algorithm: 'MD5' | 'SHA_256'; tamper?: boolean };
  /** Apps this key may read but not upload to. */
  noUploadAccess: Set<string>;
  /** `GET /v1/builds` lists each build twice (fastlane #22248). */
  listBuildsTwice: boolean;
  /** External beta review submissions Apple accepts per app (a daily limit); unlimited when undefined. */
  betaReviewDailyLimit?: number;
  /**
   * Apple reviews one build of a train at a time ("Another build is in review."). Off unless a test turns
   * it on, so tests that submit several builds of one version need not approve each review.
   */
  oneBetaReviewPerTrain: boolean;
  /** Apps whose Beta App Description is missing. */
  missingBetaAppDescription: Set<string>;
  /** This many next reads of build uploads (or their files) answer 404 (asc CLI #2544). */
  buildUploadNotFound: number;
  /** `filter[preReleaseVersion.version]=1.1` also matches the 1.1.0 train (asc CLI e7645df9, fastlane #22248). */
  looseVersionFilter: boolean;
  /** A committed file reads back AWAITING_UPLOAD this long (Expo's uploadToAsc.ts polls 60 s). */
  commitReadBackLagMs: number;
  /** Apple no longer fills the deprecated `appStoreState` (botiverse/hands #240, tramlinehq/applelink #47). */
  appStoreStateDropped: boolean;
  /**
   * A cancelled review submission still holds its version this long after it is COMPLETE: adding the
   * version elsewhere answers 409 "… still in progress" (asc CLI commit 21384c75 retries about 4 s).
   */
  cancelledSubmissionHoldsMs: number;
}

export interface Env {
  store: Store;
  lifecycle: Lifecycle;
  now: () => number;
  base: () => string;
  pageSizeCap: number;
  partSize: () => number;
  storeUploadedBytes: boolean;
  quirks: Quirks;
}

/** Shorthand for `body.data` of a JSON:API request the contract has already checked. */
export function data(ctx: Ctx): {
  id?: string;
  type: string;
  attributes?: Record<string, unknown>;
  relationships?: Record<string, { data: { type: string; id: string } }>;
} {
  return (ctx.body as { data: ReturnType<typeof data> }).data;
}

/** The ids of a linkage request body (`{ data: [{ type, id }] }`). */
export function linkageIds(ctx: Ctx): string[] {
  return ((ctx.body as { data: Array<{ id: string }> }).data ?? []).map((d) => d.id);
}

export const iso = (ms: number): string => new Date(ms).toISOString();
