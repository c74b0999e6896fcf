import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { InputError } from '../../src/errors.js';
import type { FakeAsc, TestKey } from '../../test-support/fake-asc/index.js';
import { makeIpa } from '../../test-support/packages.js';
import { ascInputs, closeCheckedFake, inputErrorOf, runWithInputs, startFakeAscWithApp } from '../../test-support/setup.js';

/**
 * Inputs and workspaces that used to fail only after an upload was sent: a processing timeout
 * too long to make a date, the same package reached twice through a symlinked folder, two copies
 * of one build. Each is now caught before the first request, or uploads once.
 */

describe('caught before the first byte', () => {
  let key: TestKey, fake: FakeAsc, ws: string;

  beforeEach(async () => {
    ({ key, fake } = await startFakeAscWithApp({
      fake: { partSize: 64 * 1024, timing: { uploadProcessingMs: 0, buildProcessingMs: 0 } },
    }));
    ws = mkdtempSync(join(tmpdir(), 'ascp-bounds-'));
  });
  afterEach(async () => {
    await closeCheckedFake(fake);
    rmSync(ws, { recursive: true, force: true });
  });

  const run = async (extra: Record<string, string>) => {
    const saved = process.env.GITHUB_WORKSPACE;
    process.env.GITHUB_WORKSPACE = ws;
    try {
      // Config and run together, as the action does: an input error is the run's error.
      const inputs = { ...ascInputs(key, fake), path: '**/*.ipa', 'post-processing': 'off', 'poll-interval': '0.02', ...extra };
      return (await runWithInputs(inputs)).error;
    } finally {
      if (saved === undefined) delete process.env.GITHUB_WORKSPACE;
      else process.env.GITHUB_WORKSPACE = saved;
    }
  };
  const uploads = () => fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/buildUploads');

  it('`processing-timeout: 1e12` is refused, naming the input, before any request (it used to fail after the upload: "Invalid time value")', async () => {
    makeIpa({ path: join(ws, 'App.ipa') });
    const error = await run({ 'processing-timeout': '1e12', 'post-processing': 'inline' });
    expect(error).toBeInstanceOf(InputError);
    expect(error?.message).toMatch(
      /^Input `processing-timeout`: "1e12" minutes is more than 1440 \(a day\): Apple processes a build in minutes/,
    );
    expect(fake.requests).toEqual([]);
  });

  it('a package reached twice through a symlinked folder is uploaded once', async () => {
    makeIpa({ path: join(ws, 'build', 'App.ipa') });
    symlinkSync(join(ws, 'build'), join(ws, 'latest'));
    const error = await run({});
    expect(error).toBeUndefined();
    expect(uploads()).toHaveLength(1);
  });

  it('two files that are the same build are refused, naming both, before any request', async () => {
    makeIpa({ path: join(ws, 'a', 'App.ipa') });
    mkdirSync(join(ws, 'b'));
    copyFileSync(join(ws, 'a', 'App.ipa'), join(ws, 'b', 'App.ipa'));
    const error = await run({});
    expect(error).toBeInstanceOf(InputError);
    expect(error?.message).toBe(
      `Input \`path\`: matches ${join(ws, 'a', 'App.ipa')} and ${join(ws, 'b', 'App.ipa')}, which are the same build (com.example.app 1.0.0 (1) for IOS): App Store Connect takes a build once, so the second upload would fail after the first was sent. Narrow \`path\` to one of them, or give each its own build number.`,
    );
    expect(fake.requests).toEqual([]);
  });

  it('two builds of the same app that differ in build number both go', async () => {
    makeIpa({ path: join(ws, 'a', 'App.ipa'), buildNumber: '1' });
    makeIpa({ path: join(ws, 'b', 'App.ipa'), buildNumber: '2' });
    expect(await run({})).toBeUndefined();
    expect(uploads()).toHaveLength(2);
  });
});

describe('`processing-timeout` and `poll-interval` bounds', () => {
  const base = { 'key-id': 'ABC1234567', 'private-key': 'pem' };
  const parse = (inputs: Record<string, string>) => {
    const all: Record<string, string> = { ...base, ...inputs };
    return parseConfig((n) => all[n] ?? '');
  };
  const refusal = (inputs: Record<string, string>) => inputErrorOf(() => parse(inputs));

  it('takes a day of processing-timeout, and every date counted from the upload stays valid', () => {
    const config = parse({ 'processing-timeout': '1440' });
    expect(config.processingTimeoutMs).toBe(86_400_000);
    expect(new Date(Date.now() + config.processingTimeoutMs).toISOString()).toMatch(/^\d{4}-/);
    expect(refusal({ 'processing-timeout': '1441' }).input).toBe('processing-timeout');
    expect(refusal({ 'processing-timeout': '1e12', 'find-build-timeout': '1e12' }).input).toBe('processing-timeout');
  });

  it('refuses polling App Store Connect more often than every 5 s, saying why', () => {
    const error = refusal({ 'poll-interval': '1' });
    expect(error.input).toBe('poll-interval');
    expect(error.message).toBe(
      'Input `poll-interval`: "1" seconds is too often: App Store Connect allows a key about 3600 requests an hour, shared by every workflow that uses it, and each check costs a few. Use 5 or more (the default is 30).',
    );
    expect(refusal({ 'poll-interval': '0.01', 'api-url': 'https://asc-proxy.example.com' }).input).toBe('poll-interval');
    expect(parse({ 'poll-interval': '5' }).pollIntervalMs).toBe(5000);
  });

  it('allows faster polling of a loopback api-url (a local server has no hourly limit)', () => {
    for (const url of ['http://127.0.0.1:8080', 'http://localhost:1234/', 'http://[::1]:9000']) {
      expect(parse({ 'poll-interval': '0.05', 'api-url': url }).pollIntervalMs).toBe(50);
    }
  });

  it('refuses polling less often than hourly', () => {
    const error = refusal({ 'poll-interval': '86400' });
    expect(error.input).toBe('poll-interval');
    expect(error.message).toMatch(/^Input `poll-interval`: "86400" seconds is more than 3600 \(an hour\)/);
  });
});
