import { describe, expect, it } from 'vitest';
import { seedState } from '../../test-support/deferred.js';
import { BUNDLE_ID, RESUME_FILE as FILE, VERSION, useScheduleRuns } from '../../test-support/schedule-runs.js';

/**
 * The resume workflow's schedule runs only while deferred work is pending: the bundled action under
 * Node 24 against a fake App Store Connect and a fake GitHub with the Actions workflows API.
 */

const w = useScheduleRuns();

describe('a deferred publish and the resume workflow', () => {
  it.each(['disabled_manually', 'disabled_inactivity'] as const)(
    'enables a %s resume workflow before the upload, and again after saving the state',
    async (state) => {
      const buildNumber = await w.freshRepository();
      w.gh.workflows.setState(FILE, state);
      const published = await w.publish(buildNumber);
      expect(published.code, published.stdout + published.stderr).toBe(0);
      expect(published.outputs['post-processing']).toBe('pending');
      expect(w.gh.workflows.state(FILE)).toBe('active');
      expect(w.calls()).toEqual(['get 200', 'enable 204', 'enable 204']);
      expect(w.gh.workflows.calls.map((c) => c.workflowId)).toEqual([FILE, FILE, FILE]);
      expect(published.stdout).toContain(
        state === 'disabled_inactivity'
          ? `Resume workflow ${FILE} was disabled by GitHub after 60 days without activity; enabled it.`
          : `Resume workflow ${FILE} was disabled (disabled_manually); enabled it.`,
      );
      // The second enable comes after the state is saved (the artifact finalized).
      const order = w.gh.requests
        .map((r) => (r.path.includes('/actions/workflows/') ? `${r.method} workflow` : r.path.endsWith('/FinalizeArtifact') ? 'saved' : ''))
        .filter(Boolean);
      expect(order).toEqual(['GET workflow', 'PUT workflow', 'saved', 'PUT workflow']);
    },
  );

  it('a missing workflow stops the publish before the upload, naming the input and the file', async () => {
    const buildNumber = await w.freshRepository(null);
    const mark = w.asc.requests.length;
    const published = await w.publish(buildNumber);
    expect(published.code).not.toBe(0);
    expect(published.stdout).toContain(
      `Input \`resume-workflow\`: the repository has no workflow .github/workflows/${FILE}. Deferred post-processing is finished by that workflow`,
    );
    expect(published.stdout).toContain('Nothing was uploaded.');
    expect(w.ascWrites(mark)).toEqual([]);
    expect(w.livePending()).toBe(0);
    expect(w.calls()).toEqual(['get 404']);
  });

  it('a workflow GitHub reports deleted counts as missing', async () => {
    const buildNumber = await w.freshRepository();
    w.gh.workflows.setState(FILE, 'deleted');
    const mark = w.asc.requests.length;
    const published = await w.publish(buildNumber);
    expect(published.code).not.toBe(0);
    expect(published.stdout).toContain(`Input \`resume-workflow\`: the repository no longer has the workflow .github/workflows/${FILE}.`);
    expect(w.ascWrites(mark)).toEqual([]);
    expect(w.calls()).toEqual(['get 200']);
  });

  it('a disabled workflow without `actions: write` stops the publish before the upload, with the permissions block', async () => {
    const buildNumber = await w.freshRepository();
    w.gh.workflows.setState(FILE, 'disabled_inactivity');
    w.gh.workflows.permission('read');
    const mark = w.asc.requests.length;
    const published = await w.publish(buildNumber);
    expect(published.code).not.toBe(0);
    expect(published.stdout).toContain(
      `Deferred post-processing enables the resume workflow .github/workflows/${FILE} (input \`resume-workflow\`) before uploading`,
    );
    expect(published.stdout).toContain('It is disabled now (disabled_inactivity), so a deferred build would wait forever.');
    expect(published.stdout).toMatch(
      /permissions:%0A {2}actions: write%0A {2}contents: read|permissions:\n {2}actions: write\n {2}contents: read/,
    );
    expect(w.ascWrites(mark)).toEqual([]);
    expect(w.livePending()).toBe(0);
    expect(w.calls()).toEqual(['get 200', 'enable 403']);
    expect(w.gh.workflows.state(FILE)).toBe('disabled_inactivity');
  });

  it('a deferred distribute does the same: enabled before the save and again after it', async () => {
    await w.freshRepository();
    w.gh.workflows.setState(FILE, 'disabled_inactivity');
    const buildNumber = w.nextBuildNumber();
    w.asc.addBuild({ appId: w.appId, version: VERSION, buildNumber, processingState: 'VALID', usesNonExemptEncryption: false });
    const promoted = await w.run({
      command: 'distribute',
      'bundle-id': BUNDLE_ID,
      'app-version': VERSION,
      'build-number': buildNumber,
      'post-processing': 'deferred',
    });
    expect(promoted.code, promoted.stdout).toBe(0);
    expect(promoted.outputs['post-processing']).toBe('pending');
    expect(w.calls()).toEqual(['get 200', 'enable 204', 'enable 204']);
    expect(w.gh.workflows.state(FILE)).toBe('active');

    // Without the workflow, nothing is saved.
    w.gh.workflows.remove(FILE);
    const refused = await w.run({
      command: 'distribute',
      'bundle-id': BUNDLE_ID,
      'app-version': VERSION,
      'build-number': buildNumber,
      'post-processing': 'deferred',
    });
    expect(refused.code).not.toBe(0);
    expect(refused.stdout).toContain(`Input \`resume-workflow\`: the repository has no workflow .github/workflows/${FILE}.`);
    expect(w.livePending()).toBe(1);
  });

  it('inline and off publishes make no workflow call', async () => {
    const buildNumber = await w.freshRepository();
    w.gh.workflows.setState(FILE, 'disabled_manually');
    const off = await w.publish(buildNumber, 'off');
    expect(off.code, off.stdout).toBe(0);
    // Inline waits for Apple: this time Apple processes at once.
    const timing = { ...w.asc.timing };
    w.asc.timing = { ...timing, buildProcessingMs: 0 };
    const inline = await w.publish(w.nextPackage(), 'inline').finally(() => (w.asc.timing = timing));
    expect(inline.code, inline.stdout).toBe(0);
    expect(inline.outputs['post-processing']).toBe('completed');
    expect(w.gh.workflows.calls).toEqual([]);
    expect(w.gh.requests.filter((r) => r.path.includes('/actions/workflows'))).toEqual([]);
    expect(w.gh.workflows.state(FILE)).toBe('disabled_manually');
  });
});

