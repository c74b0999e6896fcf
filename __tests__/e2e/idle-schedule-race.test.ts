import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowCall } from '../../test-support/fake-github/workflows.js';
import { RESUME_FILE as FILE, startScheduleRuns, type ScheduleRuns } from '../../test-support/schedule-runs.js';
import type { DistRun } from '../../test-support/run-dist.js';

/**
 * A deferred publish racing a resume that found nothing pending, as two processes of the bundled action:
 * the fake GitHub holds one of them at a chosen workflows request while the other runs. Whatever the
 * offset, the repository never ends with a pending state behind a disabled schedule.
 */

let w: ScheduleRuns;

beforeAll(async () => {
  w = await startScheduleRuns();
});
afterAll(async () => {
  await w.close();
});
afterEach(async () => {
  await w.closeRepository();
});

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
  w.gh.workflows.beforeAnswer(async (call) => {
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
    /** The workflows requests in the order GitHub answered them: the interleaving the holds produced. */
    calls: string;
    /** Runs the two processes; returns them once both ended. */
    play: (start: { publish: () => Promise<DistRun>; resume: () => Promise<DistRun> }) => Promise<[DistRun, DistRun]>;
  }

  const offsets: Offset[] = [
    {
      name: 'the resume held at its disable while the publish runs to the end',
      calls: 'get enable enable disable enable',
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
      calls: 'disable get enable enable',
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
      calls: 'get disable enable enable',
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
      calls: 'get enable enable',
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
      calls: 'get enable disable enable enable',
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
      calls: 'get enable enable disable enable',
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
    const buildNumber = await w.freshRepository();
    // The repository was idle: a resume disabled the schedule, or GitHub did.
    w.gh.workflows.setState(FILE, 'disabled_manually');
    const [p, r] = await offset.play({ publish: () => w.publish(buildNumber), resume: () => w.resume() });
    w.gh.workflows.beforeAnswer(undefined);
    expect(w.gh.workflows.calls.map((c) => c.action).join(' ')).toBe(offset.calls);
    expect(p.code, p.stdout).toBe(0);
    expect(r.code, r.stdout).toBe(0);
    expect(w.livePending()).toBe(1);
    expect(w.gh.workflows.state(FILE)).toBe('active');
    outcomes.push(`${w.gh.workflows.calls.map((c) => c.action).join(' ')} | ${/Schedule [^\n]*/.exec(r.summary)?.[0] ?? ''}`);
  });

  it('the offsets made the resume take each of its paths', () => {
    const sentences = outcomes.map((o) => o.split(' | ')[1]);
    expect(sentences).toContain(`Schedule disabled (${FILE}): nothing pending; the next deferred publish enables it.`);
    expect(sentences).toContain(`Schedule disabled, then re-enabled (${FILE}): a state appeared meanwhile.`);
    expect(sentences).toContain('Schedule kept enabled: 1 build is still pending.');
  });
});
