import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { released } from '../../test-support/app-store.js';
import { useDistSuite } from '../../test-support/dist-suite.js';
import { makeIpa } from '../../test-support/packages.js';
import { cliPublishArgs, runCli, writeCliKey } from '../cli/run-cli.js';

/** The bundled action (and command line) in a dry run, against the fake App Store Connect and the fake GitHub. */
describe('dry-run (dist/index.js)', () => {
  const suite = useDistSuite({
    app: { bundleId: 'com.example.dry', name: 'Dry' },
    betaGroups: ['QA'],
    betaReviewReady: true,
    github: { reset: (gh) => gh.workflows.reset() },
    inputs: () => ({ 'poll-interval': '0.05', 'dry-run': 'true' }),
  });
  let versionCounter = 0;

  afterEach(() => {
    // No write of any kind: App Store Connect (API and parts), GitHub (artifacts, workflows, check runs).
    expect(suite.asc.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`)).toEqual([]);
    expect(suite.gh.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`)).toEqual([]);
    expect(suite.gh.artifacts()).toEqual([]);
    expect(suite.gh.checks.runs()).toEqual([]);
  });

  const ipa = (buildNumber: string) => {
    const version = `5.${++versionCounter}`;
    makeIpa({ path: join(suite.workspace, 'build', 'Dry.ipa'), bundleId: 'com.example.dry', version, buildNumber, payloadBytes: 300_000 });
    return version;
  };

  it('a ready deferred publish exits 0 with the plan, without actions: write', async () => {
    ipa('1');
    suite.gh.workflows.setState('post-processing.yml', 'disabled_inactivity');
    suite.gh.workflows.permission('read');
    const run = await suite.job(1, {
      path: 'build/*.ipa',
      'post-processing': 'deferred',
      'beta-groups': 'QA',
      'uses-non-exempt-encryption': 'false',
    });
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toContain('Dry run of publish: nothing was uploaded or written.');
    // Secret inputs not given (the demo account's password, the webhook secret) mask nothing.
    expect(run.stdout).not.toMatch(/^::add-mask::\s*$/m);
    expect(run.stdout).toContain('Beta groups: would run — add the build to QA');
    expect(run.stdout).toContain('Resume workflow post-processing.yml exists (disabled_inactivity: a real run enables it).');
    expect(run.summary).toContain('## App Store Connect Publish — publish (dry run)');
    expect(run.summary).toContain('✅ Ready');
    expect(run.outputs['post-processing']).toBe('skipped');
    expect(suite.gh.workflows.state('post-processing.yml')).toBe('disabled_inactivity');
  });

  it('a publish with three problems exits non-zero naming all three', async () => {
    const version = ipa('9');
    released(suite.asc, suite.appId, { versionString: version, buildNumber: '9' });
    const run = await suite.job(2, {
      path: 'build/*.ipa',
      'beta-groups': 'QA, Nobody',
      'submit-app-store-review': 'true',
      'uses-non-exempt-encryption': 'false',
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('::error::3 problems stop this run; nothing was uploaded:');
    expect(run.stdout).toContain(`Build number 9 is already used for com.example.dry version ${version}`);
    expect(run.stdout).toContain(`App Store version ${version} of com.example.dry (iOS) is already READY_FOR_SALE`);
    expect(run.stdout).toMatch(/Nobody/);
    expect(run.summary).toContain('❌ Not ready: 3 problems');
  });

  it('a used build number, an unknown group and missing Test Information: all three named, nothing written', async () => {
    // A fresh app: no TestFlight Test Information yet, so a beta review would be refused.
    const appId = suite.asc.addApp({ bundleId: 'com.example.fresh', name: 'Fresh', testInformation: false }).id;
    suite.asc.addBuild({ appId, version: '1.0', buildNumber: '3' });
    makeIpa({
      path: join(suite.workspace, 'build', 'Fresh.ipa'),
      bundleId: 'com.example.fresh',
      version: '1.0',
      buildNumber: '3',
      payloadBytes: 200_000,
    });
    const run = await suite.job(4, {
      path: 'build/Fresh.ipa',
      'beta-groups': 'QA, Nobody',
      'submit-beta-review': 'true',
      'uses-non-exempt-encryption': 'false',
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('::error::3 problems stop this run; nothing was uploaded:');
    expect(run.stdout).toContain('Build number 3 is already used for com.example.fresh version 1.0');
    expect(run.stdout).toMatch(/Nobody/);
    expect(run.stdout).toMatch(/feedback e-?mail/i);
    expect(run.summary).toContain('❌ Not ready: 3 problems');
  });

  it('the command line takes --dry-run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ascp-dry-cli-'));
    makeIpa({ path: join(dir, 'build', 'Dry.ipa'), bundleId: 'com.example.dry', version: '6.0', buildNumber: '1', payloadBytes: 200_000 });
    const env = writeCliKey(dir, `keys/AuthKey_${suite.key.keyId}.p8`, suite.key);
    const run = await runCli([...cliPublishArgs(suite.asc.url), '--dry-run', '--summary-file', 'summary.md'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('Dry run of publish: nothing was uploaded or written.');
    expect(run.summary).toContain('publish (dry run)');
  });
});
