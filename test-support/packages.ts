import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';

const MAKE_PACKAGES = resolve(import.meta.dirname, 'fixtures', 'make-packages.py');

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

/** An .ipa written by Python's zipfile/plistlib (independent of our reader), with random payload bytes. */
export function makeIpa(spec: SampleIpa): string {
  const plist: Record<string, unknown> = {
    CFBundleIdentifier: spec.bundleId ?? 'com.example.app',
    CFBundleShortVersionString: spec.version ?? '1.0.0',
    CFBundleVersion: spec.buildNumber ?? '1',
    CFBundleSupportedPlatforms: spec.platforms ?? ['iPhoneOS'],
    CFBundleName: 'Example',
  };
  if (spec.usesNonExemptEncryption !== undefined) plist.ITSAppUsesNonExemptEncryption = spec.usesNonExemptEncryption;
  const entries: unknown[] = [{ name: 'Payload/Example.app/Info.plist', plist, format: 'binary' }];
  if (spec.payloadBytes) {
    // base64 of random bytes: incompressible enough, and every offset differs from its neighbours.
    entries.push({
      name: 'Payload/Example.app/Example',
      text: randomBytes(Math.ceil((spec.payloadBytes * 3) / 4))
        .toString('base64')
        .slice(0, spec.payloadBytes),
    });
  }
  execFileSync('python3', [MAKE_PACKAGES], { input: JSON.stringify([{ kind: 'ipa', path: spec.path, entries, stored: true }]) });
  return spec.path;
}
