/**
 * The parts of Apple's App Store Connect schemas (asc-openapi/openapi.json, v4.4.1) that the action
 * reads and writes. Names follow the schemas; the tests validate every request against them.
 */
import type { Platform } from '../domain.js';

export interface ResourceIdentifier<T extends string = string> {
  type: T;
  id: string;
}

export interface Relationship {
  data?: ResourceIdentifier | ResourceIdentifier[] | null;
  links?: { self?: string; related?: string };
  meta?: { paging?: Paging };
}

export interface ResourceObject<T extends string = string, A = Record<string, unknown>> {
  type: T;
  id: string;
  attributes?: A;
  relationships?: Record<string, Relationship>;
  links?: { self?: string };
}

export interface Paging {
  total?: number;
  limit: number;
}

export interface Document<D = unknown> {
  data: D;
  included?: ResourceObject[];
  links?: { self?: string; next?: string };
  meta?: { paging?: Paging };
}

export type App = ResourceObject<'apps', { name?: string; bundleId?: string; sku?: string; primaryLocale?: string }>;

export type ProcessingState = 'PROCESSING' | 'FAILED' | 'INVALID' | 'VALID';

export type Build = ResourceObject<
  'builds',
  {
    version?: string;
    uploadedDate?: string;
    expirationDate?: string;
    expired?: boolean;
    minOsVersion?: string;
    processingState?: ProcessingState;
    usesNonExemptEncryption?: boolean | null;
    /** INTERNAL_ONLY: uploaded for internal testing only (Xcode's "TestFlight Internal Only"); never for external groups. */
    buildAudienceType?: 'INTERNAL_ONLY' | 'APP_STORE_ELIGIBLE' | null;
  }
>;

export type BuildUploadState = 'AWAITING_UPLOAD' | 'PROCESSING' | 'FAILED' | 'COMPLETE';

export interface StateDetail {
  code?: string;
  description?: string;
}

export type BuildUpload = ResourceObject<
  'buildUploads',
  {
    cfBundleShortVersionString?: string;
    cfBundleVersion?: string;
    createdDate?: string;
    uploadedDate?: string;
    platform?: Platform;
    state?: { state?: BuildUploadState; errors?: StateDetail[]; warnings?: StateDetail[]; infos?: StateDetail[] };
  }
>;

export interface HttpHeader {
  name?: string;
  value?: string;
}

export interface DeliveryFileUploadOperation {
  method?: string;
  url?: string;
  length?: number;
  offset?: number;
  requestHeaders?: HttpHeader[];
  expiration?: string;
  partNumber?: number;
  entityTag?: string;
}

export type ChecksumAlgorithm = 'MD5' | 'SHA_256';

export interface Checksums {
  file?: { hash?: string; algorithm?: ChecksumAlgorithm };
  composite?: { hash?: string; algorithm?: 'MD5' };
}

export type BuildUploadFile = ResourceObject<
  'buildUploadFiles',
  {
    assetDeliveryState?: { state?: string; errors?: StateDetail[]; warnings?: StateDetail[] };
    assetToken?: string;
    assetType?: 'ASSET' | 'ASSET_DESCRIPTION' | 'ASSET_SPI';
    fileName?: string;
    fileSize?: number;
    sourceFileChecksums?: Checksums;
    uploadOperations?: DeliveryFileUploadOperation[];
    uti?: 'com.apple.ipa' | 'com.apple.pkg' | 'com.apple.binary-property-list' | 'com.apple.xml-property-list' | 'com.pkware.zip-archive';
  }
>;

export type BetaBuildLocalization = ResourceObject<'betaBuildLocalizations', { whatsNew?: string | null; locale?: string }>;

export type BetaAppLocalization = ResourceObject<
  'betaAppLocalizations',
  {
    locale?: string;
    description?: string | null;
    feedbackEmail?: string | null;
    marketingUrl?: string | null;
    privacyPolicyUrl?: string | null;
  }
>;

export type InternalBetaState =
  | 'PROCESSING'
  | 'PROCESSING_EXCEPTION'
  | 'MISSING_EXPORT_COMPLIANCE'
  | 'READY_FOR_BETA_TESTING'
  | 'IN_BETA_TESTING'
  | 'EXPIRED'
  | 'IN_EXPORT_COMPLIANCE_REVIEW';

export type ExternalBetaState =
  | InternalBetaState
  | 'READY_FOR_BETA_SUBMISSION'
  | 'WAITING_FOR_BETA_REVIEW'
  | 'IN_BETA_REVIEW'
  | 'BETA_REJECTED'
  | 'BETA_APPROVED'
  | 'NOT_APPLICABLE';

export type BuildBetaDetail = ResourceObject<
  'buildBetaDetails',
  { autoNotifyEnabled?: boolean; internalBuildState?: InternalBetaState; externalBuildState?: ExternalBetaState }
>;

export type BetaReviewState = 'WAITING_FOR_REVIEW' | 'IN_REVIEW' | 'REJECTED' | 'APPROVED';

export type BetaAppReviewSubmission = ResourceObject<
  'betaAppReviewSubmissions',
  { betaReviewState?: BetaReviewState; submittedDate?: string }
>;

export type BetaGroup = ResourceObject<
  'betaGroups',
  {
    name?: string;
    isInternalGroup?: boolean;
    hasAccessToAllBuilds?: boolean;
    publicLinkEnabled?: boolean;
    publicLink?: string | null;
    createdDate?: string;
  }
>;

export type PreReleaseVersion = ResourceObject<'preReleaseVersions', { version?: string; platform?: Platform }>;

export type BetaAppReviewDetail = ResourceObject<
  'betaAppReviewDetails',
  {
    contactFirstName?: string;
    contactLastName?: string;
    contactPhone?: string;
    contactEmail?: string;
    demoAccountName?: string;
    demoAccountPassword?: string;
    demoAccountRequired?: boolean;
    notes?: string;
  }
>;

export type BuildBetaNotification = ResourceObject<'buildBetaNotifications'>;

/** The id of a to-one relationship, when present. */
export function relatedId(resource: ResourceObject, name: string): string | undefined {
  const data = resource.relationships?.[name]?.data;
  return data && !Array.isArray(data) ? data.id : undefined;
}
