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
