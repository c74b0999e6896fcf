import type { KeyObject } from 'node:crypto';

export type Platform = 'IOS' | 'MAC_OS' | 'TV_OS' | 'VISION_OS';
export type BuildProcessingState = 'PROCESSING' | 'VALID' | 'INVALID' | 'FAILED';

export interface FakeAscKey {
  keyId: string;
  /** Undefined for an individual key: its token carries `sub: "user"` and no `iss`. */
  issuerId?: string;
  publicKey: KeyObject;
}

export interface FakeTiming {
  /** After the file is committed, buildUpload.state PROCESSING → COMPLETE. */
  uploadProcessingMs: number;
  /**
   * The build upload still reads PROCESSING this long after Apple has made its build (expo/eas-cli #3403,
   * 2026-02: Expo raised its wait for the upload to leave PROCESSING from 10 to 30 minutes). Default 0.
   */
  uploadStateLagMs?: number;
  /** After COMPLETE, the build becomes visible in GET /v1/builds and in the buildUpload's `build` relationship. */
  buildAppearsAfterMs: number;
  /** build.processingState PROCESSING → VALID after it appears. */
  buildProcessingMs: number;
  /** buildBetaDetail states leave PROCESSING this long after VALID. */
  betaDetailProcessingMs: number;
  /** externalBuildState leaves PROCESSING this long after internalBuildState (live reports, asc CLI #1906). */
  externalBetaProcessingMs?: number;
  /** Adding the build to a beta group still answers 404 this long after externalBuildState left PROCESSING. */
  betaGroupLinkLagMs?: number;
  /** A beta review submission goes WAITING_FOR_REVIEW → IN_REVIEW this long after it was submitted (never when unset). */
  betaReviewStartsAfterMs?: number;
  /** … and IN_REVIEW → APPROVED this long after that. */
  betaReviewMs?: number;
}

export interface FakeAscOptions {
  keys: FakeAscKey[];
  /** Clock in ms for JWT iat/exp checks and the lifecycle; default Date.now. */
  now?: () => number;
  timing?: Partial<FakeTiming>;
  /** Default true: keep part bytes to reassemble the file (and report its checksum when asked); false only counts bytes. */
  storeUploadedBytes?: boolean;
  /** Largest `limit` honoured (Apple's is 200); default 200. */
  pageSizeCap?: number;
  /** Size of each upload operation but the last; default 8 MiB. */
  partSize?: number;
  /** Requests allowed per key and hour before 429 (Apple's is 3,500); default 3500. */
  rateLimitPerHour?: number;
}

/** `lost`: the request is carried out, then the connection drops before the answer (an answer lost on the way back). */
/**
 * `huge`: a 200 whose JSON body goes on for `bodyBytes` (400 MB unless told), streamed, no length declared;
 * `self-next`: an empty page whose `links.next` is the page itself. Neither is Apple's behaviour: they
 * stand for whatever answers in Apple's place (a broken proxy, a hostile `api-url`).
 */
export type FaultKind = '429' | '500' | '502' | '503' | 'reset' | 'slow' | '401' | 'lost' | 'huge' | 'self-next';

export interface FaultRule {
  method?: string;
  /** Matched against the URL path without the query; omitted matches any. */
  path?: string | RegExp;
  kind: FaultKind;
  /** How many matching requests get the fault. */
  times: number;
  /** With 429: the Retry-After header value in seconds. */
  retryAfterSec?: number;
  /** With 'slow': the delay before the normal answer. */
  delayMs?: number;
  /** With 'huge': how long the body would be. */
  bodyBytes?: number;
}

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body?: unknown;
  /** 0 while in flight, and for a request whose connection was reset. */
  status: number;
  /** With a 'huge' fault: the bytes of the body written before the client stopped reading. */
  sentBytes?: number;
  headers: Record<string, string>;
  at: number;
  /** Bytes received by an upload part PUT (or a `PUT /sink`). */
  partBytes?: number;
  /** Set when a fault answered the request. */
  fault?: FaultKind;
}

export interface ContractViolation {
  method: string;
  path: string;
  message: string;
}

export interface StateDetail {
  code: string;
  description: string;
}

/** A resource as stored: relationships hold ids; inverse relationships are derived when serialised. */
export interface StoredResource {
  type: string;
  id: string;
  attributes: Record<string, unknown>;
  rel: Record<string, string | string[] | null>;
}

export interface FakeApp {
  id: string;
  bundleId: string;
  name: string;
  primaryLocale: string;
  sku: string;
}
