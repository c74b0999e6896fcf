import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InputError, UserError } from '../../src/errors.js';
import { readPackageInfo, type PackageInfo } from '../../src/package/index.js';
import { requireMacOS, uploadWithAltool, type AltoolOptions } from '../../src/upload/altool.js';
import { makeTestKey, type TestKey } from '../../test-support/fake-asc/index.js';
import { recordingLog } from '../../test-support/log.js';
import { makeIpa } from '../../test-support/packages.js';
import { installFakeXcrun, type FakeXcrun } from '../../test-support/xcrun/index.js';

describe('upload-method altool: xcrun altool --upload-package, a real process found on PATH', () => {
  let dir: string, pkg: PackageInfo, xcrun: FakeXcrun, key: TestKey;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ascp-altool-'));
    // Spaces, quotes and `$` in the path: a shell would split or expand them.
    const odd = join(dir, `My $HOME App's "build"`);
    mkdirSync(odd);
    pkg = await readPackageInfo(
      makeIpa({ path: join(odd, 'Example $(echo pwned).ipa'), bundleId: 'com.example.app', version: '1.4.2', buildNumber: '42' }),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => {
    key = makeTestKey();
    xcrun = installFakeXcrun();
    xcrun.activate();
  });
  afterEach(() => xcrun.restore());

  const options = (extra: Partial<AltoolOptions> = {}): AltoolOptions => ({
    appId: '1234567890',
    keyId: key.keyId,
    issuerId: key.issuerId,
    privateKeyPem: key.privateKeyPem,
    log: recordingLog(),
    ...extra,
  });

  it('passes exactly the documented arguments, with the key in a private AuthKey_<id>.p8 that is removed afterwards', async () => {
    const log = recordingLog();
    const result = await uploadWithAltool(pkg, options({ log }));

    expect(result).toMatchObject({ method: 'altool', bytes: pkg.size });
    expect(result.buildUploadId).toBeUndefined();
    const [call, ...more] = xcrun.calls();
    expect(more).toHaveLength(0);
    expect(call!.argv).toEqual([
      'altool',
      '--upload-package',
      pkg.path,
      '--type',
      'ios',
      '--apple-id',
      '1234567890',
      '--bundle-id',
      'com.example.app',
      '--bundle-version',
      '42',
      '--bundle-short-version-string',
      '1.4.2',
      '--apiKey',
      key.keyId,
      '--apiIssuer',
      key.issuerId,
      '--output-format',
      'json',
    ]);
    // No shell: the odd path arrived as one argument, unexpanded.
    expect(call!.argv[2]).toContain(`My $HOME App's "build"/Example $(echo pwned).ipa`);

    // The key: where altool looks for it (API_PRIVATE_KEYS_DIR/AuthKey_<key id>.p8), private, and the PEM itself.
    expect(call!.key).toMatchObject({
      path: join(call!.apiPrivateKeysDir!, `AuthKey_${key.keyId}.p8`),
      exists: true,
      mode: 0o600,
      dirMode: 0o700,
      pem: true,
      sha256: createHash('sha256').update(key.privateKeyPem).digest('hex'),
    });
    expect(call!.keyInEnvironment).toBe(false);
    expect(existsSync(call!.apiPrivateKeysDir!)).toBe(false);
    expect(existsSync(dirname(call!.apiPrivateKeysDir!))).toBe(false);

    // The log names the command but never the key.
    expect(log.infos.some((l) => l.includes('--upload-package'))).toBe(true);
    const keyBody = key.privateKeyPem.split('\n')[1]!;
    expect(log.lines.join('\n')).not.toContain(keyBody);
  });

  it('leaves out --apiIssuer for an individual key (altool takes the next flag as its value otherwise)', async () => {
    key = makeTestKey({ individual: true });
    await uploadWithAltool(pkg, options());
    const argv = xcrun.calls()[0]!.argv;
    expect(argv).not.toContain('--apiIssuer');
    expect(argv.slice(-4)).toEqual(['--apiKey', key.keyId, '--output-format', 'json']);
  });

  it('names the platform as altool spells it (macOS, tvOS, visionOS)', async () => {
    for (const [platform, type] of [
      ['MAC_OS', 'macos'],
      ['TV_OS', 'appletvos'],
      ['VISION_OS', 'visionos'],
    ] as const) {
      await uploadWithAltool({ ...pkg, platform }, options());
      const argv = xcrun.calls().at(-1)!.argv;
      expect(argv[argv.indexOf('--type') + 1]).toBe(type);
    }
  });

  it("turns altool's JSON product-errors into a clear message, and still removes the key", async () => {
    xcrun.mode('product-errors');
    const error = await uploadWithAltool(pkg, options()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    const message = (error as Error).message;
    expect(message).toMatch(/^xcrun altool could not upload the package:/);
    expect(message).toContain(
      "Failed to upload package. (code 409): The bundle version must be higher than the previously uploaded version: '42'.",
    );
    expect(message).toContain('Validation failed (code -19241): Missing required icon file.');
    const call = xcrun.calls()[0]!;
    expect(call.key.exists).toBe(true);
    expect(existsSync(dirname(call.apiPrivateKeysDir!))).toBe(false);
  });

  it('reports what altool printed when it fails without JSON', async () => {
    xcrun.mode('crash');
    const error = (await uploadWithAltool(pkg, options()).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toContain('Unable to upload archive. An unexpected failure occurred.');
    expect(existsSync(dirname(xcrun.calls()[0]!.apiPrivateKeysDir!))).toBe(false);
  });

  it('explains a runner without Xcode (no xcrun on PATH), and leaves no key behind', async () => {
    const before = new Set(tmpEntries());
    process.env.PATH = join(dir, 'empty-bin');
    const error = (await uploadWithAltool(pkg, options()).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toMatch(/xcrun/);
    expect(error.message).toMatch(/Xcode/);
    expect(error.message).toMatch(/upload-method: api/);
    expect(tmpEntries().filter((e) => !before.has(e))).toEqual([]);
  });

  it('is refused off macOS, naming `upload-method` (the preflight asks before any request)', () => {
    const error = (() => {
      try {
        requireMacOS('linux');
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error).toBeInstanceOf(InputError);
    expect(error?.message).toMatch(/^Input `upload-method`: `altool` needs a macOS runner/);
    expect(error?.message).toContain('upload-method: api');
    expect(() => requireMacOS('darwin')).not.toThrow();
  });
});

/** The key directories altool uploads create under the runner's temp dir (else the OS's). */
function tmpEntries(dir = process.env.RUNNER_TEMP || tmpdir()): string[] {
  return readdirSync(dir).filter((e) => e.startsWith('asc-altool-'));
}

describe('upload-method altool: a cancelled job leaves no key behind', () => {
  const CHILD = resolve(import.meta.dirname, '..', '..', 'test-support', 'xcrun', 'upload-in-child.ts');
  let dir: string, pkgPath: string, xcrun: FakeXcrun;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ascp-altool-cancel-'));
    pkgPath = makeIpa({ path: join(dir, 'Example.ipa'), bundleId: 'com.example.app', version: '1.4.2', buildNumber: '42' });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => {
    xcrun = installFakeXcrun();
    xcrun.activate();
    xcrun.mode('slow');
  });
  afterEach(() => {
    // The interrupted upload's altool is left running, as a real one would be: stop it.
    for (const call of xcrun.calls()) {
      try {
        process.kill(call.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    xcrun.restore();
  });

  /** Starts an upload in a child process, waits until altool runs with the key, then sends the signals. */
  async function interrupt(signals: NodeJS.Signals[]) {
    const key = makeTestKey();
    const runnerTemp = mkdtempSync(join(dir, 'runner-temp-'));
    const keyFile = join(dir, `key-${key.keyId}`);
    writeFileSync(keyFile, key.privateKeyPem, { mode: 0o600 });
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, pkgPath, keyFile, key.keyId, key.issuerId!], {
      env: { ...process.env, RUNNER_TEMP: runnerTemp },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
      child.on('exit', (code, signal) => done({ code, signal })),
    );
    const deadline = Date.now() + 30_000;
    while (xcrun.calls().length === 0) {
      if (Date.now() > deadline) throw new Error(`altool never started: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const call = xcrun.calls()[0]!;
    for (const signal of signals) {
      child.kill(signal);
      await new Promise((r) => setTimeout(r, 100));
    }
    const exit = await exited;
    rmSync(keyFile);
    return { call, exit, runnerTemp, stderr };
  }

  it.each([
    ['SIGINT', ['SIGINT']],
    ['SIGTERM', ['SIGTERM']],
    ['SIGINT then SIGTERM (a cancelled GitHub job)', ['SIGINT', 'SIGTERM']],
  ] as const)('%s: the key, written under RUNNER_TEMP, is removed, and the process ends by that signal', async (_, signals) => {
    const { call, exit, runnerTemp, stderr } = await interrupt([...signals]);
    // altool had the complete key, in a private directory under the runner's temp dir.
    expect(call.key).toMatchObject({ exists: true, pem: true, mode: 0o600 });
    expect(dirname(call.apiPrivateKeysDir!).startsWith(runnerTemp)).toBe(true);
    // Nothing of it is left, and the process ended as Node ends on that signal.
    expect(existsSync(dirname(call.apiPrivateKeysDir!))).toBe(false);
    expect(tmpEntries(runnerTemp)).toEqual([]);
    expect(exit, stderr).toEqual({ code: null, signal: signals[0] });
  });
});
