import { describe, expect, it } from 'vitest';
import { releaseVersion } from '../../src/commands/release.js';
import { released } from '../../test-support/app-store.js';
import { world, type World } from './setup.js';

const target = (w: World) => ({ appId: w.appId, version: '1.1.0', platform: 'IOS' as const });

describe('command: release', () => {
  it('releases a version approved by App Review (the clock runs through review), and starts its phased release', async () => {
    const w = await world();
    const { versionId: previous } = released(w.fake, w.appId);
    const state = w.plan({ releaseType: 'MANUAL', phasedRelease: true });
    await w.runAll(state);
    const versionId = state.appStore!.versionId!;
    w.clock.ms += w.fake.appStore.timing.reviewStartsAfterMs;
    expect(w.fake.appStore.version(versionId).attributes.appStoreState).toBe('IN_REVIEW');
    w.clock.ms += w.fake.appStore.timing.reviewMs;
    expect(w.fake.appStore.version(versionId).attributes.appStoreState).toBe('PENDING_DEVELOPER_RELEASE');

    const outcome = await releaseVersion(w.ctx.asc, target(w), w.log);
    expect(outcome).toMatchObject({ versionId, state: 'READY_FOR_SALE', action: 'released' });
    expect(w.fake.appStore.version(previous).attributes.appStoreState).toBe('REPLACED_WITH_NEW_VERSION');
    expect(w.fake.resources('appStoreVersionPhasedReleases')[0].attributes.phasedReleaseState).toBe('ACTIVE');
    expect(w.writes().filter((r) => r.path === '/v1/appStoreVersionReleaseRequests')).toHaveLength(1);
  });

  it.each(['ACTIVE', 'PAUSED'])('completes a phased release that is %s', async (phase) => {
    const w = await world();
    const { id } = w.fake.appStore.addVersion({ appId: w.appId, versionString: '1.1.0', buildId: w.buildId, state: 'READY_FOR_SALE' });
    const phased = w.fake.appStore.addPhasedRelease(id, phase);
    const outcome = await releaseVersion(w.ctx.asc, target(w), w.log);
    expect(outcome).toMatchObject({ action: 'phased-release-completed', state: 'READY_FOR_SALE' });
    expect(outcome.detail).toContain(`phased release ${phase}`);
    expect(w.fake.resource('appStoreVersionPhasedReleases', phased.id).attributes.phasedReleaseState).toBe('COMPLETE');
  });

  it.each([
    ['WAITING_FOR_REVIEW', /is WAITING_FOR_REVIEW.*App Review has not approved it yet/],
    ['PREPARE_FOR_SUBMISSION', /is PREPARE_FOR_SUBMISSION.*has not been submitted/],
    ['PENDING_APPLE_RELEASE', /is PENDING_APPLE_RELEASE.*scheduled/],
    ['READY_FOR_SALE', /is READY_FOR_SALE with no phased release under way.*already on the App Store/],
    ['REJECTED', /is REJECTED.*Resolution Center/],
  ])('refuses a version that is %s, saying its state', async (state, message) => {
    const w = await world();
    w.fake.appStore.addVersion({ appId: w.appId, versionString: '1.1.0', buildId: w.buildId, state });
    await expect(releaseVersion(w.ctx.asc, target(w), w.log)).rejects.toThrow(message);
    expect(w.writes()).toHaveLength(0);
  });

  it('refuses a completed phased release, and a version that does not exist (naming app-version)', async () => {
    const w = await world();
    const { id } = w.fake.appStore.addVersion({ appId: w.appId, versionString: '1.1.0', buildId: w.buildId, state: 'READY_FOR_SALE' });
    w.fake.appStore.addPhasedRelease(id, 'COMPLETE');
    await expect(releaseVersion(w.ctx.asc, target(w), w.log)).rejects.toThrow(/READY_FOR_SALE with no phased release under way/);
    await expect(releaseVersion(w.ctx.asc, { ...target(w), version: '9.9' }, w.log)).rejects.toThrow(
      /Input `app-version`: the app has no App Store version 9\.9 for IOS/,
    );
  });

  it('a release request whose answer was lost is read back, not reported as a failure', async () => {
    const w = await world({ timeoutMs: 300, sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 50) + 700)) });
    const { id } = w.fake.appStore.addVersion({
      appId: w.appId,
      versionString: '1.1.0',
      buildId: w.buildId,
      state: 'PENDING_DEVELOPER_RELEASE',
    });
    w.fake.faults.inject({ method: 'POST', path: '/v1/appStoreVersionReleaseRequests', kind: 'slow', delayMs: 600, times: 1 });
    const outcome = await releaseVersion(w.ctx.asc, target(w), w.log);
    expect(outcome).toMatchObject({ versionId: id, state: 'READY_FOR_SALE', action: 'released' });
    expect(w.fake.requests.filter((r) => r.path === '/v1/appStoreVersionReleaseRequests').map((r) => r.status)).toEqual([201, 409]);
  }, 20_000);
});
