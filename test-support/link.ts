/**
 * An emulated internet link for the fake's part host: a round-trip time, a rate per connection (what
 * one TCP connection reaches over that RTT) and a total rate (the runner's uplink), applied where the
 * server reads request bodies. A paused body stops the server reading its socket, so the kernel's
 * buffers fill and the client's writes wait, as they would behind a slower link.
 *
 * - Rates: two token buckets, one per connection and one shared, each a virtual clock of when its
 *   next byte may pass; a chunk waits for the later of the two. Connections take turns on the shared
 *   one chunk by chunk, so a saturated link is shared fairly, as TCP roughly shares it.
 * - RTT: a new connection waits one RTT before its first byte (the TCP handshake; TLS and slow start
 *   are not modelled), and every answer leaves one RTT after the last byte was read (the last byte's
 *   way there and the answer's way back).
 */
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';

export interface LinkSpec {
  rttMs: number;
  /** Bits per second one connection can carry. */
  perConnectionBps: number;
  /** Bits per second all connections together can carry. */
  totalBps: number;
}

/**
 * Credit a bucket may bank: a late timer, or a server process the machine did not schedule for a
 * while, is caught up (the bytes would have kept arriving in the kernel's buffers), not lost. Over
 * any stretch longer than this the rate never exceeds the link's; a burst is small against a part
 * (200 ms at 100 Mbit/s is 2.5 MB).
 */
const BURST_MS = 200;

interface Bucket {
  /** performance.now() at which the bucket's next byte may pass. */
  readyAt: number;
  bytesPerMs: number;
}

export class EmulatedLink {
  private readonly total: Bucket;
  private readonly connections = new WeakMap<Socket, Bucket>();

  constructor(readonly spec: LinkSpec) {
    this.total = { readyAt: 0, bytesPerMs: spec.totalBps / 8 / 1000 };
  }

  /**
   * Paces a request body from now on (call before anything reads it). Its first byte waits one RTT
   * when the request opened its connection.
   */
  shape(body: Readable, socket: Socket | null | undefined): void {
    if (!socket) return;
    let connection = this.connections.get(socket);
    let startDelay = 0;
    if (!connection) {
      connection = { readyAt: 0, bytesPerMs: this.spec.perConnectionBps / 8 / 1000 };
      this.connections.set(socket, connection);
      startDelay = this.spec.rttMs;
    }
    const own = connection;
    // No credit from the time between requests: the answer's RTT and the client's next request are
    // time the link was not sending this connection's bytes.
    own.readyAt = Math.max(own.readyAt, performance.now() + startDelay);
    body.pause();
    body.on('data', (chunk: Buffer) => {
      const now = performance.now();
      const wait = Math.max(take(own, chunk.length, now), take(this.total, chunk.length, now)) - now;
      if (wait >= 1) {
        body.pause();
        setTimeout(() => body.resume(), wait);
      }
    });
    setTimeout(() => body.resume(), startDelay);
  }

  /** The answer's way back (see above), once the last chunk read has had its time on the link. */
  roundTrip(socket: Socket | null | undefined): Promise<void> {
    const pending = socket ? Math.max(0, (this.connections.get(socket)?.readyAt ?? 0) - performance.now()) : 0;
    return new Promise((done) => setTimeout(done, pending + this.spec.rttMs));
  }

  /** The fastest a file of `bytes` in `parts` parts can cross, `inFlight` at a time, one RTT per round of parts. */
  idealMs(bytes: number, parts: number, inFlight: number): number {
    const bytesPerMs = Math.min(this.spec.totalBps, inFlight * this.spec.perConnectionBps) / 8 / 1000;
    return bytes / bytesPerMs + Math.ceil(parts / inFlight) * this.spec.rttMs;
  }
}

/** Reserves `bytes` on a bucket; returns when they may have passed. */
function take(bucket: Bucket, bytes: number, now: number): number {
  bucket.readyAt = Math.max(bucket.readyAt, now - BURST_MS) + bytes / bucket.bytesPerMs;
  return bucket.readyAt;
}

/** The link in front of each fake server's part host, by the server's base URL (none: loopback as is). */
const links = new Map<string, EmulatedLink>();

export function setPartHostLink(baseUrl: string, spec: LinkSpec | undefined): EmulatedLink | undefined {
  if (!spec) {
    links.delete(baseUrl);
    return undefined;
  }
  const link = new EmulatedLink(spec);
  links.set(baseUrl, link);
  return link;
}

export function partHostLink(baseUrl: string): EmulatedLink | undefined {
  return links.get(baseUrl);
}
