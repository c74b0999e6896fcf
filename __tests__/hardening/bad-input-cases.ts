/** The bad-input cases: each input with a wrong value, what the message must say, and where it is caught. */
import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makePackages, type PlistJson, type ZipEntrySpec } from '../../test-support/fixtures/index.js';

export const BUNDLE = 'com.example.inputs';
export const VERSION = '3.0';
export const BUILD = '30';
/** A build Apple already has for the version. */
export const EXISTING_BUILD = '29';

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

export interface Case {
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

/** A package with this Info.plist (or none). */
function oddIpa(path: string, plist?: Record<string, PlistJson>): void {
  const entries: ZipEntrySpec[] = [{ name: 'Payload/App.app/App', text: 'binary' }];
  if (plist) entries.unshift({ name: 'Payload/App.app/Info.plist', plist, format: 'xml' });
  makePackages([{ kind: 'ipa', path, entries }]);
}

export const notes = (content: string) => (ws: string) => writeFileSync(join(ws, 'notes.json'), content);
export const distribute = { command: 'distribute', 'bundle-id': BUNDLE, 'app-version': VERSION, 'build-number': EXISTING_BUILD };

/** Cases of the command, the key, the package and the app and build it names. */
export const IDENTITY_CASES: Case[] = [
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
];
