import type { FileHandle } from 'node:fs/promises';
import { inflateSync, unzipSync } from 'node:zlib';
import type { Element } from '@xmldom/xmldom';
import { PackageLimitError } from './limit-error.js';
import { attribute, childElement, childElements, childText, parseXml } from './xml.js';

/**
 * A minimal reader for xar archives, the container of macOS .pkg files: the header, the
 * zlib-compressed XML table of contents, and single files read from the heap by offset — never the
 * payloads.
 *
 * Layout (big-endian): "xar!", u16 header size, u16 version, u64 compressed TOC length, u64
 * uncompressed TOC length, u32 checksum algorithm; then the TOC; then the heap, whose offsets the
 * TOC's `<data><offset>` give relative to its start.
 */

const MAGIC = 0x78617221; // "xar!"
const MIN_HEADER_SIZE = 28;
/**
 * Largest table of contents, compressed or inflated. A product archive's TOC lists a handful of
 * files (the Distribution, Resources, each component's Bom, Payload, PackageInfo and Scripts) and,
 * when signed, its certificates: a few KB, a few hundred KB with many resources. 4 MiB is ten times
 * that; the TOC is read into memory and parsed (bounded again by MAX_XML_ELEMENTS).
 */
const MAX_TOC_BYTES = 4 * 1024 * 1024;

/** The file does not start with the xar magic. */
export class NotXarError extends Error {
  override name = 'NotXarError';
}

/** A file in the archive is larger than the reader's bound. */
export class XarEntryTooLargeError extends PackageLimitError {
  override name = 'XarEntryTooLargeError';
}

/** The table of contents is larger or deeper than a product archive's can be. */
export class XarTocLimitError extends PackageLimitError {
  override name = 'XarTocLimitError';
}

export interface XarEntry {
  /** Path inside the archive, `/`-separated (e.g. `com.example.app.pkg/PackageInfo`). */
  path: string;
  type: string;
  data?: { offset: number; length: number; size: number; encoding: string };
}

export interface XarArchive {
  entries: XarEntry[];
  /** Reads and decodes one file, refusing any larger than `maxBytes`. */
  read(entry: XarEntry, maxBytes: number): Promise<Buffer>;
}

export async function openXar(fh: FileHandle, fileSize: number): Promise<XarArchive> {
  const header = await readAt(fh, 0, Math.min(MIN_HEADER_SIZE, fileSize));
  if (header.length < 4 || header.readUInt32BE(0) !== MAGIC) throw new NotXarError('no "xar!" header');
  if (header.length < MIN_HEADER_SIZE) throw new Error('the header is truncated');
  const headerSize = header.readUInt16BE(4);
  const tocCompressed = header.readBigUInt64BE(8);
  const tocInflated = header.readBigUInt64BE(16);
  if (headerSize < MIN_HEADER_SIZE) throw new Error(`bad header size ${headerSize}`);
  if (tocCompressed === 0n) throw new Error('bad table of contents length 0');
  if (tocCompressed > BigInt(MAX_TOC_BYTES) || tocInflated > BigInt(MAX_TOC_BYTES)) {
    throw new XarTocLimitError(
      `its header gives ${tocCompressed} bytes compressed, ${tocInflated} inflated; a product archive's is a few KB (at most ${MAX_TOC_BYTES} read)`,
    );
  }
  const heapStart = headerSize + Number(tocCompressed);
  if (heapStart > fileSize) throw new Error('the file is truncated (table of contents past its end)');

  let tocXml: string;
  try {
    tocXml = inflateSync(await readAt(fh, headerSize, Number(tocCompressed)), { maxOutputLength: MAX_TOC_BYTES }).toString('utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new XarTocLimitError(`it inflates to more than ${MAX_TOC_BYTES} bytes (its header says ${tocInflated})`);
    }
    throw new Error(`the table of contents does not inflate (${error instanceof Error ? error.message : String(error)})`);
  }
  // Past the XML bounds, parseXml throws an XmlLimitError: a PackageLimitError like XarTocLimitError.
  const root: Element | null = parseXml(tocXml).documentElement;
  const toc = root && root.nodeName === 'xar' ? childElement(root, 'toc') : undefined;
  if (!toc) throw new Error('the table of contents has no <xar><toc>');

  const entries: XarEntry[] = [];
  const walk = (parent: Element, prefix: string) => {
    for (const file of childElements(parent, 'file')) {
      const name = childText(file, 'name') ?? '';
      const path = prefix + name;
      entries.push({ path, type: childText(file, 'type') ?? 'file', data: dataOf(file, path) });
      walk(file, `${path}/`);
    }
  };
  walk(toc, '');

  return {
    entries,
    async read(entry, maxBytes) {
      const data = entry.data;
      if (!data) throw new Error(`${entry.path} has no data`);
      if (data.length > maxBytes || data.size > maxBytes) {
        throw new XarEntryTooLargeError(`it is ${Math.max(data.length, data.size)} bytes, more than such a file can be (${maxBytes})`);
      }
      const start = heapStart + data.offset;
      if (start + data.length > fileSize) throw new Error(`the file is truncated (${entry.path} is past its end)`);
      const raw = await readAt(fh, start, data.length);
      switch (data.encoding) {
        case 'application/octet-stream':
          return raw;
        case 'application/x-gzip': // xar's name for zlib; gzip framing is accepted too
          try {
            return unzipSync(raw, { maxOutputLength: maxBytes });
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
              throw new XarEntryTooLargeError(`it inflates to more than ${maxBytes} bytes, more than such a file can be`);
            }
            throw new Error(`${entry.path} does not inflate (${error instanceof Error ? error.message : String(error)})`);
          }
        default:
          throw new Error(`${entry.path} is encoded as ${data.encoding}, which cannot be read here`);
      }
    },
  };
}

function dataOf(file: Element, path: string): XarEntry['data'] {
  const data = childElement(file, 'data');
  if (!data) return undefined;
  const number = (name: string): number => {
    const text = childText(data, name) ?? '';
    const value = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(value)) throw new Error(`${path} has a bad <data><${name}> "${text}"`);
    return value;
  };
  const encodingElement = childElement(data, 'encoding');
  return {
    offset: number('offset'),
    length: number('length'),
    size: childText(data, 'size') === undefined ? number('length') : number('size'),
    encoding: (encodingElement && attribute(encodingElement, 'style')) ?? 'application/octet-stream',
  };
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await fh.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) throw new Error('the file is truncated');
    filled += bytesRead;
  }
  return buffer;
}
