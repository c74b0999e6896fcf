import { describe, expect, it } from 'vitest';
import { readZipFile } from '../../src/stores/zip.js';
import { writeZip } from '../../test-support/fake-github/zip-writer.js';

describe('reading one file of a state artifact zip', () => {
  it('inflates only the named file and lists the others', async () => {
    const zip = writeZip({ 'notes.txt': Buffer.alloc(5000, 7), 'post-processing-state.json': '{"a":1}' });
    // The other entry's data is corrupted and over the bound: neither matters, for it is never inflated.
    const corrupted = Buffer.from(zip);
    corrupted[40] = corrupted[40]! ^ 0xff;
    const file = await readZipFile(corrupted, 'post-processing-state.json', { maxBytes: 100 });
    expect(file.content?.toString()).toBe('{"a":1}');
    expect(file.names).toEqual(['notes.txt', 'post-processing-state.json']);
  });

  it('says what the archive holds when the file is not there, and still bounds what it reads', async () => {
    const zip = writeZip({ 'other.json': '{}', 'post-processing-state.json': 'x'.repeat(500) });
    expect(await readZipFile(zip, 'state.json')).toEqual({ names: ['other.json', 'post-processing-state.json'] });
    await expect(readZipFile(zip, 'post-processing-state.json', { maxBytes: 100 })).rejects.toThrow(
      /Invalid zip: content is larger than 100 bytes/,
    );
    await expect(readZipFile(zip, 'post-processing-state.json', { maxEntries: 1 })).rejects.toThrow(/2 entries/);
  });
});
