import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../src/commands/index.js';
import type { CommandDeps } from '../../src/commands/context.js';
import { parseConfig } from '../../src/config.js';
import type { StepName } from '../../src/postprocess/state.js';
import { stepTitle } from '../../src/postprocess/steps/registry.js';
import { appleSideEffects, seedState } from '../../test-support/deferred.js';
import {
  expectNoViolations,
  makeTestKey,
  startFakeAsc,
  type FakeAsc,
  type FaultKind as AscFaultKind,
  type TestKey,
} from '../../test-support/fake-asc/index.js';
import { applyEnv } from '../../test-support/fake-github/env.js';
import { startFakeGitHub, type FakeGitHub, type FaultKind as GhFaultKind } from '../../test-support/fake-github/index.js';
import { recordingRuntime, type RecordingRuntime } from '../../test-support/log.js';
import { makeIpa } from '../../test-support/packages.js';

/**
 * Every phase of a publish and a resume, under every fault the fakes can produce: once (the run
 * must finish, with nothing duplicated at Apple or in the artifacts) and past the retry limit (the
 * run must fail naming the phase and Apple's status or the network reason, and the work must be
 * recoverable: a rerun, the next resume, or `command: distribute`).
 *
 * Retries cost no wall time: the seams give a 300 ms request timeout, three tries and a sleep of at
 * most 2 ms. The artifact library (@actions/artifact and its storage client) has its own backoff
 * (3 s × 1.5ⁿ for the results service; 0, 4 and 12 s for storage) that no input reaches: while a GitHub
 * cell runs, waits between 0.4 and 30 s are shortened to 1 ms (requests, retries and their counts
 * stay real).
 */

const ASC_KINDS = ['429', '500', '502', '503', 'reset', 'slow', '401'] as const satisfies readonly AscFaultKind[];
const GH_KINDS = ['429', '500', '503', 'reset'] as const satisfies readonly GhFaultKind[];
const TIMEOUT_MS = 300;
const SLOW_MS = 330;
const TRIES = 3;
const RETRY_AFTER_SEC = 1;
/** A Retry-After past what any run waits (inline: its deadline; otherwise a few minutes): the key's hourly budget is spent. */
const RETRY_AFTER_PAST_LIMIT_SEC = 3600;
/** What the fake GitHub's faults say, for storage failures that come without their status. */
const GH_TEXT: Record<string, string> = { '429': 'Too many requests', '500': 'Server Error', '503': 'Server Error' };

const VERSION = '2.0';
const BUILD = '7';
const NOTES = [
  { language: 'en-US', text: 'Hello' },
  { language: 'de-DE', text: 'Hallo' },
];
const EXPECTED_EFFECTS = {
  localizations: ['de-DE:Hallo', 'en-US:Hello'],
  submissions: 1,
  groups: ['QA'],
  usesNonExemptEncryption: false,
  autoNotify: true,
  notifications: 0,
};

/** A failure message per cell (first line), for the docs. */
const messages = new Map<string, string>();

/** The matrix as it is filled: phase → fault → [once, past the limit]. */
const matrix = new Map<string, Map<string, [string?, string?]>>();
function record(phase: string, kind: string, which: 0 | 1, outcome: string): void {
  if (!matrix.has(phase)) matrix.set(phase, new Map());
  const row = matrix.get(phase)!;
  const cell = row.get(kind) ?? [];
  cell[which] = outcome;
  row.set(kind, cell);
}

interface Deps extends CommandDeps {
  sleeps: number[];
}
function fastDeps(): Deps {
  const sleeps: number[] = [];
  return {
    now: Date.now,
    sleep: (ms) => (sleeps.push(ms), new Promise((done) => setTimeout(done, Math.min(ms, 2)))),
    requestTimeoutMs: TIMEOUT_MS,
    retry: { attempts: TRIES, baseDelayMs: 1, maxDelayMs: 5 },
    sleeps,
  };
}

const pause = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** The Apple side of one cell: its own app, so what it finds there is its own doing. */
interface Cell {
  appId: string;
  bundleId: string;
}

