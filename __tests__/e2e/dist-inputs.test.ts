import { describe, expect, it } from 'vitest';
import { runDist } from '../../test-support/run-dist.js';

describe('dist/index.js under Node 24', () => {
  it('reports a missing key-id as an input error and fails the step', async () => {
    const run = await runDist({ inputs: { 'private-key': 'not-a-key-just-text' } });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('::error::Input `key-id`: is required');
    // The key input is masked before anything else runs.
    expect(run.stdout).toContain('::add-mask::not-a-key-just-text');
    // Every run leaves a job summary, a failed one too.
    expect(run.summary).toMatch(/App Store Connect Publish — publish[\s\S]*Input `key-id`: is required/);
  });
});

describe('dist/index.js: a workflow written for Apple-Actions/upload-testflight-build', () => {
  it("fails before any request, naming this action's input for each of the peer's", async () => {
    const key = 'MIGRATING-KEY-TEXT-1234567890';
    const run = await runDist({
      inputs: {
        'issuer-id': '57246542-96fe-1a63-e053-0824d011072a',
        'api-key-id': 'ABC123DEF4',
        'api-private-key': key,
        'app-path': 'App.ipa',
        'app-type': 'ios',
        'api-url': 'http://127.0.0.1:9',
      },
    });
    expect(run.code).toBe(1);
    // Not the generic "`key-id` is required": the error names the rename of each.
    expect(run.stdout).not.toContain('`key-id`: is required');
    expect(run.stdout).toContain('::error::Input `api-key-id`: this action does not read these inputs');
    for (const rename of ['`api-key-id` → `key-id`', '`api-private-key` → `private-key`', '`app-path` → `path`', '`app-type` → `platform`'])
      expect(run.stdout).toContain(rename);
    expect(run.stdout).toContain(`::add-mask::${key}`);
    expect(run.stdout.replace(`::add-mask::${key}`, '')).not.toContain(key);
    expect(run.summary).toMatch(/App Store Connect Publish — publish[\s\S]*`api-key-id` → `key-id`/);
  });
});
