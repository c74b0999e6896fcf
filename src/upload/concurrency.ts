/**
 * How many parts are in flight at once. A number fixes it; `auto` starts at 4 and adds one part at a
 * time, up to 16, while each addition still raises the aggregate throughput by a clear margin, then
 * steps back to the best count and stays there.
 *
 * Measurement: only bytes the server acknowledged count, so a part is measured when its answer
 * arrives (bytes written to a socket may still sit in the kernel's buffers: about 4 MB per connection
 * on loopback, half a part). One of n parts in flight on a full link moves at rate R/n, so its
 * bytes equal R·∫dt/n over its life: R = bytes ÷ ∫dt/n. The count it ran at is the harmonic mean of n
 * over its life. (The arithmetic mean, n̄·bytes/duration, reads above the link's rate whenever the count
 * changes during a part — by Jensen's inequality — and during a ramp it always does: each higher count
 * then looked better than the last and the search overshot.) A part that ran across a step is thus
 * attributed to the mix of counts it saw rather than discarded.
 *
 * Pace: a step does not wait for parts started at the new count to finish (a whole part's duration
 * and more per step: seconds on a slow connection, a large share of a 2 GB upload). The next part is
 * added once the last one has had an eighth of a typical part's duration to open its connection, and
 * each count is judged as the parts that ran at it are answered, a part's duration later. The search
 * thus runs up to LOOKAHEAD counts ahead of its verdicts; when a count did not pay it steps back to the
 * best one. A count is kept when it beats the best by half of what one more part would bring, even if
 * the ramp ran several counts past the best before it was judged: the gain of one part is the bar,
 * not the sum of every part since (the link may fill half-way there).
 */

import { mb } from '../words.js';

/** Where `auto` starts: enough to hide a round trip per part on most links without a first measurement. */
export const AUTO_START = 4;
/** The most `auto` tries: beyond this, more connections rarely help. */
export const AUTO_MAX = 16;
/** Parts that ran at a count before it is judged: one part's timing is too easily a scheduler's hiccup. */
const SAMPLES_PER_COUNT = 2;
/**
 * And at least this much sending measured at a count (summed over its parts): on loopback, where a
 * part takes tens of milliseconds, a few parts are mostly scheduler and collector noise.
 */
const SAMPLED_MS_PER_COUNT = 300;
/** Parts enough to judge a count even when they ran, on average, at less than half a part more than the last. */
const FULL_SAMPLES = 8;
/** A new part is added after an eighth of a typical part's duration (on an 800 Mbit/s link of 50 Mbit/s connections, 16 parts are in flight about 2 s after the first answers). */
const RAMP_FRACTION = 1 / 8;
/** How many counts the search may run ahead of the last one judged (verdicts arrive a part's duration late: eight steps at this pace). */
export const LOOKAHEAD = 8;

/** Issued when a part starts; handed back when it is answered. */
export interface PartToken {
  startedAt: number;
  /** ∫ dt / parts in flight (ms) when the part started: a part's share of the link over time. */
  share: number;
}

interface Concurrency {
  /** Parts that may be in flight now. */
  readonly target: number;
  /** A part starts. */
  started(): PartToken;
  /**
   * A part was acknowledged. `bytes`: its size, or undefined when it needed retries (its time says
   * nothing about the link). `queued`: parts not started yet. Returns a line for the log when the count settles.
   */
  finished(token: PartToken, bytes: number | undefined, queued: number): string | undefined;
  /** Between answers: whether the next part is due now (`auto` adds parts on a pace, not only on answers). */
  poll(queued: number): string | undefined;
  /** When to poll next, in ms from now; undefined: not before the next answer. */
  nextPollInMs(): number | undefined;
  /** The upload ended: a line for the log when `auto` had not settled yet. */
  ended(): string | undefined;
}

type Clock = () => number;

export function concurrencyFor(setting: number | 'auto', parts: number, clock: Clock = () => performance.now()): Concurrency {
  return setting === 'auto' ? new AutoConcurrency(parts, clock) : new FixedConcurrency(setting);
}

