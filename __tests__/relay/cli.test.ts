import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from '../../test-support/fake-github/index.js';
import { deliver, deliveryBody, relayEnv } from '../../test-support/relay.js';
import { NODE24 } from '../../test-support/run-dist.js';
import { CLI_INDEX } from '../cli/run-cli.js';

/** `app-store-connect-publish relay` from the bundled command line under Node 24. */
describe('relay command (dist/cli/index.js)', () => {
  let gh: FakeGitHub;
  beforeAll(async () => {
    gh = await startFakeGitHub();
  });
  afterAll(async () => {
    await gh.close();
  });

  it('listens on a free port with --port 0, prints its URL, dispatches, and stops on SIGTERM', async () => {
    const child = spawn(NODE24, [CLI_INDEX, 'relay', '--port', '0'], {
      env: { PATH: process.env.PATH ?? '', ...relayEnv(gh) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        const m = /Relay listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
        if (m) resolve(m[1]!);
      });
      child.once('exit', () => reject(new Error(`relay exited: ${stderr}`)));
    });
    expect((await deliver(url, deliveryBody())).status).toBe(204);
    expect(gh.dispatches.list).toHaveLength(1);
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(stderr).toContain('SIGTERM: stopping');
    expect(`${stdout}${stderr}`).not.toContain(gh.token);
  }, 30_000);

  it('refuses to start without its configuration, naming each variable and showing no value', async () => {
    const child = spawn(NODE24, [CLI_INDEX, 'relay', '--port', '0'], {
      env: { PATH: process.env.PATH ?? '', WEBHOOK_SECRET: 'short', GITHUB_TOKEN: 'ghs_secretValue' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(2);
    expect(stderr).toContain('WEBHOOK_SECRET must be');
    expect(stderr).toContain('GITHUB_REPOSITORY must be');
    expect(stderr).not.toContain('ghs_secretValue');
    expect(stderr).not.toContain('short');
  }, 30_000);
});
