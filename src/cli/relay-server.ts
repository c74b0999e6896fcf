/**
 * The relay under Node: a node:http server that turns each request into a Web `Request` for the relay's
 * handler and writes its `Response` back. The handler bounds the body; this side bounds what it drains
 * after a refusal, and the time a client may take.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleDelivery, MAX_BODY_BYTES, type RelayEnv } from '../relay/handler.js';

/** After a refusal, what is read and dropped so the client sees the answer, before the connection is cut. */
const MAX_DRAIN_BYTES = 4 * MAX_BODY_BYTES;
const REQUEST_TIMEOUT_MS = 30_000;
const HEADERS_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 10_000;

export interface RelayServer {
  /** e.g. http://127.0.0.1:8787 */
  readonly url: string;
  /** Stops taking connections and waits for requests in flight (at most 10 s). */
  close(): Promise<void>;
}

export async function startRelayServer(options: { port: number; host?: string; env: RelayEnv }): Promise<RelayServer> {
  const server = createServer((req, res) => void serve(req, res, options.env));
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const shown = address.includes(':') ? `[${address}]` : address;
  return { url: `http://${shown}:${port}`, close: () => stop(server) };
}

async function serve(req: IncomingMessage, res: ServerResponse, env: RelayEnv): Promise<void> {
  try {
    const response = await handleDelivery(toRequest(req), env);
    const headers = Object.fromEntries(response.headers);
    res.writeHead(response.status, headers);
    res.end(response.body ? Buffer.from(await response.arrayBuffer()) : undefined);
  } catch {
    // Never a stack trace to the caller: the handler's own failures are a bare 500.
    if (!res.headersSent) res.writeHead(500, { connection: 'close' });
    res.end();
  }
  if (!req.complete) drain(req);
}

/** A Web Request over the node request; its body streams, so the handler can stop reading at its bound. */
function toRequest(req: IncomingMessage): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  const method = req.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD';
  return new Request(`http://relay${req.url?.startsWith('/') ? req.url : '/'}`, {
    method,
    headers,
    ...(hasBody ? { body: bodyStream(req), duplex: 'half' } : {}),
  } as RequestInit);
}

/**
 * The request body as a Web stream that pauses the socket under back-pressure. Cancelling it (the handler
 * refusing an oversized body) stops reading without destroying the socket, so the refusal still reaches
 * the client.
 */
function bodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  let open = true;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      req.on('data', (chunk: Buffer) => {
        if (!open) return;
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 0) <= 0) req.pause();
      });
      req.on('end', () => {
        if (open) controller.close();
        open = false;
      });
      req.on('error', (error) => {
        if (open) controller.error(error);
        open = false;
      });
    },
    pull() {
      req.resume();
    },
    cancel() {
      open = false;
      req.pause();
    },
  });
}

/** Reads and drops the rest of a refused body, up to a bound, then cuts the connection. */
function drain(req: IncomingMessage): void {
  let dropped = 0;
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > MAX_DRAIN_BYTES) req.socket.destroy();
  });
  req.on('error', () => undefined);
  req.resume();
}

async function stop(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), STOP_GRACE_MS);
  timer.unref();
  await closed;
  clearTimeout(timer);
}
