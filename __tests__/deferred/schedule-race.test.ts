import { describe, expect, it } from 'vitest';
import { disableWhenIdle, ensureResumeWorkflow, reenableAfterSave } from '../../src/deferred/schedule.js';
import type { WorkflowsClient } from '../../src/github/workflows.js';
import { useWorkflowsClient } from '../../test-support/fake-github/workflows-suite.js';
import type { WorkflowState } from '../../test-support/fake-github/workflows.js';

/**
 * A deferred publish (get, enable, save the state, enable) racing a resume that found nothing to do
 * (list, disable, list again, enable if a state appeared), run one step at a time in every order of
 * their steps, against the fake GitHub. The property: the run never ends with a pending state behind a
 * disabled schedule. Two deliberately incomplete variants show the property catches the race.
 */

type Actor = 'P' | 'R';

/** Lets exactly one actor take its next step, in the order given; an actor that has finished gives up its turns. */
class Turns {
  readonly trace: string[] = [];
  private position = 0;
  private running: Actor | undefined;
  private readonly waiting = new Map<Actor, () => void>();
  private readonly finished = new Set<Actor>();

  constructor(private readonly order: readonly Actor[]) {}

  /** Waits for `actor`'s turn; calling it also ends the actor's previous step. */
  step(actor: Actor, label: string): Promise<void> {
    if (this.running === actor) this.running = undefined;
    return new Promise((resolve) => {
      this.waiting.set(actor, () => {
        this.trace.push(`${actor}.${label}`);
        resolve();
      });
      this.pump();
    });
  }

  finish(actor: Actor): void {
    if (this.running === actor) this.running = undefined;
    this.finished.add(actor);
    this.pump();
  }

  private pump(): void {
    if (this.running !== undefined) return;
    // Choose only once both actors stand still, so the order alone decides.
    if (!(['P', 'R'] as const).every((a) => this.waiting.has(a) || this.finished.has(a))) return;
    while (this.position < this.order.length && !this.waiting.has(this.order[this.position]!)) this.position++;
    const next = this.order[this.position++] ?? [...this.waiting.keys()][0];
    if (next === undefined) return;
    const go = this.waiting.get(next)!;
    this.waiting.delete(next);
    this.running = next;
    go();
  }
}

/** Every order of `p` P-steps and `r` R-steps. */
function interleavings(p: number, r: number): Actor[][] {
  if (p === 0) return [Array<Actor>(r).fill('R')];
  if (r === 0) return [Array<Actor>(p).fill('P')];
  return [
    ...interleavings(p - 1, r).map((rest) => ['P', ...rest] as Actor[]),
    ...interleavings(p, r - 1).map((rest) => ['R', ...rest] as Actor[]),
  ];
}

function gated(client: WorkflowsClient, turns: Turns, actor: Actor): WorkflowsClient {
  return {
    get: async (w) => (await turns.step(actor, 'get'), client.get(w)),
    enable: async (w) => (await turns.step(actor, 'enable'), client.enable(w)),
    disable: async (w) => (await turns.step(actor, 'disable'), client.disable(w)),
  };
}

const FILE = 'post-processing.yml';
const silent = { info: () => {}, warning: () => {} };
const { gh, client } = useWorkflowsClient({ token: 'ghs_raceToken' });

interface Variant {
  /** The publish enables again after saving. */
  reenableAfterSave: boolean;
  /** The resume looks at the states again after disabling. */
  recheck: boolean;
}

interface Outcome {
  trace: string;
  pending: number;
  state: WorkflowState | undefined;
}

async function race(order: readonly Actor[], initial: WorkflowState, variant: Variant): Promise<Outcome> {
  gh.workflows.reset();
  gh.workflows.add(FILE, { state: initial });
  const states: string[] = [];
  const turns = new Turns(order);
  const listPending = async (): Promise<string[]> => (await turns.step('R', 'list'), [...states]);

  const publish = async (): Promise<void> => {
    const P = gated(client, turns, 'P');
    await ensureResumeWorkflow(P, FILE);
    await turns.step('P', 'save');
    states.push('app-store-connect-post-processing-1');
    if (variant.reenableAfterSave) await reenableAfterSave(P, FILE, silent);
  };
  const resume = async (): Promise<void> => {
    const R = gated(client, turns, 'R');
    const pending = await listPending();
    if (variant.recheck) {
      await disableWhenIdle({
        client: R,
        ownWorkflowRef: `octo/app/.github/workflows/${FILE}@refs/heads/main`,
        resumeWorkflow: FILE,
        listPending,
        enabled: true,
        pendingAfterRun: pending.length,
        log: silent,
      });
    } else if (pending.length === 0) {
      await R.disable(FILE);
    }
  };
  await Promise.all([publish().finally(() => turns.finish('P')), resume().finally(() => turns.finish('R'))]);
  return { trace: turns.trace.join(' '), pending: states.length, state: gh.workflows.state(FILE) };
}

const stranded = (o: Outcome): boolean => o.pending > 0 && o.state !== 'active';
const ORDERS = interleavings(4, 4);

describe('a deferred publish racing a resume that found nothing pending', () => {
  const traces = new Set<string>();

  for (const initial of ['active', 'disabled_inactivity'] as const) {
    it.each(ORDERS.map((order) => [order.join('')]))(`never strands the build (workflow ${initial}), order %s`, async (order) => {
      const outcome = await race(order.split('') as Actor[], initial, { reenableAfterSave: true, recheck: true });
      traces.add(outcome.trace);
      expect(outcome.pending).toBe(1);
      expect(outcome, outcome.trace).toMatchObject({ state: 'active' });
    });
  }

  it('covered every order of the two runs: 70 orders, 42 distinct step sequences', () => {
    expect(ORDERS).toHaveLength(70);
    // Orders coincide where the resume stops early: its first look already saw the state (no disable),
    // or its second look did not (no enable).
    expect(traces.size).toBe(42);
    const resumeSteps = new Set(
      [...traces].map((t) =>
        t
          .split(' ')
          .filter((s) => s.startsWith('R.'))
          .join(' '),
      ),
    );
    expect([...resumeSteps].sort()).toEqual(['R.list', 'R.list R.disable R.list', 'R.list R.disable R.list R.enable']);
    for (const trace of traces)
      expect(trace.split(' ').filter((s) => s.startsWith('P.'))).toEqual(['P.get', 'P.enable', 'P.save', 'P.enable']);
  });

  it.each<[string, Variant, Actor[], string]>([
    [
      'without the enable after the save',
      { reenableAfterSave: false, recheck: true },
      [...'PPRRRPPR'] as Actor[],
      'P.get P.enable R.list R.disable R.list P.save',
    ],
    [
      'without the second look',
      { reenableAfterSave: true, recheck: false },
      [...'PPRPPRRR'] as Actor[],
      'P.get P.enable R.list P.save P.enable R.disable',
    ],
  ])('would strand a build %s (the property catches the race)', async (_name, variant, order, trace) => {
    const outcome = await race(order, 'active', variant);
    expect(outcome).toEqual({ trace, pending: 1, state: 'disabled_manually' });
    expect(stranded(outcome)).toBe(true);
  });
});
