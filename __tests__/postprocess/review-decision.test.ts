import { describe, expect, it } from 'vitest';
import { advance, type EngineContext } from '../../src/postprocess/engine.js';
import { stepOrder, type PostProcessingState } from '../../src/postprocess/state.js';
import { parseState } from '../../src/stores/schema.js';
import { retentionDaysFor } from '../../src/stores/artifact-store.js';
import { world, type World } from '../app-store/setup.js';

/**
 * Following review to the decision (`follow-review`), through the engine against the fake App Store
 * Connect on a fake clock: the review watches read Apple's state once per call and write nothing, never
 * sleep even when the caller waits, end in success, failure or `timed-out`, and testers hear of an
 * approved build only.
 */

const HOUR = 3_600_000;

function engine(w: World): EngineContext {
  return {
    asc: w.ctx.asc,
    log: w.log,
    now: () => w.clock.ms,
    sleep: async (ms) => void (w.clock.ms += ms),
    pollIntervalMs: 30_000,
  };
}

/** A build that asks for beta review (group "Public"), tester notification, App Review and follow-review. */
function followed(w: World, reviewTimeoutMs = 72 * HOUR): PostProcessingState {
  w.fake.addBetaGroup(w.appId, 'Public');
  const state = w.plan({ releaseType: 'MANUAL' });
  Object.assign(state.request, {
    submitBetaReview: true,
    betaGroups: ['Public'],
    notifyTesters: true,
    followReview: true,
    reviewTimeoutMs,
  });
  for (const name of [
    'beta-review',
    'beta-groups',
    'notify-testers',
    'app-store-version',
    'app-store-whats-new',
    'app-store-submit',
    'beta-review-decision',
    'app-store-review-decision',
  ] as const)
    state.steps[name] = { status: 'pending' };
  // A build already in App Store Connect, as `distribute` finds it.
  state.steps['upload-state'] = { status: 'skipped' };
  return state;
}

const notifications = (w: World) => w.fake.resources('buildBetaNotifications').length;
const submissionOf = (w: World) => w.fake.resources('reviewSubmissions')[0]!.id as string;

