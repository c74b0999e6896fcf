import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';

/** An archive that is not a zip we can read, or holds more than a state artifact could. */
export class ZipError extends Error {
  override name = 'ZipError';
  constructor(message: string) {
    super(`Invalid zip: ${message}`);
  }
}

export interface ReadZipOptions {
  /** The most bytes all entries may hold once inflated; declared sizes are checked before inflating. */
  maxBytes?: number;
  /** The most entries read; a state artifact has one. */
  maxEntries?: number;
}

/**
 * Reads every file of a small zip held in memory (yauzl, through the central directory, which has the sizes
 * even when the archive was streamed with data descriptors, as GitHub's artifact zips are). Each entry is
 * inflated no further than its declared size, and the declared sizes are bounded before anything inflates.
 */
export async function readZip(zip: Buffer, options: ReadZipOptions = {}): Promise<Map<string, Buffer>> {
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  const maxEntries = options.maxEntries ?? 1000;
  const archive = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(zip, { lazyEntries: true, decodeStrings: true, validateEntrySizes: true, strictFileNames: false }, (error, file) =>
      error ? reject(new ZipError(error.message)) : resolve(file),
    ),
  );
  if (archive.entryCount > maxEntries) {
    archive.close();
    throw new ZipError(`it holds ${archive.entryCount} entries; a state artifact holds one`);
  }
  const files = new Map<string, Buffer>();
  let total = 0;
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => {
      archive.close();
      reject(error instanceof ZipError ? error : new ZipError(error.message));
    };
    archive.on('error', fail);
    archive.on('end', () => resolve(files));
    archive.on('entry', (entry: yauzl.Entry) => {
      if (entry.fileName.endsWith('/')) return archive.readEntry();
      if (entry.isEncrypted()) return fail(new ZipError(`${entry.fileName} is encrypted`));
      total += entry.uncompressedSize;
      if (total > maxBytes) return fail(new ZipError(`content is larger than ${maxBytes} bytes`));
      archive.openReadStream(entry, (error, stream) => {
        if (error) return fail(error);
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('error', (e: Error) => fail(new ZipError(`${entry.fileName} does not inflate: ${e.message}`)));
        stream.on('end', () => {
          const data = Buffer.concat(chunks);
          // yauzl checks the sizes; the CRC catches a flipped byte in a stored entry.
          if (crc32(data) >>> 0 !== entry.crc32) return fail(new ZipError(`${entry.fileName} fails its CRC check`));
          files.set(entry.fileName, data);
          archive.readEntry();
        });
      });
    });
    archive.readEntry();
  });
}
