import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../src/commands/index.js';
import type { CommandDeps } from '../../src/commands/context.js';
import { parseConfig } from '../../src/config.js';
import { expectNoViolations, makeTestKey, startFakeAsc, type FakeAsc, type TestKey } from '../../test-support/fake-asc/index.js';
import { applyEnv } from '../../test-support/fake-github/env.js';
import { recordingRuntime } from '../../test-support/log.js';
import { makePackages, type PlistJson, type ZipEntrySpec } from '../../test-support/fixtures/index.js';
import { makeIpa } from '../../test-support/packages.js';

/**
 * Every input with wrong values: each gets an error (or a documented warning) that names the input
 * and says what to do, and none makes App Store Connect see a bad request. Most are caught before
 * any request; the few that need Apple's answer (an app ID of another app, a beta group that does
 * not exist, a key Apple does not know) only read, and never write.
 */

const BUNDLE = 'com.example.inputs';
const VERSION = '3.0';
const BUILD = '30';
/** A build Apple already has for the version. */
const EXISTING_BUILD = '29';

/** Where a case is caught. */
type Caught =
  /** No request reached App Store Connect. */
  | 'before any request'
  /** Only reads (GET): the answer decides. */
  | 'after reads'
  /** Apple refused the key: its 401 answers, nothing else. */
  | 'at Apple (401)'
  /** A documented warning: the run goes on and completes. */
  | 'warning';

interface Case {
  input: string;
  /** The value, as shown in the matrix. */
  value: string;
  inputs: Record<string, string>;
  /** Writes what the case needs in the workspace (which holds App.ipa unless `noPackage`). */
  setup?: (ws: string) => void;
  noPackage?: boolean;
  env?: Record<string, string | undefined>;
  /** What the message must say besides naming the input: what is wrong and what to do. */
  says: RegExp;
  caught: Caught;
}

