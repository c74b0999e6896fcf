/**
 * How many parts are in flight at once. A number fixes it; `auto` starts at 4 and adds one part at a
 * time, up to 16, while each addition still raises the aggregate throughput by a clear margin, then
 * steps back to the last count that paid and stays there.
 *
 * Measurement: the throughput at a count N is taken from the parts that started while N were in
 * flight (Little's law: N parts in flight, each taking d on average to send b bytes, move N·b/d bytes a
 * second). Those parts ran entirely at that count, so the figure is not blurred by the change, and it
 * counts only bytes the server acknowledged: bytes written to a socket may still sit in the kernel's
 * buffers, which on a fast machine hold several megabytes per connection.
 */

/** Where `auto` starts: enough to hide a round trip per part on most links without a first measurement. */
export const AUTO_START = 4;
/** The most `auto` tries: beyond this, more connections rarely help and memory grows with each. */
export const AUTO_MAX = 16;
/**
 * Parts measured at a count before judging it. Three completed parts smooth one slow part while
 * costing little more than one part's duration per step (the first starts with the step, the other
 * two are already on their way).
 */
export const SAMPLES_PER_STEP = 3;
/**
 * And at least this much sending measured at a count (summed over its parts): on a fast link or
 * loopback, where a part takes tens of milliseconds, three parts are mostly scheduler and collector
 * noise; a second of part-time averages it out. On a slow link three parts already exceed it.
 */
export const SAMPLED_MS_PER_STEP = 1000;

/** One part sent: its bytes and how long it took from its request to the server's answer. */
export interface PartSample {
  bytes: number;
  durationMs: number;
}

export interface Concurrency {
  /** Parts that may be in flight now. */
  readonly target: number;
  /** A part starts; the token says under which count, for `finished`. */
  started(): number;
  /** A part was acknowledged. `queued`: parts not started yet. Returns a line for the log when the count settles. */
  finished(token: number, sample: PartSample, queued: number): string | undefined;
  /** The upload ended: a line for the log when `auto` had not settled yet. */
  ended(): string | undefined;
}

export function concurrencyFor(setting: number | 'auto', parts: number): Concurrency {
  return setting === 'auto' ? new AutoConcurrency(parts) : new FixedConcurrency(setting);
}

class FixedConcurrency implements Concurrency {
  constructor(readonly target: number) {}
  started(): number {
    return 0;
  }
  finished(): undefined {
    return undefined;
  }
  ended(): undefined {
    return undefined;
  }
}

interface Level {
  count: number;
  bytes: number;
  durationMs: number;
  samples: number;
}

export class AutoConcurrency implements Concurrency {
  target: number;
  private level: Level;
  private previous: { count: number; bytesPerSecond: number } | undefined;
  private settled = false;

  constructor(parts: number) {
    this.target = Math.max(1, Math.min(AUTO_START, parts));
    this.level = newLevel(this.target);
  }

  started(): number {
    return this.level.count;
  }

  finished(token: number, sample: PartSample, queued: number): string | undefined {
    if (this.settled || token !== this.level.count || sample.durationMs <= 0) return undefined;
    const level = this.level;
    level.bytes += sample.bytes;
    level.durationMs += sample.durationMs;
    level.samples++;
    if (level.samples < SAMPLES_PER_STEP || level.durationMs < SAMPLED_MS_PER_STEP) return undefined;
    const bytesPerSecond = (level.count * level.bytes) / (level.durationMs / 1000);
    const before = this.previous;
    if (before && bytesPerSecond < before.bytesPerSecond * (1 + marginOver(before.count))) {
      // The extra part did not pay: the count steps back (the part in flight is not replaced).
      this.target = before.count;
      return this.settle(
        `${before.count} parts in flight: ${level.count} did not send faster (${rate(bytesPerSecond)} against ${rate(before.bytesPerSecond)}).`,
      );
    }
    this.previous = { count: level.count, bytesPerSecond };
    if (level.count >= AUTO_MAX) return this.settle(`${level.count} parts in flight (${rate(bytesPerSecond)}): the most \`auto\` uses.`);
    // One more needs a part to start now and enough after it to be measured.
    if (queued < SAMPLES_PER_STEP)
      return this.settle(`${level.count} parts in flight (${rate(bytesPerSecond)}): too few parts left to try ${level.count + 1}.`);
    this.target = level.count + 1;
    this.level = newLevel(this.target);
    return undefined;
  }

  ended(): string | undefined {
    if (this.settled) return undefined;
    this.settled = true;
    return `${this.target} parts in flight when the parts ran out (still measuring ${this.target}).`;
  }

  private settle(message: string): string {
    this.settled = true;
    return message;
  }
}

/**
 * The gain that makes one more part worth it, over N: half of what one part brings if the parts, not
 * the link, are the limit (1/N more). 12.5 % at 4, 5 % at 10, 3.3 % at 15: well above the scatter of
 * three parts' timings on a steady link, while a part that brings even half its share is kept.
 */
export function marginOver(count: number): number {
  return 0.5 / count;
}

function newLevel(count: number): Level {
  return { count, bytes: 0, durationMs: 0, samples: 0 };
}

function rate(bytesPerSecond: number): string {
  return `${(bytesPerSecond / 1e6).toFixed(1)} MB/s`;
}
