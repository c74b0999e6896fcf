import { createPrivateKey, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { InputError } from '../errors.js';

const PEM_BLOCK = /-----BEGIN ([A-Z ]+)-----([\s\S]*?)(-----END \1-----|$)/;
const WHERE_TO_GET_IT =
  'Use the contents of the AuthKey_<key-id>.p8 file downloaded from App Store Connect → Users and Access → Integrations → App Store Connect API, or that text base64-encoded.';

/**
 * Reads the `private-key` input: the `.p8` PEM text, or that text base64-encoded, and checks that it is
 * an EC P-256 private key (what Apple issues). Messages never include the value.
 */
export function loadPrivateKey(input: string): KeyObject {
  const pem = toPem(input);
  const block = PEM_BLOCK.exec(pem);
  if (!block) {
    throw new InputError('private-key', `is not a PEM private key. ${WHERE_TO_GET_IT}`);
  }
  const [, label, , end] = block;
  if (!end) {
    throw new InputError(
      'private-key',
      `is incomplete: the "-----END ${label}-----" line is missing, so the secret was probably cut when it was copied. ${WHERE_TO_GET_IT}`,
    );
  }
  if (label === 'PUBLIC KEY' || label === 'CERTIFICATE') {
    throw new InputError('private-key', `is a ${label.toLowerCase()}, not the private key. ${WHERE_TO_GET_IT}`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: block[0], format: 'pem' });
  } catch {
    throw new InputError('private-key', `could not be read: the PEM text is damaged (a changed or missing character). ${WHERE_TO_GET_IT}`);
  }
  if (key.asymmetricKeyType !== 'ec') {
    throw new InputError(
      'private-key',
      `is a${key.asymmetricKeyType === 'rsa' ? 'n RSA' : ` ${key.asymmetricKeyType}`} key; App Store Connect API keys are EC P-256 keys. ${WHERE_TO_GET_IT}`,
    );
  }
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (curve !== 'prime256v1') {
    throw new InputError('private-key', `is an EC key on curve ${curve}; App Store Connect API keys use P-256. ${WHERE_TO_GET_IT}`);
  }
  return key;
}

/** Accepts PEM as pasted (also with literal "\n" escapes or Windows line ends) or base64 of it. */
function toPem(input: string): string {
  const text = input.trim().replace(/\\n/g, '\n').replace(/\r\n/g, '\n');
  if (text.includes('-----BEGIN')) return text;
  const compact = text.replace(/\s+/g, '');
  if (compact.length > 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    const decoded = Buffer.from(compact, 'base64').toString('utf8');
    if (decoded.includes('-----BEGIN')) return decoded.trim().replace(/\r\n/g, '\n');
    throw new InputError(
      'private-key',
      `looks base64-encoded but does not decode to PEM text. Encode the whole .p8 file (e.g. \`base64 -i AuthKey_XXXXXXXXXX.p8\`). ${WHERE_TO_GET_IT}`,
    );
  }
  throw new InputError('private-key', `is neither PEM text nor base64. ${WHERE_TO_GET_IT}`);
}

export interface TokenSource {
  /** A valid bearer token; a new one once the current one is near expiry. */
  get(): Promise<string>;
  /** Drops the current token so the next `get` signs a fresh one (after a spurious 401). */
  invalidate(): void;
}

export interface TokenProviderOptions {
  keyId: string;
  /** Team keys; an individual key has none and its token carries `sub: "user"`. */
  issuerId?: string;
  key: KeyObject;
  now?: () => number;
  /** Seconds; Apple refuses more than 20 minutes. */
  lifetimeSeconds?: number;
  /** Called with each new token so the host can mask it. */
  onToken?: (token: string) => void;
}

/** Apple's tokens live at most 20 minutes (exp − iat); we sign 19-minute ones and renew a minute before expiry. */
export const TOKEN_LIFETIME_SECONDS = 19 * 60;
const RENEW_BEFORE_SECONDS = 60;
/**
 * `iat` is set this far back so a runner whose clock runs a little fast is not refused for a token
 * "issued in the future" (fastlane and Apple-Actions do the same); `exp` counts from it, so the
 * lifetime Apple checks stays within 20 minutes.
 */
const IAT_BACKDATE_SECONDS = 60;

export class TokenProvider implements TokenSource {
  private current?: { token: string; expiresAt: number };
  private readonly now: () => number;
  private readonly lifetime: number;

  constructor(private readonly options: TokenProviderOptions) {
    this.now = options.now ?? Date.now;
    this.lifetime = Math.min(options.lifetimeSeconds ?? TOKEN_LIFETIME_SECONDS, 20 * 60);
  }

  async get(): Promise<string> {
    const nowSeconds = Math.floor(this.now() / 1000);
    if (this.current && this.current.expiresAt - RENEW_BEFORE_SECONDS > nowSeconds) return this.current.token;
    const issuedAt = nowSeconds - IAT_BACKDATE_SECONDS;
    const expiresAt = issuedAt + this.lifetime;
    const claims: Record<string, string> = this.options.issuerId ? {} : { sub: 'user' };
    let jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: this.options.keyId, typ: 'JWT' })
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAt)
      .setAudience('appstoreconnect-v1');
    if (this.options.issuerId) jwt = jwt.setIssuer(this.options.issuerId);
    const token = await jwt.sign(this.options.key);
    this.options.onToken?.(token);
    this.current = { token, expiresAt };
    return token;
  }

  invalidate(): void {
    this.current = undefined;
  }
}
