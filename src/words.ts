/**
 * Apple's state enums as a reader says them, for the job summary and the log. Outputs keep the raw
 * values: workflows compare them.
 */
const WORDS: Readonly<Record<string, string>> = {
  // Build processing (builds.processingState) and build uploads (buildUploads.state).
  PROCESSING: 'processing',
  VALID: 'valid',
  INVALID: 'invalid',
  FAILED: 'failed',
  AWAITING_UPLOAD: 'awaiting upload',
  COMPLETE: 'complete',
  // TestFlight (buildBetaDetails internal and external states).
  PROCESSING_EXCEPTION: 'processing exception',
  MISSING_EXPORT_COMPLIANCE: 'missing export compliance',
  IN_EXPORT_COMPLIANCE_REVIEW: 'in export compliance review',
  READY_FOR_BETA_TESTING: 'ready for beta testing',
  IN_BETA_TESTING: 'in beta testing',
  EXPIRED: 'expired',
  READY_FOR_BETA_SUBMISSION: 'ready for beta submission',
  WAITING_FOR_BETA_REVIEW: 'waiting for beta review',
  IN_BETA_REVIEW: 'in beta review',
  BETA_REJECTED: 'rejected in beta review',
  BETA_APPROVED: 'approved in beta review',
  NOT_APPLICABLE: 'not applicable',
  // Beta review submissions, App Store review submissions and versions.
  WAITING_FOR_REVIEW: 'waiting for review',
  IN_REVIEW: 'in review',
  REJECTED: 'rejected',
  APPROVED: 'approved',
  ACCEPTED: 'accepted',
  READY_FOR_REVIEW: 'ready for review',
  UNRESOLVED_ISSUES: 'unresolved issues',
  CANCELING: 'canceling',
  COMPLETING: 'completing',
  PREPARE_FOR_SUBMISSION: 'prepare for submission',
  WAITING_FOR_EXPORT_COMPLIANCE: 'waiting for export compliance',
  INVALID_BINARY: 'invalid binary',
  METADATA_REJECTED: 'metadata rejected',
  DEVELOPER_REJECTED: 'removed from review by the developer',
  PENDING_CONTRACT: 'pending contract',
  PENDING_APPLE_RELEASE: 'pending Apple release',
  PENDING_DEVELOPER_RELEASE: 'pending developer release',
  PROCESSING_FOR_APP_STORE: 'processing for the App Store',
  PROCESSING_FOR_DISTRIBUTION: 'processing for distribution',
  PREORDER_READY_FOR_SALE: 'pre-order ready for sale',
  READY_FOR_SALE: 'ready for sale',
  READY_FOR_DISTRIBUTION: 'ready for distribution',
  REMOVED_FROM_SALE: 'removed from sale',
  DEVELOPER_REMOVED_FROM_SALE: 'removed from sale by the developer',
  REPLACED_WITH_NEW_VERSION: 'replaced with a new version',
  // Phased release.
  INACTIVE: 'inactive',
  ACTIVE: 'active',
  PAUSED: 'paused',
};

/** One enum value in words; a value Apple added since is still made readable. */
export function inWords(value: string): string {
  return WORDS[value] ?? (/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/.test(value) ? value.toLowerCase().replace(/_/g, ' ') : value);
}

/** `text` with every known enum in it put in words; anything else (names, codes, HTTP) is left as written. */
export function enumsInWords(text: string): string {
  return text.replace(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*\b/g, (token) => WORDS[token] ?? token);
}

/** A duration for a reader: milliseconds, seconds to a tenth, or minutes and seconds; empty when unknown. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** `text` on one line (runs of white space made one space) and at most `max` characters, cut with "…". */
export function oneLine(text: string, max: number): string {
  const flat = String(text).replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** Bytes as MB (10^6, as network rates are counted), with `digits` decimals. */
export function mb(bytes: number, digits = 1): string {
  return (bytes / 1e6).toFixed(digits);
}

/**
 * A message of several lines as one readable line for a table cell or a title: list marks dropped, a line
 * that introduces the next (ending in ":") run on, the others joined with "; ", cut at `max` with "…".
 */
export function inBrief(text: string, max: number): string {
  let out = '';
  for (const raw of String(text).split(/\r?\n/)) {
    const line = raw.trim().replace(/^[-*•]\s+/, '');
    if (!line) continue;
    out = out ? `${out}${/[:;.!?]$/.test(out) ? ' ' : '; '}${line}` : line;
  }
  return oneLine(out, max);
}

const PLATFORM_NAMES: Readonly<Record<string, string>> = { IOS: 'iOS', MAC_OS: 'macOS', TV_OS: 'tvOS', VISION_OS: 'visionOS' };

/** A platform as Apple's marketing writes it (iOS, macOS); outputs and inputs keep Apple's enum (IOS). */
export function platformName(platform: string): string {
  return PLATFORM_NAMES[platform] ?? platform;
}

/** An ISO time for a reader: `2026-12-08 01:37 UTC` (no seconds, no milliseconds); anything else as given. */
export function readableTime(iso: string | undefined): string {
  if (!iso) return '';
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? iso : `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
