import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectNoViolations, makeTestKey, startFakeAsc, type FakeAsc, type TestKey } from '../../test-support/fake-asc/index.js';
import { startFakeGitHub, type FakeGitHub } from '../../test-support/fake-github/index.js';
import type { WorkflowCall } from '../../test-support/fake-github/workflows.js';
import { makeIpa } from '../../test-support/packages.js';
import { runDist, type DistRun } from '../../test-support/run-dist.js';

/**
 * The resume workflow's schedule runs only while deferred work is pending: the bundled action under
 * Node 24 against a fake App Store Connect and a fake GitHub with the Actions workflows API.
 */

const FILE = 'post-processing.yml';
const BUNDLE_ID = 'com.example.idle';
const VERSION = '5.0';

let key: TestKey;
let asc: FakeAsc;
let gh: FakeGitHub;
let workspace: string;
let nextBuild = 500;
let nextRun = 1;

beforeAll(async () => {
  key = makeTestKey();
  // Apple keeps every build processing until a test says otherwise, so a published build stays pending.
  asc = await startFakeAsc({ keys: [key], partSize: 256 * 1024, timing: { uploadProcessingMs: 50, buildProcessingMs: 60 * 60_000 } });
  asc.addApp({ bundleId: BUNDLE_ID, name: 'Idle' });
  workspace = mkdtempSync(join(tmpdir(), 'ascp-idle-'));
});
afterAll(async () => {
  expectNoViolations(asc);
  await asc.close();
});
afterEach(async () => {
  await gh?.close();
});

/** A fresh repository (its resume workflow as given) and a new package with the next build number. */
async function freshRepository(resumeWorkflow: string | null = FILE): Promise<string> {
  gh = await startFakeGitHub({ resumeWorkflow });
  const buildNumber = String(nextBuild++);
  makeIpa({ path: join(workspace, buildNumber, 'Idle.ipa'), bundleId: BUNDLE_ID, version: VERSION, buildNumber, payloadBytes: 300_000 });
  return buildNumber;
}

function run(inputs: Record<string, string>, env: Record<string, string> = {}): Promise<DistRun> {
  return runDist({
    inputs: {
      'key-id': key.keyId,
      'issuer-id': key.issuerId!,
      'private-key': key.privateKeyPem,
      'api-url': asc.url,
      'github-token': gh.token,
      'poll-interval': '0.05',
      ...inputs,
    },
    cwd: workspace,
    env: { ...gh.runEnv(nextRun++), GITHUB_WORKSPACE: workspace, ...env },
  });
}

const publish = (buildNumber: string, mode = 'deferred', extra: Record<string, string> = {}) =>
  run({
    path: `${buildNumber}/*.ipa`,
    'post-processing': mode,
    ...(mode === 'off' ? {} : { 'uses-non-exempt-encryption': 'false' }),
    ...extra,
  });
const resume = (extra: Record<string, string> = {}) => run({ command: 'resume', ...extra });

const calls = (): string[] => gh.workflows.calls.map((c) => `${c.action} ${c.status}`);
const livePending = (): number => gh.artifacts().filter((a) => !a.deleted).length;
/** Requests that write to App Store Connect: the build upload, its file, every part. */
const ascWrites = (since: number): string[] =>
  asc.requests.slice(since).flatMap((r) => (r.method === 'GET' ? [] : [`${r.method} ${r.path}`]));

function buildOf(buildNumber: string): { id: string } {
  const build = asc.resources('builds').find((b: { attributes: { version: string } }) => b.attributes.version === buildNumber);
  if (!build) throw new Error(`no build ${buildNumber} at the fake Apple`);
  return build;
}

