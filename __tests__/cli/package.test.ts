import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeAsc, TestKey } from '../../test-support/fake-asc/index.js';
import { makeIpa } from '../../test-support/packages.js';
import { NODE24 } from '../../test-support/run-dist.js';
import { closeCheckedFake, startFakeAscWithApp } from '../../test-support/setup.js';
import { CLI_INDEX, cliPublishArgs, writeCliKey } from './run-cli.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..', '..');

interface PackResult {
  filename: string;
  files: Array<{ path: string }>;
}

/**
 * The npm package as a user gets it: packed from this checkout, installed into an empty folder with no
 * network and an empty npm cache, its `app-store-connect-publish` command run from there.
 */
describe('the npm package (npm pack → npm install --offline → npx app-store-connect-publish)', () => {
  let dir: string, project: string, packed: PackResult, env: Record<string, string>, key: TestKey, asc: FakeAsc;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ascp-npm-'));
    // Node 24 first on PATH: the `node` of the command's shebang and of npm; nothing of this checkout leaks in.
    env = {
      PATH: `${dirname(NODE24)}:${process.env.PATH ?? ''}`,
      HOME: dir,
      npm_config_cache: join(dir, 'npm-cache'),
      npm_config_update_notifier: 'false',
    };
    const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT, env });
    packed = (JSON.parse(stdout) as PackResult[])[0]!;
    project = join(dir, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'release-pipeline', private: true }));
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', join(dir, packed.filename)], { cwd: project, env });

    ({ key, fake: asc } = await startFakeAscWithApp({
      fake: { partSize: 256 * 1024, timing: { uploadProcessingMs: 100, buildProcessingMs: 200 } },
      app: { bundleId: 'com.example.npm', name: 'Npm' },
    }));
  }, 120_000);
  afterAll(async () => {
    await closeCheckedFake(asc);
    rmSync(dir, { recursive: true, force: true });
  });

  const npx = (args: string[], extra: Record<string, string> = {}) =>
    run('npx', ['--offline', '--no', '--', 'app-store-connect-publish', ...args], {
      cwd: project,
      env: { ...env, ...extra },
      timeout: 60_000,
    });

  it('holds only what runs: the command line and relay bundles, the licences, the README and LICENSE', () => {
    const files = packed.files.map((f) => f.path).sort();
    expect(files).toContain('dist/cli/index.js');
    expect(files).toEqual(
      expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'dist/cli/licenses.txt', 'dist/cli/package.json']),
    );
    expect(files).toEqual(expect.arrayContaining(['dist/relay/index.js', 'dist/relay/package.json']));
    const allowed = (f: string) =>
      ['LICENSE', 'README.md', 'package.json'].includes(f) || f.startsWith('dist/cli/') || f.startsWith('dist/relay/');
    expect(files.filter((f) => !allowed(f))).toEqual([]);
    // ncc inlined every library: installing needs nothing from the registry.
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules', 'app-store-connect-publish', 'package.json'), 'utf8'));
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(manifest.bin).toEqual({ 'app-store-connect-publish': 'dist/cli/index.js' });
  });

  it('exports the webhook relay as a Worker module under `app-store-connect-publish/relay`', async () => {
    const script = [
      "const relay = (await import('app-store-connect-publish/relay')).default;",
      "const answer = await relay.fetch(new Request('http://relay/', { method: 'GET' }), {});",
      'console.log(JSON.stringify({ keys: Object.keys(relay), status: answer.status }));',
    ].join('\n');
    const { stdout } = await run(NODE24, ['--input-type=module', '-e', script], { cwd: project, env });
    expect(JSON.parse(stdout)).toEqual({ keys: ['fetch'], status: 405 });
  });

  it('npx app-store-connect-publish --help works from the installed package', async () => {
    const { stdout } = await npx(['--help']);
    expect(stdout).toMatch(/^Usage: app-store-connect-publish <command>/);
    expect(stdout).toContain('latest-build-number');
  });

  it('publishes to App Store Connect from the installed package', async () => {
    makeIpa({
      path: join(project, 'build', 'Npm.ipa'),
      bundleId: 'com.example.npm',
      version: '1.4',
      buildNumber: '21',
      payloadBytes: 400_000,
    });
    const keyEnv = writeCliKey(project, 'AuthKey.p8', key);
    const { stdout, stderr } = await npx([...cliPublishArgs(asc.url), '--poll-interval', '0.05', '--json'], keyEnv);
    expect(JSON.parse(stdout)).toMatchObject({
      'bundle-id': 'com.example.npm',
      'app-version': '1.4',
      'build-number': '21',
      'processing-state': 'VALID',
      'post-processing': 'completed',
    });
    expect(stderr).toContain('Npm.ipa: com.example.npm 1.4 (21) for iOS');
    expect(asc.resources('builds').map((b) => b.attributes.usesNonExemptEncryption)).toEqual([false]);
  });

  it("the command line bundle carries no @actions/core: the action's host stays out of it", () => {
    const bundle = readFileSync(CLI_INDEX, 'utf8');
    // Function names from @actions/core's command and summary code; ncc keeps names.
    for (const marker of ['toCommandValue', 'issueFileCommand', 'Unable to find environment variable for $GITHUB_STEP_SUMMARY']) {
      expect(bundle.includes(marker), marker).toBe(false);
    }
    expect(bundle).toContain('app-store-connect-publish');
  });
});
