import { writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseBinaryPlist } from '../../src/package/bplist.js';
import { PackageLimitError } from '../../src/package/limit-error.js';
import { openXar } from '../../src/package/xar.js';
import { parseXml } from '../../src/package/xml.js';
import { makePackages, packageInfo, tempDir } from './fixtures.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

/** What `fn` throws, or undefined. */
async function thrown(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Each bounded reader refuses past its bounds with a PackageLimitError, which the package readers report as one error. */
describe('PackageLimitError', () => {
  it('is what the binary property list reader throws', async () => {
    const error = await thrown(() => parseBinaryPlist(Buffer.from('bplist00')));
    expect(error).toBeInstanceOf(PackageLimitError);
    expect((error as Error).name).toBe('PlistLimitError');
  });

  it('is what the XML reader throws', async () => {
    const error = await thrown(() => parseXml(`${'<a>'.repeat(65)}${'</a>'.repeat(65)}`));
    expect(error).toBeInstanceOf(PackageLimitError);
    expect((error as Error).name).toBe('XmlLimitError');
  });

  it("is what the xar reader throws for a table of contents or a file past its bounds, the TOC's XML bounds included", async () => {
    // A header that announces a 64 MiB table of contents.
    const header = Buffer.alloc(28);
    header.write('xar!', 0, 'latin1');
    header.writeUInt16BE(28, 4);
    header.writeUInt16BE(1, 6);
    header.writeBigUInt64BE(64n << 20n, 8);
    header.writeBigUInt64BE(64n << 20n, 16);
    const huge = join(dir, 'huge-toc.pkg');
    writeFileSync(huge, header);
    const fh = await open(huge, 'r');
    const tocError = await thrown(() => openXar(fh, header.length)).finally(() => fh.close());
    expect(tocError).toBeInstanceOf(PackageLimitError);
    expect((tocError as Error).name).toBe('XarTocLimitError');

    const path = join(dir, 'Example.pkg');
    makePackages([{ kind: 'pkg', path, files: [{ name: 'PackageInfo', text: packageInfo() }] }]);
    const pkg = await open(path, 'r');
    try {
      const xar = await openXar(pkg, (await pkg.stat()).size);
      const entry = xar.entries.find((e) => e.path === 'PackageInfo')!;
      const entryError = await thrown(() => xar.read(entry, 10));
      expect(entryError).toBeInstanceOf(PackageLimitError);
      expect((entryError as Error).name).toBe('XarEntryTooLargeError');
    } finally {
      await pkg.close();
    }
  });
});
