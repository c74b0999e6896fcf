import fs from 'node:fs';
import { Readable } from 'node:stream';
import yauzl from 'yauzl';

/** Central directory bytes read per system call. */
const WINDOW_BYTES = 1024 * 1024;

type ReadCallback = (err: Error | null, bytesRead?: number) => void;

/**
 * A random-access reader for yauzl that serves small reads from a window read ahead. yauzl reads
 * each central directory record with its own small reads; an app with tens of thousands of files
 * would otherwise cost as many system calls (seconds), where this costs a few.
 */
export class WindowedFileReader extends yauzl.RandomAccessReader {
  private window = Buffer.alloc(0);
  private windowStart = 0;

  constructor(private readonly fd: number) {
    super();
  }

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null) => void): void {
    const done = callback as ReadCallback;
    if (position >= this.windowStart && position + length <= this.windowStart + this.window.length) {
      this.copy(buffer, offset, length, position);
      process.nextTick(done, null, length);
      return;
    }
    const window = Buffer.allocUnsafe(Math.max(length, WINDOW_BYTES));
    fs.read(this.fd, window, 0, window.length, position, (err, bytesRead) => {
      if (err) return done(err);
      this.window = window.subarray(0, bytesRead);
      this.windowStart = position;
      done(null, this.copy(buffer, offset, length, position));
    });
  }

  /** Entry data. Not fs.createReadStream: destroying that closes the shared descriptor. */
  override _readStreamForRange(start: number, end: number): Readable {
    const fd = this.fd;
    let position = start;
    return new Readable({
      read(size) {
        const length = Math.min(size, end - position);
        if (length <= 0) return void this.push(null);
        const chunk = Buffer.allocUnsafe(length);
        fs.read(fd, chunk, 0, length, position, (err, bytesRead) => {
          if (err) return void this.destroy(err);
          if (bytesRead === 0) return void this.push(null); // past the end: yauzl reports the short entry
          position += bytesRead;
          this.push(chunk.subarray(0, bytesRead));
        });
      },
    });
  }

  override close(callback: (err: Error | null) => void): void {
    fs.close(this.fd, callback);
  }

  private copy(buffer: Buffer, offset: number, length: number, position: number): number {
    if (position - this.windowStart >= this.window.length) return 0;
    return this.window.copy(
      buffer,
      offset,
      position - this.windowStart,
      Math.min(position - this.windowStart + length, this.window.length),
    );
  }
}
