/**
 * The vocabulary every layer shares: platforms, upload methods, versions and build numbers. It depends
 * on nothing, so the App Store Connect client, the package reader and the commands can all use it.
 */
export const PLATFORMS = ['IOS', 'MAC_OS', 'TV_OS', 'VISION_OS'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** `api`: Apple's Build Upload API, from any OS; `altool`: `xcrun altool`, on macOS. */
export const UPLOAD_METHODS = ['api', 'altool'] as const;
export type UploadMethod = (typeof UPLOAD_METHODS)[number];

/** CFBundleShortVersionString and CFBundleVersion as Apple accepts them: one to three dot-separated integers. */
export const VERSION_PATTERN = /^\d+(\.\d+){0,2}$/;

/**
 * What Apple accepts from a package, bounded as the state schema bounds it: versions and build numbers of
 * one to three dot-separated integers of at most 9 digits, bundle IDs of letters, digits, dots and hyphens.
 */
export const PACKAGE_VERSION_PATTERN = /^\d{1,9}(\.\d{1,9}){0,2}$/;
export const BUNDLE_ID_PATTERN = /^[A-Za-z0-9.-]{1,155}$/;

/** Compares build numbers such as 42, 1.2 and 1.2.10 number by number. */
export function compareBuildNumbers(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The next build number: the last part plus one (41 → 42, 1.2.9 → 1.2.10). */
export function nextBuildNumber(latest: string | undefined): string {
  if (!latest) return '1';
  const parts = latest.split('.');
  parts[parts.length - 1] = String(Number(parts[parts.length - 1]) + 1);
  return parts.join('.');
}
