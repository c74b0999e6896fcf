import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { expect } from 'vitest';
import { InputError } from '../../src/errors.js';
import type { PlistJson } from '../../test-support/fixtures/index.js';

/** Packages are written by test-support/fixtures: writers made from the formats' specifications, independent of the readers. */
export {
  makePackages,
  type IpaSpec,
  type PkgSpec,
  type PlistJson,
  type XarFileSpec,
  type ZipEntrySpec,
} from '../../test-support/fixtures/index.js';

/** The InputError naming `path` that `promise` fails with. */
export async function inputError(promise: Promise<unknown>): Promise<InputError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  expect((error as InputError).input).toBe('path');
  return error as InputError;
}

/** What readPackageInfo returns for the package at `path`, given the identity inside it. */
export function expectedInfo(path: string, kind: 'ipa' | 'pkg', identity: Record<string, string>): Record<string, unknown> {
  return { path, kind, size: statSync(path).size, fileName: basename(path), ...identity, uti: `com.apple.${kind}` };
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'asc-package-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const IOS_PLIST = {
  CFBundleIdentifier: 'com.example.app',
  CFBundleShortVersionString: '1.4.2',
  CFBundleVersion: '42',
  CFBundleSupportedPlatforms: ['iPhoneOS'],
  DTPlatformName: 'iphoneos',
  CFBundleName: 'Example',
  UIRequiredDeviceCapabilities: ['arm64'],
  MinimumOSVersion: '16.0',
  UIDeviceFamily: [1, 2],
  LSRequiresIPhoneOS: true,
} satisfies PlistJson;

/** Distribution as Xcode's export (productbuild --component) writes it. */
export function xcodeDistribution(opts: { id?: string; version?: string; build?: string; product?: boolean } = {}): string {
  const { id = 'com.example.mac', version = '2.0.1', build = '201', product = true } = opts;
  return `<?xml version="1.0" encoding="utf-8"?>
<installer-gui-script minSpecVersion="2">
    <pkg-ref id="${id}">
        <bundle-version>
            <bundle CFBundleShortVersionString="${version}" CFBundleVersion="${build}" id="${id}" path="Example.app"/>
            <bundle CFBundleShortVersionString="9.9" CFBundleVersion="999" id="${id}.helper" path="Example.app/Contents/Library/LoginItems/Helper.app"/>
        </bundle-version>
    </pkg-ref>
    ${product ? `<product id="${id}" version="${version}"/>` : ''}
    <options customize="never" require-scripts="false" hostArchitectures="arm64,x86_64"/>
    <volume-check>
        <allowed-os-versions>
            <os-version min="13.0"/>
        </allowed-os-versions>
    </volume-check>
    <choices-outline>
        <line choice="default">
            <line choice="${id}"/>
        </line>
    </choices-outline>
    <choice id="default" title="Example" versStr="${version}"/>
    <choice id="${id}" title="Example" visible="false">
        <pkg-ref id="${id}"/>
    </choice>
    <pkg-ref id="${id}" version="${version}" installKBytes="12345" onConclusion="none">#${id}.pkg</pkg-ref>
</installer-gui-script>
`;
}

/** A component's PackageInfo as pkgbuild writes it: nested bundles sit inside their parent. */
export function packageInfo(opts: { id?: string; version?: string; build?: string } = {}): string {
  const { id = 'com.example.mac', version = '2.0.1', build = '201' } = opts;
  return `<?xml version="1.0" encoding="utf-8" standalone="no"?>
<pkg-info overwrite-permissions="true" relocatable="false" identifier="${id}" postinstall-action="none" version="${version}" format-version="2" generator-version="InstallCmds-844 (23A344)" install-location="/Applications" auth="root">
    <payload numberOfFiles="42" installKBytes="12345"/>
    <bundle path="./Example.app" id="${id}" CFBundleShortVersionString="${version}" CFBundleVersion="${build}">
        <bundle path="./Contents/Library/LoginItems/Helper.app" id="${id}.helper" CFBundleShortVersionString="9.9" CFBundleVersion="999"/>
    </bundle>
    <bundle-version>
        <bundle id="${id}"/>
    </bundle-version>
    <upgrade-bundle>
        <bundle id="${id}"/>
    </upgrade-bundle>
    <update-bundle/>
    <atomic-update-bundle/>
    <strict-identifier>
        <bundle id="${id}"/>
    </strict-identifier>
    <relocate/>
</pkg-info>
`;
}
