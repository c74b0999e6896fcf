/**
 * The least a Node process can do to send the parts: HTTP/1.1 written by hand on plain sockets, 4 MiB
 * synchronous reads, no retries, no timeouts, no checks. Not for use: a floor that shows what part of
 * the gap to curl belongs to Node and to the number of connections rather than to the action's sender.
 */
import { openSync, closeSync, readSync } from 'node:fs';
import { connect } from 'node:net';

const CHUNK = 4 * 1024 * 1024;

export async function rawSend(
  url: string,
  file: string,
  parts: Array<{ offset: number; length: number }>,
  connections: number,
): Promise<void> {
  const { hostname, port, pathname, search, host } = new URL(url);
  const fd = openSync(file, 'r');
  const queue = [...parts];
  try {
    await Promise.all(
      Array.from({ length: connections }, async () => {
        const socket = connect(Number(port), hostname);
        await new Promise((done) => socket.once('connect', done));
        const buffer = Buffer.allocUnsafeSlow(CHUNK);
        let answered: (() => void) | undefined;
        let head = '';
        socket.on('data', (data: Buffer) => {
          head += data.toString('latin1');
          // The fake answers each part with a bodiless 200.
          if (head.includes('\r\n\r\n')) {
            head = '';
            answered?.();
          }
        });
        for (let part = queue.shift(); part; part = queue.shift()) {
          const answer = new Promise<void>((done) => (answered = done));
          socket.write(
            `PUT ${pathname}${search} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${part.length}\r\n\r\n`,
          );
          for (let at = part.offset, end = part.offset + part.length; at < end;) {
            const n = readSync(fd, buffer, 0, Math.min(CHUNK, end - at), at);
            at += n;
            // The buffer is read into again only once the kernel has taken it.
            await new Promise((done) => socket.write(buffer.subarray(0, n), done));
          }
          await answer;
        }
        socket.destroy();
      }),
    );
  } finally {
    closeSync(fd);
  }
}
