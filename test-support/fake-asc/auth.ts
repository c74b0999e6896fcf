/** Verifies App Store Connect API tokens the way Apple documents them (ES256, kid, aud, iat/exp, ≤ 20 minutes). */
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import type { FakeAscKey } from './types.js';

/** Apple refuses tokens whose lifetime exceeds 20 minutes. */
const MAX_LIFETIME_S = 1200;
/** Tolerated clock skew for `iat` in the future. */
const IAT_SKEW_S = 60;

export type AuthResult = { ok: true; keyId: string } | { ok: false; reason: string };

export async function verifyBearer(
  authorization: string | undefined,
  keys: ReadonlyMap<string, FakeAscKey>,
  nowMs: number,
  seen: (payload: Record<string, unknown>) => void,
): Promise<AuthResult> {
  const m = /^Bearer ([^\s]+)$/.exec(authorization ?? '');
  if (!m) return { ok: false, reason: 'no bearer token' };
  const token = m[1]!;
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
    seen(decodeJwt(token) as Record<string, unknown>);
  } catch {
    return { ok: false, reason: 'malformed token' };
  }
  if (header.alg !== 'ES256') return { ok: false, reason: `alg ${String(header.alg)} is not ES256` };
  if (header.typ !== 'JWT') return { ok: false, reason: 'header typ must be JWT' };
  const key = typeof header.kid === 'string' ? keys.get(header.kid) : undefined;
  if (!key) return { ok: false, reason: `unknown kid ${String(header.kid)}` };
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, key.publicKey, {
      algorithms: ['ES256'],
      typ: 'JWT',
      audience: 'appstoreconnect-v1',
      currentDate: new Date(nowMs),
      requiredClaims: ['iat', 'exp', 'aud'],
    }));
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
  const nowS = Math.floor(nowMs / 1000);
  const iat = payload.iat as number;
  const exp = payload.exp as number;
  if (iat > nowS + IAT_SKEW_S) return { ok: false, reason: 'iat is in the future' };
  if (exp - iat > MAX_LIFETIME_S) return { ok: false, reason: 'token lifetime exceeds 20 minutes' };
  if (exp - nowS > MAX_LIFETIME_S + IAT_SKEW_S) return { ok: false, reason: 'exp is more than 20 minutes away' };
  if (key.issuerId !== undefined) {
    if (payload.iss !== key.issuerId) return { ok: false, reason: 'iss does not match the issuer ID' };
    if ('sub' in payload) return { ok: false, reason: 'a team key token must not carry sub' };
  } else {
    if (payload.sub !== 'user') return { ok: false, reason: 'an individual key token needs sub "user"' };
    if ('iss' in payload) return { ok: false, reason: 'an individual key token must not carry iss' };
  }
  return { ok: true, keyId: key.keyId };
}
