import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import type { Platform } from '../domain.js';
import { InputError } from '../errors.js';
import { WindowedFileReader } from './file-reader.js';
import { PackageLimitError } from './limit-error.js';
import { describeError, limitError, MAX_METADATA_BYTES, type PackageMetadata } from './metadata.js';
import { parsePlistDict, stringValue, type PlistDict } from './plist.js';

/** The main app's Info.plist only: not an extension's, a framework's or a watch app's. */
const APP_INFO_PLIST = /^Payload\/[^/]+\.app\/Info\.plist$/;

const SUPPORTED_PLATFORMS: Record<string, Platform> = {
  iphoneos: 'IOS',
  appletvos: 'TV_OS',
  xros: 'VISION_OS',
  macosx: 'MAC_OS',
};

const REEXPORT = 're-export the archive (Xcode Organizer → Distribute App, or `xcodebuild -exportArchive`)';

/**
 * Reads the app's Info.plist from an .ipa by random access: the zip's central directory (zip64
 * too) is walked and only that one entry is inflated, in memory, whatever the package's size.
 */
export async function readIpaMetadata(file: string, shown: string): Promise<PackageMetadata> {
  const invalid = (error: unknown) => new InputError('path', `${shown} is not a valid .ipa (zip): ${describeError(error)}; ${REEXPORT}.`);

  const fd = await promisify(fs.open)(file, 'r');
  let zip: ZipFile;
  try {
    const { size } = await promisify(fs.fstat)(fd);
    zip = await yauzl.fromRandomAccessReaderPromise(new WindowedFileReader(fd), size, { lazyEntries: true, autoClose: false });
  } catch (error) {
    fs.close(fd, () => {});
    throw invalid(error);
  }
  let entry: Entry | undefined;
  let bytes: Buffer;
  try {
    entry = await findEntry(zip, (name) => APP_INFO_PLIST.test(name));
    if (!entry) {
      throw new InputError(
        'path',
        `${shown} has no Payload/<App>.app/Info.plist, so it is not an app archive: point \`path\` at the .ipa exported for App Store Connect, or ${REEXPORT}.`,
      );
    }
    if (entry.uncompressedSize > MAX_METADATA_BYTES) {
      throw new InputError(
        'path',
        `${shown}: ${entry.fileName} is ${entry.uncompressedSize} bytes, more than an Info.plist can be (${MAX_METADATA_BYTES}); ${REEXPORT}.`,
      );
    }
    bytes = await readEntry(zip, entry);
  } catch (error) {
    throw error instanceof InputError ? error : invalid(error);
  } finally {
    zip.close();
  }

  let plist: PlistDict;
  try {
    plist = parsePlistDict(bytes);
  } catch (error) {
    if (error instanceof PackageLimitError) throw limitError(`${entry.fileName} in ${shown}`, error, REEXPORT);
    throw new InputError('path', `${shown}: ${entry.fileName} is not a valid property list (${describeError(error)}); ${REEXPORT}.`);
  }
  const source = entry.fileName;
  return {
    source,
    missing: (key, what) => `${source} has no ${key} (the ${what})`,
    fix: "add it to the app's Info.plist and build again",
    bundleId: stringValue(plist, 'CFBundleIdentifier'),
    version: stringValue(plist, 'CFBundleShortVersionString'),
    buildNumber: stringValue(plist, 'CFBundleVersion'),
    ...platformOf(plist),
  };
}

/** CFBundleSupportedPlatforms (what App Store Connect reads), else DTPlatformName. */
function platformOf(plist: PlistDict): Pick<PackageMetadata, 'platform' | 'platformFound'> {
  const supported = plist['CFBundleSupportedPlatforms'];
  const names = (Array.isArray(supported) ? supported : [supported]).filter((v): v is string => typeof v === 'string');
  const dtPlatform = stringValue(plist, 'DTPlatformName');
  for (const name of [...names, ...(dtPlatform ? [dtPlatform] : [])]) {
    const platform = SUPPORTED_PLATFORMS[name.toLowerCase()];
    if (platform) return { platform };
  }
  const found = [`CFBundleSupportedPlatforms: ${names.length ? names.join(', ') : 'none'}`, `DTPlatformName: ${dtPlatform ?? 'none'}`].join(
    '; ',
  );
  return { platformFound: found };
}

async function findEntry(zip: ZipFile, match: (name: string) => boolean): Promise<Entry | undefined> {
  for await (const entry of zip.eachEntry()) {
    if (match(entry.fileName)) return entry;
  }
  return undefined;
}

async function readEntry(zip: ZipFile, entry: Entry): Promise<Buffer> {
  const stream: Readable = await zip.openReadStreamPromise(entry);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > MAX_METADATA_BYTES) {
      stream.destroy();
      throw new Error(`${entry.fileName} inflates to more than ${MAX_METADATA_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
