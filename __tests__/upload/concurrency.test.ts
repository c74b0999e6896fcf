import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { AUTO_MAX, AUTO_START, AutoConcurrency, concurrencyFor, marginOver, type Concurrency } from '../../src/upload/concurrency.js';
import { checkUploadUrl, InsecureUploadUrlError, toPartOperations } from '../../src/upload/parts.js';

const MB = 1e6;

interface Link {
  rttMs: number;
  /** Bytes per ms one connection carries. */
  perConnection: number;
  /** Bytes per ms all connections carry together. */
  total: number;
}

/**
 * Drives a controller on a simulated clock: a part's duration is one RTT plus its bytes at the rate
 * each connection gets when it starts (its own limit, or a fair share of the total). Returns the log
 * lines and the most parts that were ever in flight.
 */
function simulate(control: Concurrency, link: Link, parts: number, partBytes: number) {
  const queue = Array.from({ length: parts }, (_, i) => i);
  const inFlight: Array<{ endsAt: number; startedAt: number; token: number }> = [];
  const messages: string[] = [];
  let clock = 0;
  let most = 0;
  const pump = () => {
    while (inFlight.length < control.target && queue.length > 0) {
      queue.shift();
      const share = Math.min(link.perConnection, link.total / (inFlight.length + 1));
      inFlight.push({ startedAt: clock, endsAt: clock + link.rttMs + partBytes / share, token: control.started() });
      most = Math.max(most, inFlight.length);
    }
  };
  pump();
  while (inFlight.length > 0) {
    inFlight.sort((a, b) => a.endsAt - b.endsAt);
    const part = inFlight.shift()!;
    clock = part.endsAt;
    const message = control.finished(part.token, { bytes: partBytes, durationMs: part.endsAt - part.startedAt }, queue.length);
    if (message) messages.push(message);
    pump();
  }
  const last = control.ended();
  if (last) messages.push(last);
  return { messages, most, target: control.target };
}

/** Mbit/s as bytes per ms. */
const mbit = (n: number) => (n * 1e6) / 8 / 1000;

