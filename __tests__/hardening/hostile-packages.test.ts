import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  binaryPlistFromObjects,
  makePackages,
  writeXarRaw,
  writeZip,
  type BinaryPlistObject,
  type PlistJson,
} from '../../test-support/fixtures/index.js';
import { tempDir } from '../package/fixtures.js';

/**
 * Packages made to exhaust the reader: binary property lists whose objects refer to each other
 * (exponentially, or in a cycle), XML too deep or too wide, a .pkg whose table of contents or
 * Distribution inflates to tens of MB. Each is read in a child process with a 64 MB heap: it must
 * end, quickly, in the named error, not in "JavaScript heap out of memory".
 */

const CHILD = resolve(import.meta.dirname, '..', '..', 'test-support', 'fixtures', 'read-in-child.ts');
const HEAP_MB = 64;
const { dir, cleanup } = tempDir();
const at = (name: string) => join(dir, name);
const APP = 'Payload/App.app';
const BASICS: PlistJson = {
  CFBundleIdentifier: 'com.example.app',
  CFBundleShortVersionString: '1.0',
  CFBundleVersion: '1',
  CFBundleSupportedPlatforms: ['iPhoneOS'],
};

interface ChildOutcome {
  info?: Record<string, unknown>;
  error?: { name: string; message: string };
  ms: number;
  heapPeakMB: number;
  maxRssMB: number;
}

