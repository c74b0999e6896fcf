import { afterEach } from 'vitest';
import { connect } from '../../src/asc/client.js';
import type { AppStoreRequest } from '../../src/postprocess/app-store-request.js';
import { STEPS } from '../../src/postprocess/steps/registry.js';
import type { AppStoreRecord, StepContext, StepResult } from '../../src/postprocess/steps/types.js';
import { newState } from '../../src/postprocess/new-state.js';
import type { PostProcessingState, StepName } from '../../src/postprocess/state.js';
import { expectNoViolations, makeTestKey, startFakeAsc, type FakeAsc } from '../../test-support/fake-asc/index.js';
import { recordingLog, type RecordingLog } from '../../test-support/log.js';

type AppStoreStepName = Extract<StepName, `app-store-${string}`>;

export type AppStoreState = PostProcessingState & {
  appStore?: AppStoreRecord;
  request: PostProcessingState['request'] & { appStore?: AppStoreRequest };
};

export interface World {
  fake: FakeAsc;
  clock: { ms: number };
  appId: string;
  buildId: string;
  log: RecordingLog;
  ctx: StepContext;
  /** A fresh plan for build 42 of version 1.1.0, as a publish or a `distribute` would make it. */
  plan(request?: Partial<AppStoreRequest>): AppStoreState;
  /** Runs one step the way the engine does: the step gets the state, the engine applies its patch. */
  run(state: AppStoreState, name: AppStoreStepName): Promise<StepResult>;
  /** Runs the three steps in order, moving the clock on while a step waits (as inline polling would). */
  runAll(state: AppStoreState, pollMs?: number): Promise<Record<AppStoreStepName, StepResult>>;
  /** Requests that change something at Apple. */
  writes(): Array<{ method: string; path: string }>;
}

const open: FakeAsc[] = [];
afterEach(async () => {
  for (const fake of open.splice(0)) {
    await fake.close();
    expectNoViolations(fake);
  }
});

export async function world(opts: { timeoutMs?: number; sleep?: (ms: number) => Promise<void> } = {}): Promise<World> {
  const clock = { ms: Date.UTC(2026, 11, 1, 9, 0, 0) };
  const key = makeTestKey();
  const fake = await startFakeAsc({ keys: [key], now: () => clock.ms });
  open.push(fake);
  const appId = fake.addApp({ bundleId: 'com.example.app', primaryLocale: 'en-US' }).id;
  const buildId = fake.addBuild({ appId, version: '1.1.0', buildNumber: '42', usesNonExemptEncryption: false }).id;
  const log = recordingLog();
  const asc = connect({
    apiUrl: fake.url,
    keyId: key.keyId,
    issuerId: key.issuerId,
    privateKey: key.privateKeyPem,
    log,
    now: () => clock.ms,
    timeoutMs: opts.timeoutMs,
    sleep: opts.sleep ?? (async (ms) => void (clock.ms += ms)),
  });
  const ctx: StepContext = { asc, log, sleep: async (ms) => void (clock.ms += ms), pollIntervalMs: 30_000 };

  const plan: World['plan'] = (request = {}) => {
    const state = newState({
      app: { id: appId, bundleId: 'com.example.app' },
      build: { version: '1.1.0', buildNumber: '42', platform: 'IOS', id: buildId, processingState: 'VALID' },
      uploadedAt: new Date(clock.ms),
      findBuildTimeoutMs: 15 * 60_000,
      processingTimeoutMs: 120 * 60_000,
      request: { notes: [], expirePreviousBuilds: false, submitBetaReview: false, betaGroups: [], notifyTesters: false },
    }) as AppStoreState;
    state.request.appStore = { notes: [{ locale: 'en-US', text: 'Faster sync.' }], cancelPreviousSubmission: false, ...request };
    return state;
  };
  const run: World['run'] = async (state, name) => {
    const before = JSON.stringify(state);
    const result = await STEPS[name].run(state, ctx);
    if (JSON.stringify(state) !== before) throw new Error(`step ${name} mutated the state it was given`);
    if (result.patch?.appStore) state.appStore = { ...state.appStore, ...result.patch.appStore };
    return result;
  };
  const runAll: World['runAll'] = async (state, pollMs = 30_000) => {
    const results = {} as Record<AppStoreStepName, StepResult>;
    for (const name of ['app-store-version', 'app-store-whats-new', 'app-store-submit'] as const) {
      for (let polls = 0; ; polls++) {
        const result = await run(state, name);
        results[name] = result;
        if (result.status !== 'waiting') break;
        if (polls > 50) throw new Error(`step ${name} still waiting: ${result.detail}`);
        clock.ms += pollMs;
      }
    }
    return results;
  };
  const writes = () => fake.requests.filter((r) => r.method !== 'GET').map((r) => ({ method: r.method, path: r.path }));
  return { fake, clock, appId, buildId, log, ctx, plan, run, runAll, writes };
}
