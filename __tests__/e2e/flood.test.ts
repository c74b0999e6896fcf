import { describe, expect, it } from 'vitest';
import { seededState, STATE_FILE, stateArtifactName, suiteBuilds } from '../../test-support/deferred.js';
import { useDistSuite } from '../../test-support/dist-suite.js';

/**
 * A fork's pull request can upload any number of artifacts named like state. 10,000 of them must not
 * drown the genuine build: resume lists once (plus one page to look again after disabling its schedule),
 * names the first few in the log and the summary and counts the rest, and its summary stays under
 * GitHub's 1 MiB limit for a step.
 */
describe('a flood of fork artifacts named like state (dist/index.js)', () => {
  const suite = useDistSuite({
    app: { bundleId: 'com.example.flood', name: 'Flood' },
    betaGroups: ['QA'],
    workspacePrefix: 'ascp-flood-',
  });
  const { validBuild, seed } = suiteBuilds(suite, { bundleId: 'com.example.flood', version: '2.0', first: 20, runId: 7 });

  it('10,000 fork artifacts: listed once, counted not listed one by one, the genuine build finished and reported', async () => {
    const forkState = seededState(suite.gh, { appId: suite.appId, bundleId: 'com.example.flood', version: '2.0', buildNumber: '1' });
    const document = JSON.stringify({ state: forkState, mac: 'A'.repeat(43), keyFingerprint: `sha256:${'0'.repeat(64)}` });
    for (let i = 0; i < 10_000; i++) {
      const id = `0f0e0d0c-0b0a-4000-8000-${String(i).padStart(12, '0')}`;
      suite.gh.addArtifact({
        name: stateArtifactName(id, 1),
        runId: 90_000 + i,
        headRepositoryId: 990_001,
        files: { [STATE_FILE]: document },
      });
    }
    const build = validBuild();
    seed(build, { request: { betaGroups: ['QA'], usesNonExemptEncryption: false } });

    const from = suite.gh.requests.length;
    const run = await suite.job(8, { command: 'resume' });
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs['post-processing']).toBe('completed');

    const listings = suite.gh.requests.slice(from).filter((r) => r.method === 'GET' && /\/actions\/artifacts$/.test(r.path));
    // 10,001 artifacts at 100 a page: 101 pages once, then one page to look for states saved meanwhile.
    expect(listings.length).toBeLessThanOrEqual(102);
    const warnings = run.stdout.split('\n').filter((l) => l.startsWith('::warning::'));
    expect(warnings.length).toBeLessThanOrEqual(11);
    expect(warnings.at(-1)).toMatch(/and 9990 more artifacts named like state not used \(9990 made by runs of other repositories\)/);
    expect(Buffer.byteLength(run.summary)).toBeLessThan(64 * 1024);
    expect(run.summary).toMatch(/com\.example\.flood 2\.0 \\\(20\\\) \| ✅ completed/);
    expect(run.summary).toMatch(/\| and 9990 more \| ⚠️ not used \|/);
    expect(run.summary.match(/⚠️ not used/g)).toHaveLength(11);
  }, 300_000);
});
