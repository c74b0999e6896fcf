import { DOMParser, onErrorStopParsing, type Document, type Element } from '@xmldom/xmldom';
import { PackageLimitError } from './limit-error.js';

/**
 * Elements, attributes, text and nesting a package's XML may have. A product archive's table of contents,
 * its Distribution, a PackageInfo and an Info.plist have a few hundred elements and attributes, nested a
 * few levels, and some KB of text; the DOM costs about 2 KB an element or attribute node and 2 bytes a
 * character, so these bounds keep any of them near 45 MB at worst (measured in docs/reliability.md).
 */
const MAX_XML_ELEMENTS = 10_000;
const MAX_XML_ATTRIBUTES = 10_000;
/** Characters of text and attribute values together. */
const MAX_XML_TEXT = 2 * 1024 * 1024;
const MAX_XML_DEPTH = 64;

/** The document is larger or deeper than package metadata can be. */
export class XmlLimitError extends PackageLimitError {
  override name = 'XmlLimitError';
}

/**
 * Parses XML strictly: any error (not only fatal ones) rejects the document, so a damaged file is
 * reported instead of half-read, and nothing is printed to the log. Its shape is checked first
 * (see checkXmlShape), so a hostile document costs a scan, not a DOM of millions of nodes.
 */
export function parseXml(text: string): Document {
  checkXmlShape(text);
  const doc = new DOMParser({ onError: onErrorStopParsing }).parseFromString(text, 'text/xml');
  if (!doc.documentElement) throw new Error('no root element');
  return doc;
}

/**
 * Counts elements and nesting depth in one pass over the text, without building anything, and
 * refuses a document past MAX_XML_ELEMENTS or MAX_XML_DEPTH, or one that declares entities (a DTD
 * internal subset: no package file has one, and they are how entity bombs start).
 */
function checkXmlShape(text: string): void {
  let elements = 0;
  let depth = 0;
  let at = 0;
  const counts = { attributes: 0, text: 0 };
  const skipPast = (end: string, from: number) => {
    const found = text.indexOf(end, from);
    return found < 0 ? text.length : found + end.length;
  };
  const addText = (chars: number) => {
    counts.text += chars;
    if (counts.text > MAX_XML_TEXT) throw new XmlLimitError(`its text and attribute values exceed ${MAX_XML_TEXT} characters`);
  };
  let lastEnd = 0;
  while ((at = text.indexOf('<', at)) >= 0) {
    addText(at - lastEnd);
    const next = text[at + 1];
    if (text.startsWith('<!--', at)) at = skipPast('-->', at + 4);
    else if (text.startsWith('<![CDATA[', at)) {
      const start = at;
      at = skipPast(']]>', at + 9);
      addText(at - start);
    } else if (next === '?') at = skipPast('?>', at + 2);
    else if (next === '!') {
      const end = skipPast('>', at);
      if (text.slice(at, end).includes('['))
        throw new XmlLimitError('it declares a DTD internal subset (entities), which package metadata never has');
      at = end;
    } else if (next === '/') {
      depth--;
      at = skipPast('>', at);
    } else {
      at = tagEnd(text, at + 1, counts);
      if (counts.attributes > MAX_XML_ATTRIBUTES) throw new XmlLimitError(`it has more than ${MAX_XML_ATTRIBUTES} attributes`);
      addText(0);
      if (++elements > MAX_XML_ELEMENTS) throw new XmlLimitError(`it has more than ${MAX_XML_ELEMENTS} elements`);
      lastEnd = at;
      if (text[at - 2] === '/') continue; // <empty/> opens no level
      if (++depth > MAX_XML_DEPTH) throw new XmlLimitError(`its elements nest deeper than ${MAX_XML_DEPTH} levels`);
      continue;
    }
    lastEnd = at;
  }
  addText(text.length - lastEnd);
}

/** The position after a start tag's `>`, skipping quoted attribute values, counting attributes and their characters. */
function tagEnd(text: string, from: number, counts: { attributes: number; text: number }): number {
  let quote: string | undefined;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else counts.text++;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '=') counts.attributes++;
    else if (c === '>') return i + 1;
  }
  return text.length;
}

/** Child elements of `parent` (direct children only), optionally with the given tag name. */
export function childElements(parent: Element, name?: string): Element[] {
  const result: Element[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === node.ELEMENT_NODE && (name === undefined || node.nodeName === name)) result.push(node as Element);
  }
  return result;
}

export function childElement(parent: Element, name: string): Element | undefined {
  return childElements(parent, name)[0];
}

/** Trimmed text of the first child element named `name`. */
export function childText(parent: Element, name: string): string | undefined {
  const child = childElement(parent, name);
  return child ? (child.textContent ?? '').trim() : undefined;
}

/** A non-empty, trimmed attribute value. */
export function attribute(element: Element, name: string): string | undefined {
  const value = element.getAttribute(name)?.trim();
  return value ? value : undefined;
}

/** Decodes XML bytes: UTF-8 (with or without BOM) or UTF-16 with a BOM. */
export function decodeXmlText(bytes: Uint8Array): string {
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes);
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes);
  return new TextDecoder('utf-8').decode(bytes); // drops a UTF-8 BOM
}
