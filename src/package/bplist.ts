import type { PlistValue } from 'plist';
import { PackageLimitError } from './limit-error.js';

/**
 * A bounded reader of binary property lists (bplist00).
 *
 * Objects refer to others by index, so a few hundred bytes can describe a value whose expansion is
 * exponential (each array listing the next one twice) or endless (an array listing itself). An
 * unbounded reader runs out of memory on such a file; this one counts every object it decodes (a
 * shared one each time it is reached), refuses cycles, and bounds nesting and decoded bytes.
 */

/** Objects decoded, a shared object counted each time it is reached. A real Info.plist has a few hundred. */
const MAX_PLIST_OBJECTS = 50_000;
/** Nesting of arrays and dictionaries. A real Info.plist nests a few levels. */
const MAX_PLIST_DEPTH = 64;
/** Bytes of strings and data decoded. A real Info.plist decodes to a few KB. */
const MAX_PLIST_DECODED_BYTES = 4 * 1024 * 1024;

/** The property list is malformed or larger than an Info.plist can be. */
export class PlistLimitError extends PackageLimitError {
  override name = 'PlistLimitError';
}

const TRAILER_BYTES = 32;
const HEADER_BYTES = 8;
const EPOCH_2001_MS = 978_307_200_000;

export function parseBinaryPlist(bytes: Uint8Array): PlistValue {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (data.length < HEADER_BYTES + TRAILER_BYTES) throw new PlistLimitError('it is shorter than its header and trailer');
  const trailer = data.length - TRAILER_BYTES;
  const offsetSize = data[trailer + 6]!;
  const refSize = data[trailer + 7]!;
  const count = data.readBigUInt64BE(trailer + 8);
  const top = data.readBigUInt64BE(trailer + 16);
  const tableStart = data.readBigUInt64BE(trailer + 24);
  if (offsetSize < 1 || offsetSize > 8 || refSize < 1 || refSize > 8) {
    throw new PlistLimitError(`its trailer gives offsets of ${offsetSize} and references of ${refSize} bytes (1 to 8 exist)`);
  }
  // The offset table must lie between the objects and the trailer, so the count is bounded by the file.
  if (tableStart < HEADER_BYTES || tableStart + count * BigInt(offsetSize) > BigInt(trailer) || top >= count) {
    throw new PlistLimitError(
      `its trailer (${count} objects, top ${top}, table at ${tableStart}) does not fit the file's ${data.length} bytes`,
    );
  }
  const objectsEnd = Number(tableStart);
  const objectCount = Number(count);

  let decoded = 0;
  let decodedBytes = 0;
  const open = new Set<number>();

  const uint = (at: number, width: number, what: string): number => {
    if (at + width > objectsEnd) throw new PlistLimitError(`${what} runs past the object table`);
    if (width <= 6) return data.readUIntBE(at, width);
    const value = width === 8 ? data.readBigUInt64BE(at) : -1n;
    if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) throw new PlistLimitError(`${what} is not a usable size`);
    return Number(value);
  };
  const offsetOf = (index: number): number => {
    const at = objectsEnd + index * offsetSize;
    const offset = offsetSize <= 6 ? data.readUIntBE(at, offsetSize) : Number(data.readBigUInt64BE(at));
    if (offset < HEADER_BYTES || offset >= objectsEnd)
      throw new PlistLimitError(`object ${index} is at ${offset}, outside the object table`);
    return offset;
  };
  const take = (length: number, at: number): Buffer => {
    decodedBytes += length;
    if (decodedBytes > MAX_PLIST_DECODED_BYTES)
      throw new PlistLimitError(`its strings and data decode to more than ${MAX_PLIST_DECODED_BYTES} bytes`);
    if (at + length > objectsEnd) throw new PlistLimitError('a string or data object runs past the object table');
    return data.subarray(at, at + length);
  };

  const decode = (index: number, depth: number): PlistValue => {
    if (++decoded > MAX_PLIST_OBJECTS) {
      throw new PlistLimitError(`it expands to more than ${MAX_PLIST_OBJECTS} objects (objects that refer to each other many times)`);
    }
    if (depth > MAX_PLIST_DEPTH) throw new PlistLimitError(`its arrays and dictionaries nest deeper than ${MAX_PLIST_DEPTH} levels`);
    if (open.has(index)) throw new PlistLimitError(`object ${index} contains itself (a reference cycle)`);
    let at = offsetOf(index);
    const marker = data[at++]!;
    const type = marker >> 4;
    const low = marker & 0x0f;
    // Counts of 15 and more follow the marker as an integer object.
    const length = (): number => {
      if (low !== 0x0f) return low;
      const intMarker = data[at]!;
      if (intMarker >> 4 !== 0x1) throw new PlistLimitError(`object ${index} has a bad length marker`);
      const width = 1 << (intMarker & 0x0f);
      const value = uint(at + 1, width, `object ${index}'s length`);
      at += 1 + width;
      return value;
    };
    switch (type) {
      case 0x0:
        if (marker === 0x08) return false;
        if (marker === 0x09) return true;
        throw new PlistLimitError(`object ${index} is a null or fill marker (0x${marker.toString(16)}), which an Info.plist never has`);
      case 0x1: {
        const width = 1 << low;
        if (width > 16 || at + width > objectsEnd) throw new PlistLimitError(`object ${index} is a bad integer`);
        if (width <= 4) return data.readUIntBE(at, width);
        return Number(data.readBigInt64BE(at + width - 8));
      }
      case 0x2: {
        if ((low !== 2 && low !== 3) || at + (1 << low) > objectsEnd) throw new PlistLimitError(`object ${index} is a bad real`);
        return low === 2 ? data.readFloatBE(at) : data.readDoubleBE(at);
      }
      case 0x3:
        if (marker !== 0x33 || at + 8 > objectsEnd) throw new PlistLimitError(`object ${index} is a bad date`);
        return new Date(data.readDoubleBE(at) * 1000 + EPOCH_2001_MS);
      case 0x4: {
        const n = length();
        return new Uint8Array(take(n, at));
      }
      case 0x5: {
        const n = length();
        return take(n, at).toString('latin1');
      }
      case 0x6: {
        const n = length();
        return Buffer.from(take(n * 2, at))
          .swap16()
          .toString('utf16le');
      }
      case 0xa:
      case 0xc: // a set reads as an array
      case 0xd: {
        const n = length();
        const refs = (i: number) => {
          const ref = uint(at + i * refSize, refSize, `object ${index}'s reference ${i}`);
          if (ref >= objectCount) throw new PlistLimitError(`object ${index} refers to object ${ref} of ${objectCount}`);
          return ref;
        };
        open.add(index);
        try {
          if (type !== 0xd) return Array.from({ length: Math.min(n, MAX_PLIST_OBJECTS + 1) }, (_, i) => decode(refs(i), depth + 1));
          const dict: { [key: string]: PlistValue } = Object.create(null) as { [key: string]: PlistValue };
          for (let i = 0; i < n; i++) {
            const key = decode(refs(i), depth + 1);
            if (typeof key !== 'string') throw new PlistLimitError(`object ${index} has a key that is not a string`);
            dict[key] = decode(refs(n + i), depth + 1);
          }
          return dict;
        } finally {
          open.delete(index);
        }
      }
      default:
        throw new PlistLimitError(`object ${index} has an unknown type 0x${type.toString(16)}`);
    }
  };
  return decode(Number(top), 0);
}
