import { DOMParser, onErrorStopParsing, type Document, type Element } from '@xmldom/xmldom';

/**
 * Parses XML strictly: any error (not only fatal ones) rejects the document, so a damaged file is
 * reported instead of half-read, and nothing is printed to the log.
 */
export function parseXml(text: string): Document {
  const doc = new DOMParser({ onError: onErrorStopParsing }).parseFromString(text, 'text/xml');
  if (!doc.documentElement) throw new Error('no root element');
  return doc;
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
