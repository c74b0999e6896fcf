import { parse, type PlistValue } from 'plist';
import { parseBinaryPlist } from './bplist.js';
import { decodeXmlText, parseXml } from './xml.js';

export type PlistDict = { [key: string]: PlistValue };

const BINARY_MAGIC = 'bplist00';

/**
 * Parses a binary (bplist00) or XML property list whose top level must be a dictionary. Both are
 * bounded (PlistLimitError, XmlLimitError): a hostile one is refused before it can cost memory.
 */
export function parsePlistDict(bytes: Uint8Array): PlistDict {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 8));
  let value: PlistValue;
  if (head === BINARY_MAGIC) {
    value = parseBinaryPlist(bytes);
  } else if (head.startsWith('bplist')) {
    throw new Error(`unsupported binary property list format "${head}"`);
  } else {
    const text = decodeXmlText(bytes);
    if (!text.trimStart().startsWith('<')) throw new Error('neither a binary nor an XML property list');
    // The plist library reports XML errors to the console and may return a partial result, so the
    // document is checked strictly first.
    parseXml(text);
    value = parse(text);
  }
  if (!isDict(value)) throw new Error('the top level is not a dictionary');
  return value;
}

function isDict(value: PlistValue): value is PlistDict {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) && !(value instanceof Uint8Array);
}

/** A string value (numbers accepted, as some tools write CFBundleVersion as an integer); empty counts as absent. */
export function stringValue(dict: PlistDict, key: string): string | undefined {
  const value = dict[key];
  if (typeof value === 'string') return value.trim() || undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}