describe('a deferred publish and the resume workflow', () => {
  it.each(['disabled_manually', 'disabled_inactivity'] as const)(
    'enables a %s resume workflow before the upload, and again after saving the state',
    async (state) => {
      const buildNumber = await freshRepository();
      gh.workflows.setState(FILE, state);
      const published = await publish(buildNumber);
      expect(published.code, published.stdout + published.stderr).toBe(0);
      expect(published.outputs['post-processing']).toBe('pending');
      expect(gh.workflows.state(FILE)).toBe('active');
      expect(calls()).toEqual(['get 200', 'enable 204', 'enable 204']);
      expect(gh.workflows.calls.map((c) => c.workflowId)).toEqual([FILE, FILE, FILE]);
      expect(published.stdout).toContain(
        state === 'disabled_inactivity'
          ? `Resume workflow ${FILE} was disabled by GitHub after 60 days without activity; enabled it.`
          : `Resume workflow ${FILE} was disabled (disabled_manually); enabled it.`,
      );
      // The second enable comes after the state is saved (the artifact finalized).
      const order = gh.requests
        .map((r) => (r.path.includes('/actions/workflows/') ? `${r.method} workflow` : r.path.endsWith('/FinalizeArtifact') ? 'saved' : ''))
        .filter(Boolean);
      expect(order).toEqual(['GET workflow', 'PUT workflow', 'saved', 'PUT workflow']);
    },
  );

  it('a missing workflow stops the publish before the upload, naming the input and the file', async () => {
    const buildNumber = await freshRepository(null);
    const mark = asc.requests.length;
    const published = await publish(buildNumber);
    expect(published.code).not.toBe(0);
    expect(published.stdout).toContain(
      `Input \`resume-workflow\`: the repository has no workflow .github/workflows/${FILE}. Deferred post-processing is finished by that workflow`,
    );
    expect(published.stdout).toContain('Nothing was uploaded.');
    expect(ascWrites(mark)).toEqual([]);
    expect(livePending()).toBe(0);
    expect(calls()).toEqual(['get 404']);
  });

  it('a workflow GitHub reports deleted counts as missing', async () => {
    const buildNumber = await freshRepository();
    gh.workflows.setState(FILE, 'deleted');
    const mark = asc.requests.length;
    const published = await publish(buildNumber);
    expect(published.code).not.toBe(0);
    expect(published.stdout).toContain(`Input \`resume-workflow\`: the repository no longer has the workflow .github/workflows/${FILE}.`);
    expect(ascWrites(mark)).toEqual([]);
    expect(calls()).toEqual(['get 200']);
  });

  it('a disabled workflow without `actions: write` stops the publish before the upload, with the permissions block', async () => {
    const buildNumber = await freshRepository();
    gh.workflows.setState(FILE, 'disabled_inactivity');
    gh.workflows.permission('read');
    const mark = asc.requests.length;
    const published = await publish(buildNumber);
    expect(published.code).not.toBe(0);
    expect(published.stdout).toContain(
      `Deferred post-processing enables the resume workflow .github/workflows/${FILE} (input \`resume-workflow\`) before uploading`,
    );
    expect(published.stdout).toContain('It is disabled now (disabled_inactivity), so a deferred build would wait forever.');
    expect(published.stdout).toMatch(
      /permissions:%0A {2}actions: write%0A {2}contents: read|permissions:\n {2}actions: write\n {2}contents: read/,
    );
    expect(ascWrites(mark)).toEqual([]);
    expect(livePending()).toBe(0);
    expect(calls()).toEqual(['get 200', 'enable 403']);
    expect(gh.workflows.state(FILE)).toBe('disabled_inactivity');
  });

  it('inline and off publishes make no workflow call', async () => {
    const buildNumber = await freshRepository();
    gh.workflows.setState(FILE, 'disabled_manually');
    const off = await publish(buildNumber, 'off');
    expect(off.code, off.stdout).toBe(0);
    // Inline waits for Apple: this time Apple processes at once.
    const timing = { ...asc.timing };
    asc.timing = { ...timing, buildProcessingMs: 0 };
    const inline = await publish(await nextPackage(), 'inline').finally(() => (asc.timing = timing));
    expect(inline.code, inline.stdout).toBe(0);
    expect(inline.outputs['post-processing']).toBe('completed');
    expect(gh.workflows.calls).toEqual([]);
    expect(gh.requests.filter((r) => r.path.includes('/actions/workflows'))).toEqual([]);
    expect(gh.workflows.state(FILE)).toBe('disabled_manually');
  });
});

