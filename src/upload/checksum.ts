import { Worker } from 'node:worker_threads';

export interface Checksum {
  hash: Promise<string>;
  /** Stops the read: the upload failed and the hash is no longer wanted. */
  cancel(): void;
}

/**
 * Runs in its own thread, so hashing never competes with sending the parts on the main thread's event
 * loop. A plain-JS body (evaluated, not a file) so the bundle needs no extra entry point.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { openSync, readSync, closeSync } = require('node:fs');
const { createHash } = require('node:crypto');
const fd = openSync(workerData.path, 'r');
try {
  const sha = createHash('sha256');
  const buffer = Buffer.allocUnsafeSlow(1 << 20);
  for (let position = 0; ; ) {
    const n = readSync(fd, buffer, 0, buffer.length, position);
    if (n === 0) break;
    sha.update(buffer.subarray(0, n));
    position += n;
  }
  parentPort.postMessage(sha.digest('hex'));
} finally {
  closeSync(fd);
}
`;

/** The file's SHA-256 from one sequential read into one reused buffer: memory stays flat whatever the size. */
export function sha256(path: string): Checksum {
  const worker = new Worker(WORKER, { eval: true, workerData: { path } });
  let cancelled = false;
  const hash = new Promise<string>((resolve, reject) => {
    worker.once('message', (hex: string) => resolve(hex));
    worker.once('error', (error) => reject(new Error(`Computing the checksum of ${path} failed: ${error.message}`)));
    worker.once('exit', (code) => {
      if (cancelled) reject(new Error(`Computing the checksum of ${path} was stopped.`));
      else if (code !== 0) reject(new Error(`Computing the checksum of ${path} failed (exit ${code}).`));
    });
  });
  hash.catch(() => undefined);
  return {
    hash,
    cancel: () => {
      cancelled = true;
      void worker.terminate();
    },
  };
}
