import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useDistSuite } from '../../test-support/dist-suite.js';
import { makeIpa } from '../../test-support/packages.js';
import { runDist } from '../../test-support/run-dist.js';

/** What a reader of the bundled action's log and job summary sees. */
describe('log and job summary (dist/index.js)', () => {
  const suite = useDistSuite({
    fake: { partSize: 512 * 1024, timing: { uploadProcessingMs: 100, buildProcessingMs: 60 * 60_000 } },
    app: { bundleId: 'com.example.logs', name: 'Logs' },
    workspacePrefix: 'ascp-logs-',
  });

  beforeAll(() => {
    makeIpa({
      path: join(suite.workspace, 'build', 'Logs.ipa'),
      bundleId: 'com.example.logs',
      version: '1.0',
      buildNumber: '5',
      payloadBytes: 600_000,
    });
  });
  afterAll(() => {
    rmSync(suite.workspace, { recursive: true, force: true });
  });

  it('without GITHUB_STEP_SUMMARY (other CI hosts, act) the real error is reported, the summary skipped in one debug line', async () => {
    const run = await runDist({ inputs: { 'private-key': 'not-a-key-just-text' }, env: { GITHUB_STEP_SUMMARY: '' } });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('::error::Input `key-id`: is required');
    expect(run.stdout).not.toMatch(/Unable to find environment variable/);
    expect(run.stdout.match(/^::debug::GITHUB_STEP_SUMMARY is not set.*$/gm)).toEqual([
      '::debug::GITHUB_STEP_SUMMARY is not set: no job summary is written.',
    ]);
    expect(run.summary).toBe('');
  });

  it('a job summary file that cannot be written is a warning; the real error still fails the step', async () => {
    const run = await runDist({
      inputs: { 'private-key': 'not-a-key-just-text' },
      env: { GITHUB_STEP_SUMMARY: '/nonexistent/summary.md' },
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^::warning::Could not write the job summary to GITHUB_STEP_SUMMARY: .*\/nonexistent\/summary\.md/m);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toMatch(/^::error::Input `key-id`: is required/);
  });

  it('a deferred save is one collapsed group, with the outcome after it', async () => {
    const run = await suite.job(1, {
      'poll-interval': '0.05',
      path: 'build/*.ipa',
      'post-processing': 'deferred',
    });
    expect(run.code, run.stdout).toBe(0);
    const lines = run.stdout.split('\n');
    const start = lines.indexOf('::group::Saving the post-processing state');
    const end = lines.indexOf('::endgroup::');
    expect(start).toBeGreaterThan(0);
    expect(end).toBeGreaterThan(start);
    expect(lines.filter((l) => l.startsWith('::group::'))).toHaveLength(1);
    // The artifact library's own lines are all inside the group; the one line that matters follows it.
    const chatter = lines.flatMap((l, i) => (/^(Artifact name is valid|Uploading artifact|Finalizing artifact upload)/.test(l) ? [i] : []));
    expect(chatter.length).toBeGreaterThanOrEqual(3);
    expect(chatter.every((i) => i > start && i < end)).toBe(true);
    expect(lines[end + 1]).toMatch(/^Post-processing deferred: state saved as app-store-connect-post-processing-/);
    expect(run.outputs['post-processing']).toBe('pending');
  });
});
