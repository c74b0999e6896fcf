import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RelayServer } from '../../src/cli/relay-server.js';
import { useDistSuite } from '../../test-support/dist-suite.js';
import { makeIpa } from '../../test-support/packages.js';
import type { DistRun } from '../../test-support/run-dist.js';
import { expectNoSecrets } from '../../test-support/secrets.js';
import { apiWrites } from '../../test-support/setup.js';
import { RELAY_SECRET, startTestRelay } from '../../test-support/relay.js';

const RESUME_WORKFLOW = 'post-processing.yml';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Apple → relay → GitHub → resume, end to end: the bundled action registers the app's webhook with the
 * relay; a deferred publish's processing changes reach the relay signed, each becomes one dispatch, and
 * the resume workflow runs once per dispatch (as GitHub runs an enabled workflow's repository_dispatch),
 * finishing the build with no scheduled run at all.
 */
describe('webhook-driven resume (dist/index.js, fake App Store Connect, relay, fake GitHub)', () => {
  const suite = useDistSuite({
    fake: { partSize: 512 * 1024, timing: { uploadProcessingMs: 100, buildProcessingMs: 2_000 } },
    app: { bundleId: 'com.example.hooked', name: 'Hooked' },
    inputs: () => ({ 'poll-interval': '0.05' }),
  });
  let relay: RelayServer;
  let nextRun = 1;
  const resumeRuns: DistRun[] = [];
  const skipped: number[] = [];

  beforeAll(async () => {
    relay = await startTestRelay(suite.gh);
    makeIpa({
      path: join(suite.workspace, 'build', 'Hooked.ipa'),
      bundleId: 'com.example.hooked',
      version: '4.0',
      buildNumber: '400',
      payloadBytes: 600_000,
    });
    // GitHub runs a repository_dispatch only for an enabled workflow; this one runs `command: resume`.
    suite.gh.dispatches.onDispatch(async (dispatch) => {
      if (dispatch.eventType !== 'app-store-connect') return;
      if (suite.gh.workflows.state(RESUME_WORKFLOW) !== 'active') return void skipped.push(suite.gh.dispatches.list.indexOf(dispatch));
      resumeRuns.push(await suite.job(nextRun++, { command: 'resume' }));
    });
  });
  afterAll(() => relay?.close());

  const register = () =>
    suite.job(nextRun++, {
      command: 'webhook',
      'bundle-id': 'com.example.hooked',
      'webhook-url': relay.url,
      'webhook-secret': RELAY_SECRET,
    });

  it('command: webhook registers the relay; a rerun changes nothing', async () => {
    const first = await register();
    expect(first.code, first.stdout).toBe(0);
    const hooks = suite.asc.resources('webhooks');
    expect(hooks).toHaveLength(1);
    expect(first.outputs['webhook-id']).toBe(hooks[0].id);
    expect(first.stdout).toContain("Apple's ping: delivered, the relay answered HTTP 204");
    const mark = suite.asc.requests.length;
    const again = await register();
    expect(again.code, again.stdout).toBe(0);
    expect(again.outputs['webhook-id']).toBe(hooks[0].id);
    expect(apiWrites(suite.asc, { from: mark })).toEqual(['POST /v1/webhookPings']);
    expect(suite.gh.dispatches.list).toHaveLength(0);
  });

  it('a deferred publish is finished by resume runs the relay starts, one per dispatch, with no scheduled run', async () => {
    const publish = await suite.job(nextRun++, {
      path: 'build/*.ipa',
      'post-processing': 'deferred',
      'uses-non-exempt-encryption': 'false',
    });
    expect(publish.code, publish.stdout).toBe(0);
    expect(publish.outputs['post-processing']).toBe('pending');

    // Until Apple has finished, every delivery has been answered and every dispatch acted on, twice in a row.
    const deadline = Date.now() + 60_000;
    let quiet = 0;
    let lastCount = -1;
    while (quiet < 2) {
      if (Date.now() > deadline) throw new Error(`not finished: ${JSON.stringify(suite.gh.dispatches.list)}`);
      await sleep(300);
      await suite.asc.webhooks.settled();
      await suite.gh.dispatches.idle();
      const done = suite.gh.artifacts().every((a) => a.deleted) && resumeRuns.some((r) => r.outputs['post-processing'] === 'completed');
      quiet = done && suite.gh.dispatches.list.length === lastCount ? quiet + 1 : 0;
      lastCount = suite.gh.dispatches.list.length;
    }

    const changes = suite.asc.webhooks.sent.filter((d) => !d.ping);
    // Each change reached the relay signed and was taken at the first attempt.
    expect(changes.length).toBeGreaterThanOrEqual(3);
    expect(changes.every((d) => d.state === 'SUCCEEDED' && d.attempts.length === 1 && d.attempts[0] === 204)).toBe(true);
    const events = changes.map((d) => (JSON.parse(d.body) as { data: { type: string } }).data.type);
    expect(events).toContain('buildUploadStateUpdated');
    expect(events).toContain('buildBetaDetailExternalBuildStateUpdated');
    // One dispatch per delivery, carrying only the event and the resource.
    expect(suite.gh.dispatches.list.map((d) => d.clientPayload.event)).toEqual(events);
    for (const d of suite.gh.dispatches.list)
      expect(Object.keys(d.clientPayload).sort()).toEqual(['event', 'resource_id', 'resource_type']);
    // One resume run per dispatch while the workflow was enabled; none of them failed.
    expect(resumeRuns.length + skipped.length).toBe(suite.gh.dispatches.list.length);
    for (const run of resumeRuns) expect(run.code, run.stdout).toBe(0);
    expect(resumeRuns.filter((r) => r.outputs['post-processing'] === 'completed')).toHaveLength(1);

    const build = suite.asc.resources('builds').find((b: { attributes: { version: string } }) => b.attributes.version === '400');
    expect(build.attributes.usesNonExemptEncryption).toBe(false);
    expect(suite.gh.artifacts().filter((a) => !a.deleted)).toHaveLength(0);
  }, 90_000);

  it('no run printed, output or summarised the key, the token or the webhook secret', () => {
    expectNoSecrets({
      key: suite.key.privateKeyPem,
      tokens: [suite.gh.token, RELAY_SECRET],
      runs: suite.runs,
      artifacts: suite.gh.artifacts(),
    });
  });
});
