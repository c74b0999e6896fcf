import type { Logger } from '../runtime.js';
import { mb } from '../words.js';

/** Logs upload progress at most every 10 % or 15 s, whichever comes later, so logs stay short. */
export class ProgressReporter {
  private sent = 0;
  private lastPercent = 0;
  private lastAt: number;
  private readonly started: number;

  constructor(
    private readonly total: number,
    private readonly log: Logger,
    private readonly now: () => number,
    private readonly minIntervalMs = 15_000,
  ) {
    this.started = now();
    this.lastAt = this.started;
  }

  /** Negative when a part starts over after a failure. */
  add(bytes: number): void {
    this.sent = Math.max(0, this.sent + bytes);
    const percent = Math.floor((this.sent / this.total) * 100);
    const at = this.now();
    if (percent >= this.lastPercent + 10 && at - this.lastAt >= this.minIntervalMs && percent < 100) {
      this.lastPercent = percent - (percent % 10);
      this.lastAt = at;
      this.log.info(`Uploaded ${percent} % (${mb(this.sent, 0)} of ${mb(this.total, 0)} MB) at ${this.rate()} MB/s.`);
    }
  }

  /** Logs the average rate; returns the time spent sending, so the job summary states the same rate. */
  finish(): number {
    this.log.info(`Uploaded 100 % (${mb(this.total)} MB) at ${this.rate()} MB/s on average.`);
    return Math.max(1, this.now() - this.started);
  }

  private rate(): string {
    const seconds = Math.max(0.001, (this.now() - this.started) / 1000);
    return mb(this.sent / seconds);
  }
}
