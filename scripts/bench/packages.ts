import { randomFillSync } from 'node:crypto';
import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { makePackages } from '../../test-support/fixtures/index.js';

export const BUNDLE_ID = 'com.example.bench';
export const VERSION = '5.0';

function infoPlist(buildNumber: string): Buffer {
  return Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>CFBundleIdentifier</key><string>${BUNDLE_ID}</string>
  <key>CFBundleShortVersionString</key><string>${VERSION}</string>
  <key>CFBundleVersion</key><string>${buildNumber}</string>
  <key>CFBundleSupportedPlatforms</key><array><string>iPhoneOS</string></array>
  <key>CFBundleName</key><string>Bench</string>
</dict>
</plist>
`);
}

/**
 * An .ipa (a stored zip) whose executable is `payloadBytes` of random bytes, so nothing along the way
 * can compress or skip it. Written in 16 MiB chunks; the local header is filled in once the CRC is known.
 */
export function makeRandomIpa(path: string, payloadBytes: number): number {
  if (payloadBytes >= 0xffffffff) throw new Error('use makeSparseIpa past 4 GiB');
  const fd = openSync(path, 'w');
  try {
    let at = 0;
    const write = (buffer: Buffer, position?: number) => {
      writeSync(fd, buffer, 0, buffer.length, position ?? at);
      if (position === undefined) at += buffer.length;
    };
    const entries: Array<{ name: Buffer; crc: number; size: number; offset: number }> = [];
    const addEntry = (name: string, size: number, body: (add: (chunk: Buffer) => void) => void) => {
      const entry = { name: Buffer.from(name), crc: 0, size, offset: at };
      at += 30 + entry.name.length;
      body((chunk) => {
        entry.crc = crc32(chunk, entry.crc);
        write(chunk);
      });
      write(localHeader(entry), entry.offset);
      entries.push(entry);
    };
    const chunk = Buffer.allocUnsafe(16 << 20);
    addEntry('Payload/Bench.app/Bench', payloadBytes, (add) => {
      for (let left = payloadBytes; left > 0; left -= chunk.length) {
        const part = left >= chunk.length ? chunk : chunk.subarray(0, left);
        randomFillSync(part);
        add(part);
      }
    });
    const plist = infoPlist('1');
    addEntry('Payload/Bench.app/Info.plist', plist.length, (add) => add(plist));
    const centralStart = at;
    for (const e of entries) write(centralHeader(e));
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(entries.length, 8);
    end.writeUInt16LE(entries.length, 10);
    end.writeUInt32LE(at - centralStart, 12);
    end.writeUInt32LE(centralStart, 16);
    write(end);
  } finally {
    closeSync(fd);
  }
  return statSync(path).size;
}

function localHeader(e: { name: Buffer; crc: number; size: number }): Buffer {
  const h = Buffer.alloc(30);
  h.writeUInt32LE(0x04034b50, 0);
  h.writeUInt16LE(20, 4);
  h.writeUInt32LE(e.crc >>> 0, 14);
  h.writeUInt32LE(e.size, 18);
  h.writeUInt32LE(e.size, 22);
  h.writeUInt16LE(e.name.length, 26);
  return Buffer.concat([h, e.name]);
}

function centralHeader(e: { name: Buffer; crc: number; size: number; offset: number }): Buffer {
  const h = Buffer.alloc(46);
  h.writeUInt32LE(0x02014b50, 0);
  h.writeUInt16LE(0x0314, 4);
  h.writeUInt16LE(20, 6);
  h.writeUInt32LE(e.crc >>> 0, 16);
  h.writeUInt32LE(e.size, 20);
  h.writeUInt32LE(e.size, 24);
  h.writeUInt16LE(e.name.length, 28);
  h.writeUInt32LE((0o100644 << 16) >>> 0, 38);
  h.writeUInt32LE(e.offset, 42);
  return Buffer.concat([h, e.name]);
}

/** A zip64 .ipa past 4 GiB whose big entry is zeros written as a hole: a few KB of disk. */
export function makeSparseIpa(path: string, zeroBytes: number): number {
  makePackages([
    {
      kind: 'ipa',
      path,
      entries: [
        { name: 'Payload/Bench.app/Frameworks/Huge.framework/Huge', zeros: zeroBytes },
        { name: 'Payload/Bench.app/Info.plist', text: infoPlist('1').toString('utf8') },
      ],
    },
  ]);
  return statSync(path).size;
}