describe('resume runs and the schedule', () => {
  it('keep it enabled while work is pending, disable it when none is left, and say so in the summary', async () => {
    const buildNumber = await freshRepository();
    const published = await publish(buildNumber);
    expect(published.code, published.stdout).toBe(0);
    gh.workflows.calls.length = 0;

    const pending = await resume();
    expect(pending.code, pending.stdout).toBe(0);
    expect(pending.outputs['post-processing']).toBe('pending');
    expect(pending.summary).toContain('Schedule kept enabled: 1 build is still pending.');
    expect(gh.workflows.calls).toEqual([]);
    expect(gh.workflows.state(FILE)).toBe('active');

    asc.setBuildProcessingState(buildOf(buildNumber).id, 'VALID');
    const done = await resume();
    expect(done.code, done.stdout).toBe(0);
    expect(done.outputs['post-processing']).toBe('completed');
    expect(livePending()).toBe(0);
    expect(done.summary).toContain(`Schedule disabled (${FILE}): nothing pending; the next deferred publish enables it.`);
    expect(calls()).toEqual(['disable 204']);
    expect(gh.workflows.state(FILE)).toBe('disabled_manually');

    // The next deferred publish turns it back on.
    const again = await publish(await nextPackage());
    expect(again.code, again.stdout).toBe(0);
    expect(gh.workflows.state(FILE)).toBe('active');
  });

  it('`disable-when-idle: false` keeps the schedule without a call', async () => {
    await freshRepository();
    const idle = await resume({ 'disable-when-idle': 'false' });
    expect(idle.code, idle.stdout).toBe(0);
    expect(idle.summary).toContain('Schedule kept enabled: `disable-when-idle` is false.');
    expect(gh.workflows.calls).toEqual([]);
    expect(gh.workflows.state(FILE)).toBe('active');
  });

  it('a resume from another workflow file keeps its schedule and warns', async () => {
    await freshRepository();
    const other = await run({ command: 'resume' }, { GITHUB_WORKFLOW_REF: 'octo/app/.github/workflows/ci.yml@refs/heads/main' });
    expect(other.code, other.stdout).toBe(0);
    expect(other.summary).toContain('Schedule kept enabled: ci.yml is not the `resume-workflow`.');
    expect(other.stdout).toContain('::warning::');
    expect(gh.workflows.calls.filter((c) => c.workflowId === 'ci.yml')).toEqual([]);
  });
});

/** Another package for the repository of the running test. */
async function nextPackage(): Promise<string> {
  const buildNumber = String(nextBuild++);
  makeIpa({ path: join(workspace, buildNumber, 'Idle.ipa'), bundleId: BUNDLE_ID, version: VERSION, buildNumber, payloadBytes: 300_000 });
  return buildNumber;
}

/** The nth workflows request of one action, held until released, so one run waits there while the other runs. */
interface Hold {
  action: WorkflowCall['action'];
  nth: number;
  /** Settles once the held request has arrived. */
  reached: Promise<void>;
  reach: () => void;
  released: Promise<void>;
  release: () => void;
}

