import { createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadPrivateKey } from '../../src/asc/auth.js';
import { newState } from '../../src/postprocess/new-state.js';
import { canonicalJson, publicKeyFingerprint, stateSeal } from '../../src/stores/seal.js';
import { makeTestKey } from '../../test-support/fake-asc/index.js';

const state = () =>
  newState({
    app: { id: '123', bundleId: 'com.example.seal' },
    build: { version: '1.0', buildNumber: '7', platform: 'IOS' },
    uploadedAt: new Date('2026-11-30T10:00:00Z'),
    findBuildTimeoutMs: 60_000,
    processingTimeoutMs: 120_000,
    request: { notes: [], expirePreviousBuilds: false, submitBetaReview: false, betaGroups: [], notifyTesters: false },
    origin: { repository: 'octo/app', runId: '1' },
  });

describe('state seal', () => {
  it('verifies what the same key sealed, whatever the key order, and nothing else', () => {
    const key = makeTestKey();
    const seal = stateSeal(loadPrivateKey(key.privateKeyPem));
    const s = state();
    const sealed = seal.seal(s);
    expect(seal.verifies(JSON.parse(JSON.stringify(sealed.state)), sealed.mac)).toBe(true);
    const reordered = Object.fromEntries(Object.entries(s).reverse());
    expect(seal.verifies(reordered, sealed.mac)).toBe(true);
    expect(seal.verifies({ ...s, revision: s.revision + 1 }, sealed.mac)).toBe(false);
    expect(seal.verifies({ ...s, request: { ...s.request, submitBetaReview: true } }, sealed.mac)).toBe(false);
    expect(seal.verifies(s, sealed.mac.slice(0, -2))).toBe(false);
    expect(seal.verifies(s, '')).toBe(false);
    // Another key's MAC over the same state does not verify.
    expect(seal.verifies(s, stateSeal(loadPrivateKey(makeTestKey().privateKeyPem)).seal(s).mac)).toBe(false);
  });

  it('is the same for the key as PKCS#8 or SEC1 and carries a public-key fingerprint, never key material or the key ID', () => {
    const key = makeTestKey();
    const sec1 = key.privateKey.export({ type: 'sec1', format: 'pem' }).toString();
    const a = stateSeal(loadPrivateKey(key.privateKeyPem));
    const b = stateSeal(loadPrivateKey(sec1));
    const sealed = a.seal(state());
    expect(b.verifies(sealed.state, sealed.mac)).toBe(true);
    expect(sealed.keyFingerprint).toBe(publicKeyFingerprint(createPrivateKey(key.privateKeyPem)));
    expect(sealed.keyFingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    const text = JSON.stringify(sealed);
    const d = key.privateKey.export({ format: 'jwk' }).d!;
    for (const secret of [d, Buffer.from(d, 'base64url').toString('hex'), key.keyId, key.privateKeyPem.split('\n')[1]!]) {
      expect(text).not.toContain(secret);
    }
  });

  it('serialises canonically: sorted keys at every level, undefined left out', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: undefined }], c: 'x' } })).toBe('{"a":{"c":"x","d":[1,{"z":1}]},"b":1}');
    expect(canonicalJson([undefined])).toBe('[null]');
  });

  it('refuses a document nested deep enough to exhaust the stack, without throwing from verification', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(() => canonicalJson(deep)).toThrow(/nested deeper than 32 levels/);
    const seal = stateSeal(loadPrivateKey(makeTestKey().privateKeyPem));
    expect(seal.verifies(deep, 'A'.repeat(43))).toBe(false);
  });
});