describe('follow-review through the engine', () => {
  it('a step behind the beta watch is bounded by its deadline, not processing-timeout: approved days later, testers are told', async () => {
    const w = await world();
    const state = followed(w);
    await advance(state, engine(w), { wait: true });
    // Two days later, long past processing-timeout, Apple approves: the notification still goes out.
    w.clock.ms += 48 * HOUR;
    w.fake.betaReview.approve(w.buildId);
    await advance(state, engine(w), { wait: false });
    expect(state.steps['notify-testers']).toMatchObject({ status: 'done', detail: 'notification sent' });
    expect(notifications(w)).toBe(1);
  });

  it('a step behind a watch whose deadline passed before it ran says so in the watch’s words, and sends nothing', async () => {
    const w = await world();
    const state = followed(w);
    await advance(state, engine(w), { wait: true });
    // The watch saw the approval, but no run came for the notification until after the watch's deadline.
    state.steps['beta-review-decision'] = { status: 'done', detail: 'APPROVED' };
    w.clock.ms += 80 * HOUR;
    const result = await advance(state, engine(w), { wait: false });
    expect(state.steps['notify-testers']?.status).toBe('failed');
    expect(result.error?.message).toMatch(
      /its deadline `review-timeout` \(the review watch's, which ended \d{4}-\d\d-\d\d \d\d:\d\d UTC\) passed before it ran/,
    );
    expect(notifications(w)).toBe(0);
  });

  it('testers are notified after the beta approval, not before; App Review approval completes it; nothing is written while watching', async () => {
    const w = await world();
    w.fake.appStore.timing.reviewStartsAfterMs = 10 * HOUR;
    const state = followed(w);
    expect(stepOrder(state.request).slice(-3)).toEqual(['beta-review-decision', 'notify-testers', 'app-store-review-decision']);

    // Inline (wait: true) does everything up to the submissions, then returns instead of sleeping through review.
    const started = w.clock.ms;
    const first = await advance(state, engine(w), { wait: true });
    expect(first.error).toBeUndefined();
    expect(w.clock.ms - started).toBeLessThan(HOUR);
    expect(state.status).toBe('pending');
    expect(state.steps['beta-review']?.status).toBe('done');
    expect(state.steps['app-store-submit']?.status).toBe('done');
    expect(state.steps['beta-review-decision']).toMatchObject({ status: 'pending', detail: 'beta review WAITING_FOR_REVIEW' });
    expect(state.steps['notify-testers']?.status).toBe('pending');
    // The App Store watch runs although the beta one is undecided.
    expect(state.steps['app-store-review-decision']).toMatchObject({ status: 'pending', detail: 'App Review WAITING_FOR_REVIEW' });
    expect(Date.parse(state.deadlines.betaReview!) - w.clock.ms).toBeGreaterThan(71 * HOUR);
    expect(state.deadlines.appStoreReview).toBeDefined();
    expect(state.betaReview?.state).toBe('WAITING_FOR_REVIEW');
    expect(notifications(w)).toBe(0);
    expect(w.fake.resource('buildBetaDetails', w.buildId).attributes.autoNotifyEnabled).toBe(false);

    const writes = w.writes().length;
    w.clock.ms += HOUR;
    const again = await advance(state, engine(w), { wait: false });
    expect(again.changed).toBe(false);
    expect(w.writes()).toHaveLength(writes);

    w.fake.betaReview.approve(w.buildId);
    await advance(state, engine(w), { wait: false });
    expect(state.steps['beta-review-decision']).toMatchObject({ status: 'done' });
    expect(state.steps['beta-review-decision']?.detail).toContain('APPROVED: external testers in Public');
    expect(state.betaReview?.state).toBe('APPROVED');
    expect(state.steps['notify-testers']).toMatchObject({ status: 'done', detail: 'notification sent' });
    expect(notifications(w)).toBe(1);
    expect(state.status).toBe('pending');

    w.fake.appStore.approve(submissionOf(w));
    const last = await advance(state, engine(w), { wait: false });
    expect(last.error).toBeUndefined();
    expect(state.status).toBe('completed');
    expect(state.appStore?.versionState).toBe('PENDING_DEVELOPER_RELEASE');
    expect(state.steps['app-store-review-decision']?.detail).toMatch(
      /^APPROVED \(PENDING_DEVELOPER_RELEASE\): waiting for `command: release`/,
    );
    // Only GETs since the submissions, besides the one notification.
    expect(
      w
        .writes()
        .slice(writes)
        .map((r) => r.path),
    ).toEqual(['/v1/buildBetaNotifications']);
  });

  it.each([
    ['reject', 'REJECTED', /Resolution Center/],
    ['rejectMetadata', 'METADATA_REJECTED', /rejected its metadata/],
  ] as const)('App Review refusal (%s) fails the build naming %s and linking the version', async (control, name, help) => {
    const w = await world();
    const state = followed(w);
    state.request.submitBetaReview = false;
    delete state.steps['beta-review'];
    delete state.steps['beta-review-decision'];
    await advance(state, engine(w), { wait: true });
    w.fake.appStore[control](submissionOf(w));
    const result = await advance(state, engine(w), { wait: false });
    expect(state.status).toBe('failed');
    expect(result.error?.message).toContain(`was not approved: ${name}`);
    expect(result.error?.message).toMatch(help);
    expect(result.error?.message).toContain(`https://appstoreconnect.apple.com/apps/${w.appId}/distribution/ios/version/inflight`);
  });

  it('a beta review rejection fails the build naming REJECTED and the TestFlight page; testers are not notified', async () => {
    const w = await world();
    const state = followed(w);
    await advance(state, engine(w), { wait: true });
    w.fake.betaReview.reject(w.buildId);
    const result = await advance(state, engine(w), { wait: false });
    expect(state.status).toBe('failed');
    expect(result.error?.message).toMatch(/TestFlight beta review: build 42 was REJECTED/);
    expect(result.error?.message).toContain(`https://appstoreconnect.apple.com/apps/${w.appId}/testflight/ios/${w.buildId}`);
    expect(notifications(w)).toBe(0);
  });

  it('the fake moves a beta review on by the clock too', async () => {
    const w = await world();
    w.fake.timing.betaReviewStartsAfterMs = HOUR;
    w.fake.timing.betaReviewMs = HOUR;
    w.fake.appStore.timing.reviewStartsAfterMs = 100 * HOUR;
    const state = followed(w);
    await advance(state, engine(w), { wait: true });
    w.clock.ms += 1.5 * HOUR;
    await advance(state, engine(w), { wait: false });
    expect(state.steps['beta-review-decision']?.detail).toBe('beta review IN_REVIEW');
    expect(w.fake.resource('buildBetaDetails', w.buildId).attributes.externalBuildState).toBe('IN_BETA_REVIEW');
    w.clock.ms += HOUR;
    await advance(state, engine(w), { wait: false });
    expect(state.steps['beta-review-decision']?.status).toBe('done');
    expect(w.fake.resource('buildBetaDetails', w.buildId).attributes.externalBuildState).toBe('BETA_APPROVED');
  });

  it('no decision within review-timeout: timed-out, not failed; testers not notified; the watch wrote nothing', async () => {
    const w = await world();
    w.fake.appStore.timing.reviewStartsAfterMs = 100 * HOUR;
    const state = followed(w, 2 * HOUR);
    await advance(state, engine(w), { wait: true });
    const writes = w.writes().length;
    w.clock.ms += 3 * HOUR;
    const result = await advance(state, engine(w), { wait: false });
    expect(result.error).toBeUndefined();
    expect(state.status).toBe('timed-out');
    expect(state.steps['beta-review-decision']).toMatchObject({ status: 'timed-out' });
    expect(state.steps['beta-review-decision']?.detail).toMatch(
      /no decision within `review-timeout` \(2 h from the submission\); last state: beta review WAITING_FOR_REVIEW/,
    );
    expect(state.steps['app-store-review-decision']?.status).toBe('timed-out');
    expect(state.steps['notify-testers']?.status).toBe('skipped');
    expect(w.log.warnings.join('\n')).toMatch(/this is no failure/);
    expect(w.writes()).toHaveLength(writes);
    expect(notifications(w)).toBe(0);
  });

  it('the state with its review fields reads back in schema 3; a schema 2 state carrying them is refused', () => {
    const state = {
      schemaVersion: 3,
      id: '0b7d6c1e-3f7a-4c2d-9a51-2d8f0c3e4b5a',
      revision: 1,
      createdAt: '2026-12-01T09:00:00.000Z',
      app: { id: '1', bundleId: 'com.example.app' },
      build: { version: '1.1', buildNumber: '11', platform: 'IOS', id: '7' },
      uploadedAt: '2026-12-01T09:00:00.000Z',
      deadlines: { findBuild: '2026-12-01T09:15:00.000Z', processing: '2026-12-01T11:00:00.000Z', betaReview: '2026-12-04T09:30:00.000Z' },
      request: {
        notes: [],
        expirePreviousBuilds: false,
        submitBetaReview: true,
        betaGroups: [],
        notifyTesters: false,
        followReview: true,
        reviewTimeoutMs: 72 * HOUR,
      },
      steps: { 'beta-review': { status: 'done' }, 'beta-review-decision': { status: 'timed-out', detail: 'x' } },
      status: 'timed-out',
      betaReview: { state: 'WAITING_FOR_REVIEW' },
    };
    expect(parseState(state, 'a')).toBeDefined();
    expect(() => parseState({ ...state, schemaVersion: 2 }, 'b')).toThrow(/state\.request\.followReview is not a field of state schema 2/);
    expect(() => parseState({ ...state, betaReview: { state: 'approved<script>' } }, 'c')).toThrow(/state\.betaReview\.state/);
  });

  it('a state following review is kept until a day past its last review deadline, within the repository limit', () => {
    const now = Date.UTC(2026, 11, 1);
    const base = {
      deadlines: { findBuild: new Date(now).toISOString(), processing: new Date(now + 2 * HOUR).toISOString() },
      request: { followReview: true, reviewTimeoutMs: 30 * 24 * HOUR },
    } as unknown as PostProcessingState;
    expect(retentionDaysFor(base, now, 90)).toBe(32);
    expect(retentionDaysFor(base, now, 20)).toBe(20);
    expect(retentionDaysFor({ ...base, request: { ...base.request, followReview: false } }, now, 90)).toBe(7);
    const known = { ...base, deadlines: { ...base.deadlines, appStoreReview: new Date(now + 10 * 24 * HOUR).toISOString() } };
    expect(retentionDaysFor({ ...known, request: { ...known.request, reviewTimeoutMs: HOUR } }, now, 90)).toBe(11);
  });
});
