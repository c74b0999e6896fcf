import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useDistSuite } from '../../test-support/dist-suite.js';
import { makeIpa } from '../../test-support/packages.js';
import type { DistRun } from '../../test-support/run-dist.js';

/** The bundled action under Node 24 against the Apple of the 2026 reports: slow upload bookkeeping, closed trains. */
describe('Apple as observed, round 2 (dist/index.js)', () => {
  const suite = useDistSuite({
    fake: { partSize: 256 * 1024, timing: { uploadProcessingMs: 100, buildProcessingMs: 1500 } },
    app: null,
    inputs: () => ({ 'poll-interval': '0.2', 'status-check': 'false' }),
  });

  function newApp(bundleId: string) {
    const id = suite.asc.addApp({ bundleId, name: bundleId.split('.').pop() }).id;
    const workspace = mkdtempSync(join(tmpdir(), 'ascp-observed2-e2e-'));
    return { id, bundleId, workspace };
  }
  const action = (workspace: string, inputs: Record<string, string>): Promise<DistRun> => suite.job(undefined, inputs, { workspace });

  it('publish completes while the upload still reads PROCESSING well past find-build-timeout', async () => {
    const app = newApp('com.example.slowupload');
    suite.asc.timing.uploadStateLagMs = 10 * 60_000;
    try {
      makeIpa({ path: join(app.workspace, 'App.ipa'), bundleId: app.bundleId, version: '1.0', buildNumber: '1', payloadBytes: 50_000 });
      const run = await action(app.workspace, {
        path: '*.ipa',
        'uses-non-exempt-encryption': 'false',
        'find-build-timeout': '0.01',
        'processing-timeout': '1',
      });
      expect(run.code, run.stdout).toBe(0);
      expect(run.outputs['post-processing']).toBe('completed');
      const upload = suite.asc.resources('buildUploads').find((u) => u.relationships.app.data.id === app.id);
      expect(upload.attributes.state.state).toBe('PROCESSING');
    } finally {
      suite.asc.timing.uploadStateLagMs = 0;
    }
  });

  it('a TestFlight publish of a version at or below a live one stops before the first byte, naming `app-version`', async () => {
    const app = newApp('com.example.closedtrain');
    suite.asc.appStore.addVersion({ appId: app.id, versionString: '1.2', state: 'READY_FOR_SALE' });
    makeIpa({ path: join(app.workspace, 'App.ipa'), bundleId: app.bundleId, version: '1.1.9', buildNumber: '3', payloadBytes: 50_000 });
    const run = await action(app.workspace, { path: '*.ipa' });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/::error::Input `app-version`: version 1\.1\.9 .*1\.2 \(READY_FOR_SALE\).*raise it above 1\.2/);
    expect(
      suite.asc.requests.some((r) => r.method === 'POST' && r.path === '/v1/buildUploads' && JSON.stringify(r.body).includes(app.id)),
    ).toBe(false);
  });
});