/** Reads the package in a child with a small heap; the child's own crash (OOM) fails the test with its stderr. */
function readInChild(path: string): ChildOutcome {
  const child = spawnSync(process.execPath, [`--max-old-space-size=${HEAP_MB}`, '--import', 'tsx', CHILD, path], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  const line = child.stdout.trim().split('\n').at(-1) ?? '';
  if (child.status !== 0 || !line.startsWith('{')) {
    throw new Error(`the child ended with ${child.signal ?? child.status}: ${child.stderr.split('\n').slice(0, 8).join('\n')}`);
  }
  return JSON.parse(line) as ChildOutcome;
}

/** A dictionary with the app's basics whose `Bomb` key holds object `bomb`; `objects` follow the basics. */
function plistWithBomb(extra: (first: number) => BinaryPlistObject[]): Buffer {
  const objects: BinaryPlistObject[] = [];
  const add = (o: BinaryPlistObject) => objects.push(o) - 1;
  const pairs: Array<[number, number]> = [];
  for (const [key, value] of Object.entries(BASICS as Record<string, PlistJson>)) {
    const k = add({ string: key });
    pairs.push([k, Array.isArray(value) ? add({ array: [] }) : add({ string: value as string })]);
  }
  const top = add({ dict: pairs });
  const bombKey = add({ string: 'Bomb' });
  pairs.push([bombKey, objects.length]);
  objects.push(...extra(objects.length));
  return binaryPlistFromObjects(objects, top);
}

const ipaWith = (name: string, plist: Buffer) => writeZip(at(name), [{ name: `${APP}/Info.plist`, data: plist }]);

/** The case, what it makes, what the error must say. */
const CASES: Array<{ file: string; what: string; make: () => void; says: RegExp }> = [
  {
    file: 'dag.ipa',
    what: '.ipa, binary Info.plist: 40 arrays, each listing the next twice (2^40 objects once expanded)',
    make: () =>
      ipaWith(
        'dag.ipa',
        plistWithBomb((first) => Array.from({ length: 40 }, (_, i) => ({ array: i < 39 ? [first + i + 1, first + i + 1] : [] }))),
      ),
    says: /Info\.plist in .*dag\.ipa is malformed or too large: it expands to more than 50000 objects/,
  },
  {
    file: 'cycle.ipa',
    what: '.ipa, binary Info.plist: an array that lists itself',
    make: () =>
      ipaWith(
        'cycle.ipa',
        plistWithBomb((first) => [{ array: [first] }]),
      ),
    says: /Info\.plist in .*cycle\.ipa is malformed or too large: object \d+ contains itself \(a reference cycle\)/,
  },
  {
    file: 'deep-binary.ipa',
    what: '.ipa, binary Info.plist: 10,000 nested arrays',
    make: () =>
      ipaWith(
        'deep-binary.ipa',
        plistWithBomb((first) => Array.from({ length: 10_000 }, (_, i) => ({ array: i < 9_999 ? [first + i + 1] : [] }))),
      ),
    says: /is malformed or too large: its arrays and dictionaries nest deeper than 64 levels/,
  },
  {
    file: 'strings.ipa',
    what: '.ipa, binary Info.plist: one 200 KB string listed 40 times (8 MB decoded)',
    make: () =>
      ipaWith(
        'strings.ipa',
        plistWithBomb((first) => [{ array: Array(40).fill(first + 1) }, { string: 'x'.repeat(200_000) }]),
      ),
    says: /is malformed or too large: its strings and data decode to more than 4194304 bytes/,
  },
  {
    file: 'trailer.ipa',
    what: '.ipa, binary Info.plist: a trailer claiming 2^60 objects',
    make: () => {
      const plist = plistWithBomb(() => [{ bool: true }]);
      plist.writeBigUInt64BE(1n << 60n, plist.length - 24);
      ipaWith('trailer.ipa', plist);
    },
    says: /is malformed or too large: its trailer \(1152921504606846976 objects.*does not fit/,
  },
  {
    file: 'wide-xml.ipa',
    what: '.ipa, XML Info.plist: 140,000 elements in 1 MB',
    make: () =>
      makePackages([
        {
          kind: 'ipa',
          path: at('wide-xml.ipa'),
          entries: [{ name: `${APP}/Info.plist`, text: `<plist><array>${'<true/>'.repeat(140_000)}</array></plist>` }],
        },
      ]),
    says: /Info\.plist in .*wide-xml\.ipa is malformed or too large: it has more than 10000 elements/,
  },
  {
    file: 'entities.ipa',
    what: '.ipa, XML Info.plist: nested entity declarations ("billion laughs")',
    make: () =>
      makePackages([
        {
          kind: 'ipa',
          path: at('entities.ipa'),
          entries: [
            {
              name: `${APP}/Info.plist`,
              text: `<?xml version="1.0"?><!DOCTYPE plist [<!ENTITY a "aaaaaaaaaa">${Array.from({ length: 9 }, (_, i) => `<!ENTITY ${'bcdefghij'[i]} "${`&${'abcdefghi'[i]};`.repeat(10)}">`).join('')}]><plist><dict><key>CFBundleIdentifier</key><string>&j;</string></dict></plist>`,
            },
          ],
        },
      ]),
    says: /is malformed or too large: it declares a DTD internal subset \(entities\)/,
  },
  {
    file: 'toc-64mib.pkg',
    what: '.pkg: a table of contents that inflates to 64 MiB (65 KB compressed), its size declared',
    make: () => writeXarRaw(at('toc-64mib.pkg'), { toc: tocOf(' '.repeat(64 * 1024 * 1024 - 100)) }),
    says: /The table of contents of .*toc-64mib\.pkg is malformed or too large: its header gives \d+ bytes compressed, \d+ inflated/,
  },
  {
    file: 'toc-lies.pkg',
    what: '.pkg: a table of contents that inflates to 64 MiB while its header says 1 KB',
    make: () => writeXarRaw(at('toc-lies.pkg'), { toc: tocOf(' '.repeat(64 * 1024 * 1024 - 100)), declaredTocLength: 1024 }),
    says: /The table of contents of .*toc-lies\.pkg is malformed or too large: it inflates to more than 4194304 bytes/,
  },
  {
    file: 'toc-deep.pkg',
    what: '.pkg: a table of contents of 100,000 nested <file> elements (1.3 MB)',
    make: () => writeXarRaw(at('toc-deep.pkg'), { toc: tocOf(`${'<file>'.repeat(100_000)}${'</file>'.repeat(100_000)}`) }),
    says: /The table of contents of .*toc-deep\.pkg is malformed or too large: its elements nest deeper than 64 levels/,
  },
  {
    file: 'toc-wide.pkg',
    what: '.pkg: a table of contents of 500,000 empty elements (3.5 MB)',
    make: () => writeXarRaw(at('toc-wide.pkg'), { toc: tocOf('<name/>'.repeat(500_000)) }),
    says: /The table of contents of .*toc-wide\.pkg is malformed or too large: it has more than 10000 elements/,
  },
  {
    file: 'toc-attributes.pkg',
    what: '.pkg: a table of contents that inflates to 4 MiB of attributes on a few hundred elements (40 KB compressed)',
    make: () => writeXarRaw(at('toc-attributes.pkg'), { toc: tocOf(attributeHeavy(4 * 1024 * 1024 - 200)) }),
    says: /The table of contents of .*toc-attributes\.pkg is malformed or too large: it has more than 10000 attributes/,
  },
  {
    file: 'distribution-bomb.pkg',
    what: '.pkg: a Distribution of 100 KB that inflates to 100 MB, its size declared as 1 KB',
    make: () => {
      const bomb = deflateSync(Buffer.alloc(100_000_000, 0x20));
      const toc = tocOf(
        `<file id="1"><name>Distribution</name><type>file</type><data><length>${bomb.length}</length><offset>20</offset><size>1024</size><encoding style="application/x-gzip"/></data></file>`,
      );
      writeXarRaw(at('distribution-bomb.pkg'), { toc, heap: Buffer.concat([Buffer.alloc(20), bomb]) });
    },
    says: /Distribution in .*distribution-bomb\.pkg is malformed or too large: it inflates to more than 1048576 bytes/,
  },
  {
    file: 'distribution-wide.pkg',
    what: '.pkg: a Distribution of 120,000 elements (840 KB)',
    make: () =>
      makePackages([
        {
          kind: 'pkg',
          path: at('distribution-wide.pkg'),
          files: [{ name: 'Distribution', text: `<installer-gui-script>${'<line/>'.repeat(120_000)}</installer-gui-script>` }],
        },
      ]),
    says: /Distribution in .*distribution-wide\.pkg is malformed or too large: it has more than 10000 elements/,
  },
];

/** `<file>` elements of 1,000 distinct short attributes each, `chars` long in all. */
function attributeHeavy(chars: number): string {
  const element = `<file ${Array.from({ length: 1000 }, (_, i) => `a${i}="1"`).join(' ')}/>`;
  return element.repeat(Math.floor(chars / element.length));
}

function tocOf(inner: string): Buffer {
  return Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n<xar><toc>${inner}</toc></xar>`);
}

const table: string[] = [];

beforeAll(() => {
  for (const c of CASES) c.make();
  makePackages([{ kind: 'ipa', path: at('normal.ipa'), entries: [{ name: `${APP}/Info.plist`, plist: BASICS, format: 'binary' }] }]);
});
afterAll(() => {
  cleanup();
  console.log(
    `\nHostile packages (${HEAP_MB} MB heap)\n\n| case | size | outcome | time | heap peak | peak RSS |\n| --- | --- | --- | --- | --- | --- |\n${table.join('\n')}\n`,
  );
});

describe('hostile packages, read with a 64 MB heap', () => {
  it('a normal package, for comparison', () => {
    const outcome = readInChild(at('normal.ipa'));
    expect(outcome.info).toMatchObject({ bundleId: 'com.example.app', buildNumber: '1' });
    table.push(
      `| a normal .ipa | ${statSync(at('normal.ipa')).size} B | read | ${outcome.ms} ms | ${outcome.heapPeakMB} MB | ${outcome.maxRssMB} MB |`,
    );
  });

  it.each(CASES.map((c) => [c.file, c] as const))('%s ends in the named error, quickly, within the heap', (file, c) => {
    const outcome = readInChild(at(file));
    expect(outcome.error?.name).toBe('InputError');
    expect(outcome.error?.message).toMatch(/^Input `path`: /);
    expect(outcome.error?.message).toMatch(c.says);
    expect(outcome.error?.message).toMatch(/re-export the archive|export it again from Xcode/);
    expect(outcome.ms).toBeLessThan(5000);
    const size = statSync(at(file)).size;
    table.push(
      `| ${c.what} | ${size < 10_000 ? `${size} B` : `${Math.round(size / 1000)} KB`} | ${outcome
        .error!.message.replace(/^Input `path`: /, '')
        .replace(/;.*$/, '')
        .replace(dir + '/', '')} | ${outcome.ms} ms | ${outcome.heapPeakMB} MB | ${outcome.maxRssMB} MB |`,
    );
  });
});
