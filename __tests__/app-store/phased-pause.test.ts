import { describe, expect, it } from 'vitest';
import { setPhasedRelease } from '../../src/commands/release.js';
import { world, type World } from './setup.js';

/** `command: release` with `phased-release: pause` / `resume` against the fake App Store Connect. */
const target = (w: World) => ({ appId: w.appId, version: '1.1.0', platform: 'IOS' as const });

describe('command: release, phased-release pause and resume', () => {
  it('pauses an ACTIVE phased release and resumes it; each again changes nothing', async () => {
    const w = await world();
    const { id } = w.fake.appStore.addVersion({ appId: w.appId, versionString: '1.1.0', buildId: w.buildId, state: 'READY_FOR_SALE' });
    const phased = w.fake.appStore.addPhasedRelease(id, 'ACTIVE');
    const phase = () => w.fake.resource('appStoreVersionPhasedReleases', phased.id).attributes.phasedReleaseState;

    const paused = await setPhasedRelease(w.ctx.asc, target(w), 'pause', w.log);
    expect(paused).toMatchObject({ versionId: id, action: 'phased-release-paused', state: 'READY_FOR_SALE' });
    expect(paused.detail).toMatch(/phased release paused on day 1 of 7 \(PAUSED\)/);
    expect(phase()).toBe('PAUSED');
    const writes = w.writes().length;
    expect((await setPhasedRelease(w.ctx.asc, target(w), 'pause', w.log)).detail).toMatch(/already PAUSED/);
    expect(w.writes()).toHaveLength(writes);

    const resumed = await setPhasedRelease(w.ctx.asc, target(w), 'resume', w.log);
    expect(resumed.action).toBe('phased-release-resumed');
    expect(phase()).toBe('ACTIVE');
    expect((await setPhasedRelease(w.ctx.asc, target(w), 'resume', w.log)).detail).toMatch(/already ACTIVE/);
    expect(w.writes().map((r) => `${r.method} ${r.path}`)).toEqual([
      `PATCH /v1/appStoreVersionPhasedReleases/${phased.id}`,
      `PATCH /v1/appStoreVersionPhasedReleases/${phased.id}`,
    ]);
  });

  it.each([
    ['INACTIVE', 'PENDING_DEVELOPER_RELEASE', /phased release is INACTIVE: it starts when the version is released \(`command: release`\)/],
    ['COMPLETE', 'READY_FOR_SALE', /phased release is COMPLETE: every user has it already/],
    [undefined, 'READY_FOR_SALE', /it has no phased release/],
  ])('refuses a phased release that is %s (version %s), naming the state', async (phase, versionState, message) => {
    const w = await world();
    const { id } = w.fake.appStore.addVersion({ appId: w.appId, versionString: '1.1.0', buildId: w.buildId, state: versionState });
    if (phase) w.fake.appStore.addPhasedRelease(id, phase);
    for (const action of ['pause', 'resume'] as const) {
      const refused = setPhasedRelease(w.ctx.asc, target(w), action, w.log);
      await expect(refused).rejects.toThrow(message);
      await expect(setPhasedRelease(w.ctx.asc, target(w), action, w.log)).rejects.toThrow(/Input `phased-release: (pause|resume)`/);
    }
    expect(w.writes()).toHaveLength(0);
  });
});
