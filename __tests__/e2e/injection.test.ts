import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useDistSuite } from '../../test-support/dist-suite.js';
import { makePackages } from '../../test-support/fixtures/index.js';
import { makeIpa } from '../../test-support/packages.js';
import type { DistRun } from '../../test-support/run-dist.js';
import { xcodeDistribution } from '../package/fixtures.js';

/**
 * Workflow commands planted in data, against the bundled action: the runner reads every line a step prints,
 * so a version with a line break and `::stop-commands::` in it would switch off the masking of the next
 * App Store Connect token. Package metadata is refused before it is logged; anything else from a package,
 * Apple or GitHub is logged so that no line of it starts a command.
 */
describe('no workflow command from data (dist/index.js)', () => {
  const suite = useDistSuite({
    fake: { partSize: 256 * 1024, timing: { uploadProcessingMs: 50, buildProcessingMs: 100 } },
    app: { bundleId: 'com.example.inject', name: 'Inject' },
    workspacePrefix: 'ascp-inject-',
    inputs: () => ({ 'poll-interval': '0.05', 'status-check': 'false', 'uses-non-exempt-encryption': 'false' }),
  });

  /** The commands the action itself issues; any other `::` line came from data. */
  const OWN = /^::(add-mask|debug|warning|error|notice|group|endgroup)::/;
  const commandLines = (run: DistRun) => run.stdout.split(/\r\n|\r|\n/).filter((l) => /^\s*::/.test(l) || l.includes('##['));

  /** Every token the run masked, and that none shows in any other line. */
  function expectTokensMasked(run: DistRun): void {
    const lines = run.stdout.split(/\r\n|\r|\n/);
    const tokens = lines.flatMap((l) => /^::add-mask::(eyJ[\w-]+\.[\w-]+\.[\w-]+)$/.exec(l)?.[1] ?? []);
    for (const token of tokens) expect(lines.filter((l) => l.includes(token) && !l.startsWith('::add-mask::'))).toEqual([]);
    expect(lines.filter((l) => /eyJ[\w-]{10,}\.[\w-]{10,}\./.test(l) && !l.startsWith('::add-mask::'))).toEqual([]);
  }

  function workspace(): string {
    return mkdtempSync(join(tmpdir(), 'ascp-inject-ws-'));
  }

  it('an .ipa whose version holds a line break and ::stop-commands:: is a named input error; nothing of it starts a command', async () => {
    const ws = workspace();
    makeIpa({ path: join(ws, 'App.ipa'), bundleId: 'com.example.inject', version: '1.0\n::stop-commands::zz', buildNumber: '5' });
    const run = await suite.job(1, { path: '*.ipa' }, { workspace: ws });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /::error::Input `path`: .*App\.ipa: the version \(CFBundleShortVersionString\) "1\.0\\n::stop-commands::zz" is not one Apple accepts/,
    );
    expect(commandLines(run).filter((l) => !OWN.test(l))).toEqual([]);
    expect(run.outputs['app-version'] ?? '').not.toMatch(/\n/);
    expect(suite.asc.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('a .pkg whose version attribute holds &#10;::set-output is a named input error', async () => {
    const ws = workspace();
    const distribution = xcodeDistribution({ id: 'com.example.inject', version: '2.0&#10;::set-output name=app-version::9.9' });
    makePackages([{ kind: 'pkg', path: join(ws, 'App.pkg'), files: [{ name: 'Distribution', text: distribution }] }]);
    const run = await suite.job(2, { path: '*.pkg' }, { workspace: ws });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/::error::Input `path`: .*App\.pkg: the version \(CFBundleShortVersionString\) "2\.0\\n::set-output/);
    expect(commandLines(run).filter((l) => !OWN.test(l))).toEqual([]);
    expect(run.outputs['app-version']).toBeUndefined();
  });

  it('a package file name with a line break and ::stop-commands:: is logged inert; every token stays masked, outputs one line', async () => {
    const ws = workspace();
    const dir = join(ws, 'build');
    mkdirSync(dir);
    makeIpa({
      path: join(dir, 'App\n::stop-commands::zz\n##[add-mask]x\r::warning::planted.ipa'),
      bundleId: 'com.example.inject',
      version: '1.2',
      buildNumber: '12',
    });
    const run = await suite.job(3, { path: 'build/*.ipa', 'post-processing': 'inline' }, { workspace: ws });
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toContain('\\::stop-commands::zz');
    expect(run.stdout).toContain('##\\[add-mask]x');
    expect(run.stdout).toContain('\\::warning::planted.ipa');
    expect(commandLines(run).filter((l) => !OWN.test(l))).toEqual([]);
    expect(run.stdout.split('\n').filter((l) => l.startsWith('::add-mask::eyJ')).length).toBeGreaterThan(0);
    expectTokensMasked(run);
    for (const name of ['app-version', 'build-number', 'bundle-id', 'processing-state']) expect(run.outputs[name]).not.toMatch(/\n/);
  });
});