interface Outcome {
  runtime: RecordingRuntime;
  error?: Error;
  /** The error and every logged error: where a failed run says what failed. */
  text: string;
}

/** Status or network reason a failure message must give for a fault. */
function reasonFor(kind: string, part: boolean): RegExp {
  switch (kind) {
    case 'reset':
      return part ? /part \d+: (ECONNRESET|socket hang up|EPIPE)/ : /(ECONNRESET|UND_ERR_SOCKET|other side closed|socket hang up)/;
    case 'slow':
      return part ? /no progress for 0\.3 s/ : /no response before the request timeout/;
    default:
      return new RegExp(`HTTP ${kind}\\b`);
  }
}

function shortReason(kind: string): string {
  return kind === 'reset' ? 'connection reset' : kind === 'slow' ? 'timeout' : `HTTP ${kind}`;
}

describe('fault matrix', () => {
  let key: TestKey;
  let asc: FakeAsc;
  let gh: FakeGitHub;
  let workspace: string;
  let cells = 0;
  let runs = 100;
  const started = Date.now();

  beforeAll(async () => {
    key = makeTestKey();
    asc = await startFakeAsc({
      keys: [key],
      partSize: 65536,
      // Hundreds of runs share the key: Apple's hourly budget is not what this file is about.
      rateLimitPerHour: 1_000_000,
      timing: { uploadProcessingMs: 0, buildAppearsAfterMs: 0, buildProcessingMs: 0, betaDetailProcessingMs: 0 },
    });
    gh = await startFakeGitHub();
    workspace = mkdtempSync(join(tmpdir(), 'ascp-faults-'));
    // Three parts of 64 KiB or less: part 2 is a middle one.
    makeIpa({
      path: join(workspace, 'App.ipa'),
      bundleId: 'com.example.placeholder',
      version: VERSION,
      buildNumber: BUILD,
      payloadBytes: 150_000,
    });
    writeFileSync(join(workspace, 'release_notes.json'), JSON.stringify(NOTES));
  });
  afterEach(() => {
    asc.faults.clear();
    gh.faults.clear();
    asc.timing = { uploadProcessingMs: 0, buildAppearsAfterMs: 0, buildProcessingMs: 0, betaDetailProcessingMs: 0 };
    expectNoViolations(asc);
  });
  afterAll(async () => {
    await asc?.close();
    await gh?.close();
    const table = renderMatrix();
    console.log(`\nFault matrix (${cells} cells, ${((Date.now() - started) / 1000).toFixed(1)} s)\n\n${table}\n`);
  });

  function newCell(): Cell {
    const n = ++cells;
    const bundleId = `com.example.faults${n}`;
    const appId = asc.addApp({ bundleId, name: `Faults ${n}`, primaryLocale: 'en-US' }).id;
    asc.addBetaGroup(appId, 'QA');
    asc.setBetaAppReviewDetailComplete(appId, true);
    return { appId, bundleId };
  }

  async function run(cell: Cell, extra: Record<string, string>, opts: { deps?: Deps; runtime?: RecordingRuntime } = {}): Promise<Outcome> {
    const all: Record<string, string> = {
      'key-id': key.keyId,
      'issuer-id': key.issuerId!,
      'private-key': key.privateKeyPem,
      'api-url': asc.url,
      'github-token': gh.token,
      path: 'App.ipa',
      'bundle-id': cell.bundleId,
      'poll-interval': '0.01',
      'find-build-timeout': '1',
      'processing-timeout': '2',
      'uses-non-exempt-encryption': 'false',
      'submit-beta-review': 'true',
      'beta-groups': 'QA',
      'notify-testers': 'true',
      ...extra,
    };
    const runtime = opts.runtime ?? recordingRuntime();
    const restore = applyEnv({ ...gh.runEnv(++runs), GITHUB_WORKSPACE: workspace, RUNNER_TEMP: workspace });
    try {
      await runCommand(
        parseConfig((name) => all[name] ?? ''),
        runtime,
        opts.deps ?? fastDeps(),
      );
      return { runtime, text: runtime.log.errors.join('\n') };
    } catch (error) {
      return { runtime, error: error as Error, text: [(error as Error).message, ...runtime.log.errors].join('\n') };
    } finally {
      restore();
    }
  }

  const publish = (cell: Cell, mode: 'inline' | 'deferred', o?: Parameters<typeof run>[2]) => run(cell, { 'post-processing': mode }, o);
  const resume = (cell: Cell, o?: Parameters<typeof run>[2]) => run(cell, { command: 'resume' }, o);
  const distribute = (cell: Cell) =>
    run(cell, { command: 'distribute', 'app-version': VERSION, 'build-number': BUILD, 'bundle-id': cell.bundleId });
  const live = () => gh.artifacts().filter((a) => !a.deleted);

  /** The resources of one type that belong to the cell's app. */
  function ofApp(type: string, cell: Cell): Array<{ id: string }> {
    return asc
      .resources(type)
      .filter((r: { relationships?: { app?: { data?: { id: string } } } }) => r.relationships?.app?.data?.id === cell.appId);
  }

  /** Apple holds one build upload (none for a seeded state), one build, and each side effect once. */
  function expectDoneOnce(cell: Cell, uploads = 1): void {
    expect(ofApp('builds', cell)).toHaveLength(1);
    expect(ofApp('buildUploads', cell)).toHaveLength(uploads);
    expect(appleSideEffects(asc, ofApp('builds', cell)[0]!.id)).toEqual(EXPECTED_EFFECTS);
  }

  function expectCompleted(o: Outcome): void {
    expect(o.error?.message, o.runtime.log.lines.join('\n')).toBeUndefined();
    expect(o.runtime.outputs['post-processing']).toBe('completed');
  }

  /** A deferred publish: pending, and exactly one state artifact, its first revision. */
  function expectPending(o: Outcome): void {
    expect(o.error?.message).toBeUndefined();
    expect(o.runtime.outputs['post-processing']).toBe('pending');
    expect(live()).toHaveLength(1);
    expect(live()[0]!.name).toMatch(/^app-store-connect-post-processing-[0-9a-f-]{36}-r1$/);
    expect(o.runtime.outputs['state-artifact-id']).toBe(String(live()[0]!.id));
  }

  // ---------------------------------------------------------------- App Store Connect

  interface AscPhase {
    name: string;
    method: string;
    path: RegExp;
    stage: 'upload' | 'post';
    /** What a failure message names: the operation (upload) — post-processing steps are named by title and step. */
    names?: (cell: Cell) => string;
    step?: StepName;
    /** The path is shared with an earlier phase: the fault is armed when this log line appears. */
    armOn?: RegExp;
    /** The build appears only once the fault is armed, so the phase has something to look for. */
    holdBuild?: boolean;
  }

  const ASC_PHASES: AscPhase[] = [
    { name: 'app lookup', method: 'GET', path: /^\/v1\/apps$/, stage: 'upload', names: () => 'GET /v1/apps' },
    { name: 'pre-check: builds', method: 'GET', path: /^\/v1\/builds$/, stage: 'upload', names: () => 'GET /v1/builds' },
    {
      name: 'pre-check: build uploads',
      method: 'GET',
      path: /^\/v1\/apps\/[^/]+\/buildUploads$/,
      stage: 'upload',
      names: (c) => `GET /v1/apps/${c.appId}/buildUploads`,
    },
    { name: 'create build upload', method: 'POST', path: /^\/v1\/buildUploads$/, stage: 'upload', names: () => 'POST /v1/buildUploads' },
    { name: 'reserve file', method: 'POST', path: /^\/v1\/buildUploadFiles$/, stage: 'upload', names: () => 'POST /v1/buildUploadFiles' },
    { name: 'part 1 (first)', method: 'PUT', path: /^\/upload\/[^/]+\/1$/, stage: 'upload', names: () => 'part 1' },
    { name: 'part 2 (middle)', method: 'PUT', path: /^\/upload\/[^/]+\/2$/, stage: 'upload', names: () => 'part 2' },
    {
      name: 'commit',
      method: 'PATCH',
      path: /^\/v1\/buildUploadFiles\/[^/]+$/,
      stage: 'upload',
      names: () => 'PATCH /v1/buildUploadFiles/',
    },
    { name: 'upload state', method: 'GET', path: /^\/v1\/buildUploads\/[^/]+$/, stage: 'post', step: 'upload-state' },
    {
      name: 'find build',
      method: 'GET',
      path: /^\/v1\/buildUploads\/[^/]+$/,
      stage: 'post',
      step: 'find-build',
      armOn: /^Upload accepted by Apple: /,
      holdBuild: true,
    },
    { name: 'notes: read', method: 'GET', path: /^\/v1\/builds\/[^/]+\/betaBuildLocalizations$/, stage: 'post', step: 'notes' },
    { name: 'notes: create', method: 'POST', path: /^\/v1\/betaBuildLocalizations$/, stage: 'post', step: 'notes' },
    { name: 'notes: update', method: 'PATCH', path: /^\/v1\/betaBuildLocalizations\/[^/]+$/, stage: 'post', step: 'notes' },
    { name: 'processing wait', method: 'GET', path: /^\/v1\/builds\/[^/]+$/, stage: 'post', step: 'processing' },
    { name: 'export compliance', method: 'PATCH', path: /^\/v1\/builds\/[^/]+$/, stage: 'post', step: 'export-compliance' },
    { name: 'beta review submission', method: 'POST', path: /^\/v1\/betaAppReviewSubmissions$/, stage: 'post', step: 'beta-review' },
    { name: 'tester notification', method: 'PATCH', path: /^\/v1\/buildBetaDetails\/[^/]+$/, stage: 'post', step: 'notify-testers' },
    {
      name: 'beta groups',
      method: 'POST',
      path: /^\/v1\/builds\/[^/]+\/relationships\/betaGroups$/,
      stage: 'post',
      step: 'beta-groups',
    },
  ];

  const isPart = (p: AscPhase) => p.path.source.startsWith('^\\/upload');

  /** A runtime that injects the fault when the phase's log line appears, or right away. */
  function faulted(phase: AscPhase, kind: AscFaultKind, times: number): RecordingRuntime {
    const runtime = recordingRuntime();
    const inject = () => {
      // A 429 is waited out as long as the run can wait, so "past the limit" is a Retry-After beyond it.
      const retryAfterSec = times > 1 && !isPart(phase) ? RETRY_AFTER_PAST_LIMIT_SEC : RETRY_AFTER_SEC;
      asc.faults.inject({ method: phase.method, path: phase.path, kind, times, retryAfterSec, delayMs: SLOW_MS });
      if (phase.holdBuild) asc.timing = { ...asc.timing, buildAppearsAfterMs: 0 };
    };
    if (phase.holdBuild) asc.timing = { ...asc.timing, buildAppearsAfterMs: 24 * 3600_000 };
    if (!phase.armOn) {
      inject();
      return runtime;
    }
    const info = runtime.log.info;
    let armed = false;
    runtime.log.info = (message) => {
      info(message);
      if (!armed && phase.armOn!.test(message)) {
        armed = true;
        inject();
      }
    };
    return runtime;
  }

  /** How many requests of the phase the fault answered. */
  const faultedRequests = (phase: AscPhase, kind: AscFaultKind, since: number) =>
    asc.requests.slice(since).filter((r) => r.fault === kind && r.method === phase.method && phase.path.test(r.path)).length;

  /** A 'slow' request is still carried out by the fake after the client gave up (as Apple would): let it land. */
  async function settle(): Promise<void> {
    for (let waited = 0; waited < SLOW_MS * 2; waited += 10) {
      if (!asc.requests.some((r) => r.fault === 'slow' && r.status === 0)) return;
      await pause(10);
    }
  }

  /**
   * Once Apple holds a build upload that never got its whole file (the reserve, a part or the commit
   * failed for good, or a create whose answer was lost), the rerun takes it over (or deletes and remakes
   * it when a file was reserved) instead of refusing the build number.
   */
  for (const phase of ASC_PHASES) {
    describe(`App Store Connect: ${phase.name}`, () => {
      for (const kind of ASC_KINDS) {
        // A pre-signed part URL has no token to renew: a 401 there is final, like Apple's 403 for an expired URL.
        const partAuth = isPart(phase) && kind === '401';
        const tries = kind === '401' ? (isPart(phase) ? 1 : 2) : kind === '429' && !isPart(phase) ? 1 : TRIES;
        // A slow write is carried out although its answer never comes: it is read back, not failed nor repeated.
        // (Adding to beta groups is a linkage, safe to repeat: it is retried like a read.)
        const readsBack = kind === 'slow' && phase.method !== 'GET' && !isPart(phase) && phase.step !== 'beta-groups';
        /** The cell whose upload failed, for the rerun test that follows. */
        let failedUpload: Cell | undefined;

        it(`${kind} once → ${partAuth ? 'fails at once: a pre-signed URL has no token to renew' : 'completes, nothing duplicated'}`, async () => {
          const cell = newCell();
          const mark = asc.requests.length;
          const deps = fastDeps();
          const o = await publish(cell, 'inline', { deps, runtime: faulted(phase, kind, 1) });
          await settle();
          expect(faultedRequests(phase, kind, mark), 'the fault hit the phase').toBe(1);
          if (partAuth) {
            expect(o.error?.message).toMatch(new RegExp(`Sending ${phase.names!(cell)} .*failed with HTTP 401`));
            record(phase.name, kind, 0, 'failed: HTTP 401, not retried');
            failedUpload = cell;
            return;
          }
          expectCompleted(o);
          if (kind === '429' && !isPart(phase)) expect(deps.sleeps, 'Retry-After is honoured').toContain(RETRY_AFTER_SEC * 1000);
          record(phase.name, kind, 0, 'ok');
          expectDoneOnce(cell);
        });

        if (phase.stage === 'upload') {
          it(`${kind} past the limit → ${readsBack ? 'read back: completes, nothing duplicated' : `fails naming ${phase.names!({ appId: '{id}', bundleId: '' })} and ${shortReason(kind)}`}`, async () => {
            const cell = newCell();
            const mark = asc.requests.length;
            const o = await publish(cell, 'inline', { runtime: faulted(phase, kind, 100) });
            await settle();
            if (readsBack) {
              expectCompleted(o);
              expectDoneOnce(cell);
              record(phase.name, kind, 1, 'answer lost: read back, ok');
              return;
            }
            expect(o.error, 'the publish fails').toBeDefined();
            expect(faultedRequests(phase, kind, mark), `${tries} tries`).toBe(tries);
            expect(o.text).toContain(phase.names!(cell));
            expect(o.text).toMatch(reasonFor(kind, isPart(phase)));
            messages.set(`${phase.name} × ${kind}`, firstLine(o.error!.message));
            record(phase.name, kind, 1, `failed: ${shortReason(kind)}${tries > 1 ? ` ×${tries}` : ', not retried'}`);
            if (!partAuth) failedUpload = cell;
          });

          const lateCommit = phase.name === 'commit' && kind === 'slow';
          it(`${kind}: after the failure, ${readsBack ? 'nothing left to redo: distribute completes' : lateCommit ? 'Apple has the build (its commit landed late): distribute completes' : 'a rerun of the publish completes'}`, async () => {
            if (readsBack) {
              asc.faults.clear();
              const cell = newCell();
              expectCompleted(await publish(cell, 'inline'));
              expectCompleted(await distribute(cell));
              expectDoneOnce(cell);
              return;
            }
            const cell = failedUpload!;
            expect(cell, 'the failing run came first').toBeDefined();
            asc.faults.clear();
            const rerun = await publish(cell, 'inline');
            const which = partAuth ? 0 : 1;
            const [once, past] = matrix.get(phase.name)?.get(kind) ?? [];
            const before = which === 0 ? once : past;
            if (lateCommit) {
              expect(rerun.error?.message).toMatch(/Build number 7 is already used/);
              const d = await distribute(cell);
              record(
                phase.name,
                kind,
                which,
                `${before}; rerun refused (Apple has the build), ${d.error ? 'distribute FAILED' : 'distribute ok'}`,
              );
              expectCompleted(d);
            } else {
              record(phase.name, kind, which, `${before}; ${rerun.error ? 'rerun refused ✗' : 'rerun ok'}`);
              if (rerun.error) messages.set(`rerun after ${phase.name} × ${kind}`, firstLine(rerun.error.message));
              expectCompleted(rerun);
            }
            expectDoneOnce(cell);
          });
          continue;
        }

        // A 500 to the beta review submission is how Apple refuses incomplete Test Information (codemagic
        // cli-tools #118): final, like a 401, and explained rather than left for a later try.
        const final = kind === '401' || (kind === '500' && phase.step === 'beta-review');
        it(`${kind} past the limit (deferred) → ${readsBack ? 'read back: the resume completes, nothing duplicated' : `the resume fails naming the step and ${shortReason(kind)}; ${final ? 'the build is reported failed, distribute completes' : 'the state is kept, the next resume completes'}`}`, async () => {
          const cell = newCell();
          const saved = await publish(cell, 'deferred');
          expectPending(saved);
          const mark = asc.requests.length;
          const o = await resume(cell, { runtime: faulted(phase, kind, 100) });
          await settle();
          if (readsBack) {
            expectCompleted(o);
            expect(live()).toHaveLength(0);
            expectDoneOnce(cell);
            record(phase.name, kind, 1, 'answer lost: read back, ok');
            return;
          }
          expect(o.error, 'the resume fails').toBeDefined();
          expect(faultedRequests(phase, kind, mark), `${tries} tries`).toBe(tries);
          expect(o.text).toContain(`${stepTitle(phase.step!)} (step \`${phase.step}\`)`);
          expect(o.text).toMatch(reasonFor(kind, false));
          messages.set(`${phase.name} × ${kind}`, firstLine(o.runtime.log.errors[0] ?? o.error!.message));
          asc.faults.clear();
          if (final) {
            // Not transient: the step fails for good, the build is reported failed and its state closed.
            expect(live()).toHaveLength(0);
            if (kind === '500') expect(o.text).toMatch(/bare 500 .* incomplete — most often a missing Feedback Email/);
            const d = await distribute(cell);
            record(
              phase.name,
              kind,
              1,
              `failed: ${shortReason(kind)} ×${tries}, final (state closed); ${d.error ? 'distribute FAILED' : 'distribute ok'}`,
            );
            expectCompleted(d);
          } else {
            expect(live(), 'the state is still there').toHaveLength(1);
            const next = await resume(cell);
            record(
              phase.name,
              kind,
              1,
              `failed: ${shortReason(kind)} ×${tries}; state kept, ${next.error ? 'resume FAILED' : 'resume ok'}`,
            );
            expectCompleted(next);
            expect(live()).toHaveLength(0);
          }
          expectDoneOnce(cell);
        });
      }
    });
  }

  // ---------------------------------------------------------------- GitHub (workflow artifacts)

  interface GhPhase {
    name: string;
    method: string;
    path: string | RegExp;
    /** Where it happens: saving in a deferred publish, or in a resume. */
    where: 'save' | 'resume';
    names: RegExp;
  }
  const ARTIFACTS = '/repos/octo/app/actions/artifacts';
  const GH_PHASES: GhPhase[] = [
    { name: 'state save: results service', method: 'POST', path: '/twirp/', where: 'save', names: /Could not save the state artifact/ },
    {
      name: 'state save: blob storage',
      method: 'PUT',
      path: '/actions-results/',
      where: 'save',
      names: /Could not save the state artifact/,
    },
    {
      name: 'state list',
      method: 'GET',
      path: new RegExp(`^${ARTIFACTS}$`),
      where: 'resume',
      names: /list the repository's workflow artifacts/,
    },
    {
      name: 'state download: REST',
      method: 'GET',
      path: new RegExp(`^${ARTIFACTS}/\\d+/zip$`),
      where: 'resume',
      names: /download the workflow artifact/,
    },
    {
      name: 'state download: blob storage',
      method: 'GET',
      path: '/actions-results/',
      where: 'resume',
      names: /Could not download the artifact/,
    },
    {
      name: 'state delete',
      method: 'DELETE',
      path: new RegExp(`^${ARTIFACTS}/\\d+$`),
      where: 'resume',
      names: /delete the workflow artifact/,
    },
  ];

  /** Shortens the artifact library's own backoff waits (0.4–30 s) to 1 ms while `fn` runs. */
  async function withShortLibraryBackoff<T>(fn: () => Promise<T>): Promise<T> {
    const real = globalThis.setTimeout;
    const short = ((handler: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) =>
      real(handler, typeof ms === 'number' && ms >= 400 && ms <= 30_000 ? 1 : ms, ...(args as []))) as typeof setTimeout;
    globalThis.setTimeout = Object.assign(short, real);
    try {
      return await fn();
    } finally {
      globalThis.setTimeout = real;
    }
  }

  const ghFaulted = (phase: GhPhase, kind: GhFaultKind, since: number) =>
    gh.requests
      .slice(since)
      .filter(
        (r) =>
          r.method === phase.method &&
          (typeof phase.path === 'string' ? r.path.startsWith(phase.path) : phase.path.test(r.path)) &&
          (kind === 'reset' ? r.status === 0 : r.status === Number(kind)),
      ).length;

  /** A build ready at Apple and its deferred state, as a publish leaves them. */
  function seeded(cell: Cell): string {
    const build = asc.addBuild({ appId: cell.appId, version: VERSION, buildNumber: BUILD, processingState: 'VALID' });
    seedState(gh, {
      privateKeyPem: key.privateKeyPem,
      appId: cell.appId,
      bundleId: cell.bundleId,
      version: VERSION,
      buildNumber: BUILD,
      buildId: build.id,
      request: {
        notes: NOTES.map((n) => ({ locale: n.language, text: n.text })),
        usesNonExemptEncryption: false,
        submitBetaReview: true,
        betaGroups: ['QA'],
        notifyTesters: true,
      },
    });
    return build.id;
  }

  /**
   * @actions/artifact does not retry a connection reset of the results service nor a 429 from storage;
   * the state store retries the whole save, so one such fault costs nothing.
   */
  for (const phase of GH_PHASES) {
    describe(`GitHub: ${phase.name}`, () => {
      for (const kind of GH_KINDS) {
        it(`${kind} once → completes; exactly the expected artifacts`, async () =>
          withShortLibraryBackoff(async () => {
            const cell = newCell();
            if (phase.where === 'resume') seeded(cell);
            const mark = gh.requests.length;
            gh.faults.inject({ method: phase.method, path: phase.path, kind, times: 1, retryAfterSeconds: RETRY_AFTER_SEC });
            if (phase.where === 'save') {
              const o = await publish(cell, 'deferred');
              expect(ghFaulted(phase, kind, mark), 'the fault hit the phase').toBe(1);
              if (o.error) {
                messages.set(`${phase.name} × ${kind} once`, firstLine(o.error.message));
                const d = await distribute(cell);
                record(phase.name, kind, 0, `failed, not retried ✗; ${d.error ? 'distribute FAILED' : 'distribute ok'}`);
              }
              expectPending(o);
            }
            const r = await resume(cell);
            if (phase.where === 'resume') expect(ghFaulted(phase, kind, mark), 'the fault hit the phase').toBe(1);
            record(phase.name, kind, 0, r.error ? `failed: ${firstWords(r.error.message)}` : 'ok');
            expectCompleted(r);
            expect(live()).toHaveLength(0);
            expectDoneOnce(cell, phase.where === 'save' ? 1 : 0);
          }));

        it(`${kind} past the limit → fails naming the operation; ${phase.where === 'save' ? 'distribute completes' : 'the state is kept, the next resume completes'}`, async () =>
          withShortLibraryBackoff(async () => {
            const cell = newCell();
            if (phase.where === 'resume') seeded(cell);
            const mark = gh.requests.length;
            gh.faults.inject({ method: phase.method, path: phase.path, kind, times: 100, retryAfterSeconds: RETRY_AFTER_SEC });
            const o = phase.where === 'save' ? await publish(cell, 'deferred') : await resume(cell);
            const tries = ghFaulted(phase, kind, mark);
            gh.faults.clear();
            expect(o.error, 'the run fails').toBeDefined();
            expect(o.text).toMatch(phase.names);
            // Storage failures come through the artifact library with its text only ("Server Error").
            expect(o.text).toMatch(
              kind === 'reset' ? /ECONNRESET|socket hang up/ : new RegExp(`\\b${kind}\\b|Server Error|Too many requests`),
            );
            messages.set(`${phase.name} × ${kind}`, firstLine(o.runtime.log.errors[0] ?? o.error!.message));
            const status =
              kind === 'reset' || new RegExp(`\\b${kind}\\b`).test(o.text) ? shortReason(kind) : `"${GH_TEXT[kind]}" (no status)`;
            if (phase.where === 'save') {
              expect(o.text).toMatch(/Apple accepted the upload of App.ipa, but its deferred state could not be saved/);
              expect(o.text).toMatch(/`command: distribute` with `app-version: 2.0` and `build-number: 7`/);
              expect(live()).toHaveLength(0);
              const d = await distribute(cell);
              record(phase.name, kind, 1, `failed: ${status} ×${tries}; ${d.error ? 'distribute FAILED' : 'distribute ok'}`);
              expectCompleted(d);
            } else {
              expect(live(), 'the state is still there').toHaveLength(1);
              const next = await resume(cell);
              record(phase.name, kind, 1, `failed: ${status} ×${tries}; state kept, ${next.error ? 'resume FAILED' : 'resume ok'}`);
              expectCompleted(next);
              expect(live()).toHaveLength(0);
            }
            expectDoneOnce(cell, phase.where === 'save' ? 1 : 0);
          }));
      }
    });
  }

  it('a deferred distribute whose state cannot be saved says that Apple was not changed and to run it again', async () =>
    withShortLibraryBackoff(async () => {
      const cell = newCell();
      asc.addBuild({ appId: cell.appId, version: VERSION, buildNumber: BUILD, processingState: 'VALID', usesNonExemptEncryption: false });
      const mark = asc.requests.length;
      gh.faults.inject({ method: 'POST', path: '/twirp/', kind: '500', times: 100 });
      const o = await run(cell, { command: 'distribute', 'app-version': VERSION, 'build-number': BUILD, 'post-processing': 'deferred' });
      gh.faults.clear();
      expect(o.error?.message).toMatch(
        /Could not save the state artifact[\s\S]*\nThe deferred state of build 7 could not be saved\. Nothing was changed at Apple; once the cause is fixed, run `command: distribute` again\./,
      );
      expect(asc.requests.slice(mark).filter((r) => r.method !== 'GET')).toEqual([]);
      expect(live()).toHaveLength(0);
      expectCompleted(await distribute(cell));
    }));

  function renderMatrix(): string {
    const out: string[] = [];
    for (const [title, phases, kinds] of [
      ['App Store Connect', ASC_PHASES.map((p) => p.name), ASC_KINDS],
      ['GitHub workflow artifacts', GH_PHASES.map((p) => p.name), GH_KINDS],
    ] as const) {
      for (const [which, label] of [
        [0, 'once'],
        [1, 'past the retry limit (times: 100)'],
      ] as const) {
        out.push(`#### ${title} — fault ${label}`, '', `| phase | ${kinds.join(' | ')} |`, `| --- |${kinds.map(() => ' --- |').join('')}`);
        for (const phase of phases) {
          const row = matrix.get(phase);
          out.push(`| ${phase} | ${kinds.map((k) => row?.get(k)?.[which] ?? 'not run').join(' | ')} |`);
        }
        out.push('');
      }
    }
    out.push('#### Failure messages (first line)', '');
    for (const [cell, message] of messages) out.push(`- ${cell}: ${message}`);
    return out.join('\n');
  }
});

function firstLine(message: string): string {
  return message.split('\n')[0]!;
}

function firstWords(message: string): string {
  const line = message.split('\n')[0]!;
  return line.length > 80 ? `${line.slice(0, 77)}…` : line;
}