class FixedConcurrency implements Concurrency {
  constructor(readonly target: number) {}
  started(): PartToken {
    return { startedAt: 0, share: 0 };
  }
  finished(): undefined {
    return undefined;
  }
  poll(): undefined {
    return undefined;
  }
  nextPollInMs(): undefined {
    return undefined;
  }
  ended(): undefined {
    return undefined;
  }
}

/** What the parts that ran at about one count measured (rates as in the header, bytes/s). */
interface CountSamples {
  rateSum: number;
  /** Σ n̄ over the samples: the count they actually ran at, on average (a ramp blurs the counts). */
  inFlightSum: number;
  samples: number;
  sampledMs: number;
}

export class AutoConcurrency implements Concurrency {
  target: number;
  private inFlight = 0;
  private share = 0;
  private lastEventAt: number;
  private lastAddedAt = -Infinity;
  /** A typical part's duration so far (moving average), to pace the additions. */
  private typicalMs: number | undefined;
  private readonly counts = new Map<number, CountSamples>();
  /** The highest count judged (the start counts as judged once measured), and the best so far. */
  private judged: number;
  private best: { count: number; inFlight: number; bytesPerSecond: number } | undefined;
  /** A count judged not to pay, waiting for the next count's verdict. */
  private miss: { count: number; bytesPerSecond: number; at: number } | undefined;
  private settled = false;

  constructor(
    private readonly parts: number,
    private readonly clock: Clock = () => performance.now(),
  ) {
    this.target = Math.max(1, Math.min(AUTO_START, parts));
    this.judged = this.target - 1;
    this.lastEventAt = clock();
  }

  started(): PartToken {
    this.advance();
    this.inFlight++;
    return { startedAt: this.lastEventAt, share: this.share };
  }

  finished(token: PartToken, bytes: number | undefined, queued: number): string | undefined {
    this.advance();
    this.inFlight--;
    if (this.settled) return undefined;
    const now = this.lastEventAt;
    const durationMs = now - token.startedAt;
    if (bytes === undefined || durationMs <= 0) return undefined;
    this.typicalMs = this.typicalMs === undefined ? durationMs : 0.75 * this.typicalMs + 0.25 * durationMs;
    // After a count that did not pay, only parts started since then may confirm it (see judge()).
    if (this.miss && token.startedAt < this.miss.at) return this.maybeAdd(now, queued);
    const meanInFlight = durationMs / (this.share - token.share); // the harmonic mean (see the header)
    const count = Math.round(meanInFlight);
    const at = this.counts.get(count) ?? { rateSum: 0, inFlightSum: 0, samples: 0, sampledMs: 0 };
    this.counts.set(count, at);
    at.rateSum += (meanInFlight * bytes) / (durationMs / 1000);
    at.inFlightSum += meanInFlight;
    at.samples++;
    at.sampledMs += durationMs;

    const verdict = this.judge();
    if (verdict) return verdict;
    return this.maybeAdd(now, queued);
  }

  poll(queued: number): string | undefined {
    if (this.settled) return undefined;
    this.advance();
    return this.maybeAdd(this.lastEventAt, queued);
  }

  nextPollInMs(): number | undefined {
    if (this.settled || this.typicalMs === undefined || this.aheadOfVerdicts()) return undefined;
    return Math.max(0, this.lastAddedAt + this.typicalMs * RAMP_FRACTION - this.clock());
  }

  ended(): string | undefined {
    if (this.settled) return undefined;
    this.settled = true;
    return `${this.target} part${this.target === 1 ? '' : 's'} at a time until the end: the file ran out before more could be tried.`;
  }

