import { randomBytes } from 'node:crypto';
import { makePackages, type PlistJson, type ZipEntrySpec } from './fixtures/index.js';

export interface SampleIpa {
  path: string;
  bundleId?: string;
  version?: string;
  buildNumber?: string;
  platforms?: string[];
  /** Approximate size of incompressible payload, stored uncompressed so the file is about this big. */
  payloadBytes?: number;
  usesNonExemptEncryption?: boolean;
}

/** An .ipa written by test-support/fixtures (independent of our reader), with random payload bytes. */
export function makeIpa(spec: SampleIpa): string {
  const plist: Record<string, PlistJson> = {
    CFBundleIdentifier: spec.bundleId ?? 'com.example.app',
    CFBundleShortVersionString: spec.version ?? '1.0.0',
    CFBundleVersion: spec.buildNumber ?? '1',
    CFBundleSupportedPlatforms: spec.platforms ?? ['iPhoneOS'],
    CFBundleName: 'Example',
  };
  if (spec.usesNonExemptEncryption !== undefined) plist.ITSAppUsesNonExemptEncryption = spec.usesNonExemptEncryption;
  const entries: ZipEntrySpec[] = [{ name: 'Payload/Example.app/Info.plist', plist, format: 'binary' }];
  if (spec.payloadBytes) {
    // base64 of random bytes: incompressible enough, and every offset differs from its neighbours.
    entries.push({
      name: 'Payload/Example.app/Example',
      text: randomBytes(Math.ceil((spec.payloadBytes * 3) / 4))
        .toString('base64')
        .slice(0, spec.payloadBytes),
    });
  }
  makePackages([{ kind: 'ipa', path: spec.path, entries, stored: true }]);
  return spec.path;
}
