/** Reads a request body with a hard bound, so an oversized delivery is refused before it is held whole. */

/** Apple's deliveries are a few hundred bytes; 64 KiB leaves room and bounds what an anonymous caller costs. */
export const MAX_BODY_BYTES = 64 * 1024;

/** The body's bytes, or undefined when it is (or says it is) larger than `max`. */
export async function readBounded(request: Request, max = MAX_BODY_BYTES): Promise<Uint8Array | undefined> {
  const declared = request.headers.get('content-length');
  if (declared !== null && (!/^\d{1,15}$/.test(declared.trim()) || Number(declared) > max)) return undefined;
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    // Counted as it streams: a missing or false Content-Length cannot make the relay hold more.
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return body;
}
