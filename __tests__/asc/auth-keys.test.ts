import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadPrivateKey } from '../../src/asc/auth.js';
import type { InputError } from '../../src/errors.js';
import { inputErrorOf } from '../../test-support/setup.js';

const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const pem = p256.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

const rejection = (value: string): InputError => inputErrorOf(() => loadPrivateKey(value));

describe('loadPrivateKey', () => {
  it('accepts the .p8 PEM as downloaded, its base64, literal \\n escapes and CRLF line ends', () => {
    for (const value of [pem, Buffer.from(pem).toString('base64'), pem.replace(/\n/g, '\\n'), pem.replace(/\n/g, '\r\n'), `  ${pem}\n\n`]) {
      const key = loadPrivateKey(value);
      expect(key.asymmetricKeyType).toBe('ec');
      expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    }
  });

  it('accepts a SEC1 "EC PRIVATE KEY" P-256 key too', () => {
    const sec1 = p256.privateKey.export({ type: 'sec1', format: 'pem' }).toString();
    expect(loadPrivateKey(sec1).asymmetricKeyType).toBe('ec');
  });

  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const publicPem = p256.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const lines = pem.trim().split('\n');
  const truncated = lines.slice(0, 3).join('\n');
  const damaged = [lines[0], lines[1]!.slice(0, 20) + '!!!!' + lines[1]!.slice(24), ...lines.slice(2)].join('\n');

  it.each([
    ['an RSA key', rsa, /is an RSA key; App Store Connect API keys are EC P-256 keys/],
    ['a P-384 key', p384, /curve secp384r1; App Store Connect API keys use P-256/],
    ['a public key', publicPem, /is a public key, not the private key/],
    ['garbage', 'hello world, this is not a key', /is neither PEM text nor base64/],
    ['a truncated PEM', truncated, /is incomplete: the "-----END PRIVATE KEY-----" line is missing/],
    ['a damaged PEM', damaged, /could not be read: the PEM text is damaged/],
    [
      'base64 of something else',
      Buffer.from('not a pem at all').toString('base64'),
      /looks base64-encoded but does not decode to PEM text/,
    ],
    ['invalid base64 characters', 'QUJD$$$$', /is neither PEM text nor base64/],
  ])('rejects %s with a message naming private-key and never echoing it', (_label, value, message) => {
    const error = rejection(value);
    expect(error.input).toBe('private-key');
    expect(error.message).toMatch(message);
    expect(error.message).toMatch(/AuthKey_<key-id>\.p8/);
    for (const line of value.split('\n').filter((l) => l.length > 16 && !l.startsWith('-----'))) {
      expect(error.message).not.toContain(line);
    }
  });
});
