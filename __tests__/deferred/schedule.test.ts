import { describe, expect, it } from 'vitest';
import { disableWhenIdle, ensureResumeWorkflow, reenableAfterSave, workflowFileFromRef } from '../../src/deferred/schedule.js';
import { InputError, UserError } from '../../src/errors.js';
import { useWorkflowsClient } from '../../test-support/fake-github/workflows-suite.js';
import type { WorkflowState } from '../../test-support/fake-github/workflows.js';
import { recordingLog } from '../../test-support/log.js';
import { rejectionOf } from '../../test-support/setup.js';

const TOKEN = 'ghs_scheduleToken';
const FILE = 'post-processing.yml';
const OWN_REF = `octo/app/.github/workflows/${FILE}@refs/heads/main`;
const { gh, client } = useWorkflowsClient({ token: TOKEN, resumeWorkflow: null, reset: (fake) => fake.workflows.reset() });

const calls = (): string[] => gh.workflows.calls.map((c) => `${c.action} ${c.workflowId}`);

describe('ensureResumeWorkflow (before a deferred upload)', () => {
  it('enables an active workflow (idempotent, proving `actions: write`) and reports it', async () => {
    const id = gh.workflows.add(FILE, { name: 'App Store Connect post-processing' });
    const found = await ensureResumeWorkflow(client, FILE);
    expect(found).toEqual({
      file: FILE,
      id,
      name: 'App Store Connect post-processing',
      stateBefore: 'active',
      wasDisabled: false,
      disabledByInactivity: false,
      sentence: 'Resume workflow post-processing.yml is enabled.',
    });
    expect(calls()).toEqual([`get ${FILE}`, `enable ${FILE}`]);
  });

  it.each<[WorkflowState, string]>([
    ['disabled_inactivity', 'Resume workflow post-processing.yml was disabled by GitHub after 60 days without activity; enabled it.'],
    ['disabled_manually', 'Resume workflow post-processing.yml was disabled (disabled_manually); enabled it.'],
  ])('enables a workflow that was %s', async (state, sentence) => {
    gh.workflows.add(FILE, { state });
    const found = await ensureResumeWorkflow(client, FILE);
    expect(found).toMatchObject({ stateBefore: state, wasDisabled: true, disabledByInactivity: state === 'disabled_inactivity', sentence });
    expect(gh.workflows.state(FILE)).toBe('active');
  });

  it('stops on a missing workflow with an error naming the input and the file, before any enable', async () => {
    gh.workflows.add('ci.yml');
    const error = await rejectionOf(ensureResumeWorkflow(client, FILE));
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).input).toBe('resume-workflow');
    expect(error.message).toBe(
      'Input `resume-workflow`: the repository has no workflow .github/workflows/post-processing.yml. Deferred post-processing ' +
        'is finished by that workflow (`command: resume` on a schedule); without it the build would wait forever. Add it on ' +
        "the default branch (copy examples/workflows/post-processing.yml from this action's repository), set " +
        '`resume-workflow` to the file name of your resume workflow, or use `post-processing: inline`. Nothing was uploaded.',
    );
    expect(calls()).toEqual([`get ${FILE}`]);
  });

  it('treats a workflow whose file was removed (`deleted`) as missing', async () => {
    gh.workflows.add(FILE, { state: 'deleted' });
    const error = await rejectionOf(ensureResumeWorkflow(client, FILE));
    expect(error.message).toContain(
      'Input `resume-workflow`: the repository no longer has the workflow .github/workflows/post-processing.yml',
    );
    expect(calls()).toEqual([`get ${FILE}`]);
  });

  it('stops without `actions: write` with the permissions block for the publishing job', async () => {
    gh.workflows.add(FILE, { state: 'disabled_inactivity' });
    gh.workflows.permission('read');
    const error = await rejectionOf(ensureResumeWorkflow(client, FILE));
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toBe(
      'Deferred post-processing enables the resume workflow .github/workflows/post-processing.yml (input `resume-workflow`) ' +
        'before uploading, so its schedule runs while the build is pending, and GitHub refused (403 Resource not accessible ' +
        'by integration). It is disabled now (disabled_inactivity), so a deferred build would wait forever. Give the ' +
        'publishing job these permissions:\npermissions:\n  actions: write\n  contents: read\n(add `checks: write` for the ' +
        'status on the commit)\nNothing was uploaded.',
    );
    expect(gh.workflows.state(FILE)).toBe('disabled_inactivity');

    gh.workflows.permission('none');
    expect((await rejectionOf(ensureResumeWorkflow(client, FILE))).message).toMatch(
      /^Deferred post-processing reads the resume workflow .*403 Resource not accessible by integration\)\. Give the publishing job/s,
    );
  });

  it('refuses a `resume-workflow` that is not a workflow file name, without a request', async () => {
    for (const bad of ['../../etc/passwd', '.github/workflows/post-processing.yml', '161335', 'post-processing', '']) {
      const error = await rejectionOf(ensureResumeWorkflow(client, bad));
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toMatch(/^Input `resume-workflow`: expected the file name of the workflow that runs `command: resume`/);
    }
    expect(gh.workflows.calls).toEqual([]);
  });
});

