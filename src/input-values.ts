import { ACTION_INPUTS, type InputName } from './action-inputs.js';
import { InputError } from './errors.js';
import { isLoopbackHost } from './net/loopback.js';
import type { InputReader } from './runtime.js';

/** action.yml's defaults, by input name (generated from it: one definition of every input). */
export const DEFAULTS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(ACTION_INPUTS).flatMap(([name, input]) => ('default' in input ? [[name, input.default]] : [])),
);

/** Reads inputs as the config does: trimmed, and action.yml's default when empty. */
export function withDefaults(read: InputReader): (name: InputName) => string {
  return (name) => {
    const value = read(name).trim();
    return value !== '' ? value : (DEFAULTS[name] ?? '');
  };
}

/** Readers of one input's text: each names the input in its error and says what it accepts. */

export function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new InputError(name, `"${value}" is not one of ${allowed.map((a) => `\`${a}\``).join(', ')}.`);
}

export function bool(name: string, value: string): boolean {
  const v = value.toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new InputError(name, `"${value}" is not a boolean: use \`true\` or \`false\`.`);
}

function positiveNumber(name: string, value: string, unit: string): number {
  const n = Number(value);
  if (value === '' || !Number.isFinite(n) || n <= 0) {
    throw new InputError(name, `"${value}" is not a positive number of ${unit} (fractions such as 0.5 are allowed).`);
  }
  return n;
}

const MIN_POLL_SECONDS = 5;
const MAX_POLL_SECONDS = 3600;

/**
 * Seconds between status checks, 5 to 3600. The floor protects the key's hourly request limit at
 * Apple; a loopback `api-url` (a local fake or test server) has no such limit, so it is not applied there.
 */
export function pollInterval(value: string, apiUrl: string): number {
  const seconds = positiveNumber('poll-interval', value, 'seconds');
  if (seconds < MIN_POLL_SECONDS && reachesApple(apiUrl)) {
    throw new InputError(
      'poll-interval',
      `"${value}" seconds is too often: App Store Connect allows a key about 3600 requests an hour, shared by every workflow that uses it, and each check costs a few. Use ${MIN_POLL_SECONDS} or more (the default is 30).`,
    );
  }
  if (seconds > MAX_POLL_SECONDS) {
    throw new InputError(
      'poll-interval',
      `"${value}" seconds is more than ${MAX_POLL_SECONDS} (an hour): a finished build would wait up to an hour to be noticed, and the last check could fall past \`processing-timeout\`. Use ${MAX_POLL_SECONDS} or less (the default is 30).`,
    );
  }
  return seconds * 1000;
}

/** Whether `api-url` is Apple's or a proxy's: not loopback, and not invalid (its own check names it). */
function reachesApple(apiUrl: string): boolean {
  try {
    const { protocol, hostname } = new URL(apiUrl);
    return (protocol === 'https:' || protocol === 'http:') && !isLoopbackHost(hostname);
  } catch {
    return false;
  }
}

/** Minutes (fractions allowed), in ms. Past `max.minutes`, the error adds `max.why`: why that is too long, what to do. */
export function minutes(name: string, value: string, max?: { minutes: number; why: string }): number {
  const ms = Math.round(positiveNumber(name, value, 'minutes') * 60_000);
  if (max && ms > max.minutes * 60_000) throw new InputError(name, `"${value}" minutes is more than ${max.minutes} ${max.why}`);
  return ms;
}

export function integer(name: string, value: string, min: number, max: number, orElse = ''): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new InputError(name, `"${value}" must be a whole number from ${min} to ${max}${orElse}.`);
  }
  return n;
}

export function url(name: string, value: string): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new InputError(name, `"${value}" is not a URL: use https://api.appstoreconnect.apple.com or your proxy's base URL.`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new InputError(name, `"${value}" must be an http(s) URL.`);
  }
  return value.replace(/\/+$/, '');
}

/** One entry per non-empty line. */
export function lines(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
}
