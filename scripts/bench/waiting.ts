import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../../src/commands/index.js';
import { parseConfig } from '../../src/config.js';
import { expectNoViolations, makeTestKey, startFakeAsc } from '../../test-support/fake-asc/index.js';
import { applyEnv } from '../../test-support/fake-github/env.js';
import { recordingRuntime } from '../../test-support/log.js';
import { makeIpa } from '../../test-support/packages.js';

export interface WaitingResult {
  pollSeconds: number;
  processingMinutes: number;
  /** Every App Store Connect request of the publish, the upload's included. */
  total: number;
  /** Requests sent while Apple was processing (after the commit, before the build was VALID). */
  whileWaiting: number;
  /** T·60/p: one status check per poll interval. */
  polls: number;
  /** Most requests in any one minute of the fake's clock, and in the busiest hour. */
  peakPerMinute: number;
  peakPerHour: number;
  /** Tokens signed over the whole run (each lives at most 20 minutes). */
  tokensSigned: number;
  simulatedMinutes: number;
  realMs: number;
}

/**
 * A publish with inline post-processing against a fake whose build takes `processingMinutes` to process,
 * on a simulated clock: every sleep moves the clock on instead of waiting, so hours pass in a second.
 * Apple's own lag is included (2 minutes for the upload to be processed, 3 more for the build to appear).
 */
export async function measureWaiting(pollSeconds: number, processingMinutes: number): Promise<WaitingResult> {
  let now = Date.now();
  const start = now;
  const clock = { now: () => now, sleep: async (ms: number) => void (now += ms) };
  const key = makeTestKey();
  const fake = await startFakeAsc({
    keys: [key],
    now: clock.now,
    storeUploadedBytes: false,
    timing: {
      uploadProcessingMs: 2 * 60_000,
      buildAppearsAfterMs: 3 * 60_000,
      buildProcessingMs: processingMinutes * 60_000,
      betaDetailProcessingMs: 60_000,
    },
  });
  const dir = mkdtempSync(join(tmpdir(), 'ascp-bench-wait-'));
  const restore = applyEnv({ GITHUB_WORKSPACE: dir });
  const t0 = performance.now();
  try {
    const appId = fake.addApp({ bundleId: 'com.example.wait', name: 'Wait' }).id;
    fake.addBetaGroup(appId, 'QA');
    makeIpa({ path: join(dir, 'Wait.ipa'), bundleId: 'com.example.wait', version: '1.0', buildNumber: '7', payloadBytes: 200_000 });
    const inputs: Record<string, string> = {
      'key-id': key.keyId,
      'issuer-id': key.issuerId!,
      'private-key': key.privateKeyPem,
      'api-url': fake.url,
      path: 'Wait.ipa',
      'poll-interval': String(pollSeconds),
      'uses-non-exempt-encryption': 'false',
      'beta-groups': 'QA',
      'whats-new': 'Try the new search',
    };
    const runtime = recordingRuntime();
    await runCommand(
      parseConfig((name) => inputs[name] ?? ''),
      runtime,
      clock,
    );
    if (runtime.outputs['post-processing'] !== 'completed') throw new Error(`the publish ended ${runtime.outputs['post-processing']}`);
    expectNoViolations(fake);

    const api = fake.requests.filter((r) => r.path.startsWith('/v1/'));
    const commitAt = api.find((r) => r.method === 'PATCH' && r.path.startsWith('/v1/buildUploadFiles/'))!.at;
    const validAt = commitAt + 5 * 60_000 + processingMinutes * 60_000;
    const perMinute = new Map<number, number>();
    for (const r of api) perMinute.set(Math.floor((r.at - start) / 60_000), (perMinute.get(Math.floor((r.at - start) / 60_000)) ?? 0) + 1);
    let peakPerHour = 0;
    const minutes = Math.ceil((now - start) / 60_000) + 1;
    for (let m = 0; m < minutes; m++) {
      let sum = 0;
      for (let k = m; k < m + 60; k++) sum += perMinute.get(k) ?? 0;
      peakPerHour = Math.max(peakPerHour, sum);
    }
    return {
      pollSeconds,
      processingMinutes,
      total: api.length,
      whileWaiting: api.filter((r) => r.at > commitAt && r.at <= validAt).length,
      polls: Math.round((processingMinutes * 60) / pollSeconds),
      peakPerMinute: Math.max(...perMinute.values()),
      peakPerHour,
      tokensSigned: new Set(fake.tokens.map((t) => `${String(t.iat)}`)).size,
      simulatedMinutes: (now - start) / 60_000,
      realMs: performance.now() - t0,
    };
  } finally {
    restore();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
