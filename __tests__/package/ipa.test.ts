import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPackageInfo } from '../../src/package/index.js';
import { expectedInfo, inputError, IOS_PLIST, makePackages, tempDir, type IpaSpec, type PlistJson, type ZipEntrySpec } from './fixtures.js';

const { dir, cleanup } = tempDir();
const at = (name: string) => join(dir, name);

const APP = 'Payload/Example.app';
const appPlist = (plist: PlistJson, format: 'binary' | 'xml' = 'binary'): ZipEntrySpec => ({ name: `${APP}/Info.plist`, plist, format });
const withoutKey = (key: keyof typeof IOS_PLIST) => Object.fromEntries(Object.entries(IOS_PLIST).filter(([k]) => k !== key));
const ipa = (name: string, entries: ZipEntrySpec[], extra: Partial<IpaSpec> = {}): IpaSpec => ({
  kind: 'ipa',
  path: at(name),
  entries,
  ...extra,
});

/** Entries an exported .ipa has around the app's Info.plist; extension and watch plists come first. */
const NESTED: ZipEntrySpec[] = [
  { name: 'Payload/', text: '' },
  {
    name: `${APP}/PlugIns/Widget.appex/Info.plist`,
    plist: { ...IOS_PLIST, CFBundleIdentifier: 'com.example.app.widget', CFBundleVersion: '7' },
  },
  { name: `${APP}/Frameworks/Kit.framework/Info.plist`, plist: { CFBundleIdentifier: 'com.example.kit', CFBundleVersion: '1' } },
  { name: `${APP}/Watch/Watch.app/Info.plist`, plist: { CFBundleIdentifier: 'com.example.app.watchkitapp', CFBundleVersion: '8' } },
  { name: 'Payload/Info.plist', plist: { CFBundleIdentifier: 'wrong.level', CFBundleVersion: '9' } },
  { name: 'Symbols/ABC.symbols', text: 'symbols' },
];

beforeAll(() => {
  makePackages([
    ipa('binary.ipa', [appPlist(IOS_PLIST, 'binary'), { name: `${APP}/Example`, text: 'binary' }]),
    ipa('xml.ipa', [appPlist(IOS_PLIST, 'xml')]),
    ipa('zip64.ipa', [...NESTED, appPlist(IOS_PLIST)], { zip64: true }),
    ipa('stored.ipa', [appPlist(IOS_PLIST, 'xml')], { stored: true }),
    ipa('nested.ipa', [...NESTED, appPlist(IOS_PLIST), { name: `${APP}/Assets.car`, text: 'assets' }]),
    ipa('tvos.ipa', [appPlist({ ...IOS_PLIST, CFBundleSupportedPlatforms: ['AppleTVOS'], DTPlatformName: 'appletvos' })]),
    ipa('visionos.ipa', [appPlist({ ...IOS_PLIST, CFBundleSupportedPlatforms: ['XROS'], DTPlatformName: 'xros' })]),
    ipa('macos.ipa', [appPlist({ ...IOS_PLIST, CFBundleSupportedPlatforms: ['MacOSX'], DTPlatformName: 'macosx' })]),
    ipa('dt-tvos.ipa', [appPlist({ ...withoutKey('CFBundleSupportedPlatforms'), DTPlatformName: 'appletvos' })]),
    ipa('dt-xros.ipa', [appPlist({ ...withoutKey('CFBundleSupportedPlatforms'), DTPlatformName: 'xros' })]),
    ipa('dt-ios.ipa', [appPlist({ ...withoutKey('CFBundleSupportedPlatforms'), DTPlatformName: 'iphoneos' })]),
    ipa('simulator.ipa', [appPlist({ ...IOS_PLIST, CFBundleSupportedPlatforms: ['iPhoneSimulator'], DTPlatformName: 'iphonesimulator' })]),
    ipa('no-platform.ipa', [appPlist(withoutPlatform())]),
    ipa('no-bundle-id.ipa', [appPlist(withoutKey('CFBundleIdentifier'))]),
    ipa('no-version.ipa', [appPlist(withoutKey('CFBundleShortVersionString'))]),
    ipa('no-build.ipa', [appPlist(withoutKey('CFBundleVersion'))]),
    ipa('empty-build.ipa', [appPlist({ ...IOS_PLIST, CFBundleVersion: '  ' })]),
    ipa('numeric-build.ipa', [appPlist({ ...IOS_PLIST, CFBundleVersion: 42 })]),
    ipa('no-info-plist.ipa', [{ name: `${APP}/Example`, text: 'binary' }]),
    ipa('only-nested.ipa', NESTED),
    ipa('garbage-plist.ipa', [{ name: `${APP}/Info.plist`, text: 'this is not a property list' }]),
    ipa('broken-xml-plist.ipa', [
      { name: `${APP}/Info.plist`, text: '<?xml version="1.0"?><plist><dict><key>a</key><string>b</dict></plist>' },
    ]),
    ipa('array-plist.ipa', [{ name: `${APP}/Info.plist`, plist: ['not', 'a', 'dict'], format: 'binary' }]),
    ipa('huge-plist.ipa', [{ name: `${APP}/Info.plist`, zeros: 11 * 1024 * 1024 }]),
    ipa('truncated.ipa', [appPlist(IOS_PLIST), { name: `${APP}/Example`, text: 'x'.repeat(5000) }], { truncate: 400 }),
    ipa('corrupt-deflate.ipa', [appPlist(IOS_PLIST, 'xml')]),
  ]);
  writeFileSync(at('not-a-zip.ipa'), 'plain text, not a zip archive\n'.repeat(10));
  writeFileSync(at('empty.ipa'), '');
  mkdirSync(at('folder.ipa'));
  writeFileSync(at('Example.zip'), readFileSync(at('binary.ipa')));
  corruptFirstEntryData(at('corrupt-deflate.ipa'));
});
afterAll(cleanup);