function hold(action: WorkflowCall['action'], nth = 1): Hold {
  let reach!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((resolve) => (reach = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  return { action, nth, reached, reach, released, release };
}

/** Only the publish reads the workflow and only the resume disables it; enables are told apart by their order. */
function installHolds(holds: Hold[]): void {
  const seen = new Map<string, number>();
  gh.workflows.beforeAnswer(async (call) => {
    const n = (seen.get(call.action) ?? 0) + 1;
    seen.set(call.action, n);
    const matched = holds.find((h) => h.action === call.action && h.nth === n);
    if (!matched) return;
    matched.reach();
    await matched.released;
  });
}

describe('a deferred publish racing a resume with nothing pending (two dist processes)', () => {
  interface Offset {
    name: string;
    /** Runs the two processes; returns them once both ended. */
    play: (start: { publish: () => Promise<DistRun>; resume: () => Promise<DistRun> }) => Promise<[DistRun, DistRun]>;
  }

  const offsets: Offset[] = [
    {
      name: 'the resume held at its disable while the publish runs to the end',
      async play({ publish, resume }) {
        const atDisable = hold('disable');
        installHolds([atDisable]);
        const r = resume();
        await atDisable.reached;
        const p = await publish();
        atDisable.release();
        return [p, await r];
      },
    },
    {
      name: 'the publish held at its first look while the resume runs to the end',
      async play({ publish, resume }) {
        const atGet = hold('get');
        installHolds([atGet]);
        const p = publish();
        await atGet.reached;
        const r = await resume();
        atGet.release();
        return [await p, r];
      },
    },
    {
      name: 'the publish held at its first enable while the resume runs to the end',
      async play({ publish, resume }) {
        const atEnable = hold('enable', 1);
        installHolds([atEnable]);
        const p = publish();
        await atEnable.reached;
        const r = await resume();
        atEnable.release();
        return [await p, r];
      },
    },
    {
      name: 'the publish held after saving (its second enable) while the resume runs to the end',
      async play({ publish, resume }) {
        const afterSave = hold('enable', 2);
        installHolds([afterSave]);
        const p = publish();
        await afterSave.reached;
        const r = await resume();
        afterSave.release();
        return [await p, r];
      },
    },
    {
      name: 'the resume held at its disable, the publish held after saving; the resume goes on first',
      async play({ publish, resume }) {
        const atDisable = hold('disable');
        const afterSave = hold('enable', 2);
        installHolds([atDisable, afterSave]);
        const r = resume();
        await atDisable.reached;
        const p = publish();
        await afterSave.reached;
        atDisable.release();
        const resumed = await r;
        afterSave.release();
        return [await p, resumed];
      },
    },
    {
      name: 'the resume held at its disable, the publish held after saving; the publish goes on first',
      async play({ publish, resume }) {
        const atDisable = hold('disable');
        const afterSave = hold('enable', 2);
        installHolds([atDisable, afterSave]);
        const r = resume();
        await atDisable.reached;
        const p = publish();
        await afterSave.reached;
        afterSave.release();
        const published = await p;
        atDisable.release();
        return [published, await r];
      },
    },
  ];

  const outcomes: string[] = [];

  it.each(offsets.map((o) => [o.name, o] as const))('%s: never a pending state behind a disabled schedule', async (_name, offset) => {
    const buildNumber = await freshRepository();
    // The repository was idle: a resume disabled the schedule, or GitHub did.
    gh.workflows.setState(FILE, 'disabled_manually');
    const [p, r] = await offset.play({ publish: () => publish(buildNumber), resume: () => resume() });
    gh.workflows.beforeAnswer(undefined);
    expect(p.code, p.stdout).toBe(0);
    expect(r.code, r.stdout).toBe(0);
    expect(livePending()).toBe(1);
    expect(gh.workflows.state(FILE)).toBe('active');
    outcomes.push(`${gh.workflows.calls.map((c) => c.action).join(' ')} | ${/Schedule [^\n]*/.exec(r.summary)?.[0] ?? ''}`);
  });

  it('the offsets made the resume take each of its paths', () => {
    const sentences = outcomes.map((o) => o.split(' | ')[1]);
    expect(sentences).toContain(`Schedule disabled (${FILE}): nothing pending; the next deferred publish enables it.`);
    expect(sentences).toContain(`Schedule disabled, then re-enabled (${FILE}): a state appeared meanwhile.`);
    expect(sentences).toContain('Schedule kept enabled: 1 build is still pending.');
  });
});
