import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/**
 * A small text file a user gives (notes, Test Information): UTF-8 without a BOM, CRLF as LF, no trailing
 * blank lines; its size is checked on the open file before a byte is read, and past `maxBytes` it is refused.
 */
export function readText(path: string, name: string, fail: (what: string) => never, maxBytes: number): string {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size > maxBytes) fail(`${name} is ${size} bytes, over the ${maxBytes} bytes this file may have.`);
    const buffer = Buffer.alloc(size);
    let read = 0;
    while (read < size) {
      const n = readSync(fd, buffer, read, size - read, read);
      if (n === 0) break;
      read += n;
    }
    return buffer
      .subarray(0, read)
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .replace(/\r\n/g, '\n')
      .trimEnd();
  } finally {
    closeSync(fd);
  }
}
