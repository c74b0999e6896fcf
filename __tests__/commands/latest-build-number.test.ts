import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compareBuildNumbers, nextBuildNumber } from '../../src/domain.js';
import type { FakeAsc, TestKey } from '../../test-support/fake-asc/index.js';
import { ascInputs, closeCheckedFake, runWithInputs, startFakeAscWithApp } from '../../test-support/setup.js';

describe('command: latest-build-number, against the fake', () => {
  let key: TestKey, fake: FakeAsc, appId: string;

  beforeEach(async () => {
    ({ key, fake, appId } = await startFakeAscWithApp());
    fake.addApp({ bundleId: 'com.example.other', name: 'Other' });
  });
  afterEach(() => closeCheckedFake(fake));

  const run = async (extra: Record<string, string>) => {
    const { runtime, error } = await runWithInputs({ command: 'latest-build-number', ...ascInputs(key, fake), ...extra });
    if (error) throw error;
    return runtime;
  };

  it('compares build numbers number by number across versions (10 > 9 > 1.2.3), by bundle ID', async () => {
    fake.addBuild({ appId, version: '1.0', buildNumber: '1' });
    fake.addBuild({ appId, version: '1.0', buildNumber: '9' });
    fake.addBuild({ appId, version: '1.1', buildNumber: '10' });
    fake.addBuild({ appId, version: '1.2', buildNumber: '1.2.3' });
    fake.addBuild({ appId, version: '1.2', buildNumber: '2', expired: true });
    const runtime = await run({ 'bundle-id': 'com.example.app' });
    expect(runtime.outputs).toMatchObject({
      'app-id': appId,
      'bundle-id': 'com.example.app',
      'latest-build-number': '10',
      'next-build-number': '11',
    });
    expect(runtime.log.infos).toContain('Latest build number of com.example.app: 10; next: 11.');
    const summary = runtime.summary.join('\n');
    expect(summary).toContain('Latest build number — com.example.app');
    expect(summary).toContain('| 10 | 11 | 5 |');
  });

  it('counts a build that is only in the App Store (an expired TestFlight build of a released version)', async () => {
    fake.addBuild({ appId, version: '2.0', buildNumber: '7' });
    const released = fake.addBuild({ appId, version: '1.9', buildNumber: '12', expired: true });
    fake.addAppStoreVersion(appId, '1.9', released.id);
    fake.addAppStoreVersion(appId, '2.0');
    const runtime = await run({ 'app-id': appId });
    expect(runtime.outputs['latest-build-number']).toBe('12');
    expect(runtime.outputs['next-build-number']).toBe('13');
    // The same build seen in TestFlight and the App Store is one build.
    expect(runtime.summary.join('\n')).toContain('| 12 | 13 | 2 |');
    const appStore = fake.requests.find((r) => r.path === `/v1/apps/${appId}/appStoreVersions`);
    expect(appStore?.query.include).toBe('build');
  });

  it('filters by `app-version`, comparing dotted build numbers numerically', async () => {
    fake.addBuild({ appId, version: '3.1', buildNumber: '3.1.9' });
    fake.addBuild({ appId, version: '3.1', buildNumber: '3.1.10' });
    fake.addBuild({ appId, version: '3.1', buildNumber: '3.1.2' });
    fake.addBuild({ appId, version: '3.0', buildNumber: '400' });
    const runtime = await run({ 'bundle-id': 'com.example.app', 'app-version': '3.1' });
    expect(runtime.outputs['latest-build-number']).toBe('3.1.10');
    expect(runtime.outputs['next-build-number']).toBe('3.1.11');
    expect(runtime.log.infos).toContain('Latest build number of com.example.app version 3.1: 3.1.10; next: 3.1.11.');
    const query = fake.requests.find((r) => r.path === '/v1/builds')!.query;
    expect(query['filter[preReleaseVersion.version]']).toBe('3.1');
  });

  it('filters by `platform`, in TestFlight and the App Store', async () => {
    fake.addBuild({ appId, version: '1.0', buildNumber: '30', platform: 'IOS' });
    const mac = fake.addBuild({ appId, version: '1.0', buildNumber: '20', platform: 'MAC_OS' });
    const ios = fake.addBuild({ appId, version: '0.9', buildNumber: '99', platform: 'IOS', expired: true });
    fake.addAppStoreVersion(appId, '1.0', mac.id, 'MAC_OS');
    fake.addAppStoreVersion(appId, '0.9', ios.id, 'IOS');
    const runtime = await run({ 'app-id': appId, platform: 'MAC_OS' });
    expect(runtime.outputs['latest-build-number']).toBe('20');
    expect(runtime.outputs['next-build-number']).toBe('21');
    expect(runtime.log.infos).toContain('Latest build number of com.example.app (MAC_OS): 20; next: 21.');
  });

  it("starts at 1 for an app without builds, and finds the app by `app-id` with the app's bundle ID in the outputs", async () => {
    const other = fake.resources('apps').find((a) => a.attributes.bundleId === 'com.example.other').id;
    fake.addBuild({ appId, version: '1.0', buildNumber: '5' });
    const runtime = await run({ 'app-id': other });
    expect(runtime.outputs).toMatchObject({
      'app-id': other,
      'bundle-id': 'com.example.other',
      'latest-build-number': '',
      'next-build-number': '1',
    });
    expect(runtime.log.infos).toContain('No build of com.example.other yet; next: 1.');
    expect(runtime.summary.join('\n')).toContain('| — | 1 | 0 |');
  });

  it('explains an unknown bundle ID', async () => {
    const error = await run({ 'bundle-id': 'com.example.nope' }).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/^No app with bundle ID com\.example\.nope in App Store Connect \(this API key sees 2 apps\)/);
  });
});

describe('build number arithmetic', () => {
  it('orders number by number, shorter equal to padded with zeros', () => {
    expect(['10', '9', '1.2.3', '1', '1.10', '1.9', '2'].sort(compareBuildNumbers)).toEqual(['1', '1.2.3', '1.9', '1.10', '2', '9', '10']);
    expect(compareBuildNumbers('1.0', '1')).toBe(0);
    expect(compareBuildNumbers('007', '7')).toBe(0);
  });

  it('adds one to the last part', () => {
    expect(nextBuildNumber(undefined)).toBe('1');
    expect(nextBuildNumber('41')).toBe('42');
    expect(nextBuildNumber('1.2.9')).toBe('1.2.10');
    expect(nextBuildNumber('99')).toBe('100');
  });
});
