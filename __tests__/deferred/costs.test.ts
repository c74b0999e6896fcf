import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { disableWhenIdle, ensureResumeWorkflow, reenableAfterSave } from '../../src/deferred/schedule.js';
import { useWorkflowsClient } from '../../test-support/fake-github/workflows-suite.js';
import {
  alwaysOnMinutesPerMonth,
  ASSUMED,
  billedPerBuild,
  costTables,
  resumeRunsPerBuild,
  REVIEW_ASSUMED,
  reviewWatchMinutes,
  reviewWatchRuns,
} from '../../scripts/costs.js';

/**
 * The figures of docs/costs.md: the resume schedule, with the real policy against the fake GitHub, is
 * driven by a simulated cron clock; the runs it makes per build are what the cost tables assume.
 */

const FILE = 'post-processing.yml';
const REF = `octo/app/.github/workflows/${FILE}@refs/heads/main`;
const MONTH_MINUTES = 30 * 24 * 60;
const silent = { info: () => {}, warning: () => {} };
const { gh, client } = useWorkflowsClient({ token: 'ghs_costsToken' });

/**
 * One build published at minute 0, processed by Apple at minute `processing`; the cron fires at
 * `offset`, `offset + cron`, … for a month. A tick runs the resume job only while the workflow is enabled.
 * Returns the minutes at which resume jobs ran.
 */
async function simulateMonth(processing: number, cron: number, offset: number, disableWhenIdleInput = true): Promise<number[]> {
  gh.workflows.reset();
  // The repository was idle, so the schedule starts disabled (a resume disabled it, or GitHub did).
  gh.workflows.add(FILE, { state: 'disabled_inactivity' });
  const states: string[] = [];
  await ensureResumeWorkflow(client, FILE);
  states.push('state-of-the-build');
  await reenableAfterSave(client, FILE, silent);

  const runs: number[] = [];
  for (let minute = offset; minute < MONTH_MINUTES; minute += cron) {
    // A disabled workflow's schedule does not fire: no job, nothing billed, no request.
    if (gh.workflows.state(FILE) !== 'active') continue;
    runs.push(minute);
    if (minute >= processing) states.length = 0; // the build is finished and its state deleted
    await disableWhenIdle({
      client,
      ownWorkflowRef: REF,
      resumeWorkflow: FILE,
      listPending: async () => [...states],
      enabled: disableWhenIdleInput,
      pendingAfterRun: states.length,
      log: silent,
    });
    // Long after the build with the schedule always on: the rest of the month is one run per tick.
    if (!disableWhenIdleInput && states.length === 0) {
      runs.push(...Array.from({ length: Math.ceil((MONTH_MINUTES - minute - cron) / cron) }, (_, k) => minute + (k + 1) * cron));
      break;
    }
  }
  return runs;
}

function tableRows(markdown: string): string[] {
  return markdown
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => (/^\s*:?-+:?\s*$/.test(cell) ? '---' : cell.trim()))
        .join('|'),
    );
}

describe('what deferred post-processing costs', () => {
  it.each([15, 20, 30])(
    'Apple processing %i min, cron every 10 min: the runs per build the tables use, and none after',
    async (processing) => {
      const perOffset: number[] = [];
      // The first tick falls anywhere in the 10 minutes after the upload.
      for (const offset of [0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5]) {
        const runs = await simulateMonth(processing, 10, offset);
        // Every run but the last found the build pending; none ran after it.
        expect(runs.filter((m) => m < processing)).toHaveLength(runs.length - 1);
        expect(runs.at(-1)).toBeGreaterThanOrEqual(processing);
        expect(runs.at(-1)).toBeLessThan(processing + 10);
        expect(gh.workflows.state(FILE)).toBe('disabled_manually');
        perOffset.push(runs.length);
      }
      expect(Math.max(...perOffset)).toBe(resumeRunsPerBuild(processing, 10));
      expect(perOffset.reduce((a, b) => a + b, 0) / perOffset.length).toBe(processing / 10 + 1);
    },
  );

  it('with `disable-when-idle: false` the schedule costs a run every 10 minutes all month', async () => {
    const runs = await simulateMonth(20, 10, 0.5, false);
    expect(runs).toHaveLength(alwaysOnMinutesPerMonth(10));
    expect(runs).toHaveLength(4_320);
    expect(gh.workflows.state(FILE)).toBe('active');
  });

  it('following a 2-day review from the 10-minute cron: 288 runs more per build, and none after the decision', async () => {
    const review = REVIEW_ASSUMED.reviewMinutes;
    const perOffset: number[] = [];
    for (const offset of [0.5, 3.5, 6.5, 9.5]) {
      // The state stays pending from the upload through processing and the review, until Apple decides.
      const runs = await simulateMonth(ASSUMED.processingMinutes + review, 10, offset);
      expect(runs.at(-1)).toBeLessThan(ASSUMED.processingMinutes + review + 10);
      expect(gh.workflows.state(FILE)).toBe('disabled_manually');
      perOffset.push(runs.length);
    }
    const added = Math.max(...perOffset) - resumeRunsPerBuild(ASSUMED.processingMinutes, 10);
    expect(added).toBe(reviewWatchRuns(review, 10));
    expect(added).toBe(288);
    expect(reviewWatchMinutes()).toEqual({ cron: 288, relayOnly: 4, relayWithSafetyNet: 52 });
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(`about ${reviewWatchMinutes().cron} resume\nruns (${reviewWatchMinutes().cron} billed minutes) per release`);
  });

  it('per build at the assumed 20 min of processing', () => {
    expect(billedPerBuild(ASSUMED)).toEqual({ resumeRuns: 3, inlineMacos: 210, inlineLinux: 22, deferredLinux: 5, deferredMacos: 13 });
  });

  it("the README's table shows the computed minutes per build", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const perBuild = billedPerBuild(ASSUMED);
    const row = (label: string) =>
      readme
        .split('\n')
        .find((l) => l.startsWith(`| ${label}`))
        ?.split('|')
        .map((c) => c.trim());
    expect(row('a separate Linux job')?.slice(2, 4)).toEqual([String(perBuild.inlineLinux), String(perBuild.deferredLinux)]);
    expect(row('the macOS build job')?.slice(2, 4)).toEqual([String(perBuild.inlineMacos), String(perBuild.deferredMacos)]);
    expect(readme).toContain(`about ${perBuild.resumeRuns} resume runs`);
    expect(readme).toContain(`costs ${alwaysOnMinutesPerMonth(ASSUMED.cronMinutes).toLocaleString('en-US')} minutes a month`);
  });

  it('docs/costs.md shows exactly the computed tables', () => {
    const doc = readFileSync(new URL('../../docs/costs.md', import.meta.url), 'utf8');
    // Compared cell by cell: the formatter pads the document's columns.
    expect(tableRows(doc).join('\n')).toContain(tableRows(costTables()).join('\n'));
  });
});
