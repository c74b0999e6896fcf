import { describe, expect, it } from 'vitest';
import { PEER_INPUTS, refusePeerInputs } from '../../src/peer-inputs.js';
import { ACTION_INPUTS } from '../../src/action-inputs.js';

describe("the peers' input names (Apple-Actions/upload-testflight-build)", () => {
  it('are none of ours, and each points to an input of this action', () => {
    for (const p of PEER_INPUTS) {
      expect(Object.keys(ACTION_INPUTS)).not.toContain(p.name);
      if (p.ours) expect(Object.keys(ACTION_INPUTS)).toContain(p.ours);
    }
  });

  it('as the runner sets them (INPUT_ uppercased, hyphens kept) are refused, naming our input for each', () => {
    const env = { 'INPUT_API-KEY-ID': 'ABC123DEF4', 'INPUT_API-PRIVATE-KEY': '', 'INPUT_APP-PATH': 'App.ipa', 'INPUT_APP-TYPE': 'ios' };
    let message = '';
    try {
      refusePeerInputs(env);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^Input `api-key-id`: this action does not read these inputs/);
    expect(message).toContain('- `api-key-id` → `key-id`');
    // Given, even empty (a secret that is not set): still a name this action ignores.
    expect(message).toContain('- `api-private-key` → `private-key`');
    expect(message).toContain('- `app-path` → `path`');
    expect(message).toContain('- `app-type` → `platform` (`ios` → `IOS`');
    // Values never appear (the key's would be a secret).
    expect(message).not.toContain('ABC123DEF4');
  });

  it('backend, wait-for-processing and transporter-executable-path say what to use instead', () => {
    expect(() => refusePeerInputs({ INPUT_BACKEND: 'transporter' })).toThrow(/`backend` → `upload-method` \(`appstore-api` → `api`/);
    expect(() => refusePeerInputs({ 'INPUT_WAIT-FOR-PROCESSING': 'false' })).toThrow(
      /`wait-for-processing` → `post-processing`.*`false` → `deferred`/,
    );
    expect(() => refusePeerInputs({ 'INPUT_TRANSPORTER-EXECUTABLE-PATH': '/x' })).toThrow(
      /`transporter-executable-path` → nothing: remove it, the API upload needs no Transporter/,
    );
  });

  it('our own inputs, and the names both actions share, pass', () => {
    expect(() =>
      refusePeerInputs({
        'INPUT_KEY-ID': 'A',
        'INPUT_ISSUER-ID': 'x',
        'INPUT_RELEASE-NOTES': 'n',
        'INPUT_USES-NON-EXEMPT-ENCRYPTION': 'false',
      }),
    ).not.toThrow();
  });
});