describe('reenableAfterSave', () => {
  it('enables the workflow a resume disabled meanwhile', async () => {
    gh.workflows.add(FILE, { state: 'disabled_manually' });
    const log = recordingLog();
    expect(await reenableAfterSave(client, FILE, log)).toBe(true);
    expect(gh.workflows.state(FILE)).toBe('active');
    expect(log.warnings).toEqual([]);
  });

  it('only warns when that fails (the state is saved), saying what to do', async () => {
    gh.workflows.add(FILE, { state: 'disabled_manually' });
    gh.workflows.permission('read');
    const log = recordingLog();
    expect(await reenableAfterSave(client, FILE, log)).toBe(false);
    expect(log.warnings).toHaveLength(1);
    expect(log.warnings[0]).toMatch(/^The post-processing state is saved, but enabling the resume workflow .*403 Resource not accessible/s);
    expect(log.warnings[0]).toContain("enable it in the repository's Actions tab");
  });
});

describe('workflowFileFromRef', () => {
  it('takes the file name from GITHUB_WORKFLOW_REF', () => {
    expect(workflowFileFromRef(OWN_REF)).toBe(FILE);
    expect(workflowFileFromRef('o/r/.github/workflows/resume.yaml@refs/tags/v1.2')).toBe('resume.yaml');
    expect(workflowFileFromRef('o/r/.github/workflows/resume.yml@0123456789abcdef0123456789abcdef01234567')).toBe('resume.yml');
  });

  it('returns nothing for a ref it cannot read', () => {
    for (const bad of [
      undefined,
      '',
      FILE,
      'o/r/.github/workflows/sub/x.yml@refs/heads/main',
      'o/r/other/x.yml@refs/heads/main',
      'o/r/.github/workflows/x.yml',
    ]) {
      expect(workflowFileFromRef(bad)).toBeUndefined();
    }
  });
});

