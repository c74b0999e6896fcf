/**
 * The set-up most tests share: a fake App Store Connect with a team key and an app, a client or the
 * action's inputs pointed at it, a workspace, and a clock that moves only when the code sleeps.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type AppStoreConnect, type ConnectOptions } from '../src/asc/client.js';
import { runCommand } from '../src/commands/index.js';
import type { CommandDeps } from '../src/commands/context.js';
import { parseConfig } from '../src/config.js';
import { InputError } from '../src/errors.js';
import type { RetryPolicy } from '../src/net/retry.js';
import { expectNoViolations, makeTestKey, startFakeAsc, type FakeAsc, type FakeAscOptions, type TestKey } from './fake-asc/index.js';
import type { FakeGitHub } from './fake-github/index.js';
import { recordingLog, recordingRuntime, type RecordingLog, type RecordingRuntime } from './log.js';
import { runDist, type DistRun, type DistRunOptions } from './run-dist.js';

export type SimulatedClock = Required<Pick<CommandDeps, 'now' | 'sleep'>> & { sleeps: number[] };

/** A clock that jumps forward on every sleep: hours of polling in milliseconds of test time. */
export function simulatedClock(start = Date.now()): SimulatedClock {
  let now = start;
  const sleeps: number[] = [];
  return { now: () => now, sleep: async (ms) => void (sleeps.push(ms), (now += ms)), sleeps };
}

/** Options for a fake beyond its one key. */
export type FakeAscSettings = Omit<Partial<FakeAscOptions>, 'keys'>;

/** Parts of 64 KiB and builds processed at once: a fake for testing uploads. */
export const UPLOAD_PART_SIZE = 64 * 1024;
export const INSTANT_PROCESSING: FakeAscSettings = {
  partSize: UPLOAD_PART_SIZE,
  timing: { uploadProcessingMs: 0, buildProcessingMs: 0 },
};
/** Retries without real waits, for tests of failures. */
export const FAST_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 1, maxDelayMs: 5 };

export interface FakeAscWithApp {
  key: TestKey;
  fake: FakeAsc;
  appId: string;
}

export interface FakeAscWithAppOptions {
  fake?: FakeAscSettings;
  app?: Parameters<FakeAsc['addApp']>[0];
  /** Beta groups to create for the app, by name; internal ones as `{ name, internal: true }`. */
  betaGroups?: Array<string | { name: string; internal: true }>;
  /** Whether the app's beta review details are complete (a beta review can be submitted). */
  betaReviewReady?: boolean;
  key?: TestKey;
}

/** Starts a fake App Store Connect with one team key and one app (com.example.app unless told). */
export async function startFakeAscWithApp(options: FakeAscWithAppOptions = {}): Promise<FakeAscWithApp> {
  const key = options.key ?? makeTestKey();
  const fake = await startFakeAsc({ keys: [key], ...options.fake });
  const appId = fake.addApp(options.app ?? { bundleId: 'com.example.app', name: 'Example' }).id;
  for (const group of options.betaGroups ?? []) {
    if (typeof group === 'string') fake.addBetaGroup(appId, group);
    else fake.addBetaGroup(appId, group.name, { isInternalGroup: group.internal });
  }
  if (options.betaReviewReady) fake.setBetaAppReviewDetailComplete(appId, true);
  return { key, fake, appId };
}

/** The same, on a simulated clock that the fake and the code under test share. */
export async function startOnSimulatedClock(options: FakeAscWithAppOptions = {}): Promise<FakeAscWithApp & { clock: SimulatedClock }> {
  const clock = simulatedClock();
  const started = await startFakeAscWithApp({ ...options, fake: { now: clock.now, ...options.fake } });
  return { ...started, clock };
}

/** The same, with a client of the fake that logs to a recording log. */
export async function startFakeAscWithClient(
  options: FakeAscWithAppOptions & { retry?: RetryPolicy } = {},
): Promise<FakeAscWithApp & { asc: AppStoreConnect; log: RecordingLog }> {
  const started = await startFakeAscWithApp(options);
  const log = recordingLog();
  return { ...started, log, asc: connectTo(started.fake, started.key, { log, retry: options.retry }) };
}

