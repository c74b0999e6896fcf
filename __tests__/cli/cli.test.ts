import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_OPTIONS, INPUT_OPTIONS } from '../../src/cli/options.js';
import { COMMANDS } from '../../src/config.js';
import type { FakeAsc, TestKey } from '../../test-support/fake-asc/index.js';
import { makeIpa } from '../../test-support/packages.js';
import { expectNoSecrets } from '../../test-support/secrets.js';
import { apiWrites, closeCheckedFake, startFakeAscWithApp } from '../../test-support/setup.js';
import { cliPublishArgs, runCli, writeCliKey, type CliRun } from './run-cli.js';

/** The bundled command line (dist/cli/index.js) under Node 24 against the fake App Store Connect, outside GitHub Actions. */
describe('app-store-connect-publish (dist/cli/index.js)', () => {
  const GITHUB_TOKEN = 'ghp_cliTestToken0123456789abcdefXYZ';
  let key: TestKey, asc: FakeAsc, appId: string, dir: string, keyEnv: Record<string, string>;
  const runs: CliRun[] = [];

  const cli = async (args: string[], env: Record<string, string> = keyEnv, cwd = dir) => {
    const run = await runCli(args, { cwd, env: { GITHUB_TOKEN, ...env } });
    runs.push(run);
    return run;
  };
  const writes = () => apiWrites(asc);

  beforeAll(async () => {
    ({
      key,
      fake: asc,
      appId,
    } = await startFakeAscWithApp({
      fake: { partSize: 256 * 1024, timing: { uploadProcessingMs: 100, buildProcessingMs: 300 } },
      app: { bundleId: 'com.example.cli', name: 'Cli' },
      betaGroups: ['QA', 'Friends'],
      betaReviewReady: true,
    }));
    dir = mkdtempSync(join(tmpdir(), 'ascp-cli-'));
    keyEnv = writeCliKey(dir, `keys/AuthKey_${key.keyId}.p8`, key);
  });
  afterAll(async () => {
    await closeCheckedFake(asc);
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes with inline post-processing: upload, notes, compliance, beta review, groups, notification', async () => {
    makeIpa({ path: join(dir, 'build', 'Cli.ipa'), bundleId: 'com.example.cli', version: '2.0', buildNumber: '7', payloadBytes: 900_000 });
    writeFileSync(
      join(dir, 'release_notes.json'),
      JSON.stringify([
        { language: 'en-US', text: 'From the command line' },
        { language: 'de-DE', text: 'Von der Kommandozeile' },
      ]),
    );
    const run = await cli([
      ...cliPublishArgs(asc.url),
      '--submit-beta-review',
      '--beta-groups',
      'QA',
      '--beta-groups=Friends',
      '--notify-testers',
      'true',
      '--upload-concurrency',
      '2',
      '--poll-interval',
      '0.05',
      '--find-build-timeout',
      '0.5',
      '--processing-timeout',
      '1',
      '--summary-file',
      'summary.md',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const build = asc.resources('builds')[0];
    expect(run.outputs).toMatchObject({
      'app-id': appId,
      'bundle-id': 'com.example.cli',
      'app-version': '2.0',
      'build-number': '7',
      platform: 'IOS',
      'build-id': build.id,
      'build-upload-id': asc.resources('buildUploads')[0].id,
      'processing-state': 'VALID',
      'post-processing': 'completed',
    });
    expect(writes()).toEqual([
      'POST /v1/buildUploads',
      'POST /v1/buildUploadFiles',
      'PATCH /v1/buildUploadFiles/:id',
      'PATCH /v1/betaBuildLocalizations/:id',
      'POST /v1/betaBuildLocalizations',
      'PATCH /v1/builds/:id',
      'POST /v1/betaAppReviewSubmissions',
      'PATCH /v1/buildBetaDetails/:id',
      'POST /v1/builds/:id/relationships/betaGroups',
    ]);
    expect(asc.requests.filter((r) => r.method === 'PUT' && r.path.startsWith('/upload/')).length).toBeGreaterThanOrEqual(3);
    expect(
      asc
        .resources('betaBuildLocalizations')
        .map((l) => [l.attributes.locale, l.attributes.whatsNew])
        .sort(),
    ).toEqual([
      ['de-DE', 'Von der Kommandozeile'],
      ['en-US', 'From the command line'],
    ]);
    expect(build.attributes.usesNonExemptEncryption).toBe(false);
    // The log on stderr, without workflow commands; only the outputs on stdout.
    expect(run.stderr).toContain('Cli.ipa: com.example.cli 2.0 (7) for iOS');
    expect(run.stderr).not.toMatch(/^::/m);
    expect(run.stdout).toMatch(/^post-processing=completed$/m);
    expect(
      run.stdout
        .trim()
        .split('\n')
        .every((l) => /^[a-z-]+=/.test(l)),
    ).toBe(true);
    // The summary went to the file, not to stderr.
    expect(run.summary).toContain('## App Store Connect Publish — publish');
    expect(run.summary).toContain('Cli 2.0 (7) — completed');
    expect(run.summary).toContain('| Beta groups | ✅ done');
    expect(run.stderr).not.toContain('| Step |');
  });

  it('latest-build-number --json: one JSON object of outputs; flags win over the environment', async () => {
    asc.addBuild({ appId, version: '2.0', buildNumber: '12' });
    const run = await cli(
      ['latest-build-number', '--bundle-id', 'com.example.cli', '--api-url', asc.url, '--json', '--key-id', key.keyId],
      {
        ...keyEnv,
        APP_STORE_CONNECT_KEY_ID: 'not a key id!',
        APP_STORE_CONNECT_PRIVATE_KEY_PATH: '',
        APP_STORE_CONNECT_PRIVATE_KEY: Buffer.from(key.privateKeyPem).toString('base64'),
      },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      'app-id': appId,
      'bundle-id': 'com.example.cli',
      'latest-build-number': '12',
      'next-build-number': '13',
    });
    // Without --summary-file the summary is printed to stderr at the end.
    expect(run.stderr).toMatch(/### Latest build number — com\.example\.cli\n[\s\S]*\| 12 \| 13 \| 2 \|\n*$/);
  });

  it('--help (and `help`) lists every command and every option with its default', async () => {
    for (const args of [['--help'], ['help']]) {
      const run = await cli(args);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^Usage: app-store-connect-publish <command>/);
      for (const command of COMMANDS) expect(run.stdout).toMatch(new RegExp(`^ {2}${command} `, 'm'));
      for (const option of INPUT_OPTIONS) {
        expect(run.stdout).toMatch(new RegExp(`^ {2}--${option.name} `, 'm'));
        if (option.default !== undefined) expect(run.stdout).toContain(`default: ${option.cliDefault ?? option.default}`);
      }
      for (const option of CLI_OPTIONS) expect(run.stdout).toMatch(new RegExp(`^ {2}--${option.name}\\b`, 'm'));
    }
    const bare = await cli([]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('Usage: app-store-connect-publish');
  });

  it('an unknown option exits 2, names it and points to --help', async () => {
    const run = await cli(['publish', '--beta-group', 'QA', '--api-url', asc.url]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error: unknown option `--beta-group`. Did you mean `--beta-groups`?');
    expect(run.stderr).toContain('app-store-connect-publish --help');
    expect(run.stdout).toBe('');
    const command = await cli(['upload']);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('unknown command `upload`: use one of publish, distribute, resume, latest-build-number');
  });

  it('a missing key ID names the input, the flag and the environment variable', async () => {
    const run = await cli(['publish', '--api-url', asc.url], { ...keyEnv, APP_STORE_CONNECT_KEY_ID: '' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error: Input `key-id` is required: pass `--key-id` or set APP_STORE_CONNECT_KEY_ID');
    const noKey = await cli(['publish', '--api-url', asc.url], { ...keyEnv, APP_STORE_CONNECT_PRIVATE_KEY_PATH: '' });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/Input `private-key` is required.*--private-key-path.*APP_STORE_CONNECT_PRIVATE_KEY_PATH/);
    const badPath = await cli(['publish', '--private-key-path', 'keys/missing.p8']);
    expect(badPath.code).toBe(2);
    expect(badPath.stderr).toContain('cannot read the private key file keys/missing.p8 given by `--private-key-path` (no such file)');
  });

  it('an invalid input exits 2 with the same message as the action, secrets masked in it', async () => {
    const run = await cli(['latest-build-number', '--app-id', GITHUB_TOKEN, '--api-url', asc.url]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error: Input `app-id`: must be the numeric Apple ID of the app');
    expect(run.stderr).toContain('not "***"');
  });

  it('the demo account password, from DEMO_ACCOUNT_PASSWORD, is masked like the other secrets', async () => {
    const password = '98765432';
    const run = await cli(['latest-build-number', '--app-id', `${password}x`, '--api-url', asc.url], {
      ...keyEnv,
      DEMO_ACCOUNT_PASSWORD: password,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('not "***x"');
    expect(run.stderr).not.toContain(password);
  });

  it('post-processing: deferred outside GitHub Actions is refused clearly before uploading', async () => {
    const before = writes().length;
    const run = await cli(['publish', '--path', 'build/*.ipa', '--api-url', asc.url, '--post-processing', 'deferred']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'error: Input `post-processing`: `deferred` keeps its state in workflow artifacts, which exist only in a GitHub Actions step',
    );
    expect(writes().length).toBe(before);
  });

  it('a failure exits 1 with the error last, printed once (the summary that holds only it is not printed)', async () => {
    const before = writes().length;
    const run = await cli(['publish', '--path', 'build/*.ipa', '--api-url', asc.url, '--poll-interval', '0.05']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/\nerror: Build number 7 is already used for com\.example\.cli version 2\.0 \(iOS\)/);
    expect(run.stderr.match(/Build number 7 is already used/g)).toHaveLength(1);
    expect(run.stderr).not.toContain('## App Store Connect Publish');
    expect(run.stderr.trimEnd().split('\n').at(-1)).toMatch(/^error: .*Nothing was uploaded\.$/);
    expect(writes().length).toBe(before);
  });

  it('no run printed the key, the token or a signed token', () => {
    expect(runs.length).toBeGreaterThanOrEqual(8);
    expectNoSecrets({ key: key.privateKeyPem, tokens: [GITHUB_TOKEN], runs });
  });
});
