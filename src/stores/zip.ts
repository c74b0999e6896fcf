import type { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import yauzl, { type Entry, type ZipFile } from 'yauzl';

/** An archive that is not a zip we can read, or holds more than a state artifact could. */
export class ZipError extends Error {
  override name = 'ZipError';
  constructor(message: string) {
    super(`Invalid zip: ${message}`);
  }
}

export interface ReadZipOptions {
  /** The most bytes the entries read may hold once inflated; declared sizes are checked before inflating. */
  maxBytes?: number;
  /** The most entries the archive may list; a state artifact has one. */
  maxEntries?: number;
}

/** One file of a zip, and the names of every file it holds (for a message when the file is missing). */
export interface ZipFileContent {
  content?: Buffer;
  names: string[];
}

/**
 * Reads one file of a small zip held in memory; the other entries are listed, never inflated. yauzl reads
 * through the central directory, which has the sizes even when the archive was streamed with data
 * descriptors, as GitHub's artifact zips are.
 */
export async function readZipFile(zip: Buffer, fileName: string, options: ReadZipOptions = {}): Promise<ZipFileContent> {
  const { names, files } = await walk(zip, options, (name) => name === fileName);
  const content = files.get(fileName);
  return content ? { content, names } : { names };
}

/** Reads every file of a small zip held in memory. */
export async function readZip(zip: Buffer, options: ReadZipOptions = {}): Promise<Map<string, Buffer>> {
  return (await walk(zip, options, () => true)).files;
}

/** Lists the entries and inflates those `wanted`, each no further than its declared size, bounded before anything inflates. */
async function walk(zip: Buffer, options: ReadZipOptions, wanted: (name: string) => boolean) {
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  const maxEntries = options.maxEntries ?? 1000;
  let archive: ZipFile;
  try {
    archive = await yauzl.fromBufferPromise(zip, {
      lazyEntries: true,
      decodeStrings: true,
      validateEntrySizes: true,
      strictFileNames: false,
    });
  } catch (error) {
    throw new ZipError((error as Error).message);
  }
  const names: string[] = [];
  const files = new Map<string, Buffer>();
  let total = 0;
  try {
    if (archive.entryCount > maxEntries) throw new ZipError(`it holds ${archive.entryCount} entries; a state artifact holds one`);
    for await (const entry of archive.eachEntry()) {
      if (entry.fileName.endsWith('/')) continue;
      names.push(entry.fileName);
      if (!wanted(entry.fileName)) continue;
      if (entry.isEncrypted()) throw new ZipError(`${entry.fileName} is encrypted`);
      total += entry.uncompressedSize;
      if (total > maxBytes) throw new ZipError(`content is larger than ${maxBytes} bytes`);
      files.set(entry.fileName, await inflate(archive, entry));
    }
  } catch (error) {
    throw error instanceof ZipError ? error : new ZipError((error as Error).message);
  } finally {
    archive.close();
  }
  return { names, files };
}

async function inflate(archive: ZipFile, entry: Entry): Promise<Buffer> {
  const chunks: Buffer[] = [];
  try {
    const stream: Readable = await archive.openReadStreamPromise(entry);
    for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  } catch (error) {
    throw new ZipError(`${entry.fileName} does not inflate: ${(error as Error).message}`);
  }
  const data = Buffer.concat(chunks);
  // yauzl checks the sizes; the CRC catches a flipped byte in a stored entry.
  if (crc32(data) >>> 0 !== entry.crc32) throw new ZipError(`${entry.fileName} fails its CRC check`);
  return data;
}
