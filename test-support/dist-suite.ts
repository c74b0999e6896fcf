/**
 * The set-up of the end-to-end suites: the bundled action run as workflow jobs against a fake App Store
 * Connect with one app and a fake GitHub, checked when the suite ends (every request matched Apple's schema,
 * no secret in any output or artifact) and closed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { makeTestKey, startFakeAsc, type FakeAsc } from './fake-asc/index.js';
import { useFakeGitHub, type SuiteFakeGitHubOptions } from './fake-github/suite.js';
import { runDist, type DistRun, type DistRunOptions } from './run-dist.js';
import { expectNoSecrets } from './secrets.js';
import {
  ascInputs,
  closeCheckedFake,
  runDistJob,
  startFakeAscWithApp,
  type FakeAscWithApp,
  type FakeAscWithAppOptions,
  type WorkflowJob,
} from './setup.js';

export interface DistSuiteOptions extends Omit<FakeAscWithAppOptions, 'app'> {
  /** The app the fake starts with (com.example.app unless told); `null`: none, the tests add theirs. */
  app?: FakeAscWithAppOptions['app'] | null;
  github?: SuiteFakeGitHubOptions;
  /** The prefix of the suite's workspace folder. */
  workspacePrefix?: string;
  /** Inputs every job of the suite gets (a job's own inputs win). */
  inputs?: () => Record<string, string>;
  /** Whether the end checks the artifacts for secrets too (not where the suite seeds them itself). */
  artifactsHoldNoSecrets?: boolean;
}

export interface DistSuite extends WorkflowJob {
  asc: FakeAsc;
  appId: string;
  /** Every job run so far, checked for secrets when the suite ends. */
  runs: DistRun[];
  /** Runs the bundled action as a job of workflow run `runId` (without one: outside GitHub, no token), in the suite's workspace unless told. */
  job(
    runId: number | undefined,
    inputs: Record<string, string>,
    options?: Partial<DistRunOptions> & { workspace?: string },
  ): Promise<DistRun>;
}

async function startFakeAscWithoutApp(options: DistSuiteOptions): Promise<FakeAscWithApp> {
  const key = options.key ?? makeTestKey();
  return { key, fake: await startFakeAsc({ keys: [key], ...options.fake }), appId: '' };
}

/** Registers the suite's hooks and returns its fakes and workspace (usable inside tests and hooks, not at import). */
export function useDistSuite(options: DistSuiteOptions = {}): DistSuite {
  const gh = useFakeGitHub(options.github);
  let started: DistSuite | undefined;
  beforeAll(async () => {
    const { key, fake, appId } =
      options.app === null ? await startFakeAscWithoutApp(options) : await startFakeAscWithApp({ ...options, app: options.app });
    const workspace = mkdtempSync(join(tmpdir(), options.workspacePrefix ?? 'ascp-e2e-'));
    const runs: DistRun[] = [];
    started = {
      key,
      asc: fake,
      gh,
      appId,
      workspace,
      runs,
      async job(runId, inputs, { workspace: cwd = workspace, ...runOptions } = {}) {
        const job = { key, asc: fake, gh, workspace: cwd };
        const all = { ...options.inputs?.(), ...inputs };
        const run =
          runId === undefined
            ? await runDist({ ...runOptions, inputs: { ...ascInputs(key, fake), ...all }, cwd })
            : await runDistJob(job, runId, all, runOptions);
        runs.push(run);
        return run;
      },
    };
  });
  afterAll(async () => {
    if (!started) return;
    const { key, asc, runs } = started;
    expectNoSecrets({
      key: key.privateKeyPem,
      tokens: [gh.token],
      runs,
      artifacts: options.artifactsHoldNoSecrets === false ? [] : gh.artifacts(),
    });
    await closeCheckedFake(asc);
  });
  return new Proxy({} as DistSuite, {
    get(_, property) {
      if (!started) throw new Error('The end-to-end suite starts before the first test; use it inside a test or hook.');
      return Reflect.get(started, property);
    },
  });
}
