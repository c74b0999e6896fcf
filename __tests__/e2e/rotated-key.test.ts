import { describe, expect, it } from 'vitest';
import { suiteBuilds } from '../../test-support/deferred.js';
import { useDistSuite } from '../../test-support/dist-suite.js';
import { makeTestKey } from '../../test-support/fake-asc/index.js';

/**
 * The API key rotated between a deferred publish and its resume: the state was sealed with the old key,
 * so the new one can neither read nor finish it. The run says which build, why, and what to do.
 */
describe('resume after the key was rotated (dist/index.js)', () => {
  const suite = useDistSuite({ app: { bundleId: 'com.example.rotated', name: 'Rotated' }, workspacePrefix: 'ascp-rotated-' });
  const oldKey = makeTestKey();
  const { validBuild, seed } = suiteBuilds(suite, { bundleId: 'com.example.rotated', version: '3.1', first: 31, runId: 70 });

  it('names the build, says its state was sealed with another key, and says to distribute it with the new key, then delete the artifact', async () => {
    const build = validBuild();
    seed(build, { privateKeyPem: oldKey.privateKeyPem });
    const run = await suite.job(71, { command: 'resume' });
    expect(run.code, run.stdout).toBe(0);
    const log = run.stdout.replace(/%0A/g, '\n');
    expect(log).toContain('No pending post-processing this key can use; 1 state artifact is not used (below).');
    expect(log).not.toMatch(/^No pending post-processing\.$/m);
    const said = /::warning::(.*is not used: it was written with another App Store Connect key.*)$/m.exec(log)?.[1];
    expect(said).toBeDefined();
    expect(said).toContain('its state was sealed with that key, so this run cannot finish build com.example.rotated 3.1 (31)');
    expect(said).toContain(
      'If you rotated the key, finish it with `command: distribute` with the new key, `app-version: 3.1` and `build-number: 31`, then delete this artifact',
    );
    // The summary lists it with the same words, and never says there is nothing pending.
    expect(run.summary).not.toContain('No pending post-processing');
    expect(run.summary).toContain('⚠️ not used');
    expect(run.summary).toContain('If you rotated the key, finish it with');
  });
});