describe('upload-concurrency: auto', () => {
  it('adds parts while each one sends faster, and settles where the next one did not (100 Mbit/s per connection, 1 Gbit/s in all)', () => {
    const run = simulate(new AutoConcurrency(300), { rttMs: 40, perConnection: mbit(100), total: mbit(1000) }, 300, 8 * MB);
    // Ten connections fill the link: the eleventh adds little (only its share of the round trips) and is dropped again.
    expect(run.messages).toHaveLength(1);
    expect(run.messages[0]).toMatch(/^10 parts in flight: 11 did not send faster \(12\d\.\d MB\/s against 11\d\.\d MB\/s\)\.$/);
    expect(run.target).toBe(10);
    expect(run.most).toBe(11);
  });

  it('stays at 4 when a fifth part does not pay, and steps back to it', () => {
    const run = simulate(new AutoConcurrency(100), { rttMs: 40, perConnection: mbit(100), total: mbit(400) }, 100, 8 * MB);
    expect(run.messages).toEqual([expect.stringMatching(/^4 parts in flight: 5 did not send faster/)]);
    expect(run.target).toBe(4);
    expect(run.most).toBe(5);
  });

  it('goes no further than 16 when every part still pays', () => {
    const run = simulate(new AutoConcurrency(1000), { rttMs: 40, perConnection: mbit(10), total: mbit(10_000) }, 1000, 4 * MB);
    expect(run.messages).toEqual([expect.stringMatching(/^16 parts in flight \([\d.]+ MB\/s\): the most `auto` uses\.$/)]);
    expect(run.target).toBe(AUTO_MAX);
    expect(run.most).toBe(AUTO_MAX);
  });

  it('never has more parts in flight than there are parts, and says why it stopped adding', () => {
    const three = simulate(new AutoConcurrency(3), { rttMs: 40, perConnection: mbit(10), total: mbit(10_000) }, 3, MB);
    expect(three.most).toBe(3);
    expect(three.messages).toEqual([expect.stringMatching(/^3 parts in flight \([\d.]+ MB\/s\): too few parts left to try 4\.$/)]);
    const two = simulate(new AutoConcurrency(2), { rttMs: 40, perConnection: mbit(10), total: mbit(10_000) }, 2, MB);
    expect(two.most).toBe(2);
    expect(two.messages).toEqual(['2 parts in flight when the parts ran out (still measuring 2).']);

    const few = simulate(new AutoConcurrency(9), { rttMs: 40, perConnection: mbit(10), total: mbit(10_000) }, 9, MB);
    expect(few.most).toBeLessThanOrEqual(AUTO_START + 1);
    expect(few.messages).toEqual([expect.stringMatching(/too few parts left to try|when the parts ran out/)]);
  });

  it('keeps an addition only when it clears the margin: half of what one more part would bring', () => {
    const feed = (control: AutoConcurrency, bytesPerMs: number) => {
      // Three parts at the current count whose Little's-law rate is `bytesPerMs` in all.
      const token = control.started();
      let message: string | undefined;
      for (let i = 0; i < 3; i++)
        message = control.finished(token, { bytes: 1e8, durationMs: (1e8 * control.target) / bytesPerMs }, 100) ?? message;
      return message;
    };
    expect(marginOver(4)).toBeCloseTo(0.125);

    const pays = new AutoConcurrency(100);
    expect(feed(pays, 100e3)).toBeUndefined();
    expect(pays.target).toBe(5);
    expect(feed(pays, 113e3)).toBeUndefined(); // 13 % more at 5 than at 4: kept
    expect(pays.target).toBe(6);

    const noise = new AutoConcurrency(100);
    feed(noise, 100e3);
    expect(feed(noise, 111e3)).toMatch(/^4 parts in flight: 5 did not send faster \(111\.0 MB\/s against 100\.0 MB\/s\)\.$/); // 11 %: within the margin
    expect(noise.target).toBe(4);
    // Settled: later parts change nothing.
    expect(feed(noise, 1000e3)).toBeUndefined();
    expect(noise.target).toBe(4);
    expect(noise.ended()).toBeUndefined();
  });

  it('measures a count over at least a second of sending when parts are short', () => {
    const control = new AutoConcurrency(1000);
    const token = control.started();
    // 30 ms parts (loopback): three are not enough, 34 are (1,020 ms of part-time).
    for (let i = 0; i < 33; i++) control.finished(token, { bytes: 8e6, durationMs: 30 }, 900);
    expect(control.target).toBe(4);
    control.finished(token, { bytes: 8e6, durationMs: 30 }, 900);
    expect(control.target).toBe(5);
  });

  it('judges a count only by parts that started at it', () => {
    const control = new AutoConcurrency(100);
    const atFour = control.started();
    for (let i = 0; i < 3; i++) control.finished(atFour, { bytes: 1000, durationMs: 400 }, 100);
    expect(control.target).toBe(5);
    // Slow parts that started at 4 and end after the step say nothing about 5.
    for (let i = 0; i < 10; i++) expect(control.finished(atFour, { bytes: 1000, durationMs: 4000 }, 100)).toBeUndefined();
    expect(control.target).toBe(5);
  });

  it('keeps a number as it is', () => {
    const fixed = concurrencyFor(8, 100);
    const run = simulate(fixed, { rttMs: 40, perConnection: mbit(100), total: mbit(1000) }, 100, 8 * MB);
    expect(run).toEqual({ messages: [], most: 8, target: 8 });
  });
});

describe('the upload-concurrency input', () => {
  const read = (value: string) => (name: string) =>
    ({ 'key-id': 'ABC1234567', 'private-key': 'pem', 'upload-concurrency': value })[name] ?? '';

  it('is auto by default, auto in any case, or a number', () => {
    expect(parseConfig(read('')).uploadConcurrency).toBe('auto');
    expect(parseConfig(read('AUTO')).uploadConcurrency).toBe('auto');
    expect(parseConfig(read('12')).uploadConcurrency).toBe(12);
  });

  it('names the input and both forms when the value is neither', () => {
    expect(() => parseConfig(read('fast'))).toThrow(/Input `upload-concurrency`: "fast" must be a whole number from 1 to 32, or `auto`/);
  });
});

describe('part upload URLs', () => {
  it('must be https; http only to this machine', () => {
    expect(() => checkUploadUrl(1, 'https://upload.example.com/part?sig=abc')).not.toThrow();
    for (const local of ['http://127.0.0.1:8080/p', 'http://localhost/p', 'http://[::1]:9000/p'])
      expect(() => checkUploadUrl(1, local)).not.toThrow();
    for (const bad of ['http://upload.example.com/part?sig=secret', 'ftp://127.0.0.1/p', 'http://127.0.0.1.example.com/p']) {
      expect(() => checkUploadUrl(3, bad)).toThrow(InsecureUploadUrlError);
    }
    const error = (() => {
      try {
        toPartOperations([{ url: 'http://upload.example.com/p?signature=secret', offset: 0, length: 10, partNumber: 1 }], 10);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error).toBeInstanceOf(InsecureUploadUrlError);
    expect(error!.message).toMatch(/part 1 that is not https \(http:\/\/upload\.example\.com\).*the upload stops/);
    // The pre-signed query is not repeated in the message.
    expect(error!.message).not.toContain('secret');
  });
});
