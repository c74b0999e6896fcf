import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { BUNDLE_ID_PATTERN, PACKAGE_VERSION_PATTERN, type Platform } from '../domain.js';
import { InputError } from '../errors.js';
import { readIpaMetadata } from './ipa.js';
import type { PackageMetadata } from './metadata.js';
import { readPkgMetadata } from './pkg.js';

export { findPackages } from './find.js';

export type PackageKind = 'ipa' | 'pkg';

export interface PackageInfo {
  /** Absolute path. */
  path: string;
  kind: PackageKind;
  /** Bytes. */
  size: number;
  fileName: string;
  bundleId: string;
  /** CFBundleShortVersionString. */
  version: string;
  /** CFBundleVersion. */
  buildNumber: string;
  platform: Platform;
  uti: 'com.apple.ipa' | 'com.apple.pkg';
}

/** Inputs that override or supply what the package says. */
export interface PackageOverrides {
  bundleId?: string;
  version?: string;
  buildNumber?: string;
  platform?: Platform;
}

const FIELDS = [
  {
    field: 'bundleId',
    key: 'CFBundleIdentifier',
    what: 'bundle ID',
    input: 'bundle-id',
    pattern: BUNDLE_ID_PATTERN,
    accepts: 'letters, digits, dots and hyphens, at most 155 (e.g. com.example.app)',
  },
  {
    field: 'version',
    key: 'CFBundleShortVersionString',
    what: 'version',
    input: 'app-version',
    pattern: PACKAGE_VERSION_PATTERN,
    accepts: 'one to three numbers separated by dots (e.g. 1.4.2)',
  },
  {
    field: 'buildNumber',
    key: 'CFBundleVersion',
    what: 'build number',
    input: 'build-number',
    pattern: PACKAGE_VERSION_PATTERN,
    accepts: 'one to three numbers separated by dots (e.g. 42 or 1.4.42)',
  },
] as const;

/**
 * Reads bundle ID, version, build number and platform from an .ipa (the app's Info.plist) or a
 * .pkg (the product archive's Distribution), without unpacking it: only the few KB of metadata are
 * read, whatever the package's size. An override wins over the package, and lets the package lack
 * that value.
 */
export async function readPackageInfo(path: string, overrides: PackageOverrides = {}): Promise<PackageInfo> {
  const absolute = resolve(path);
  const lower = absolute.toLowerCase();
  const kind: PackageKind | undefined = lower.endsWith('.ipa') ? 'ipa' : lower.endsWith('.pkg') ? 'pkg' : undefined;
  if (!kind) {
    throw new InputError(
      'path',
      `${path} is not an .ipa or .pkg: point \`path\` at the exported .ipa (iOS, tvOS, visionOS) or .pkg (macOS).`,
    );
  }
  let size: number;
  try {
    const stats = await stat(absolute);
    if (!stats.isFile()) throw new InputError('path', `${path} is not a file: point \`path\` at the exported .${kind} itself.`);
    size = stats.size;
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError('path', `${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}): check the path.`);
  }

  const metadata: PackageMetadata = kind === 'ipa' ? await readIpaMetadata(absolute, path) : await readPkgMetadata(absolute, path);

  const values = {} as Record<(typeof FIELDS)[number]['field'], string>;
  for (const { field, key, what, input, pattern, accepts } of FIELDS) {
    const value = overrides[field] || metadata[field];
    if (!value) {
      throw new InputError('path', `${path}: ${metadata.missing(key, what)}: set the \`${input}\` input, or ${metadata.fix}.`);
    }
    // Checked before the value is logged, output or sent: it is the package author's text (a fork's, for per-PR builds).
    if (!pattern.test(value)) {
      throw new InputError(
        overrides[field] ? input : 'path',
        `${path}: the ${what} (${key}) ${quoted(value)} is not one Apple accepts: ${accepts}. Fix it in the app's Info.plist, or set the \`${input}\` input.`,
      );
    }
    values[field] = value;
  }
  const platform = overrides.platform ?? metadata.platform;
  if (!platform) {
    throw new InputError(
      'path',
      `${path}: cannot tell the platform from ${metadata.source} (${metadata.platformFound ?? 'nothing found'}): set the \`platform\` input to IOS, TV_OS, VISION_OS or MAC_OS.`,
    );
  }

  return {
    path: absolute,
    kind,
    size,
    fileName: basename(absolute),
    ...values,
    platform,
    uti: kind === 'ipa' ? 'com.apple.ipa' : 'com.apple.pkg',
  };
}

/** A value from a package shown in a message: JSON-quoted (line breaks as \\n) and cut to 60 characters. */
function quoted(value: string): string {
  const chars = [...value];
  return JSON.stringify(chars.length > 60 ? `${chars.slice(0, 60).join('')}…` : value);
}

/**
 * Refuses two packages that are the same build (bundle ID, version, build number and platform):
 * App Store Connect takes a build once, so the second upload would fail after the first was sent.
 * Checked before the first byte of any.
 */
export function refuseSameBuildTwice(packages: PackageInfo[]): void {
  const seen = new Map<string, PackageInfo>();
  for (const pkg of packages) {
    const identity = [pkg.bundleId, pkg.version, pkg.buildNumber, pkg.platform].join('\n');
    const first = seen.get(identity);
    if (first) {
      throw new InputError(
        'path',
        `matches ${first.path} and ${pkg.path}, which are the same build (${pkg.bundleId} ${pkg.version} (${pkg.buildNumber}) for ${pkg.platform}): App Store Connect takes a build once, so the second upload would fail after the first was sent. Narrow \`path\` to one of them, or give each its own build number.`,
      );
    }
    seen.set(identity, pkg);
  }
}
