import type { Platform } from '../domain.js';
import { InputError } from '../errors.js';
import type { PackageLimitError } from './limit-error.js';

/** What a package says about itself; any field may be missing and be supplied by an input. */
export interface PackageMetadata {
  bundleId?: string;
  version?: string;
  buildNumber?: string;
  platform?: Platform;
  /** Where the values were read, for messages (e.g. `Payload/App.app/Info.plist`). */
  source: string;
  /** The platform values the package has when none is recognised, for the message. */
  platformFound?: string;
  /** Says that `key` (e.g. CFBundleVersion, "build number") is missing from the package. */
  missing(key: string, what: string): string;
  /** How to get the missing value into the package. */
  fix: string;
}

/**
 * Largest metadata file read into memory. Info.plist, Distribution and PackageInfo are a few KB
 * (large apps' Info.plists reach about 100 KB); what is read is also parsed, so this bounds memory.
 */
export const MAX_METADATA_BYTES = 1024 * 1024;

/** An error's message without a trailing period, to be embedded in a sentence. */
export function describeError(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).trim().replace(/\.+$/, '');
}

/** The one error for a package file a bounded reader refused (see PackageLimitError). */
export function limitError(file: string, error: PackageLimitError, fix: string): InputError {
  return new InputError('path', `${file} is malformed or too large: ${describeError(error)}; ${fix}.`);
}
