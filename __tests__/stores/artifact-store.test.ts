import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadPrivateKey } from '../../src/asc/auth.js';
import type { Config } from '../../src/config.js';
import { createArtifactClient } from '../../src/stores/artifact-client.js';
import { ArtifactStateStore, openArtifactStore } from '../../src/stores/artifact-store.js';
import { stateSeal } from '../../src/stores/seal.js';
import { sealedStore, sealState, seededState, STATE_FILE, stateArtifactName } from '../../test-support/deferred.js';
import { makeTestKey, type TestKey } from '../../test-support/fake-asc/index.js';
import { applyEnv } from '../../test-support/fake-github/env.js';
import { startFakeGitHub, type FakeGitHub } from '../../test-support/fake-github/index.js';
import { recordingRuntime } from '../../test-support/log.js';

let gh: FakeGitHub;
let key: TestKey;
let restore: () => void;

beforeAll(async () => {
  gh = await startFakeGitHub();
  key = makeTestKey();
  restore = applyEnv({ ...gh.runEnv(5), RUNNER_TEMP: mkdtempSync(join(tmpdir(), 'store-')) });
});
afterAll(async () => {
  restore();
  await gh.close();
});
beforeEach(() => {
  for (const a of gh.artifacts()) if (!a.deleted) gh.expire(a.id);
});

const seed = { appId: '123', bundleId: 'com.example.store', version: '1.0', buildNumber: '5' };
const live = () => gh.artifacts().filter((a) => !a.deleted && !a.expired);

/** Stores `document` as revision `revision` of state `id`, made by `runId` (1, which `sealState` binds, unless told; of a fork when `fork`). */
function put(id: string, revision: number, document: unknown, options: { runId?: number; fork?: boolean } = {}): number {
  return gh.addArtifact({
    name: stateArtifactName(id, revision),
    runId: options.runId ?? 1,
    files: { [STATE_FILE]: JSON.stringify(document) },
    ...(options.fork ? { headRepositoryId: 31_337 } : {}),
  });
}

