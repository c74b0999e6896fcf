import { buildBinary } from 'plist';
import { describe, expect, it } from 'vitest';
import { parseBinaryPlist, PlistLimitError } from '../../src/package/bplist.js';
import { binaryPlist, binaryPlistFromObjects } from '../../test-support/fixtures/index.js';
import { IOS_PLIST } from './fixtures.js';

const VALUE = {
  ...IOS_PLIST,
  Unicode: 'Exämple ✓ 日本',
  Long: 'y'.repeat(70_000),
  Negative: -5,
  Large: 2 ** 40,
  Real: 1.25,
  Flag: false,
  Data: new Uint8Array([1, 2, 3]),
  Nested: { Deeper: [{ Deepest: ['a', 1, true] }] },
};

describe('parseBinaryPlist', () => {
  it('reads what two independent writers make: the plist library and the test fixtures', () => {
    expect(JSON.parse(JSON.stringify(parseBinaryPlist(buildBinary(VALUE))))).toEqual(JSON.parse(JSON.stringify(VALUE)));
    expect(JSON.parse(JSON.stringify(parseBinaryPlist(binaryPlist(VALUE))))).toEqual(JSON.parse(JSON.stringify(VALUE)));
  });

  it('keeps keys such as __proto__ as plain keys', () => {
    const dict = parseBinaryPlist(binaryPlist(JSON.parse('{"__proto__": "x", "a": "b"}') as Record<string, string>)) as Record<
      string,
      unknown
    >;
    expect(Object.keys(dict)).toEqual(['__proto__', 'a']);
    expect(dict['__proto__']).toBe('x');
  });

  it('accepts an object shared by several parents, within the bounds', () => {
    const shared = binaryPlistFromObjects([{ array: [1, 1, 1] }, { string: 'same' }], 0);
    expect(parseBinaryPlist(shared)).toEqual(['same', 'same', 'same']);
  });

  it.each([
    ['a reference past the table', binaryPlistFromObjects([{ array: [5] }], 0), /refers to object 5 of 1/],
    ['a non-string key', binaryPlistFromObjects([{ dict: [[1, 1]] }, { int: 3 }], 0), /a key that is not a string/],
    ['a file too short', Buffer.from('bplist00'), /shorter than its header and trailer/],
  ])('refuses %s with a PlistLimitError', (_, bytes, message) => {
    expect(() => parseBinaryPlist(bytes)).toThrow(PlistLimitError);
    expect(() => parseBinaryPlist(bytes)).toThrow(message);
  });
});
