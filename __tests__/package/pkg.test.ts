import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPackageInfo } from '../../src/package/index.js';
import {
  expectedInfo,
  inputError,
  makePackages,
  packageInfo,
  tempDir,
  xcodeDistribution,
  type PkgSpec,
  type XarFileSpec,
} from './fixtures.js';

const { dir, cleanup } = tempDir();
const at = (name: string) => join(dir, name);

const ID = 'com.example.mac';
const component = (files: XarFileSpec[] = [{ name: 'PackageInfo', text: packageInfo() }]): XarFileSpec => ({
  name: `${ID}.pkg`,
  files: [...files, { name: 'Bom', text: 'bom', encoding: 'none' }, { name: 'Payload', text: 'pbzx payload', encoding: 'none' }],
});
const pkg = (name: string, files: XarFileSpec[], extra: Partial<PkgSpec> = {}): PkgSpec => ({
  kind: 'pkg',
  path: at(name),
  files,
  ...extra,
});
/** A Distribution that names the component but says nothing about versions (as a hand-written one may). */
const BARE_DISTRIBUTION = `<?xml version="1.0" encoding="utf-8"?>
<installer-gui-script minSpecVersion="1">
    <title>Example</title>
    <choices-outline><line choice="${ID}"/></choices-outline>
    <choice id="${ID}" visible="false"><pkg-ref id="${ID}"/></choice>
    <pkg-ref id="${ID}" version="2.0.1" onConclusion="none">#${ID}.pkg</pkg-ref>
</installer-gui-script>`;

