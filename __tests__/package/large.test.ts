import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readPackageInfo } from '../../src/package/index.js';
import { IOS_PLIST, makePackages, tempDir } from './fixtures.js';

const { dir, cleanup } = tempDir();
const IPA = join(dir, 'Large.ipa');
const MANY_FILES_IPA = join(dir, 'ManyFiles.ipa');
/** Past 4 GiB, so the Info.plist's offset and the central directory need zip64 records. */
const BIG_ENTRY = 4.4e9;

beforeAll(() => {
  // The big entry is zeros written as a hole: the file takes a few KB of disk.
  makePackages([
    {
      kind: 'ipa',
      path: IPA,
      entries: [
        { name: 'Payload/Example.app/Frameworks/Huge.framework/Huge', zeros: BIG_ENTRY },
        { name: 'Payload/Example.app/PlugIns/Widget.appex/Info.plist', plist: { ...IOS_PLIST, CFBundleVersion: '7' } },
        { name: 'Payload/Example.app/Info.plist', plist: IOS_PLIST, format: 'binary' },
      ],
    },
    {
      // More entries than a plain end record can count: zip64 again.
      kind: 'ipa',
      path: MANY_FILES_IPA,
      entries: [
        { name: 'Payload/Example.app/Resources/file-{}.png', count: 66_000 },
        { name: 'Payload/Example.app/Info.plist', plist: IOS_PLIST, format: 'xml' },
      ],
    },
  ]);
});
afterAll(cleanup);

/** The `fs` object the zip reader (a CommonJS module) calls, so its reads can be counted. */
const fs = createRequire(import.meta.url)('node:fs') as typeof import('node:fs');

describe('readPackageInfo on a package over 4 GiB', () => {
  it('reads the Info.plist past 4 GiB through zip64 records, without reading the rest', async () => {
    expect(statSync(IPA).size).toBeGreaterThan(2 ** 32);
    // Counts what fs.read(fd, buffer, offset, length, position, callback) returns to the reader.
    let calls = 0;
    let bytesRead = 0;
    const original = fs.read as unknown as (...args: unknown[]) => void;
    const reads = vi.spyOn(fs, 'read').mockImplementation(((...args: unknown[]) => {
      calls++;
      const callback = args[5] as (err: Error | null, n: number, buffer: Buffer) => void;
      original(...args.slice(0, 5), (err: Error | null, n: number, buffer: Buffer) => {
        bytesRead += n;
        callback(err, n, buffer);
      });
    }) as unknown as typeof fs.read);
    const started = performance.now();
    const info = await readPackageInfo(IPA);
    const elapsed = performance.now() - started;
    reads.mockRestore();
    expect(info).toMatchObject({
      bundleId: 'com.example.app',
      version: '1.4.2',
      buildNumber: '42',
      platform: 'IOS',
      size: statSync(IPA).size,
    });
    // The end of the file (central directory) and one small entry, not gigabytes.
    expect(calls).toBeGreaterThan(0);
    expect(bytesRead).toBeLessThan(256 * 1024);
    // Reading 4.4 GB, even of a hole, takes seconds; this takes milliseconds.
    expect(elapsed).toBeLessThan(1500);
  });

  it('walks the central directory of an app with more than 65,535 files quickly', async () => {
    const started = performance.now();
    expect(await readPackageInfo(MANY_FILES_IPA)).toMatchObject({ bundleId: 'com.example.app', buildNumber: '42' });
    // Two small reads per record, as a plain file reader makes them, took seconds here.
    expect(performance.now() - started).toBeLessThan(3000);
  });
});
