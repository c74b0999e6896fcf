import { crc32, inflateRawSync } from 'node:zlib';

/**
 * Reads every file of a small zip held in memory, through its central directory (which has the sizes even
 * when the archive was streamed with data descriptors, as GitHub's artifact zips are). State artifacts are
 * a few KB, so this avoids a dependency and a temp directory. Stored and deflated entries only; no ZIP64.
 */
export function readZip(zip: Buffer, options: { maxBytes?: number } = {}): Map<string, Buffer> {
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  const eocd = findEndOfCentralDirectory(zip);
  const count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  const files = new Map<string, Buffer>();
  let total = 0;
  for (let i = 0; i < count; i++) {
    if (offset + 46 > zip.length || zip.readUInt32LE(offset) !== 0x02014b50) throw new ZipError('broken central directory');
    const flags = zip.readUInt16LE(offset + 8);
    const method = zip.readUInt16LE(offset + 10);
    const crc = zip.readUInt32LE(offset + 16);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const size = zip.readUInt32LE(offset + 24);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const localOffset = zip.readUInt32LE(offset + 42);
    const name = zip.toString(flags & 0x800 ? 'utf8' : 'latin1', offset + 46, offset + 46 + nameLength);
    offset += 46 + nameLength + extraLength + commentLength;
    if (name.endsWith('/')) continue;
    if (compressedSize === 0xffffffff || size === 0xffffffff || localOffset === 0xffffffff)
      throw new ZipError('ZIP64 entries are not supported');
    if (flags & 0x1) throw new ZipError(`${name} is encrypted`);
    total += size;
    if (total > maxBytes) throw new ZipError(`content is larger than ${maxBytes} bytes`);
    if (localOffset + 30 > zip.length || zip.readUInt32LE(localOffset) !== 0x04034b50)
      throw new ZipError(`broken local header for ${name}`);
    const start = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    const raw = zip.subarray(start, start + compressedSize);
    if (raw.length !== compressedSize) throw new ZipError(`${name} is truncated`);
    let data: Buffer;
    if (method === 0) data = Buffer.from(raw);
    else if (method === 8) data = inflate(raw, size, name);
    else throw new ZipError(`${name} uses unsupported compression method ${method}`);
    if (data.length !== size || crc32(data) >>> 0 !== crc) throw new ZipError(`${name} fails its size or CRC check`);
    files.set(name, data);
  }
  return files;
}

export class ZipError extends Error {
  override name = 'ZipError';
  constructor(message: string) {
    super(`Invalid zip: ${message}`);
  }
}

function inflate(raw: Buffer, size: number, name: string): Buffer {
  try {
    // Bounded by the declared size so a lying header cannot make us allocate without limit.
    return inflateRawSync(raw, { maxOutputLength: Math.max(1, size) });
  } catch (error) {
    throw new ZipError(`${name} does not inflate: ${(error as Error).message}`);
  }
}

function findEndOfCentralDirectory(zip: Buffer): number {
  // The record is 22 bytes plus a comment of at most 65535 bytes, at the very end.
  const lowest = Math.max(0, zip.length - 22 - 0xffff);
  for (let i = zip.length - 22; i >= lowest; i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) return i;
  }
  throw new ZipError('no end of central directory record');
}
