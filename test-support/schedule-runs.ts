import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { FakeAsc, TestKey } from './fake-asc/index.js';
import { startFakeGitHub, type FakeGitHub } from './fake-github/index.js';
import { makeIpa } from './packages.js';
import type { DistRun } from './run-dist.js';
import { closeCheckedFake, runDistJob, startFakeAscWithApp } from './setup.js';

/**
 * Runs of the bundled action against a fake App Store Connect (one app whose builds stay processing until
 * a test says otherwise) and, per test, a fresh fake GitHub repository with its resume workflow: for the
 * tests of the resume workflow's schedule.
 */

export const RESUME_FILE = 'post-processing.yml';
export const BUNDLE_ID = 'com.example.idle';
export const VERSION = '5.0';

export interface ScheduleRuns {
  readonly key: TestKey;
  readonly asc: FakeAsc;
  readonly appId: string;
  /** The repository of the running test (see `freshRepository`). */
  readonly gh: FakeGitHub;
  /** A new repository (its resume workflow as given, null for none) and a package with the next build number. */
  freshRepository(resumeWorkflow?: string | null): Promise<string>;
  /** Another package with the next build number; returns the number (also its folder under the workspace). */
  nextPackage(): string;
  /** The next unused build number, for a build added straight to the fake Apple. */
  nextBuildNumber(): string;
  run(inputs: Record<string, string>, env?: Record<string, string>): Promise<DistRun>;
  publish(buildNumber: string, mode?: string, extra?: Record<string, string>): Promise<DistRun>;
  resume(extra?: Record<string, string>): Promise<DistRun>;
  /** The workflows requests of this repository as `action status`. */
  calls(): string[];
  /** State artifacts not deleted. */
  livePending(): number;
  /** Requests since `mark` that write to App Store Connect (the build upload, its file, every part). */
  ascWrites(mark: number): string[];
  buildOf(buildNumber: string): { id: string };
  closeRepository(): Promise<void>;
  close(): Promise<void>;
}

export async function startScheduleRuns(): Promise<ScheduleRuns> {
  const {
    key,
    fake: asc,
    appId,
  } = await startFakeAscWithApp({
    fake: { partSize: 256 * 1024, timing: { uploadProcessingMs: 50, buildProcessingMs: 60 * 60_000 } },
    app: { bundleId: BUNDLE_ID, name: 'Idle' },
  });
  const workspace = mkdtempSync(join(tmpdir(), 'ascp-idle-'));
  let gh: FakeGitHub | undefined;
  let nextBuild = 500;
  let nextRun = 1;

  const repository = (): FakeGitHub => {
    if (!gh) throw new Error('call freshRepository() first');
    return gh;
  };
  const nextBuildNumber = () => String(nextBuild++);
  const nextPackage = (): string => {
    const buildNumber = nextBuildNumber();
    makeIpa({ path: join(workspace, buildNumber, 'Idle.ipa'), bundleId: BUNDLE_ID, version: VERSION, buildNumber, payloadBytes: 300_000 });
    return buildNumber;
  };
  const run = (inputs: Record<string, string>, env: Record<string, string> = {}): Promise<DistRun> =>
    runDistJob({ key, asc, gh: repository(), workspace }, nextRun++, { 'poll-interval': '0.05', ...inputs }, { env });

  return {
    key,
    asc,
    appId,
    get gh() {
      return repository();
    },
    async freshRepository(resumeWorkflow: string | null = RESUME_FILE) {
      await gh?.close();
      gh = await startFakeGitHub({ resumeWorkflow });
      return nextPackage();
    },
    nextPackage,
    nextBuildNumber,
    run,
    publish: (buildNumber, mode = 'deferred', extra = {}) =>
      run({
        path: `${buildNumber}/*.ipa`,
        'post-processing': mode,
        ...(mode === 'off' ? {} : { 'uses-non-exempt-encryption': 'false' }),
        ...extra,
      }),
    resume: (extra = {}) => run({ command: 'resume', ...extra }),
    calls: () => repository().workflows.calls.map((c) => `${c.action} ${c.status}`),
    livePending: () =>
      repository()
        .artifacts()
        .filter((a) => !a.deleted).length,
    ascWrites: (mark) => asc.requests.slice(mark).flatMap((r) => (r.method === 'GET' ? [] : [`${r.method} ${r.path}`])),
    buildOf(buildNumber) {
      const build = asc.resources('builds').find((b: { attributes: { version: string } }) => b.attributes.version === buildNumber);
      if (!build) throw new Error(`no build ${buildNumber} at the fake Apple`);
      return build;
    },
    async closeRepository() {
      await gh?.close();
      gh = undefined;
    },
    async close() {
      await gh?.close();
      await closeCheckedFake(asc);
    },
  };
}

/**
 * Registers the hooks of a suite of such runs (started before its tests, a test's repository closed after
 * it, all closed after them) and returns them, usable inside tests and hooks.
 */
export function useScheduleRuns(): ScheduleRuns {
  let current: ScheduleRuns | undefined;
  beforeAll(async () => {
    current = await startScheduleRuns();
  });
  afterAll(async () => {
    await current?.close();
  });
  afterEach(async () => {
    await current?.closeRepository();
  });
  return new Proxy({} as ScheduleRuns, {
    get(_, property) {
      if (!current) throw new Error('The schedule runs start before the first test; use them inside a test or hook.');
      return Reflect.get(current, property);
    },
  });
}
