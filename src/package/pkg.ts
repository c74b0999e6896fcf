import { open } from 'node:fs/promises';
import type { Element } from '@xmldom/xmldom';
import { InputError } from '../errors.js';
import { PackageLimitError } from './limit-error.js';
import { describeError, limitError, MAX_METADATA_BYTES, type PackageMetadata } from './metadata.js';
import { NotXarError, openXar, type XarArchive, type XarEntry } from './xar.js';
import { attribute, childElement, childElements, decodeXmlText, parseXml } from './xml.js';

/** A `<bundle>` of a Distribution's `<pkg-ref><bundle-version>` or of a component's PackageInfo. */
interface BundleInfo {
  id?: string;
  path?: string;
  shortVersion?: string;
  version?: string;
}

/** More components than an app's product archive has; bounds the work on a malformed one. */
const MAX_COMPONENTS = 32;

/** Where a product archive keeps what Info.plist keys hold in an .ipa. */
const PKG_KEYS: Record<string, string> = {
  CFBundleIdentifier: '<product id> or CFBundleIdentifier',
  CFBundleShortVersionString: '<product version> or CFBundleShortVersionString',
};

const REBUILD =
  'export it again from Xcode (Organizer → Distribute App → App Store Connect), or build it with `productbuild --component <App>.app /Applications`';

/**
 * Reads a macOS product archive (.pkg): only the xar header, its table of contents, the
 * `Distribution` file and, when that lacks something, the component packages' `PackageInfo`.
 *
 * Xcode's export writes `<product id version>` (bundle ID and short version) and, per component,
 * `<pkg-ref><bundle-version><bundle id CFBundleShortVersionString CFBundleVersion path>`; the
 * component's PackageInfo has the same `<bundle>` attributes.
 */
export async function readPkgMetadata(file: string, shown: string): Promise<PackageMetadata> {
  const invalid = (error: unknown) => new InputError('path', `${shown} is not a valid .pkg (xar): ${describeError(error)}; ${REBUILD}.`);
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    let xar: XarArchive;
    try {
      xar = await openXar(fh, size);
    } catch (error) {
      if (error instanceof NotXarError) {
        throw new InputError('path', `${shown} is not a macOS product archive (no "xar!" header): ${REBUILD}.`);
      }
      if (error instanceof PackageLimitError) throw limitError(`The table of contents of ${shown}`, error, REBUILD);
      throw invalid(error);
    }

    const distributionEntry = xar.entries.find((e) => e.path === 'Distribution' && e.type === 'file');
    if (!distributionEntry) {
      throw new InputError(
        'path',
        `${shown} has no Distribution, so it is a component package, not the product archive App Store Connect takes: ${REBUILD}.`,
      );
    }
    const distribution = await readXmlEntry(xar, distributionEntry, shown, invalid);
    const product = childElement(distribution, 'product');
    const distributionBundles = distribution.getElementsByTagName('bundle');
    const bundles: BundleInfo[] = [];
    for (let i = 0; i < distributionBundles.length; i++) {
      const bundle = distributionBundles.item(i);
      if (bundle && bundle.parentNode?.nodeName === 'bundle-version') bundles.push(bundleInfo(bundle));
    }

    let bundleId = (product && attribute(product, 'id')) ?? mainBundle(bundles)?.id;
    let version = (product && attribute(product, 'version')) ?? mainBundle(bundles, bundleId)?.shortVersion;
    let buildNumber = mainBundle(bundles, bundleId)?.version;

    // Hand-made Distributions may omit <product> or <bundle-version>: the components say the same.
    if (!bundleId || !version || !buildNumber) {
      const components: BundleInfo[][] = [];
      for (const entry of xar.entries.filter((e) => e.type === 'file' && /^[^/]+\/PackageInfo$/.test(e.path)).slice(0, MAX_COMPONENTS)) {
        components.push(childElements(await readXmlEntry(xar, entry, shown, invalid), 'bundle').map(bundleInfo));
      }
      const main = mainBundle(components.flat(), bundleId);
      bundleId ??= main?.id;
      version ??= main?.shortVersion;
      buildNumber ??= main?.version;
    }

    return {
      source: 'its Distribution',
      missing: (key, what) => `neither its Distribution nor its PackageInfo gives the app's ${PKG_KEYS[key] ?? key} (the ${what})`,
      fix: REBUILD,
      bundleId,
      version,
      buildNumber,
      platform: 'MAC_OS',
    };
  } finally {
    await fh.close();
  }
}

async function readXmlEntry(xar: XarArchive, entry: XarEntry, shown: string, invalid: (error: unknown) => InputError): Promise<Element> {
  let bytes: Buffer | undefined;
  try {
    bytes = await xar.read(entry, MAX_METADATA_BYTES);
    const root = parseXml(decodeXmlText(bytes)).documentElement;
    if (!root) throw new Error('no root element');
    return root;
  } catch (error) {
    if (error instanceof PackageLimitError) throw limitError(`${entry.path} in ${shown}`, error, REBUILD);
    // Not read: the archive is damaged; read but not parsed: the file is.
    if (bytes === undefined) throw invalid(error);
    throw new InputError('path', `${shown}: ${entry.path} is not valid XML (${describeError(error)}); ${REBUILD}.`);
  }
}

function bundleInfo(element: Element): BundleInfo {
  return {
    id: attribute(element, 'id'),
    path: attribute(element, 'path'),
    shortVersion: attribute(element, 'CFBundleShortVersionString'),
    version: attribute(element, 'CFBundleVersion'),
  };
}

/**
 * The app among a package's bundles: the one with the product's bundle ID, else the only app not
 * nested in another bundle (helpers and login items live inside the app), else the only bundle.
 */
function mainBundle(bundles: BundleInfo[], bundleId?: string): BundleInfo | undefined {
  const byId = bundleId ? bundles.find((b) => b.id === bundleId) : undefined;
  if (byId) return byId;
  const apps = bundles.filter((b) => b.path !== undefined && isOuterApp(b.path));
  if (apps.length === 1) return apps[0];
  return !bundleId && bundles.length === 1 ? bundles[0] : undefined;
}

function isOuterApp(path: string): boolean {
  const p = path.replace(/^\.\//, '').replace(/\/+$/, '');
  return p.endsWith('.app') && !p.slice(0, -'.app'.length).includes('.app/');
}