function rsaPem(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}
function p384Pem(): string {
  return generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

describe('bad inputs', () => {
  let key: TestKey;
  let fake: FakeAsc;
  let template: string;
  let otherAppId: string;
  const table: Array<[string, string, string, string]> = [];
  const deps: CommandDeps = {
    now: Date.now,
    sleep: (ms) => new Promise((done) => setTimeout(done, Math.min(ms, 2))),
    requestTimeoutMs: 2000,
    retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
  };

  beforeAll(async () => {
    key = makeTestKey();
    fake = await startFakeAsc({ keys: [key], partSize: 65536, timing: { uploadProcessingMs: 0, buildProcessingMs: 0 } });
    const appId = fake.addApp({ bundleId: BUNDLE, name: 'Inputs' }).id;
    otherAppId = fake.addApp({ bundleId: 'com.example.other', name: 'Other' }).id;
    fake.addBetaGroup(appId, 'QA');
    fake.addBetaGroup(appId, 'Friends');
    fake.setBetaAppReviewDetailComplete(appId, true);
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

  /** A package with this Info.plist (or none). */
  function oddIpa(path: string, plist?: Record<string, PlistJson>): void {
    const entries: ZipEntrySpec[] = [{ name: 'Payload/App.app/App', text: 'binary' }];
    if (plist) entries.unshift({ name: 'Payload/App.app/Info.plist', plist, format: 'xml' });
    makePackages([{ kind: 'ipa', path, entries }]);
  }

  const notes = (content: string) => (ws: string) => writeFileSync(join(ws, 'notes.json'), content);
  const distribute = { command: 'distribute', 'bundle-id': BUNDLE, 'app-version': VERSION, 'build-number': EXISTING_BUILD };

  const CASES: Case[] = [
    {
      input: 'command',
      value: '`deploy`',
      inputs: { command: 'deploy' },
      says: /"deploy" is not one of `publish`, `distribute`, `resume`, `latest-build-number`/,
      caught: 'before any request',
    },
    {
      input: 'key-id',
      value: 'empty',
      inputs: { 'key-id': '' },
      says: /is required\. Set it to your App Store Connect API key ID/,
      caught: 'before any request',
    },
    { input: 'key-id', value: '`AB-12!`', inputs: { 'key-id': 'AB-12!' }, says: /letters and digits only/, caught: 'before any request' },
    {
      input: 'issuer-id',
      value: '`not-a-uuid`',
      inputs: { 'issuer-id': 'not-a-uuid' },
      says: /a UUID such as .*Leave it empty for an individual key/,
      caught: 'before any request',
    },
    {
      input: 'private-key',
      value: 'empty',
      inputs: { 'private-key': '' },
      says: /is required\. Store the contents of the AuthKey_XXXXXXXXXX\.p8 file/,
      caught: 'before any request',
    },
    {
      input: 'private-key',
      value: 'an RSA key',
      inputs: { 'private-key': rsaPem() },
      says: /is an RSA key; App Store Connect API keys are EC P-256 keys\. Use the contents of the AuthKey/,
      caught: 'before any request',
    },
    {
      input: 'private-key',
      value: 'a P-384 key',
      inputs: { 'private-key': p384Pem() },
      says: /curve secp384r1; App Store Connect API keys use P-256/,
      caught: 'before any request',
    },
    {
      input: 'private-key',
      value: 'truncated (no END line)',
      inputs: { 'private-key': '' },
      says: /is incomplete: the "-----END PRIVATE KEY-----" line is missing/,
      caught: 'before any request',
    },
    {
      input: 'private-key',
      value: 'damaged (half the body)',
      inputs: { 'private-key': '' },
      says: /the PEM text is damaged/,
      caught: 'before any request',
    },
    {
      input: 'private-key',
      value: 'a public key',
      inputs: { 'private-key': '' },
      says: /is a public key, not the private key/,
      caught: 'before any request',
    },
    {
      input: 'private-key',
      value: 'base64 of something else',
      inputs: { 'private-key': Buffer.from('hello world').toString('base64') },
      says: /does not decode to PEM text\. Encode the whole \.p8 file/,
      caught: 'before any request',
    },
    {
      input: 'private-key',
      value: 'a P-256 key Apple does not know',
      inputs: { 'private-key': '' },
      says: /HTTP 401[\s\S]*Check `key-id`, `issuer-id` .* and `private-key` belong to the same active API key/,
      caught: 'at Apple (401)',
    },
    {
      input: 'path',
      value: 'matches nothing',
      inputs: { path: 'build/*.ipa' },
      says: /matches no file: `build\/\*\.ipa` searched in .*actions\/download-artifact/,
      caught: 'before any request',
    },
    {
      input: 'path',
      value: 'empty (default `**/*.ipa`) in an empty checkout',
      inputs: { path: '' },
      noPackage: true,
      says: /matches no file: `\*\*\/\*\.ipa`/,
      caught: 'before any request',
    },
    {
      input: 'path',
      value: 'a `.zip` file',
      inputs: { path: 'App.zip' },
      setup: (ws) => writeFileSync(join(ws, 'App.zip'), 'PK'),
      says: /matches .*App\.zip, which is not an \.ipa or \.pkg: narrow the pattern/,
      caught: 'before any request',
    },
    {
      input: 'path',
      value: 'an `.ipa` that is not a zip',
      inputs: { path: 'Broken.ipa' },
      setup: (ws) => writeFileSync(join(ws, 'Broken.ipa'), 'not a zip at all'),
      says: /Broken\.ipa/,
      caught: 'before any request',
    },
    {
      input: 'path',
      value: 'an `.ipa` without Info.plist',
      inputs: { path: 'Bare.ipa' },
      setup: (ws) => oddIpa(join(ws, 'Bare.ipa')),
      says: /Bare\.ipa/,
      caught: 'before any request',
    },
    {
      input: 'path',
      value: 'an `.ipa` without CFBundleVersion',
      inputs: { path: 'NoBuild.ipa' },
      setup: (ws) =>
        oddIpa(join(ws, 'NoBuild.ipa'), {
          CFBundleIdentifier: BUNDLE,
          CFBundleShortVersionString: VERSION,
          CFBundleSupportedPlatforms: ['iPhoneOS'],
        }),
      says: /set the `build-number` input/,
      caught: 'before any request',
    },
    {
      input: 'app-id',
      value: '`abc`',
      inputs: { 'app-id': 'abc' },
      says: /must be the numeric Apple ID of the app/,
      caught: 'before any request',
    },
    {
      input: 'app-id',
      value: "another app's ID",
      inputs: { 'app-id': '' },
      says: /has bundle ID com\.example\.other, but the package's is com\.example\.inputs\. Fix `app-id`/,
      caught: 'after reads',
    },
    {
      input: 'bundle-id',
      value: '`com example`',
      inputs: { 'bundle-id': 'com example' },
      says: /is not a bundle ID: use letters, digits, dots and hyphens/,
      caught: 'before any request',
    },
    {
      input: 'app-id',
      value: 'empty, and no app record for the bundle ID',
      inputs: { 'bundle-id': 'com.example.nothere' },
      says: /No app with bundle ID com\.example\.nothere .*Create the app record first/,
      caught: 'after reads',
    },
    {
      input: 'app-version',
      value: '`1.x`',
      inputs: { 'app-version': '1.x' },
      says: /is not a version: Apple expects one to three numbers/,
      caught: 'before any request',
    },
    {
      input: 'build-number',
      value: '`1.2.3.4`',
      inputs: { 'build-number': '1.2.3.4' },
      says: /is not a build number: Apple expects one to three numbers/,
      caught: 'before any request',
    },
    {
      input: 'build-number',
      value: 'with two packages',
      inputs: { path: '*.ipa', 'build-number': '31' },
      setup: (ws) => copyFileSync(join(ws, 'App.ipa'), join(ws, 'Second.ipa')),
      says: /applies to one package, but `path` matched 2/,
      caught: 'before any request',
    },
    {
      input: 'build-number',
      value: 'already used for the version',
      inputs: { 'build-number': EXISTING_BUILD },
      says: /already used for com\.example\.inputs version 3\.0 .*set `build-number`.*Nothing was uploaded/,
      caught: 'after reads',
    },
    {
      input: 'platform',
      value: '`ANDROID`',
      inputs: { platform: 'ANDROID' },
      says: /"ANDROID" is not one of `IOS`, `MAC_OS`, `TV_OS`, `VISION_OS`/,
      caught: 'before any request',
    },
    {
      input: 'upload-method',
      value: '`ftp`',
      inputs: { 'upload-method': 'ftp' },
      says: /"ftp" is not one of `api`, `altool`/,
      caught: 'before any request',
    },
    ...(process.platform === 'darwin'
      ? []
      : [
          {
            input: 'upload-method',
            value: '`altool` on Linux',
            inputs: { 'upload-method': 'altool' },
            says: /`altool` needs a macOS runner with Xcode.*Use `upload-method: api`/,
            caught: 'before any request' as const,
          },
        ]),
    ...['0', '33', 'four', '2.5'].map((v) => ({
      input: 'upload-concurrency',
      value: `\`${v}\``,
      inputs: { 'upload-concurrency': v },
      says: /must be a whole number from 1 to 32/,
      caught: 'before any request' as const,
    })),
    {
      input: 'post-processing',
      value: '`later`',
      inputs: { 'post-processing': 'later' },
      says: /"later" is not one of `inline`, `deferred`, `off`/,
      caught: 'before any request',
    },
    {
      input: 'post-processing',
      value: '`deferred` outside GitHub Actions',
      inputs: { 'post-processing': 'deferred' },
      env: { GITHUB_REPOSITORY: undefined },
      says: /`deferred` keeps its state in workflow artifacts.*Use `inline` elsewhere/,
      caught: 'before any request',
    },
    ...['0', '-5', 'soon'].map((v) => ({
      input: 'find-build-timeout',
      value: `\`${v}\``,
      inputs: { 'find-build-timeout': v },
      says: /is not a positive number of minutes \(fractions such as 0\.5 are allowed\)/,
      caught: 'before any request' as const,
    })),
    {
      input: 'find-build-timeout',
      value: '`30` > `processing-timeout: 20`',
      inputs: { 'find-build-timeout': '30', 'processing-timeout': '20' },
      says: /is longer than `processing-timeout` \(20 minutes\).*lower it or raise `processing-timeout`/,
      caught: 'before any request',
    },
    {
      input: 'processing-timeout',
      value: '`2h`',
      inputs: { 'processing-timeout': '2h' },
      says: /"2h" is not a positive number of minutes/,
      caught: 'before any request',
    },
    {
      input: 'poll-interval',
      value: '`0`',
      inputs: { 'poll-interval': '0' },
      says: /is not a positive number of seconds/,
      caught: 'before any request',
    },
    {
      input: 'release-notes',
      value: 'not JSON',
      inputs: { 'release-notes': 'notes.json' },
      setup: notes('{oops'),
      says: /notes\.json is not valid JSON.*Expected: \[\{"language"/,
      caught: 'before any request',
    },
    {
      input: 'release-notes',
      value: 'unknown locale',
      inputs: { 'release-notes': 'notes.json' },
      setup: notes('[{"language":"xx-YY","text":"a"}]'),
      says: /"xx-YY" is not a TestFlight locale\. Use one of: /,
      caught: 'before any request',
    },
    {
      input: 'release-notes',
      value: 'duplicate locale',
      inputs: { 'release-notes': 'notes.json' },
      setup: notes('[{"language":"en-US","text":"a"},{"language":"en_us","text":"b"}]'),
      says: /en-US appears more than once; keep one entry per locale/,
      caught: 'before any request',
    },
    {
      input: 'release-notes',
      value: 'text over 4000 characters',
      inputs: { 'release-notes': 'notes.json' },
      setup: notes(JSON.stringify([{ language: 'en-US', text: 'x'.repeat(4001) }])),
      says: /4001 characters long; TestFlight allows at most 4000/,
      caught: 'before any request',
    },
    {
      input: 'release-notes',
      value: 'a file that does not exist',
      inputs: { ...distribute, 'release-notes': 'missing.json' },
      says: /missing\.json does not exist, so no notes are read from it/,
      caught: 'warning',
    },
    {
      input: 'whats-new',
      value: 'over 4000 characters',
      inputs: { 'whats-new': 'y'.repeat(4001) },
      says: /is 4001 characters long; TestFlight allows at most 4000\. Shorten it/,
      caught: 'before any request',
    },
    {
      input: 'whats-new-locale',
      value: 'without `whats-new`',
      inputs: { 'whats-new-locale': 'de-DE' },
      says: /is set but `whats-new` is empty: give the "What to Test" text in `whats-new`, or remove `whats-new-locale`/,
      caught: 'before any request',
    },
    {
      input: 'whats-new-locale',
      value: '`xx-YY`',
      inputs: { 'whats-new': 'Hi', 'whats-new-locale': 'xx-YY' },
      says: /"xx-YY" is not a TestFlight locale\. Use one of: /,
      caught: 'before any request',
    },
    {
      input: 'uses-non-exempt-encryption',
      value: '`yes`',
      inputs: { 'uses-non-exempt-encryption': 'yes' },
      says: /"yes" is not a boolean: use `true` or `false`/,
      caught: 'before any request',
    },
    {
      input: 'submit-beta-review',
      value: '`maybe`',
      inputs: { 'submit-beta-review': 'maybe' },
      says: /"maybe" is not a boolean/,
      caught: 'before any request',
    },
    {
      input: 'submit-beta-review',
      value: '`true` with `post-processing: off`',
      inputs: { 'submit-beta-review': 'true', 'post-processing': 'off' },
      says: /asks for post-processing, but `post-processing` is `off`: set `post-processing: inline`/,
      caught: 'before any request',
    },
    {
      input: 'beta-groups',
      value: 'with `post-processing: off`',
      inputs: { 'beta-groups': 'QA', 'post-processing': 'off' },
      says: /asks for post-processing, but `post-processing` is `off`/,
      caught: 'before any request',
    },
    {
      input: 'beta-groups',
      value: 'unknown at Apple (distribute)',
      inputs: { ...distribute, 'beta-groups': 'QA, Nobody' },
      says: /"Nobody" is not a beta group of com\.example\.inputs\. Groups that exist: "QA", "Friends"\. Fix the name or create the group/,
      caught: 'after reads',
    },
    {
      input: 'notify-testers',
      value: '`sometimes`',
      inputs: { 'notify-testers': 'sometimes' },
      says: /"sometimes" is not a boolean/,
      caught: 'before any request',
    },
    {
      input: 'expire-previous-builds',
      value: '`1`',
      inputs: { 'expire-previous-builds': '1' },
      says: /"1" is not a boolean: use `true` or `false`/,
      caught: 'before any request',
    },
    {
      input: 'state-artifact',
      value: '`state/prod`',
      inputs: { 'state-artifact': 'state/prod' },
      says: /cannot be an artifact name: remove the characters/,
      caught: 'before any request',
    },
    {
      input: 'github-token',
      value: 'empty with `command: resume`',
      inputs: { command: 'resume', 'github-token': '' },
      says: /is required with `command: resume`.*`permissions: actions: write`/,
      caught: 'before any request',
    },
    {
      input: 'api-url',
      value: '`not a url`',
      inputs: { 'api-url': 'not a url' },
      says: /"not a url" is not a URL: use https:\/\/api\.appstoreconnect\.apple\.com/,
      caught: 'before any request',
    },
    {
      input: 'api-url',
      value: '`ftp://example.com`',
      inputs: { 'api-url': 'ftp://example.com' },
      says: /must be an http\(s\) URL/,
      caught: 'before any request',
    },
    {
      input: 'build-number',
      value: 'missing with `command: distribute`',
      inputs: { ...distribute, 'build-number': '' },
      says: /is required with `command: distribute`.*give its version and build number/,
      caught: 'before any request',
    },
    {
      input: 'app-version',
      value: 'missing with `command: distribute`',
      inputs: { ...distribute, 'app-version': '', 'build-number': '7' },
      says: /is required with `command: distribute`/,
      caught: 'before any request',
    },
    {
      input: 'app-id',
      value: 'and `bundle-id` missing with `command: distribute`',
      inputs: { command: 'distribute', 'app-version': VERSION, 'build-number': '7' },
      says: /or `bundle-id` is required with `command: distribute` to find the app/,
      caught: 'before any request',
    },
    {
      input: 'app-id',
      value: 'and `bundle-id` missing with `command: latest-build-number`',
      inputs: { command: 'latest-build-number' },
      says: /or `bundle-id` is required with `command: latest-build-number`/,
      caught: 'before any request',
    },
    {
      input: 'build-number',
      value: 'no such build (distribute)',
      inputs: { ...distribute, 'build-number': '99' },
      says: /No build 99 of version 3\.0 for com\.example\.inputs\. Check `app-version` and `build-number`/,
      caught: 'after reads',
    },
  ];

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
        'key-id': key.keyId,
        'issuer-id': key.issuerId!,
        'private-key': key.privateKeyPem,
        'api-url': fake.url,
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
    const all: Record<string, string> = {
      'key-id': key.keyId,
      'issuer-id': key.issuerId!,
      'private-key': key.privateKeyPem,
      'api-url': fake.url,
      path: 'App.ipa',
      'poll-interval': '0.01',
      'beta-groups': 'QA, Nobody',
    };
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
