import { describe, expect, it } from 'vitest';
import { cliRuntime, redactEnvironmentSecrets } from '../src/cli/host.js';
import { commandSafe, outputLine } from '../src/log-safe.js';

describe('log lines never start a workflow command', () => {
  it('neutralises `::` at the start of any line (CR, LF or CRLF) and `##[` anywhere', () => {
    expect(commandSafe('1.0\n::stop-commands::zz')).toBe('1.0\n\\::stop-commands::zz');
    expect(commandSafe('a\r  ::add-mask::x\r\n::warning::y')).toBe('a\n  \\::add-mask::x\n\\::warning::y');
    expect(commandSafe('text ##[set-output name=a]b')).toBe('text ##\\[set-output name=a]b');
    expect(commandSafe('plain :: text')).toBe('plain :: text');
    expect(commandSafe(commandSafe('x\n::y::z'))).toBe(commandSafe('x\n::y::z'));
    expect(outputLine('2.0\r\n::set-output')).toBe('2.0\\n::set-output');
  });

  it('the command line prints every line inert and masked', () => {
    let err = '';
    const runtime = cliRuntime({ stdout: () => {}, stderr: (t) => (err += t) });
    runtime.log.mask('s3cr3t-token');
    runtime.log.info('App\r::stop-commands::zz\nnext s3cr3t-token');
    expect(err).toBe('App\n\\::stop-commands::zz\nnext ***\n');
  });

  it('the last-resort error of the command line masks the key and the token from the environment', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----';
    const text = `failed with ${pem} and ghp_abcdefghijklmnop and MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg`;
    const out = redactEnvironmentSecrets(text, { APP_STORE_CONNECT_PRIVATE_KEY: pem, GITHUB_TOKEN: 'ghp_abcdefghijklmnop' });
    expect(out).toBe('failed with *** and *** and ***');
  });
});