describe('artifact state store: only verified state is used, superseded or deleted', () => {
  it('saves sealed state and reads it back; the next revision supersedes the previous', async () => {
    const store = sealedStore(gh, key.privateKeyPem);
    const state = seededState(gh, seed);
    state.revision = 0;
    const first = await store.save(state);
    const stored = JSON.parse(live()[0]!.files[STATE_FILE]!.toString());
    expect(Object.keys(stored).sort()).toEqual(['keyFingerprint', 'mac', 'savedBy', 'state']);
    // Bound to the run that saved it (this process is a job of run 5).
    expect(stored.savedBy).toEqual({ runId: 5, runAttempt: 1 });
    await store.save(state, first);
    const { states, rejected } = await store.list();
    expect(rejected).toEqual([]);
    expect(states.map((s) => s.label)).toEqual([stateArtifactName(state.id, 2)]);
    expect((await store.load(states[0]!)).revision).toBe(2);
  });

  it('a forged newer revision is reported and neither supersedes nor deletes the genuine one', async () => {
    const state = seededState(gh, seed);
    const genuine = put(state.id, 1, sealState(state, key.privateKeyPem));
    const forged = put(
      state.id,
      7,
      {
        ...sealState({ ...state, revision: 7 }, key.privateKeyPem),
        state: { ...state, revision: 7, request: { ...state.request, expirePreviousBuilds: true } },
      },
      { runId: 66 },
    );
    const { states, rejected } = await sealedStore(gh, key.privateKeyPem).list();
    expect(states.map((s) => s.id)).toEqual([String(genuine)]);
    expect(rejected).toEqual([
      {
        label: stateArtifactName(state.id, 7),
        kind: 'untrusted',
        reason:
          'its seal does not verify: it was changed after this action wrote it, or forged. Delete the artifact if you do not ' +
          'recognise the workflow run that made it; state this action saves expires 7 days after upload',
        run: { id: 66, url: `https://github.com/octo/app/actions/runs/66` },
      },
    ]);
    expect(
      live()
        .map((a) => a.id)
        .sort(),
    ).toEqual([genuine, forged].sort());
  });

  it('an older revision is deleted only when it verifies', async () => {
    const state = seededState(gh, seed);
    const bad = put(state.id, 1, { ...sealState(state, key.privateKeyPem), mac: 'B'.repeat(43) });
    const older = put(state.id, 2, sealState({ ...state, revision: 2 }, key.privateKeyPem));
    const newest = put(state.id, 3, sealState({ ...state, revision: 3 }, key.privateKeyPem));
    const { states, rejected } = await sealedStore(gh, key.privateKeyPem).list();
    expect(states.map((s) => s.id)).toEqual([String(newest)]);
    expect(rejected.map((r) => r.label)).toEqual([stateArtifactName(state.id, 1)]);
    expect(
      live()
        .map((a) => a.id)
        .sort(),
    ).toEqual([bad, newest].sort());
    expect(live().some((a) => a.id === older)).toBe(false);
  });

  it("a fork's artifact is reported without being downloaded", async () => {
    const state = seededState(gh, seed);
    const fork = put(state.id, 1, sealState(state, key.privateKeyPem), { fork: true, runId: 77 });
    const { states, rejected } = await sealedStore(gh, key.privateKeyPem).list();
    expect(states).toEqual([]);
    expect(rejected[0]!.reason).toBe('a run of another repository (a fork, id 31337) made it; it was not downloaded');
    expect(gh.requests.some((r) => r.path.includes(`/artifacts/${fork}/zip`))).toBe(false);
  });

  it.each([
    ['a state from an older version (no seal)', (s: object) => s, /has no seal: an older version of the action wrote it/],
    ['another key', (s: object) => sealState(s, makeTestKey().privateKeyPem), /written with another App Store Connect key/],
    ['a malformed seal', (s: object) => ({ state: s, mac: 'x', keyFingerprint: 'sha1:1' }), /its seal is malformed/],
    ['a list', () => [1, 2], /not a sealed state document/],
    [
      'another repository in the state',
      (s: object) => sealState({ ...s, origin: { repository: 'evil/repo' } }, key.privateKeyPem),
      /made for evil\/repo, not octo\/app/,
    ],
  ])('reports %s and keeps it', async (_, make, reason) => {
    const state = seededState(gh, seed);
    const id = put(state.id, 1, make(state));
    const { states, rejected } = await sealedStore(gh, key.privateKeyPem).list();
    expect(states).toEqual([]);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.reason).toMatch(reason);
    expect(live().map((a) => a.id)).toEqual([id]);
  });

  it('a genuine state uploaded again by another run is reported and never used; the live one is', async () => {
    const state = seededState(gh, seed);
    // The copy: the very document run 1 saved, uploaded under its own name by run 40.
    const copy = put(state.id, 1, sealState(state, key.privateKeyPem, 1), { runId: 40 });
    const { states, rejected } = await sealedStore(gh, key.privateKeyPem).list();
    expect(states).toEqual([]);
    expect(rejected).toEqual([
      expect.objectContaining({
        label: stateArtifactName(state.id, 1),
        kind: 'untrusted',
        reason: expect.stringMatching(
          /sealed by workflow run 1 \(attempt 1\) but uploaded by run 40: a copy of an earlier state is never acted on/,
        ),
        run: { id: 40, url: 'https://github.com/octo/app/actions/runs/40' },
      }),
    ]);
    expect(live().map((a) => a.id)).toEqual([copy]);
  });

  it('a sealed run id that was changed does not verify', async () => {
    const state = seededState(gh, seed);
    put(state.id, 1, { ...sealState(state, key.privateKeyPem, 1), savedBy: { runId: 40, runAttempt: 1 } }, { runId: 40 });
    const { states, rejected } = await sealedStore(gh, key.privateKeyPem).list();
    expect(states).toEqual([]);
    expect(rejected[0]!.reason).toMatch(/its seal does not verify/);
  });

  it("a state of an older version without its run is used only as the publish run's first revision", async () => {
    const first = seededState(gh, { ...seed, runId: 30 });
    put(first.id, 1, sealState(first, key.privateKeyPem, null), { runId: 30 });
    const later = seededState(gh, { ...seed, runId: 31 });
    put(later.id, 2, sealState({ ...later, revision: 2 }, key.privateKeyPem, null), { runId: 32 });
    const copied = seededState(gh, { ...seed, runId: 33 });
    put(copied.id, 1, sealState(copied, key.privateKeyPem, null), { runId: 34 });
    const { states, rejected } = await sealedStore(gh, key.privateKeyPem).list();
    expect(states.map((s) => s.label)).toEqual([stateArtifactName(first.id, 1)]);
    expect(rejected.map((r) => r.label).sort()).toEqual([stateArtifactName(later.id, 2), stateArtifactName(copied.id, 1)].sort());
    for (const r of rejected) expect(r.reason).toMatch(/without binding it to its run.*Finish its build with `command: distribute`/);
  });

  it('a genuine document copied under another name is reported', async () => {
    const state = seededState(gh, seed);
    put('0f0e0d0c-0b0a-4000-8000-00000000000a', 1, sealState(state, key.privateKeyPem));
    const { rejected } = await sealedStore(gh, key.privateKeyPem).list();
    expect(rejected[0]!.reason).toMatch(
      /its name says state 0f0e0d0c-0b0a-4000-8000-00000000000a revision 1, but it holds .* \(a copy under another name\)/,
    );
  });

  it('an artifact that is not a zip of a state file is reported, not thrown', async () => {
    const state = seededState(gh, seed);
    gh.addArtifact({ name: stateArtifactName(state.id, 1), runId: 1, files: { 'other.txt': 'hello' } });
    const { rejected } = await sealedStore(gh, key.privateKeyPem).list();
    expect(rejected[0]!.reason).toMatch(/has no post-processing-state\.json; it holds: other\.txt/);
  });

  it('a second listing in the same run does not download again what the first verified or rejected', async () => {
    const state = seededState(gh, seed);
    const forged = put(state.id, 2, { hello: 'world' });
    const genuine = put(state.id, 1, sealState({ ...state, revision: 1 }, key.privateKeyPem));
    const store = sealedStore(gh, key.privateKeyPem);
    const downloads = () => gh.requests.filter((r) => /\/actions\/artifacts\/\d+\/zip$/.test(r.path)).map((r) => r.path);
    const mark = downloads().length;
    const first = await store.list();
    const second = await store.list();
    expect(second).toEqual(first);
    expect(first.rejected).toHaveLength(1);
    expect(first.states.map((s) => s.id)).toEqual([String(genuine)]);
    expect(downloads().slice(mark).sort()).toEqual([forged, genuine].map((id) => `/repos/octo/app/actions/artifacts/${id}/zip`).sort());
  });

  it('without GITHUB_REPOSITORY_ID, looks the repository id up once', async () => {
    const undo = applyEnv({ GITHUB_REPOSITORY_ID: undefined });
    try {
      const config = { command: 'resume', githubToken: gh.token, stateArtifact: 'app-store-connect-post-processing' } as Config;
      const store = openArtifactStore(config, recordingRuntime(), { now: Date.now }, loadPrivateKey(key.privateKeyPem));
      const mark = gh.requests.length;
      await store.list();
      await store.list();
      expect(gh.requests.slice(mark).filter((r) => r.path === '/repos/octo/app')).toHaveLength(1);
    } finally {
      undo();
    }
  });
});

