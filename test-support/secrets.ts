import { expect } from 'vitest';
import type { DistRun } from './run-dist.js';

/** A signed JWT: three base64url parts, the first two JSON objects. */
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/;

export interface SecretScan {
  /** The .p8 PEM: none of its base64 lines may show anywhere. */
  key: string;
  /** Other secrets given to the action (the GitHub token). */
  tokens: string[];
  runs: DistRun[];
  artifacts?: Array<{ name: string; files: Record<string, Buffer> }>;
}

/**
 * Fails when any line of the private key, a given token, or any signed JWT (App Store Connect tokens)
 * appears in a run's stdout, stderr, outputs or job summary, or in a stored artifact. `::add-mask::`
 * lines are how secrets are registered with the runner and are the one allowed place.
 */
export function expectNoSecrets(scan: SecretScan): void {
  const keyLines = scan.key
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length >= 16 && !l.startsWith('-----'));
  const needles = [...keyLines, ...scan.tokens, Buffer.from(scan.key).toString('base64').slice(0, 40)];
  const places: Array<[string, string]> = [];
  scan.runs.forEach((run, i) => {
    places.push([`run ${i + 1} stdout`, run.stdout], [`run ${i + 1} stderr`, run.stderr], [`run ${i + 1} summary`, run.summary]);
    places.push([`run ${i + 1} outputs`, JSON.stringify(run.outputs)]);
  });
  for (const a of scan.artifacts ?? [])
    for (const [file, bytes] of Object.entries(a.files)) places.push([`artifact ${a.name}/${file}`, bytes.toString('utf8')]);
  const leaks: string[] = [];
  for (const [where, text] of places) {
    for (const line of text.split('\n')) {
      if (line.startsWith('::add-mask::')) continue;
      if (needles.some((n) => line.includes(n))) leaks.push(`${where}: a key line or token`);
      if (JWT.test(line)) leaks.push(`${where}: a signed token`);
    }
  }
  expect(leaks, 'secrets found').toEqual([]);
  expect(places.length).toBeGreaterThan(0);
}