function withoutPlatform(): PlistJson {
  return Object.fromEntries(Object.entries(IOS_PLIST).filter(([k]) => k !== 'CFBundleSupportedPlatforms' && k !== 'DTPlatformName'));
}

/** Overwrites the compressed bytes of the first entry so inflating it fails. */
function corruptFirstEntryData(path: string): void {
  const zip = readFileSync(path);
  const nameLength = zip.readUInt16LE(26);
  const extraLength = zip.readUInt16LE(28);
  const compressedSize = zip.readUInt32LE(18);
  zip.fill(0xff, 30 + nameLength + extraLength, 30 + nameLength + extraLength + compressedSize);
  writeFileSync(path, zip);
}

const EXPECTED = { bundleId: 'com.example.app', version: '1.4.2', buildNumber: '42', platform: 'IOS' };

describe('readPackageInfo (.ipa)', () => {
  it('reads a binary Info.plist', async () => {
    const info = await readPackageInfo(at('binary.ipa'));
    expect(info).toEqual(expectedInfo(at('binary.ipa'), 'ipa', EXPECTED));
  });

  it.each([
    ['reads an XML Info.plist', 'xml.ipa'],
    ['reads zip64 entries', 'zip64.ipa'],
    ['reads stored (uncompressed) entries', 'stored.ipa'],
    ["reads the app's own Info.plist, not an extension's, framework's or watch app's listed before it", 'nested.ipa'],
  ])('%s', async (_title, file) => {
    expect(await readPackageInfo(at(file))).toMatchObject(EXPECTED);
  });

  it('returns an absolute path for a relative one', async () => {
    const info = await readPackageInfo(relative(process.cwd(), at('xml.ipa')));
    expect(info.path).toBe(at('xml.ipa'));
    expect(info.fileName).toBe('xml.ipa');
  });

  it.each([
    ['binary.ipa', 'IOS'],
    ['tvos.ipa', 'TV_OS'],
    ['visionos.ipa', 'VISION_OS'],
    ['macos.ipa', 'MAC_OS'],
    ['dt-ios.ipa', 'IOS'],
    ['dt-tvos.ipa', 'TV_OS'],
    ['dt-xros.ipa', 'VISION_OS'],
  ])('maps the platform of %s to %s', async (file, platform) => {
    expect((await readPackageInfo(at(file))).platform).toBe(platform);
  });

  it('accepts a numeric CFBundleVersion', async () => {
    expect((await readPackageInfo(at('numeric-build.ipa'))).buildNumber).toBe('42');
  });

  it('lets every input override the package', async () => {
    const info = await readPackageInfo(at('binary.ipa'), {
      bundleId: 'com.other',
      version: '3.0',
      buildNumber: '77',
      platform: 'VISION_OS',
    });
    expect(info).toMatchObject({ bundleId: 'com.other', version: '3.0', buildNumber: '77', platform: 'VISION_OS' });
  });

  it('takes a missing value from its input', async () => {
    expect(await readPackageInfo(at('no-build.ipa'), { buildNumber: '43' })).toMatchObject({ ...EXPECTED, buildNumber: '43' });
    expect(await readPackageInfo(at('no-version.ipa'), { version: '1.5' })).toMatchObject({ ...EXPECTED, version: '1.5' });
    expect(await readPackageInfo(at('no-bundle-id.ipa'), { bundleId: 'com.x' })).toMatchObject({ ...EXPECTED, bundleId: 'com.x' });
    expect(await readPackageInfo(at('simulator.ipa'), { platform: 'IOS' })).toMatchObject(EXPECTED);
  });

  it.each([
    ['no-bundle-id.ipa', 'CFBundleIdentifier', 'bundle-id'],
    ['no-version.ipa', 'CFBundleShortVersionString', 'app-version'],
    ['no-build.ipa', 'CFBundleVersion', 'build-number'],
    ['empty-build.ipa', 'CFBundleVersion', 'build-number'],
  ])('%s: names the missing %s and the %s input', async (file, key, input) => {
    const error = await inputError(readPackageInfo(at(file)));
    expect(error.message).toBe(
      `Input \`path\`: ${at(file)}: ${APP}/Info.plist has no ${key} (the ${
        { 'bundle-id': 'bundle ID', 'app-version': 'version', 'build-number': 'build number' }[input]
      }): set the \`${input}\` input, or add it to the app's Info.plist and build again.`,
    );
  });

  it('says to set `platform` when the platform is unknown', async () => {
    const error = await inputError(readPackageInfo(at('simulator.ipa')));
    expect(error.message).toContain('cannot tell the platform from Payload/Example.app/Info.plist');
    expect(error.message).toContain('CFBundleSupportedPlatforms: iPhoneSimulator; DTPlatformName: iphonesimulator');
    expect(error.message).toContain('set the `platform` input to IOS, TV_OS, VISION_OS or MAC_OS');
    const none = await inputError(readPackageInfo(at('no-platform.ipa')));
    expect(none.message).toContain('CFBundleSupportedPlatforms: none; DTPlatformName: none');
  });

  it.each(['no-info-plist.ipa', 'only-nested.ipa'])('%s: no Payload/<App>.app/Info.plist', async (file) => {
    const error = await inputError(readPackageInfo(at(file)));
    expect(error.message).toMatch(/has no Payload\/<App>\.app\/Info\.plist, so it is not an app archive/);
    expect(error.message).toContain('re-export the archive');
  });

  it.each([
    ['not-a-zip.ipa', /end of central directory record signature not found/i],
    ['empty.ipa', /end of central directory record signature not found/i],
    ['truncated.ipa', /truncated/],
    ['corrupt-deflate.ipa', /invalid|incorrect|unexpected|too/i],
  ])('%s: is not a valid .ipa (zip)', async (file, detail) => {
    const error = await inputError(readPackageInfo(at(file)));
    expect(error.message).toMatch(
      new RegExp(`^Input \`path\`: ${escape(at(file))} is not a valid \\.ipa \\(zip\\): .+; re-export the archive`),
    );
    expect(error.message).toMatch(detail);
  });

  it.each([
    ['garbage-plist.ipa', 'neither a binary nor an XML property list'],
    ['broken-xml-plist.ipa', 'mismatch'],
    ['array-plist.ipa', 'the top level is not a dictionary'],
  ])('%s: Info.plist is not a valid property list', async (file, detail) => {
    const error = await inputError(readPackageInfo(at(file)));
    expect(error.message).toContain(`${APP}/Info.plist is not a valid property list (`);
    expect(error.message).toContain(detail);
    expect(error.message).toContain('re-export the archive');
  });

  it('refuses an Info.plist too large to be one, without inflating it', async () => {
    const error = await inputError(readPackageInfo(at('huge-plist.ipa')));
    expect(error.message).toContain(`${APP}/Info.plist is ${11 * 1024 * 1024} bytes, more than an Info.plist can be`);
  });

  it('refuses a file that is not an .ipa or .pkg', async () => {
    const error = await inputError(readPackageInfo(at('Example.zip')));
    expect(error.message).toBe(
      `Input \`path\`: ${at('Example.zip')} is not an .ipa or .pkg: point \`path\` at the exported .ipa (iOS, tvOS, visionOS) or .pkg (macOS).`,
    );
  });

  it('refuses a missing file and a directory', async () => {
    expect((await inputError(readPackageInfo(at('missing.ipa')))).message).toContain(`${at('missing.ipa')} cannot be read (ENOENT)`);
    expect((await inputError(readPackageInfo(at('folder.ipa')))).message).toContain(`${at('folder.ipa')} is not a file`);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
