import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../src/commands/index.js';
import type { CommandDeps } from '../../src/commands/context.js';
import { parseConfig } from '../../src/config.js';
import { expectNoViolations, makeTestKey, type FakeAsc, type TestKey } from '../../test-support/fake-asc/index.js';
import { applyEnv } from '../../test-support/fake-github/env.js';
import { recordingRuntime } from '../../test-support/log.js';
import { makeIpa } from '../../test-support/packages.js';
import { ascInputs, INSTANT_PROCESSING, startFakeAscWithApp } from '../../test-support/setup.js';
import { BUILD, BUNDLE, EXISTING_BUILD, IDENTITY_CASES, VERSION, type Case } from './bad-input-cases.js';
import { OPTION_CASES } from './bad-input-options.js';

const CASES = [...IDENTITY_CASES, ...OPTION_CASES];

/**
 * Every input with wrong values: each gets an error (or a documented warning) that names the input
 * and says what to do, and none makes App Store Connect see a bad request. Most are caught before
 * any request; the few that need Apple's answer (an app ID of another app, a beta group that does
 * not exist, a key Apple does not know) only read, and never write.
 */

describe('bad inputs', () => {
  let key: TestKey, fake: FakeAsc, template: string, otherAppId: string;
  const table: Array<[string, string, string, string]> = [];
  const deps: CommandDeps = {
    now: Date.now,
    sleep: (ms) => new Promise((done) => setTimeout(done, Math.min(ms, 2))),
    requestTimeoutMs: 2000,
    retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
  };

  beforeAll(async () => {
    let appId: string;
    ({ key, fake, appId } = await startFakeAscWithApp({
      fake: INSTANT_PROCESSING,
      app: { bundleId: BUNDLE, name: 'Inputs' },
      betaGroups: ['QA', 'Friends'],
      betaReviewReady: true,
    }));
    otherAppId = fake.addApp({ bundleId: 'com.example.other', name: 'Other' }).id;
    fake.addBuild({ appId, version: VERSION, buildNumber: EXISTING_BUILD, processingState: 'VALID', usesNonExemptEncryption: false });
    const dir = mkdtempSync(join(tmpdir(), 'ascp-inputs-'));
    template = makeIpa({ path: join(dir, 'App.ipa'), bundleId: BUNDLE, version: VERSION, buildNumber: BUILD });
  });
  afterEach(() => expectNoViolations(fake));
  afterAll(async () => {
    await fake?.close();
    const lines = ['| input | value | caught | message (start) |', '| --- | --- | --- | --- |'];
    for (const [input, value, caught, message] of table) lines.push(`| \`${input}\` | ${value} | ${caught} | ${message} |`);
    console.log(`\nBad-input matrix (${table.length} cases)\n\n${lines.join('\n')}\n`);
  });

  /** Values that depend on keys made at run time. */
  function valueFor(c: Case): Record<string, string> {
    const pem = key.privateKeyPem;
    const [head, ...rest] = pem.trim().split('\n');
    const body = rest.slice(0, -1);
    switch (`${c.input} ${c.value}`) {
      case 'private-key truncated (no END line)':
        return { 'private-key': [head, ...body.slice(0, 2)].join('\n') };
      case 'private-key damaged (half the body)':
        return { 'private-key': [head, body[0]!.slice(0, 30), '-----END PRIVATE KEY-----'].join('\n') };
      case 'private-key a public key':
        return { 'private-key': key.publicKey.export({ type: 'spki', format: 'pem' }).toString() };
      case 'private-key a P-256 key Apple does not know':
        return { 'private-key': makeTestKey().privateKeyPem };
      case "app-id another app's ID":
        return { 'app-id': otherAppId };
      default:
        return {};
    }
  }

  for (const c of CASES) {
    it(`${c.input}: ${c.value} → ${c.caught === 'warning' ? 'a warning' : 'an error'} naming the input, ${c.caught}`, async () => {
      const ws = mkdtempSync(join(tmpdir(), 'ascp-input-'));
      if (!c.noPackage) copyFileSync(template, join(ws, 'App.ipa'));
      c.setup?.(ws);
      const all: Record<string, string> = {
        ...ascInputs(key, fake),
        path: 'App.ipa',
        'poll-interval': '0.01',
        'find-build-timeout': '0.5',
        'processing-timeout': '1',
        'github-token': 'ghs_notUsedHere',
        ...c.inputs,
        ...valueFor(c),
      };
      const mark = fake.requests.length;
      const runtime = recordingRuntime();
      const restore = applyEnv({ GITHUB_WORKSPACE: ws, GITHUB_REPOSITORY: 'octo/app', ...c.env });
      let error: Error | undefined;
      try {
        await runCommand(
          parseConfig((name) => all[name] ?? ''),
          runtime,
          deps,
        );
      } catch (e) {
        error = e as Error;
      } finally {
        restore();
      }
      const requests = fake.requests.slice(mark);
      const message = c.caught === 'warning' ? runtime.log.warnings.join('\n') : (error?.message ?? '');
      table.push([
        c.input,
        c.value,
        c.caught,
        `${message.split('\n')[0]!.replaceAll(ws, '<checkout>').slice(0, 110).replace(/\|/g, '\\|')}…`,
      ]);

      if (c.caught === 'warning') expect(error?.message).toBeUndefined();
      else expect(error, 'the run fails').toBeDefined();
      // Names the input, and says what is wrong and what to do.
      expect(message).toMatch(new RegExp(`(Input )?\`${c.input}\``));
      expect(message).toMatch(c.says);
      // Never echoes the key.
      for (const line of key.privateKeyPem.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----')))
        expect(message).not.toContain(line);

      switch (c.caught) {
        case 'before any request':
          expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([]);
          break;
        case 'after reads':
          expect(requests.length).toBeGreaterThan(0);
          expect(requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`)).toEqual([]);
          expect(requests.every((r) => r.status < 400 || r.status === 404)).toBe(true);
          break;
        case 'at Apple (401)':
          // The one fresh-token retry, then the failure: nothing else is tried with a key Apple refuses.
          expect(requests.map((r) => r.status)).toEqual([401, 401]);
          break;
        case 'warning':
          expect(requests.every((r) => r.status < 400)).toBe(true);
          break;
      }
    });
  }

  it('a beta group unknown at Apple, in a publish, is caught before the upload', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'ascp-input-'));
    copyFileSync(template, join(ws, 'App.ipa'));
    const all: Record<string, string> = { ...ascInputs(key, fake), path: 'App.ipa', 'poll-interval': '0.01', 'beta-groups': 'QA, Nobody' };
    const mark = fake.requests.length;
    const restore = applyEnv({ GITHUB_WORKSPACE: ws });
    const error = await runCommand(
      parseConfig((name) => all[name] ?? ''),
      recordingRuntime(),
      deps,
    )
      .then(() => undefined)
      .catch((e: Error) => e)
      .finally(restore);
    const message = error?.message ?? '';
    // The names are checked against Apple's list with the app and build number, before the upload.
    expect(message).toMatch(
      /Input `beta-groups`: "Nobody" is not a beta group of com\.example\.inputs\. Groups that exist: "QA", "Friends"/,
    );
    const writes = fake.requests.slice(mark).filter((r) => r.method !== 'GET');
    expect(writes).toEqual([]);
    table.push([
      'beta-groups',
      'unknown at Apple (publish)',
      'after reads only, before the upload',
      `${message.split('\n')[0]!.slice(0, 110)}…`,
    ]);
  });
});
