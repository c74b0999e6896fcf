/** Apple's delivery signature: `x-apple-signature: hmacsha256=<hex>`, HMAC-SHA256 of the raw body with the webhook's secret. */

export const SIGNATURE_HEADER = 'x-apple-signature';
const SIGNATURE = /^hmacsha256=([0-9a-f]{64})$/i;

type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

const keys = new Map<string, Promise<HmacKey>>();

/** One imported key per secret, kept for the life of the isolate or process. */
function hmacKey(secret: string): Promise<HmacKey> {
  let key = keys.get(secret);
  if (!key) {
    if (keys.size > 8) keys.clear();
    key = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    keys.set(secret, key);
  }
  return key;
}

function hexBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

/** Whether `header` signs `body` with `secret`. `crypto.subtle.verify` compares in constant time. */
export async function verifySignature(secret: string, body: Uint8Array, header: string | null): Promise<boolean> {
  const match = SIGNATURE.exec(header?.trim() ?? '');
  if (!match) return false;
  return crypto.subtle.verify('HMAC', await hmacKey(secret), hexBytes(match[1]!), body);
}

/** The header value Apple would send for `body`: for tests, the fake App Store Connect and the benchmark. */
export async function signBody(secret: string, body: Uint8Array | string): Promise<string> {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', await hmacKey(secret), bytes));
  return `hmacsha256=${[...mac].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}