describe('artifact state store: saving', () => {
  /** A store whose save retries without waiting, saying in `told` when it does. */
  function quickStore(told: string[]): ArtifactStateStore {
    return new ArtifactStateStore(
      createArtifactClient({ token: gh.token, repository: gh.repository, apiUrl: gh.apiUrl }),
      'app-store-connect-post-processing',
      stateSeal(loadPrivateKey(key.privateKeyPem)),
      { name: gh.repository, id: async () => gh.repositoryId, runUrl: (runId) => `https://github.com/x/actions/runs/${runId}` },
      Date.now,
      { policy: { attempts: 4, baseDelayMs: 1, maxDelayMs: 1 }, sleep: async () => {}, log: { info: (m) => told.push(m) } },
    );
  }
  const creates = () => gh.requests.filter((r) => r.path.endsWith('/CreateArtifact')).length;

  it('tries again after a dropped connection', async () => {
    const told: string[] = [];
    const state = seededState(gh, seed);
    gh.faults.inject({ path: /CreateArtifact$/, kind: 'reset', times: 1 });
    const mark = creates();
    const saved = await quickStore(told).save(state);
    expect(saved.label).toBe(stateArtifactName(state.id, state.revision));
    expect(creates() - mark).toBe(2);
    expect(told).toEqual([expect.stringMatching(/ECONNRESET.*retrying in/s)]);
  });

  it('does not repeat an upload GitHub refused (409: the revision exists), and says so once', async () => {
    const told: string[] = [];
    const store = quickStore(told);
    const state = seededState(gh, seed);
    await store.save(state);
    state.revision--;
    const mark = creates();
    const error = await store.save(state).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/\(409\) Conflict/);
    expect(creates() - mark).toBe(1);
    expect(told).toEqual([]);
  });

  it('after a dropped connection and then a refusal, reports both, the first try last', async () => {
    const told: string[] = [];
    const store = quickStore(told);
    const state = seededState(gh, seed);
    await store.save(state);
    state.revision--;
    gh.faults.inject({ path: /CreateArtifact$/, kind: 'reset', times: 1 });
    const error = await store.save(state).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/\(409\) Conflict.*\(the first try: .*ECONNRESET/s);
    expect(told).toHaveLength(1);
  });
});
