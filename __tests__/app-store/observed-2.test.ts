import { describe, expect, it } from 'vitest';
import { released, versionInReview } from '../../test-support/app-store.js';
import { world } from './setup.js';

/** The App Store steps against the Apple of the 2026 reports (sources cited in the fake). */
describe('App Store steps: Apple as observed, round 2', () => {
  it('a submission in review holding only an in-app event is neither a conflict nor cancelled, even with cancel-previous-submission', async () => {
    for (const cancelPreviousSubmission of [false, true]) {
      const w = await world();
      released(w.fake, w.appId);
      const { id: events } = w.fake.appStore.addSubmission({ appId: w.appId, state: 'IN_REVIEW', appEventIds: ['6500000001'] });
      const state = w.plan({ cancelPreviousSubmission });
      const results = await w.runAll(state);
      expect(results['app-store-submit'].status).toBe('done');
      expect(state.appStore?.submissionId).not.toBe(events);
      expect(w.fake.appStore.submission(events).attributes.state).toBe('IN_REVIEW');
      expect(w.writes().filter((r) => r.path === `/v1/reviewSubmissions/${events}`)).toEqual([]);
    }
  });

  it('a just-cancelled submission still holding its version (409 "still in progress") is retried briefly, and the submit completes', async () => {
    const w = await world();
    released(w.fake, w.appId);
    w.fake.quirks.cancelledSubmissionHoldsMs = 4_000;
    const { submissionId } = versionInReview(w.fake, w.appId, { versionString: '1.1.0', buildNumber: '41', state: 'WAITING_FOR_REVIEW' });
    const state = w.plan({ cancelPreviousSubmission: true });
    const results = await w.runAll(state);
    expect(results['app-store-submit'].status).toBe('done');
    expect(w.fake.resource('reviewSubmissions', submissionId).attributes.state).toBe('COMPLETE');
    const adds = w.fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/reviewSubmissionItems').map((r) => r.status);
    expect(adds[0]).toBe(409);
    expect(adds.at(-1)).toBe(201);
    expect(adds.length).toBeLessThanOrEqual(5);
  });

  it('a version held longer than the brief retry is an error, not an endless wait', async () => {
    const w = await world();
    released(w.fake, w.appId);
    w.fake.quirks.cancelledSubmissionHoldsMs = 10 * 60_000;
    versionInReview(w.fake, w.appId, { versionString: '1.1.0', buildNumber: '41', state: 'WAITING_FOR_REVIEW' });
    const state = w.plan({ cancelPreviousSubmission: true });
    await expect(w.runAll(state)).rejects.toThrow(/still in progress/);
    expect(w.fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/reviewSubmissionItems')).toHaveLength(5);
  });

  it('reads appVersionState when Apple no longer fills the deprecated appStoreState', async () => {
    const w = await world();
    w.fake.quirks.appStoreStateDropped = true;
    const other = w.fake.addBuild({ appId: w.appId, version: '1.1.0', buildNumber: '41', usesNonExemptEncryption: false }).id;
    w.fake.appStore.addVersion({ appId: w.appId, versionString: '1.1.0', buildId: other, state: 'READY_FOR_SALE' });
    await expect(w.run(w.plan(), 'app-store-version')).rejects.toThrow(/already on the App Store with build 41\. Raise `app-version`/);
    expect(w.writes()).toHaveLength(0);
  });

  it('the fake refuses `appStoreState` in fields[appStoreVersions] with 400, as Apple was seen to', async () => {
    const w = await world();
    const { versionId } = released(w.fake, w.appId);
    const http = w.ctx.asc.http;
    await expect(
      http.get(`/v1/appStoreVersions/${versionId}`, { 'fields[appStoreVersions]': 'versionString,appStoreState' }),
    ).rejects.toThrow(/400/);
    const ok = await http.get<{ data: { attributes: Record<string, unknown> } }>(`/v1/appStoreVersions/${versionId}`, {
      'fields[appStoreVersions]': 'versionString,appVersionState',
    });
    expect(ok.data.attributes.appVersionState).toBe('READY_FOR_DISTRIBUTION');
    w.fake.violations.splice(0);
  });
});
