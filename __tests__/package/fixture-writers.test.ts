import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { parse, parseBinary } from 'plist';
import yauzl from 'yauzl';
import { afterAll, describe, expect, it } from 'vitest';
import { binaryPlist, makePackages, xmlPlist } from '../../test-support/fixtures/index.js';
import { IOS_PLIST, tempDir } from './fixtures.js';

/** The fixture writers checked against third-party readers, so the package readers are not checked against themselves. */

const { dir, cleanup } = tempDir();
afterAll(cleanup);

const VALUE = { ...IOS_PLIST, Long: 'x'.repeat(300), Unicode: 'Exämple ✓', Negative: -5, Real: 1.5, Big: 70_000, Flag: false };

describe('fixture writers', () => {
  it('write binary and XML property lists that the plist library reads back', () => {
    expect(parseBinary(binaryPlist(VALUE))).toEqual(VALUE);
    expect(parse(xmlPlist(VALUE).toString('utf8'))).toEqual(VALUE);
  });

  it('write zip (and zip64) archives that yauzl reads back with matching CRCs', async () => {
    for (const zip64 of [false, true]) {
      const path = join(dir, `z${zip64}.ipa`);
      makePackages([
        {
          kind: 'ipa',
          path,
          zip64,
          entries: [
            { name: 'Payload/A.app/Info.plist', plist: VALUE, format: 'binary' },
            { name: 'Payload/A.app/Ünïcode.txt', text: 'hello '.repeat(100) },
          ],
        },
      ]);
      const zip = await yauzl.openPromise(path, { lazyEntries: true });
      const read: Record<string, Buffer> = {};
      for await (const entry of zip.eachEntry()) {
        const chunks: Buffer[] = [];
        for await (const chunk of (await zip.openReadStreamPromise(entry)) as AsyncIterable<Buffer>) chunks.push(chunk);
        read[entry.fileName] = Buffer.concat(chunks); // yauzl checks each entry's size; the stream, its CRC
      }
      zip.close();
      expect(parseBinary(read['Payload/A.app/Info.plist']!)).toEqual(VALUE);
      expect(read['Payload/A.app/Ünïcode.txt']!.toString()).toBe('hello '.repeat(100));
    }
  });

  it('write xar archives whose header, TOC and checksum agree', () => {
    const path = join(dir, 'x.pkg');
    makePackages([{ kind: 'pkg', path, files: [{ name: 'Distribution', text: '<installer-gui-script/>' }] }]);
    const file = readFileSync(path);
    expect(file.subarray(0, 4).toString('latin1')).toBe('xar!');
    const compressed = Number(file.readBigUInt64BE(8));
    const toc = inflateSync(file.subarray(28, 28 + compressed));
    expect(toc.length).toBe(Number(file.readBigUInt64BE(16)));
    expect(toc.toString()).toMatch(/^<\?xml[^>]*>\n<xar><toc>.*<name>Distribution<\/name>.*<\/toc><\/xar>$/s);
  });
});