/**
 * The API writes a fake took (from request `from` on, those whose path matches `path`), as `METHOD path`
 * with every id in the path written `:id`: the steps a run made, in order.
 */
export function apiWrites(
  fake: Pick<FakeAsc, 'requests'>,
  { from = 0, path = /^\/v1\// }: { from?: number; path?: RegExp } = {},
): string[] {
  return fake.requests
    .slice(from)
    .filter((r) => r.method !== 'GET' && path.test(r.path))
    .map((r) => `${r.method} ${r.path.replace(/\/(?!v1\b)[^/]*\d[^/]*(?=\/|$)/g, '/:id')}`);
}

/** Closes a fake after checking every request it took matched Apple's schema. */
export async function closeCheckedFake(fake: FakeAsc): Promise<void> {
  expectNoViolations(fake);
  await fake.close();
}

/** The inputs that point the action at a fake with a key: key-id, issuer-id, private-key, api-url. */
export function ascInputs(key: TestKey, fake: { url: string }): Record<string, string> {
  return { 'key-id': key.keyId, 'issuer-id': key.issuerId!, 'private-key': key.privateKeyPem, 'api-url': fake.url };
}

/** The inputs of a publish of the workspace's *.ipa to a fake, polling it quickly and giving up within a second. */
export function publishInputs(key: TestKey, fake: { url: string }, extra: Record<string, string>): Record<string, string> {
  const fast = { path: '*.ipa', 'poll-interval': '0.02', 'find-build-timeout': '0.1', 'processing-timeout': '0.2' };
  return { ...ascInputs(key, fake), ...fast, ...extra };
}

/** Runs `command: distribute` for build 2.0 (7) of com.example.app (the app a fake starts with). */
export function runDistribute(
  key: TestKey,
  fake: { url: string },
  extra: Record<string, string>,
  deps: CommandDeps,
  runtime?: RecordingRuntime,
): Promise<CommandResult> {
  const inputs = { command: 'distribute', 'bundle-id': 'com.example.app', 'app-version': '2.0', 'build-number': '7', ...extra };
  return runWithInputs({ ...ascInputs(key, fake), ...inputs }, deps, runtime);
}

export interface WorkflowJob {
  key: TestKey;
  asc: { url: string };
  gh: FakeGitHub;
  /** The checkout the job runs in. */
  workspace: string;
}

/** Runs the bundled action as a job of workflow run `runId` of the fake GitHub, signed in to the fake App Store Connect. */
export function runDistJob(
  job: WorkflowJob,
  runId: number,
  inputs: Record<string, string>,
  options: Partial<DistRunOptions> = {},
): Promise<DistRun> {
  return runDist({
    ...options,
    inputs: { ...ascInputs(job.key, job.asc), 'github-token': job.gh.token, ...inputs },
    cwd: job.workspace,
    env: { ...job.gh.runEnv(runId), GITHUB_WORKSPACE: job.workspace, ...options.env },
  });
}

/** A client of the fake, signed with the key. */
export function connectTo(
  fake: { url: string },
  key: TestKey,
  options: Omit<ConnectOptions, 'apiUrl' | 'keyId' | 'issuerId' | 'privateKey'>,
): AppStoreConnect {
  return connect({ apiUrl: fake.url, keyId: key.keyId, issuerId: key.issuerId, privateKey: key.privateKeyPem, ...options });
}

/** A new temporary folder, made the checkout (GITHUB_WORKSPACE) the commands resolve paths in. */
export function tempWorkspace(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.env.GITHUB_WORKSPACE = dir;
  return dir;
}

export interface CommandResult {
  runtime: RecordingRuntime;
  error: Error | undefined;
}

/** Runs a command from action inputs by name; an input error is the run's error, as in the action. */
export async function runWithInputs(
  inputs: Record<string, string>,
  deps?: CommandDeps,
  runtime: RecordingRuntime = recordingRuntime(),
): Promise<CommandResult> {
  try {
    await runCommand(
      parseConfig((name) => inputs[name] ?? ''),
      runtime,
      deps,
    );
    return { runtime, error: undefined };
  } catch (error) {
    return { runtime, error: error as Error };
  }
}

/** The InputError that `fn` throws; another error is thrown on, and none at all is a failure. */
export function inputErrorOf(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

/** What `promise` rejects with; a promise that settles is a failure. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}
