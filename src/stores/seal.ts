import { createHash, createHmac, createPublicKey, hkdfSync, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { SavedBy } from './run-binding.js';

/**
 * Deferred state is sealed with the App Store Connect private key: an HMAC-SHA256 whose key is derived
 * (HKDF-SHA256) from the private scalar, so only a holder of the private key can make one. The artifact
 * carries the MAC and a fingerprint of the public key (which key sealed it, without any key material);
 * neither reveals the key or its ID.
 */

/** Binds derived keys to this use: a MAC key for state is never a key for anything else. */
const HKDF_INFO = 'app-store-connect-publish state v1';
/** States bound to the run that saved them get a key of their own: a MAC of one form never verifies as the other. */
const HKDF_INFO_BOUND = 'app-store-connect-publish state bound to its run v1';
const HKDF_SALT = 'app-store-connect-publish';
const MAX_DEPTH = 32;

export interface SealedState {
  state: unknown;
  /** The run that saved it; sealed with the state (absent only in states of older versions). */
  savedBy?: SavedBy;
  /** base64url HMAC-SHA256 over the canonical JSON of `{ savedBy, state }` (of `state` alone without `savedBy`). */
  mac: string;
  /** `sha256:<hex>` of the public key's SubjectPublicKeyInfo DER. */
  keyFingerprint: string;
}

export interface StateSeal {
  readonly keyFingerprint: string;
  /** Seals `state` bound to the run that saves it (without `savedBy`: the older, unbound form, kept for tests of it). */
  seal(state: unknown, savedBy?: SavedBy): SealedState;
  /** Whether `mac` is this key's MAC over `state` (and `savedBy`, when the document has one), compared in constant time. */
  verifies(state: unknown, mac: string, savedBy?: unknown): boolean;
}

export function stateSeal(privateKey: KeyObject): StateSeal {
  const scalar = privateKey.export({ format: 'jwk' }).d;
  if (!scalar) throw new Error('The private key has no private scalar to seal state with.');
  const ikm = Buffer.from(scalar, 'base64url');
  const macKey = Buffer.from(hkdfSync('sha256', ikm, HKDF_SALT, HKDF_INFO, 32));
  const boundKey = Buffer.from(hkdfSync('sha256', ikm, HKDF_SALT, HKDF_INFO_BOUND, 32));
  const keyFingerprint = publicKeyFingerprint(privateKey);
  const macOf = (state: unknown, savedBy: unknown) =>
    savedBy === undefined
      ? createHmac('sha256', macKey).update(canonicalJson(state)).digest()
      : createHmac('sha256', boundKey).update(canonicalJson({ savedBy, state })).digest();
  return {
    keyFingerprint,
    seal: (state, savedBy) => ({
      state,
      ...(savedBy ? { savedBy } : {}),
      mac: macOf(state, savedBy).toString('base64url'),
      keyFingerprint,
    }),
    verifies(state, mac, savedBy) {
      let expected: Buffer;
      try {
        expected = macOf(state, savedBy);
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
