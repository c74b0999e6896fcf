import { describe, expect, it } from 'vitest';
import type { WorkflowCall } from '../../test-support/fake-github/workflows.js';
import { RESUME_FILE as FILE, useScheduleRuns } from '../../test-support/schedule-runs.js';
import type { DistRun } from '../../test-support/run-dist.js';

/**
 * A deferred publish racing a resume that found nothing pending, as two processes of the bundled action:
 * the fake GitHub holds one of them at a chosen workflows request while the other runs. Whatever the
 * offset, the repository never ends with a pending state behind a disabled schedule.
 */

const w = useScheduleRuns();

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

  /** The publish held at its `nth` `action` request while the resume runs to the end. */
  function publishHeld(name: string, calls: string, action: WorkflowCall['action'], nth = 1): Offset {
    return {
      name,
      calls,
      async play({ publish, resume }) {
        const at = hold(action, nth);
        installHolds([at]);
        const p = publish();
        await at.reached;
        const r = await resume();
        at.release();
        return [await p, r];
      },
    };
  }

  /** The resume held at its disable and the publish after saving; then `first` goes on. */
  function bothHeld(first: 'resume' | 'publish', calls: string): Offset {
    return {
      name: `the resume held at its disable, the publish held after saving; the ${first} goes on first`,
      calls,
      async play({ publish, resume }) {
        const atDisable = hold('disable');
        const afterSave = hold('enable', 2);
        installHolds([atDisable, afterSave]);
        const r = resume();
        await atDisable.reached;
        const p = publish();
        await afterSave.reached;
        const [goesOn, waits] = first === 'resume' ? [atDisable, afterSave] : [afterSave, atDisable];
        goesOn.release();
        const finished = await (first === 'resume' ? r : p);
        waits.release();
        return first === 'resume' ? [await p, finished] : [finished, await r];
      },
    };
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
    publishHeld('the publish held at its first look while the resume runs to the end', 'disable get enable enable', 'get'),
    publishHeld('the publish held at its first enable while the resume runs to the end', 'get disable enable enable', 'enable', 1),
    publishHeld('the publish held after saving (its second enable) while the resume runs to the end', 'get enable enable', 'enable', 2),
    bothHeld('resume', 'get enable disable enable enable'),
    bothHeld('publish', 'get enable enable disable enable'),
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