beforeAll(() => {
  makePackages([
    pkg('xcode.pkg', [{ name: 'Distribution', text: xcodeDistribution() }, component(), { name: 'Resources', files: [] }]),
    pkg('stored.pkg', [{ name: 'Distribution', text: xcodeDistribution(), encoding: 'none' }, component()]),
    pkg('components-first.pkg', [component(), { name: 'Distribution', text: xcodeDistribution() }]),
    pkg('no-product.pkg', [{ name: 'Distribution', text: xcodeDistribution({ product: false }) }, component()]),
    pkg('from-package-info.pkg', [{ name: 'Distribution', text: BARE_DISTRIBUTION }, component()]),
    pkg('no-build.pkg', [
      { name: 'Distribution', text: xcodeDistribution().replace(/ CFBundleVersion="[^"]*"/g, '') },
      component([{ name: 'PackageInfo', text: packageInfo().replace(/ CFBundleVersion="[^"]*"/g, '') }]),
    ]),
    pkg('no-metadata.pkg', [{ name: 'Distribution', text: BARE_DISTRIBUTION }, component([])]),
    pkg('component-only.pkg', [
      { name: 'PackageInfo', text: packageInfo() },
      { name: 'Payload', text: 'x', encoding: 'none' },
    ]),
    pkg('bad-toc.pkg', [{ name: 'Distribution', text: xcodeDistribution() }], { badToc: true }),
    // Cut inside the Distribution's data, keeping the header and table of contents.
    pkg('truncated.pkg', [{ name: 'Distribution', text: xcodeDistribution() }], { truncateBy: 50 }),
    pkg('broken-xml.pkg', [{ name: 'Distribution', text: '<installer-gui-script><product id="x"></installer-gui-script>' }]),
    pkg('bzip2.pkg', [{ name: 'Distribution', text: xcodeDistribution(), encoding: 'bzip2' }]),
    pkg('wrong-magic.pkg', [{ name: 'Distribution', text: xcodeDistribution() }], { magic: 'xat!' }),
  ]);
  writeFileSync(at('text.pkg'), 'not an archive\n');
});
afterAll(cleanup);

const EXPECTED = { bundleId: ID, version: '2.0.1', buildNumber: '201', platform: 'MAC_OS' };

describe('readPackageInfo (.pkg)', () => {
  it("reads Xcode's product archive: <product> and the app's <bundle-version>", async () => {
    expect(await readPackageInfo(at('xcode.pkg'))).toEqual(expectedInfo(at('xcode.pkg'), 'pkg', EXPECTED));
  });

  it('reads an uncompressed Distribution, and one listed after the components', async () => {
    expect(await readPackageInfo(at('stored.pkg'))).toMatchObject(EXPECTED);
    expect(await readPackageInfo(at('components-first.pkg'))).toMatchObject(EXPECTED);
  });

  it('without <product>, takes the outer app among the bundles (not a nested helper)', async () => {
    expect(await readPackageInfo(at('no-product.pkg'))).toMatchObject(EXPECTED);
  });

  it("falls back to the component's PackageInfo", async () => {
    expect(await readPackageInfo(at('from-package-info.pkg'))).toMatchObject(EXPECTED);
  });

  it('lets inputs override or supply values', async () => {
    expect(await readPackageInfo(at('no-build.pkg'), { buildNumber: '202' })).toMatchObject({ ...EXPECTED, buildNumber: '202' });
    expect(await readPackageInfo(at('xcode.pkg'), { bundleId: 'com.other', version: '3.0', buildNumber: '7' })).toMatchObject({
      bundleId: 'com.other',
      version: '3.0',
      buildNumber: '7',
      platform: 'MAC_OS',
    });
  });

  it('names CFBundleVersion and the build-number input when the build number is missing', async () => {
    const error = await inputError(readPackageInfo(at('no-build.pkg')));
    expect(error.message).toBe(
      `Input \`path\`: ${at('no-build.pkg')}: neither its Distribution nor its PackageInfo gives the app's CFBundleVersion (the build number): set the \`build-number\` input, or export it again from Xcode (Organizer → Distribute App → App Store Connect), or build it with \`productbuild --component <App>.app /Applications\`.`,
    );
  });

  it('names the bundle ID first when nothing is known', async () => {
    const error = await inputError(readPackageInfo(at('no-metadata.pkg')));
    expect(error.message).toContain("gives the app's <product id> or CFBundleIdentifier (the bundle ID): set the `bundle-id` input");
    const version = await inputError(readPackageInfo(at('no-metadata.pkg'), { bundleId: ID }));
    expect(version.message).toContain('<product version> or CFBundleShortVersionString (the version): set the `app-version` input');
  });

  it('refuses a component package', async () => {
    const error = await inputError(readPackageInfo(at('component-only.pkg')));
    expect(error.message).toContain('has no Distribution, so it is a component package, not the product archive App Store Connect takes');
    expect(error.message).toContain('productbuild --component');
  });

  it.each(['text.pkg', 'wrong-magic.pkg'])('%s: refuses a file that is not a xar archive', async (file) => {
    const error = await inputError(readPackageInfo(at(file)));
    expect(error.message).toBe(
      `Input \`path\`: ${at(file)} is not a macOS product archive (no "xar!" header): export it again from Xcode (Organizer → Distribute App → App Store Connect), or build it with \`productbuild --component <App>.app /Applications\`.`,
    );
  });

  it.each([
    ['bad-toc.pkg', 'the table of contents does not inflate'],
    ['truncated.pkg', 'the file is truncated (Distribution is past its end)'],
    ['bzip2.pkg', 'Distribution is encoded as application/x-bzip2, which cannot be read here'],
  ])('%s: is not a valid .pkg (xar)', async (file, detail) => {
    const error = await inputError(readPackageInfo(at(file)));
    expect(error.message).toContain(`${at(file)} is not a valid .pkg (xar): ${detail}`);
    expect(error.message).toContain('productbuild --component');
  });

  it('refuses a Distribution that is not XML', async () => {
    const error = await inputError(readPackageInfo(at('broken-xml.pkg')));
    expect(error.message).toContain(`${at('broken-xml.pkg')}: Distribution is not valid XML (`);
  });
});