describe('disableWhenIdle (end of a resume run)', () => {
  const base = { ownWorkflowRef: OWN_REF, resumeWorkflow: FILE, enabled: true, pendingAfterRun: 0, listPending: async () => [] };

  it('disables its own workflow when nothing is pending', async () => {
    gh.workflows.add(FILE);
    gh.workflows.add('ci.yml');
    const log = recordingLog();
    const result = await disableWhenIdle({ ...base, client, log });
    expect(result).toEqual({
      outcome: 'disabled',
      file: FILE,
      sentence: 'Schedule disabled (post-processing.yml): nothing pending; the next deferred publish enables it.',
    });
    expect(gh.workflows.state(FILE)).toBe('disabled_manually');
    expect(gh.workflows.state('ci.yml')).toBe('active');
    expect(calls()).toEqual([`disable ${FILE}`]);
    expect(log.infos).toEqual(['Disabled post-processing.yml: nothing is pending. The next deferred publish enables it.']);
  });

  it('re-enables it when a state appeared between the disable and the second look', async () => {
    gh.workflows.add(FILE);
    const log = recordingLog();
    const result = await disableWhenIdle({ ...base, client, log, listPending: async () => [{ name: 'state-1' }] });
    expect(result).toEqual({
      outcome: 're-enabled',
      file: FILE,
      sentence: 'Schedule disabled, then re-enabled (post-processing.yml): a state appeared meanwhile.',
    });
    expect(calls()).toEqual([`disable ${FILE}`, `enable ${FILE}`]);
    expect(gh.workflows.state(FILE)).toBe('active');
  });

  it('re-enables it when the second look fails (unknown counts as pending)', async () => {
    gh.workflows.add(FILE);
    const log = recordingLog();
    const listPending = async (): Promise<never> => {
      throw new Error('GitHub answered 502');
    };
    const result = await disableWhenIdle({ ...base, client, log, listPending });
    expect(result.outcome).toBe('re-enabled');
    expect(result.sentence).toContain('the states could not be listed to confirm nothing is pending');
    expect(log.warnings[0]).toContain('GitHub answered 502');
    expect(gh.workflows.state(FILE)).toBe('active');
  });

  it('fails the run when it cannot re-enable a schedule a pending state needs', async () => {
    gh.workflows.add(FILE);
    const log = recordingLog();
    const listPending = async (): Promise<unknown[]> => {
      gh.workflows.permission('read');
      return [{ name: 'state-1' }];
    };
    const error = await rejectionOf(disableWhenIdle({ ...base, client, log, listPending }));
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toMatch(
      /^This run disabled post-processing.yml while a deferred publish saved its state, and enabling it again failed: .*403/s,
    );
    expect(error.message).toContain("Enable the workflow in the repository's Actions tab");
  });

  it('makes no call with `disable-when-idle: false`, or while work is pending', async () => {
    gh.workflows.add(FILE);
    const log = recordingLog();
    expect(await disableWhenIdle({ ...base, client, log, enabled: false })).toEqual({
      outcome: 'kept-by-input',
      sentence: 'Schedule kept enabled: `disable-when-idle` is false.',
    });
    expect((await disableWhenIdle({ ...base, client, log, pendingAfterRun: 1 })).sentence).toBe(
      'Schedule kept enabled: 1 build is still pending.',
    );
    expect((await disableWhenIdle({ ...base, client, log, pendingAfterRun: 3 })).sentence).toBe(
      'Schedule kept enabled: 3 builds are still pending.',
    );
    expect(gh.workflows.calls).toEqual([]);
  });

  it('keeps the schedule and warns when it cannot tell its own workflow', async () => {
    gh.workflows.add(FILE);
    const log = recordingLog();
    const result = await disableWhenIdle({ ...base, client, log, ownWorkflowRef: undefined });
    expect(result.outcome).toBe('kept-unknown-workflow');
    expect(log.warnings[0]).toContain('GITHUB_WORKFLOW_REF is not set');
    expect(gh.workflows.calls).toEqual([]);
  });

  it('never disables a workflow other than `resume-workflow` (publishes would not enable it again)', async () => {
    gh.workflows.add('release.yml');
    const log = recordingLog();
    const result = await disableWhenIdle({
      ...base,
      client,
      log,
      ownWorkflowRef: 'octo/app/.github/workflows/release.yml@refs/heads/main',
    });
    expect(result).toEqual({
      outcome: 'kept-other-workflow',
      file: 'release.yml',
      sentence: 'Schedule kept enabled: release.yml is not the `resume-workflow`.',
    });
    expect(log.warnings[0]).toContain('Set `resume-workflow: release.yml` in the publishing and the resume workflows');
    expect(gh.workflows.calls).toEqual([]);
  });

  it('warns, with the permissions block, when the disable is refused', async () => {
    gh.workflows.add(FILE);
    gh.workflows.permission('read');
    const log = recordingLog();
    const result = await disableWhenIdle({ ...base, client, log });
    expect(result).toEqual({
      outcome: 'disable-failed',
      file: FILE,
      sentence: 'Schedule kept enabled: disabling post-processing.yml failed (see the log).',
    });
    expect(log.warnings[0]).toContain('permissions:\n  actions: write\n  contents: read\nor set `disable-when-idle: false`.');
    expect(gh.workflows.state(FILE)).toBe('active');
  });
});
