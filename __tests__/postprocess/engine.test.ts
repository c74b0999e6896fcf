import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { advance, type EngineContext } from '../../src/postprocess/engine.js';
import { plannedState } from '../../test-support/deferred.js';
import { STATE_SCHEMA_VERSION, type PostProcessingState } from '../../src/postprocess/state.js';
import { parseState } from '../../src/stores/schema.js';
import type { FakeAsc, TestKey } from '../../test-support/fake-asc/index.js';
import { recordingLog } from '../../test-support/log.js';
import { closeCheckedFake, connectTo, startFakeAscWithApp } from '../../test-support/setup.js';

describe('the post-processing engine', () => {
  let key: TestKey, fake: FakeAsc, now: number, ctx: EngineContext, appId: string;

  beforeEach(async () => {
    now = Date.now();
    ({ key, fake, appId } = await startFakeAscWithApp({
      fake: { now: () => now, timing: { uploadProcessingMs: 1_000, buildProcessingMs: 60_000 } },
      app: { bundleId: 'com.example.app' },
      betaGroups: ['QA'],
      betaReviewReady: true,
    }));
    const log = recordingLog();
    const sleep = async (ms: number) => void (now += ms);
    ctx = {
      asc: connectTo(fake, key, { log, now: () => now, sleep }),
      log,
      now: () => now,
      sleep,
      pollIntervalMs: 30_000,
    };
  });
  afterEach(() => closeCheckedFake(fake));

  function plan(buildId?: string): PostProcessingState {
    return plannedState({
      app: { id: appId, bundleId: 'com.example.app' },
      build: { version: '1.0', buildNumber: '3', platform: 'IOS', id: buildId },
      uploadedAt: new Date(now),
      request: { notes: [{ locale: 'en-US', text: 'Hi' }], usesNonExemptEncryption: false, submitBetaReview: true, betaGroups: ['QA'] },
      skip: ['upload-state'],
    });
  }

  it('without wait, makes one status check per call and keeps the state pending', async () => {
    const build = fake.addBuild({ appId, version: '1.0', buildNumber: '3', processingState: 'PROCESSING' });
    const state = plan();
    const first = await advance(state, ctx, { wait: false });
    expect(first.error).toBeUndefined();
    expect(state.status).toBe('pending');
    expect(state.steps['find-build']?.status).toBe('done');
    expect(state.steps.notes?.status).toBe('done');
    expect(state.steps.processing).toMatchObject({ status: 'pending', detail: 'processing state PROCESSING' });
    const count = fake.requests.length;
    await advance(state, ctx, { wait: false });
    expect(fake.requests.length - count).toBe(1);

    fake.setBuildProcessingState(build.id, 'VALID');
    now += 60_000;
    await advance(state, ctx, { wait: false });
    expect(state.status).toBe('completed');
    expect(Object.values(state.steps).every((s) => s.status === 'done' || s.status === 'skipped')).toBe(true);
  });

  it('past a deadline, fails the step before it acts: not one request to App Store Connect', async () => {
    const build = fake.addBuild({ appId, version: '1.0', buildNumber: '3', processingState: 'VALID' });
    const state = plan(build.id);
    state.steps['find-build'] = { status: 'done' };
    now += 121 * 60_000;
    const count = fake.requests.length;
    const result = await advance(state, ctx, { wait: false });
    expect(fake.requests.length).toBe(count);
    expect(state.status).toBe('failed');
    expect(state.steps.notes?.status).toBe('failed');
    expect(result.error?.message).toMatch(
      /What to Test notes \(step `notes`\) failed .*its deadline `processing-timeout` \(120 minutes from the upload\) passed before it ran/,
    );
  });

  it('a completed plan run again sends nothing; the same plan with its progress lost writes nothing new', async () => {
    const build = fake.addBuild({ appId, version: '1.0', buildNumber: '3', processingState: 'VALID' });
    const state = plan(build.id);
    await advance(state, ctx, { wait: true });
    expect(state.status).toBe('completed');
    const count = fake.requests.length;
    await advance(state, ctx, { wait: true });
    expect(fake.requests.length).toBe(count);

    // As if the process died before saving any progress: every step runs again and finds its work done.
    const replay = structuredClone(state);
    replay.status = 'pending';
    for (const step of Object.values(replay.steps)) if (step.status !== 'skipped') step.status = 'pending';
    const writesBefore = fake.requests.filter((r) => r.method !== 'GET').length;
    await advance(replay, ctx, { wait: true });
    expect(replay.status).toBe('completed');
    expect(fake.requests.filter((r) => r.method !== 'GET').length).toBe(writesBefore);
  });

  it('holds no secrets and round-trips through JSON', async () => {
    const state = plan();
    const text = JSON.stringify(state);
    expect(text).not.toContain(key.keyId);
    expect(text).not.toContain(key.issuerId!);
    expect(text).not.toMatch(/PRIVATE KEY|eyJ/);
    expect(parseState(JSON.parse(text), 'test')).toEqual(state);
    expect(() => parseState({ ...state, schemaVersion: STATE_SCHEMA_VERSION + 1 }, 'artifact X')).toThrow(/newer version of the action/);
    expect(() => parseState({ ...state, schemaVersion: 0 }, 'artifact X')).toThrow(/older version of the action.*command: distribute/);
    expect(() => parseState({ hello: 1 }, 'artifact X')).toThrow(/not post-processing state/);
  });

  it('a build that never appears fails at the find deadline', async () => {
    const state = plan();
    const result = await advance(state, ctx, { wait: true });
    expect(state.status).toBe('failed');
    expect(result.error?.message).toMatch(
      /Build found \(step `find-build`\) failed.*the build did not appear in App Store Connect within `find-build-timeout` \(15 minutes from the upload\)/,
    );
    expect(now - Date.parse(state.uploadedAt)).toBeGreaterThanOrEqual(15 * 60_000);
    expect(now - Date.parse(state.uploadedAt)).toBeLessThan(16 * 60_000);
  });

  it('keeps a step pending after a transient failure past the retries, and finishes it next time', async () => {
    const build = fake.addBuild({ appId, version: '1.0', buildNumber: '3', processingState: 'VALID', usesNonExemptEncryption: false });
    const state = plan(build.id);
    fake.faults.inject({ method: 'POST', path: '/v1/betaAppReviewSubmissions', kind: '503', times: 100 });
    const result = await advance(state, ctx, { wait: false });
    expect(result.error?.message).toMatch(/Beta review submission \(step `beta-review`\) failed .*HTTP 503/s);
    expect(state.status).toBe('pending');
    expect(state.steps['beta-review']?.status).toBe('pending');
    fake.faults.clear();
    await advance(state, ctx, { wait: false });
    expect(state.status).toBe('completed');
    expect(fake.resources('betaAppReviewSubmissions')).toHaveLength(1);
  });

  it('two runs of the same plan at once both finish, and Apple holds each change once', async () => {
    const old = fake.addBuild({ appId, version: '1.0', buildNumber: '2', processingState: 'VALID', usesNonExemptEncryption: false });
    const build = fake.addBuild({ appId, version: '1.0', buildNumber: '3', processingState: 'VALID' });
    const state = plan(build.id);
    state.request.expirePreviousBuilds = true;
    state.steps['expire-previous'] = { status: 'pending' };
    const [a, b] = await Promise.all([
      advance(structuredClone(state), ctx, { wait: false }),
      advance(structuredClone(state), ctx, { wait: false }),
    ]);
    expect([a.error?.message, b.error?.message]).toEqual([undefined, undefined]);
    expect([a.state.status, b.state.status]).toEqual(['completed', 'completed']);
    expect(fake.resources('betaBuildLocalizations').filter((l) => l.relationships?.build?.data?.id === build.id)).toHaveLength(1);
    expect(fake.resources('betaAppReviewSubmissions')).toHaveLength(1);
    expect(fake.resource('builds', build.id).attributes.usesNonExemptEncryption).toBe(false);
    expect(fake.resource('builds', old.id).attributes.expired).toBe(true);
    // The runs really collided: Apple refused at least one of the doubled writes, and both recovered.
    expect(fake.requests.filter((r) => r.status === 409).length).toBeGreaterThan(0);
  });
});
