import { createHash, createHmac, createPublicKey, hkdfSync, timingSafeEqual, type KeyObject } from 'node:crypto';

/**
 * Deferred state is sealed with the App Store Connect private key: an HMAC-SHA256 whose key is derived
 * (HKDF-SHA256) from the private scalar, so only a holder of the private key can make one. The artifact
 * carries the MAC and a fingerprint of the public key (which key sealed it, without any key material);
 * neither reveals the key or its ID.
 */

/** Binds derived keys to this use: a MAC key for state is never a key for anything else. */
const HKDF_INFO = 'app-store-connect-publish state v1';
const HKDF_SALT = 'app-store-connect-publish';
const MAX_DEPTH = 32;

export interface SealedState {
  state: unknown;
  /** base64url HMAC-SHA256 over the canonical JSON of `state`. */
  mac: string;
  /** `sha256:<hex>` of the public key's SubjectPublicKeyInfo DER. */
  keyFingerprint: string;
}

export interface StateSeal {
  readonly keyFingerprint: string;
  seal(state: unknown): SealedState;
  /** Whether `mac` is this key's MAC over `state` (compared in constant time). */
  verifies(state: unknown, mac: string): boolean;
}

export function stateSeal(privateKey: KeyObject): StateSeal {
  const scalar = privateKey.export({ format: 'jwk' }).d;
  if (!scalar) throw new Error('The private key has no private scalar to seal state with.');
  const macKey = Buffer.from(hkdfSync('sha256', Buffer.from(scalar, 'base64url'), HKDF_SALT, HKDF_INFO, 32));
  const keyFingerprint = publicKeyFingerprint(privateKey);
  const macOf = (state: unknown) => createHmac('sha256', macKey).update(canonicalJson(state)).digest();
  return {
    keyFingerprint,
    seal: (state) => ({ state, mac: macOf(state).toString('base64url'), keyFingerprint }),
    verifies(state, mac) {
      let expected: Buffer;
      try {
        expected = macOf(state);
      } catch {
        return false; // not serialisable as a state (nested too deep): nothing this key sealed
      }
      const given = Buffer.from(mac, 'base64url');
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}

export function publicKeyFingerprint(key: KeyObject): string {
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}

/**
 * JSON with object keys sorted at every level and no whitespace, so the same state always gives the same
 * bytes whatever order its fields were written or parsed in. `undefined` members are left out, as
 * `JSON.stringify` does.
 */
export function canonicalJson(value: unknown, depth = 0): string {
  // A state nests four levels; a document nested far deeper is hostile and must not exhaust the stack.
  if (depth > MAX_DEPTH) throw new TypeError(`nested deeper than ${MAX_DEPTH} levels`);
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`cannot serialise ${typeof value}`);
    return text;
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v, depth + 1))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v, depth + 1)}`).join(',')}}`;
}