  /** Judges each count, in order, once enough of its parts have been answered. */
  private judge(): string | undefined {
    const ready = (count: number) => {
      const at = this.counts.get(count);
      return at !== undefined && at.samples >= SAMPLES_PER_COUNT && at.sampledMs >= SAMPLED_MS_PER_COUNT ? at : undefined;
    };
    for (let count = this.judged + 1; count <= AUTO_MAX; count++) {
      const at = ready(count);
      if (!at) {
        // A count the parts passed through too quickly to be measured is skipped once a higher one is.
        let higher = count + 1;
        while (higher <= AUTO_MAX && !ready(higher)) higher++;
        if (higher > AUTO_MAX) return undefined;
        this.judged = count;
        continue;
      }
      const bytesPerSecond = at.rateSum / at.samples;
      const inFlight = at.inFlightSum / at.samples;
      const best = this.best;
      // The bar scales with how many more parts actually ran, on average (the first parts answered at a
      // count during a ramp ran partly at the counts below it), up to one part's: see the header.
      const more = best ? inFlight - best.inFlight : 0;
      if (best && more < 0.5 && at.samples < FULL_SAMPLES) return undefined;
      this.judged = count;
      const bar = marginOver(best?.inFlight ?? 1) * Math.min(Math.max(more, 0), 1);
      if (best && bytesPerSecond < best.bytesPerSecond * (1 + bar)) {
        // Two counts in a row must fail, so that one verdict on a few parts that hit a dip does not
        // stop the search (the next count is already running); the last possible count decides alone.
        const first = this.miss;
        this.miss = { count, bytesPerSecond, at: this.lastEventAt };
        if (!first && count < Math.min(AUTO_MAX, this.parts)) {
          // The confirmation must come from parts that start from now on: a stall of the machine
          // that slowed this count's parts would slow the next count's parts already in flight too.
          for (const higher of this.counts.keys()) if (higher > count) this.counts.delete(higher);
          continue;
        }
        // Parts beyond the best count are not replaced when they finish.
        this.target = best.count;
        const counts = first ? `${first.count} and ${count}` : `${count}`;
        const rates = first ? `${rate(first.bytesPerSecond, '')} and ${rate(bytesPerSecond)}` : rate(bytesPerSecond);
        return this.settle(`${best.count} parts in flight: ${counts} did not send faster (${rates} against ${rate(best.bytesPerSecond)}).`);
      }
      this.miss = undefined;
      this.best = { count, inFlight, bytesPerSecond };
      if (count >= AUTO_MAX) return this.settle(`${count} parts in flight (${rate(bytesPerSecond)}): the most \`auto\` uses.`);
    }
    return undefined;
  }

  /** One more part, once the last one added has ramped and the search is not too far ahead of its verdicts. */
  private maybeAdd(now: number, queued: number): string | undefined {
    if (this.aheadOfVerdicts()) return undefined;
    if (this.typicalMs === undefined || now - this.lastAddedAt < this.typicalMs * RAMP_FRACTION) return undefined;
    if (queued === 0 || this.target >= this.parts) {
      if (this.best && this.judged === this.target)
        return this.settle(
          `${this.target} parts in flight (${rate(this.best.bytesPerSecond)}): too few parts left to try ${this.target + 1}.`,
        );
      return undefined;
    }
    this.target++;
    this.lastAddedAt = now;
    return undefined;
  }

  private aheadOfVerdicts(): boolean {
    return this.target >= AUTO_MAX || this.target >= this.judged + LOOKAHEAD;
  }

  private advance(): void {
    const now = this.clock();
    if (this.inFlight > 0) this.share += (now - this.lastEventAt) / this.inFlight;
    this.lastEventAt = now;
  }

  private settle(message: string): string {
    this.settled = true;
    return message;
  }
}

/**
 * The gain that makes one more part worth it, over N: half of what one part brings if the parts, not
 * the link, are the limit (1/N more). 12.5 % at 4, 5 % at 10, 3.3 % at 15: well above the scatter of
 * a few parts' timings on a steady link, while a part that brings even half its share is kept.
 */
export function marginOver(count: number): number {
  return 0.5 / count;
}

function rate(bytesPerSecond: number, unit = ' MB/s'): string {
  return `${mb(bytesPerSecond)}${unit}`;
}