describe('resume runs and the schedule', () => {
  it('keep it enabled while work is pending, disable it when none is left, and say so in the summary', async () => {
    const buildNumber = await w.freshRepository();
    const published = await w.publish(buildNumber);
    expect(published.code, published.stdout).toBe(0);
    w.gh.workflows.calls.length = 0;

    const pending = await w.resume();
    expect(pending.code, pending.stdout).toBe(0);
    expect(pending.outputs['post-processing']).toBe('pending');
    expect(pending.summary).toContain('Schedule kept enabled: 1 build is still pending.');
    expect(w.gh.workflows.calls).toEqual([]);
    expect(w.gh.workflows.state(FILE)).toBe('active');

    w.asc.setBuildProcessingState(w.buildOf(buildNumber).id, 'VALID');
    const done = await w.resume();
    expect(done.code, done.stdout).toBe(0);
    expect(done.outputs['post-processing']).toBe('completed');
    expect(w.livePending()).toBe(0);
    expect(done.summary).toContain(`Schedule disabled (${FILE}): nothing pending; the next deferred publish enables it.`);
    expect(w.calls()).toEqual(['disable 204']);
    expect(w.gh.workflows.state(FILE)).toBe('disabled_manually');

    // The next deferred publish turns it back on.
    const again = await w.publish(w.nextPackage());
    expect(again.code, again.stdout).toBe(0);
    expect(w.gh.workflows.state(FILE)).toBe('active');
  });

  it('a refused disable is a warning with the permissions block; the run succeeds', async () => {
    await w.freshRepository();
    w.gh.workflows.permission('read');
    const idle = await w.resume();
    expect(idle.code, idle.stdout).toBe(0);
    expect(idle.stdout).toMatch(/::warning::Nothing is pending, but disabling the schedule of post-processing\.yml failed: .*403/);
    expect(idle.stdout).toContain('Give the resume workflow these permissions:%0Apermissions:%0A  actions: write%0A  contents: read');
    expect(idle.summary).toContain(`Schedule kept enabled: disabling ${FILE} failed (see the log).`);
    expect(w.gh.workflows.state(FILE)).toBe('active');
  });

  it('fails the run when it cannot enable again a schedule that a state saved meanwhile needs', async () => {
    await w.freshRepository();
    w.gh.workflows.beforeAnswer((call) => {
      // A publish saves its state while the disable is on its way, then the token loses `actions: write`.
      if (call.action === 'disable')
        seedState(w.gh, { privateKeyPem: w.key.privateKeyPem, appId: w.appId, bundleId: BUNDLE_ID, version: VERSION, buildNumber: '1' });
      if (call.action === 'enable') w.gh.workflows.permission('read');
    });
    const stranded = await w.resume();
    expect(stranded.code).not.toBe(0);
    expect(w.calls()).toEqual(['disable 204', 'enable 403']);
    expect(stranded.stdout).toContain(
      `::error::This run disabled ${FILE} while a deferred publish saved its state, and enabling it again failed`,
    );
    expect(stranded.stdout).toContain("Enable the workflow in the repository's Actions tab");
    expect(stranded.summary).toContain(`Schedule: This run disabled ${FILE} while a deferred publish saved its state`);
    expect(w.livePending()).toBe(1);
  });

  it('`disable-when-idle: false` keeps the schedule without a call', async () => {
    await w.freshRepository();
    const idle = await w.resume({ 'disable-when-idle': 'false' });
    expect(idle.code, idle.stdout).toBe(0);
    expect(idle.summary).toContain('Schedule kept enabled: `disable-when-idle` is false.');
    expect(w.gh.workflows.calls).toEqual([]);
    expect(w.gh.workflows.state(FILE)).toBe('active');
  });

  it('a resume from another workflow file keeps its schedule and warns', async () => {
    await w.freshRepository();
    const other = await w.run({ command: 'resume' }, { GITHUB_WORKFLOW_REF: 'octo/app/.github/workflows/ci.yml@refs/heads/main' });
    expect(other.code, other.stdout).toBe(0);
    expect(other.summary).toContain('Schedule kept enabled: ci.yml is not the `resume-workflow`.');
    expect(other.stdout).toContain('::warning::');
    expect(w.gh.workflows.calls.filter((c) => c.workflowId === 'ci.yml')).toEqual([]);
  });
});
