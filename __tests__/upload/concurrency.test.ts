import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import {
  AUTO_MAX,
  AUTO_START,
  AutoConcurrency,
  concurrencyFor,
  LOOKAHEAD,
  marginOver,
  type PartToken,
} from '../../src/upload/concurrency.js';
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
 * Drives a controller on a simulated clock, millisecond by millisecond, over a fluid model of the
 * link: the parts sending share it (each at most its connection's rate, together at most the total),
 * a new connection waits one RTT before its first byte, and each answer arrives one RTT after the
 * part's last byte. Returns the log lines, the most parts ever in flight, where it settled and when
 * the last part was answered.
 */
function simulate(link: Link, parts: number, partBytes: number, setting: number | 'auto' = 'auto') {
  let clock = 0;
  const control = concurrencyFor(setting, parts, () => clock);
  let queued = parts;
  const inFlight: Array<{ token: PartToken; sendFrom: number; left: number; answerAt?: number }> = [];
  const messages: string[] = [];
  let most = 0;
  let connections = 0;
  const trace: Array<[number, number]> = [[0, control.target]];
  const pump = () => {
    while (inFlight.length < control.target && queued > 0) {
      queued--;
      const fresh = inFlight.length >= connections;
      if (fresh) connections = inFlight.length + 1;
      inFlight.push({ token: control.started(), sendFrom: clock + (fresh ? link.rttMs : 0), left: partBytes });
      most = Math.max(most, inFlight.length);
    }
  };
  pump();
  while (inFlight.length > 0) {
    clock++;
    const sending = inFlight.filter((p) => p.answerAt === undefined && p.sendFrom < clock);
    const share = Math.min(link.perConnection, link.total / Math.max(1, sending.length));
    for (const p of sending) {
      p.left -= share;
      if (p.left <= 0) p.answerAt = clock + link.rttMs;
    }
    for (const p of inFlight.filter((q) => q.answerAt !== undefined && q.answerAt <= clock)) {
      inFlight.splice(inFlight.indexOf(p), 1);
      const message = control.finished(p.token, partBytes, queued);
      if (message) messages.push(message);
    }
    if ((control.nextPollInMs() ?? Infinity) <= 0) {
      const message = control.poll(queued);
      if (message) messages.push(message);
    }
    pump();
    if (control.target !== trace.at(-1)?.[1]) trace.push([clock, control.target]);
  }
  /** When the count first reached its highest. */
  const peakAt = trace.find(([, count]) => count === Math.max(...trace.map(([, c]) => c)))![0];
  const last = control.ended();
  if (last) messages.push(last);
  return { messages, most, target: control.target, ms: clock, peakAt };
}

/** Mbit/s as bytes per ms. */
const mbit = (n: number) => (n * 1e6) / 8 / 1000;

/** Size ÷ the total rate, plus one RTT per round of parts at the count that fills the link. */
const idealMs = (link: Link, parts: number, partBytes: number) =>
  (parts * partBytes) / link.total + Math.ceil(parts / Math.min(16, Math.ceil(link.total / link.perConnection))) * link.rttMs;

describe('upload-concurrency: auto', () => {
  const MiB = 1024 * 1024;
  const fast = { rttMs: 40, perConnection: mbit(100), total: mbit(1000) };

  it('adds parts while each one sends faster, up to a count that fills the link (100 Mbit/s per connection, 1 Gbit/s in all)', () => {
    const run = simulate(fast, 250, 8 * MiB);
    // Ten connections fill the link: it keeps at least ten, and says where it settled, once.
    expect(run.messages).toHaveLength(1);
    expect(run.messages[0]).toMatch(/^1[0-6] parts in flight(: 1[1-6]( and 1[2-6])? did not send faster| \(1\d\d\.\d MB\/s\): the most)/);
    expect(run.target).toBeGreaterThanOrEqual(10);
    // Every rate it reports is one the link can carry (125 MB/s): measuring a ramp does not inflate it.
    for (const [rate] of run.messages[0]!.matchAll(/\d+\.\d(?= (and|MB))/g)) expect(Number(rate)).toBeLessThanOrEqual(125.5);
    // 2000 MiB: finding the count costs under 3 % of the ideal.
    expect(run.ms / idealMs(fast, 250, 8 * MiB)).toBeLessThan(1.03);
  });

  it('fills a link that needs 16 connections within seconds (50 Mbit/s per connection, 800 Mbit/s in all)', () => {
    const slow = { rttMs: 40, perConnection: mbit(50), total: mbit(800) };
    const run = simulate(slow, 250, 8 * MiB);
    expect(run.messages).toEqual([expect.stringMatching(/^16 parts in flight \(9\d\.\d MB\/s\): the most `auto` uses\.$/)]);
    expect(run.target).toBe(AUTO_MAX);
    // A part takes 1.4 s at 4 in flight: the first answers, then a step every eighth of a part.
    const partMs = (8 * MiB) / slow.perConnection + 2 * slow.rttMs;
    expect(run.peakAt).toBeLessThan(partMs * (1 + 12 / 8 + 0.5));
    expect(run.ms / idealMs(slow, 250, 8 * MiB)).toBeLessThan(1.12);
  });

  it('stays at 4 when more parts do not pay, and steps back to it', () => {
    // Four connections could carry 400 Mbit/s: the link's 300 is full even while each waits for its answers.
    const run = simulate({ rttMs: 40, perConnection: mbit(100), total: mbit(300) }, 100, 8 * MiB);
    expect(run.messages).toEqual([expect.stringMatching(/^4 parts in flight: \d+ and \d+ did not send faster/)]);
    expect(run.target).toBe(4);
    // The search ran at most LOOKAHEAD counts beyond the first count that did not pay.
    const firstMiss = Number(/: (\d+) and/.exec(run.messages[0]!)![1]);
    expect(run.most).toBeLessThanOrEqual(firstMiss + LOOKAHEAD);
  });

  it('keeps an addition only when it clears the margin: half of what one more part would bring', () => {
    expect(marginOver(4)).toBeCloseTo(0.125);
    // Round trips short enough not to matter. A fifth part adds 20 % (the link then is full): kept.
    // (The ramp runs past 5 before 5 is judged; a count the blur of the ramp puts a hair above 5 stays.)
    const twenty = simulate({ rttMs: 1, perConnection: mbit(100), total: mbit(480) }, 200, 8 * MiB);
    expect(twenty.messages).toEqual([expect.stringMatching(/^[5-9] parts in flight: \d+ and \d+ did not send faster/)]);
    expect(twenty.target).toBeGreaterThanOrEqual(5);
    // A fifth part adds 8 %: under the 12.5 % margin at 4.
    const eight = simulate({ rttMs: 1, perConnection: mbit(100), total: mbit(432) }, 200, 8 * MiB);
    expect(eight.messages).toEqual([expect.stringMatching(/^4 parts in flight: \d+ and \d+ did not send faster/)]);
  });

  it('goes no further than 16 when every part still pays', () => {
    const run = simulate({ rttMs: 40, perConnection: mbit(10), total: mbit(10_000) }, 400, 4 * MB);
    expect(run.messages).toEqual([expect.stringMatching(/^16 parts in flight \([\d.]+ MB\/s\): the most `auto` uses\.$/)]);
    expect(run.target).toBe(AUTO_MAX);
    expect(run.most).toBe(AUTO_MAX);
  });

  it('never has more parts in flight than there are parts, and says why it stopped adding', () => {
    const wide = { rttMs: 40, perConnection: mbit(10), total: mbit(10_000) };
    const three = simulate(wide, 3, MB);
    expect(three.most).toBe(3);
    expect(three.messages).toEqual([expect.stringMatching(/^3 parts in flight \([\d.]+ MB\/s\): too few parts left to try 4\.$/)]);
    const one = simulate(wide, 1, MB);
    expect(one.most).toBe(1);
    expect(one.messages).toEqual(['1 part at a time until the end: the file ran out before more could be tried.']);
    const few = simulate(wide, 9, MB);
    expect(few.most).toBeLessThanOrEqual(9);
    expect(few.messages).toEqual([expect.stringMatching(/too few parts left to try|when the parts ran out/)]);
  });

  describe('on a clock of its own', () => {
    let now = 0;
    const clock = () => now;
    /** Starts parts up to the target. */
    const fill = (control: AutoConcurrency, tokens: PartToken[]) => {
      while (tokens.length < control.target) tokens.push(control.started());
    };
    /** A controller for 1000 parts at time 0, with its first parts started. */
    const start = () => {
      now = 0;
      const control = new AutoConcurrency(1000, clock);
      const tokens: PartToken[] = [];
      fill(control, tokens);
      return { control, tokens };
    };
    /** At `at`, every part in flight answers (`bytes` undefined: each needed retries); the last line it logged, if any. */
    const answerAll = (control: AutoConcurrency, tokens: PartToken[], at: number, bytes: number | undefined) => {
      now = at;
      let message: string | undefined;
      for (const token of tokens.splice(0)) message = control.finished(token, bytes, 900) ?? message;
      return message;
    };

    it('adds the next part an eighth of a typical part after the last, and runs at most LOOKAHEAD counts ahead of its verdicts', () => {
      const { control, tokens } = start();
      expect(control.nextPollInMs()).toBeUndefined(); // nothing measured yet: no pace
      // The four first parts answer together (1 s each at 4 in flight): 4 is measured and a fifth starts.
      answerAll(control, tokens, 1000, 8e6);
      expect(control.target).toBe(5);
      fill(control, tokens);
      expect(control.nextPollInMs()).toBe(125);
      now = 1100;
      expect(control.poll(900)).toBeUndefined();
      expect(control.target).toBe(5);
      now = 1125;
      control.poll(900);
      expect(control.target).toBe(6);
      // No more answers: the search stops LOOKAHEAD counts ahead of the last verdict (4).
      for (let i = 0; i < 10; i++) {
        now += 250;
        control.poll(900);
      }
      expect(control.target).toBe(AUTO_START + LOOKAHEAD);
      expect(control.nextPollInMs()).toBeUndefined();
    });

    it('does not stop on one count that hit a stall when the parts started after it send faster', () => {
      const { control, tokens } = start();
      answerAll(control, tokens, 1000, 8e6); // 4 in flight: 32 MB/s
      fill(control, tokens);
      // The machine stalls: the five parts in flight take twice as long (20 MB/s in all): a miss, not a verdict.
      let message = answerAll(control, tokens, 3000, 8e6);
      expect(message).toBeUndefined();
      fill(control, tokens);
      const count = control.target;
      // The parts started after the miss send at full speed again: they count, and the search goes on.
      message = answerAll(control, tokens, 4000, 8e6) ?? message;
      expect(message).toBeUndefined();
      expect(control.target).toBeGreaterThan(count);
    });

    it('does not measure a part that needed retries', () => {
      const { control, tokens } = start();
      expect(answerAll(control, tokens, 5000, undefined)).toBeUndefined();
      expect(control.target).toBe(AUTO_START);
      expect(control.nextPollInMs()).toBeUndefined();
    });

    it('judges a count by the parts in flight on average while each part ran, and says where it settled', () => {
      const { control, tokens } = start();
      answerAll(control, tokens, 1000, 8e6); // 4 × 8 MB/s = 32 MB/s
      expect(control.target).toBe(5);
      fill(control, tokens);
      // Five parts answer after 1 s more each at 5 in flight: 40 MB/s, 25 % more than 4 did: 5 pays.
      let message = answerAll(control, tokens, 2000, 8e6);
      expect(message).toBeUndefined();
      expect(control.target).toBeGreaterThanOrEqual(6);
      fill(control, tokens);
      // Then the parts at 6 and beyond take longer in proportion: the link is full at 5. One count
      // that does not pay is not enough to step back; the next one not paying either is.
      message = answerAll(control, tokens, 2000 + 1200, 8e6) ?? message;
      expect(message).toBeUndefined();
      expect(control.target).toBeGreaterThan(6);
      fill(control, tokens);
      const count = control.target;
      message = answerAll(control, tokens, now + (count * 1000) / 5, 8e6) ?? message;
      expect(message).toMatch(
        new RegExp(`^5 parts in flight: 6 and ${count} did not send faster \\(40\\.0 and 40\\.0 MB/s against 40\\.0 MB/s\\)\\.$`),
      );
      expect(control.target).toBe(5);
      // Settled: later answers change nothing.
      now = 9000;
      expect(control.finished(control.started(), 8e6, 900)).toBeUndefined();
      expect(control.ended()).toBeUndefined();
    });
  });

  it('keeps a number as it is', () => {
    const run = simulate(fast, 100, 8 * MB, 8);
    expect(run).toMatchObject({ messages: [], most: 8, target: 8 });
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
