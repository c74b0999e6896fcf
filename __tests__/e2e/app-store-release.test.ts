import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useDistSuite } from '../../test-support/dist-suite.js';
import { makeIpa } from '../../test-support/packages.js';
import type { DistRun } from '../../test-support/run-dist.js';

/** `command: release` for each state a version can be in, and the App Store inputs refused before any upload. */
describe('command: release and the App Store inputs (dist/index.js)', () => {
  const bundleId = 'com.example.release';
  const suite = useDistSuite({ app: { bundleId, name: 'Release', primaryLocale: 'en-US' }, workspacePrefix: 'ascp-release-e2e-' });

  beforeAll(() => {
    makeIpa({ path: join(suite.workspace, 'App.ipa'), bundleId, version: '9.0', buildNumber: '90', payloadBytes: 100_000 });
  });

  const action = (inputs: Record<string, string>): Promise<DistRun> => suite.job(undefined, inputs);

  /** A version `versionString` in `state`, with an optional phased release. */
  function version(versionString: string, state: string, phased?: string): string {
    const build = suite.asc.addBuild({
      appId: suite.appId,
      version: versionString,
      buildNumber: '1',
      processingState: 'VALID',
      usesNonExemptEncryption: false,
    }).id;
    const { id } = suite.asc.appStore.addVersion({ appId: suite.appId, versionString, buildId: build, state, locales: ['en-US'] });
    if (phased) suite.asc.appStore.addPhasedRelease(id, phased);
    return id;
  }
  const release = (appVersion: string, extra: Record<string, string> = {}) =>
    action({ command: 'release', 'bundle-id': bundleId, 'app-version': appVersion, ...extra });

  it('PENDING_DEVELOPER_RELEASE is released; a second release finds nothing to do and says the state', async () => {
    const id = version('2.0', 'PENDING_DEVELOPER_RELEASE');
    const run = await release('2.0');
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs['app-store-version-id']).toBe(id);
    expect(['READY_FOR_SALE', 'PROCESSING_FOR_APP_STORE']).toContain(run.outputs['app-store-state']);
    expect(suite.asc.requests.filter((r) => r.method === 'POST' && r.path === '/v1/appStoreVersionReleaseRequests')).toHaveLength(1);
    expect(run.summary).toContain('✅ Released');
    expect(run.summary).toContain(`https://appstoreconnect.apple.com/apps/${suite.appId}/distribution/ios/version/`);

    const again = await release('2.0');
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/App Store version 2\.0 of IOS is (READY_FOR_SALE|PROCESSING_FOR_APP_STORE)/);
    expect(suite.asc.requests.filter((r) => r.method === 'POST' && r.path === '/v1/appStoreVersionReleaseRequests')).toHaveLength(1);
  });

  it.each(['ACTIVE', 'PAUSED'])('a phased release that is %s is completed: every user gets it now', async (phase) => {
    const versionString = phase === 'ACTIVE' ? '3.0' : '3.1';
    const id = version(versionString, 'READY_FOR_SALE', phase);
    const run = await release(versionString, { platform: 'ios' });
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs).toMatchObject({ 'app-store-version-id': id, 'app-store-state': 'READY_FOR_SALE' });
    const phased = suite.asc.resources('appStoreVersionPhasedReleases').filter((p) => p.relationships.appStoreVersion.data.id === id);
    expect(phased.map((p) => p.attributes.phasedReleaseState)).toEqual(['COMPLETE']);
    expect(run.summary).toContain('Phased release completed');
  });

  it.each([
    ['4.0', 'WAITING_FOR_REVIEW', undefined, /is WAITING_FOR_REVIEW.*App Review has not approved it yet/],
    ['4.1', 'IN_REVIEW', undefined, /is IN_REVIEW/],
    ['4.2', 'PENDING_APPLE_RELEASE', undefined, /is PENDING_APPLE_RELEASE.*scheduled/],
    ['4.3', 'PREPARE_FOR_SUBMISSION', undefined, /is PREPARE_FOR_SUBMISSION.*`submit-app-store-review: true`/],
    ['4.4', 'REJECTED', undefined, /is REJECTED.*Resolution Center/],
    ['4.5', 'READY_FOR_SALE', undefined, /is READY_FOR_SALE with no phased release under way/],
    ['4.6', 'READY_FOR_SALE', 'COMPLETE', /is READY_FOR_SALE with no phased release under way/],
  ])('%s in %s (phased %s) is an error that says the state, and changes nothing', async (v, state, phased, message) => {
    version(v, state, phased);
    const before = suite.asc.requests.length;
    const run = await release(v);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(message);
    expect(suite.asc.requests.slice(before).filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('a version the app does not have is an error naming `app-version`', async () => {
    const run = await release('8.8');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/::error::Input `app-version`: the app has no App Store version 8\.8/);
  });

  it('without `platform`, a version on two platforms is an error naming `platform`, found in one listing', async () => {
    const build = suite.asc.addBuild({ appId: suite.appId, version: '5.0', buildNumber: '1', processingState: 'VALID' }).id;
    for (const platform of ['IOS', 'MAC_OS'] as const)
      suite.asc.appStore.addVersion({
        appId: suite.appId,
        versionString: '5.0',
        platform,
        buildId: build,
        state: 'PENDING_DEVELOPER_RELEASE',
      });
    const before = suite.asc.requests.length;
    const run = await release('5.0');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/::error::Input `platform`: App Store version 5\.0 exists for IOS and MAC_OS; set `platform` to choose one/);
    const listings = suite.asc.requests.slice(before).filter((r) => /^\/v1\/apps\/[^/]+\/appStoreVersions$/.test(r.path));
    expect(listings).toHaveLength(1);
    expect(suite.asc.requests.slice(before).filter((r) => r.method !== 'GET')).toEqual([]);
  });

  const publish = { path: '*.ipa', 'uses-non-exempt-encryption': 'false' };
  const submit = { ...publish, 'submit-app-store-review': 'true' };
  it.each<[string, Record<string, string>, string, RegExp]>([
    ['release-type without submit-app-store-review', { ...publish, 'release-type': 'manual' }, 'release-type', /is not `true`/],
    [
      'cancel-previous-submission without it',
      { ...publish, 'cancel-previous-submission': 'true' },
      'cancel-previous-submission',
      /is not `true`/,
    ],
    [
      'submit-app-store-review with post-processing off',
      { path: '*.ipa', 'submit-app-store-review': 'true', 'post-processing': 'off' },
      'submit-app-store-review',
      /`off`/,
    ],
    [
      'an unknown release type',
      { ...submit, 'release-type': 'soon' },
      'release-type',
      /not one of `manual`, `after-approval`, `scheduled`/,
    ],
    ['scheduled without a date', { ...submit, 'release-type': 'scheduled' }, 'release-type', /needs `earliest-release-date`/],
    ['a date without scheduled', { ...submit, 'earliest-release-date': '2099-01-01T10:00:00Z' }, 'earliest-release-date', /only applies/],
    [
      'a date off the hour in UTC',
      { ...submit, 'release-type': 'scheduled', 'earliest-release-date': '2099-01-01T10:00:00+05:30' },
      'earliest-release-date',
      /not on the hour \(2099-01-01T04:30:00\.000Z in UTC\)/,
    ],
    [
      'a date in the past',
      { ...submit, 'release-type': 'scheduled', 'earliest-release-date': '2020-01-01T10:00:00Z' },
      'earliest-release-date',
      /in the past/,
    ],
    [
      'a date without a time zone',
      { ...submit, 'release-type': 'scheduled', 'earliest-release-date': '2099-01-01T10:00:00' },
      'earliest-release-date',
      /no time zone/,
    ],
    ['phased-release not a boolean', { ...submit, 'phased-release': 'maybe' }, 'phased-release', /not a boolean/],
    ['a copyright of two lines', { ...submit, copyright: '2026 A\n2026 B' }, 'copyright', /one line/],
    [
      'App Store notes that do not exist',
      { ...submit, 'app-store-release-notes': 'none.json' },
      'app-store-release-notes',
      /"none.json" is not an existing file or folder: this input is a path/,
    ],
    ['App Store notes with <', { ...submit, 'app-store-release-notes': 'angle.json' }, 'app-store-release-notes', /contains "<"/],
    ['release without app-version', { command: 'release', 'bundle-id': bundleId }, 'app-version', /required with `command: release`/],
    ['release without the app', { command: 'release', 'app-version': '1.0' }, 'app-id', /`bundle-id` is required with `command: release`/],
  ])('%s fails before any upload, naming the input', async (_, inputs, input, message) => {
    writeFileSync(join(suite.workspace, 'angle.json'), JSON.stringify([{ language: 'en-US', text: 'a <b> tag' }]));
    const before = suite.asc.requests.length;
    const run = await action(inputs);
    expect(run.code).toBe(1);
    const error = run.stdout.split('\n').find((l) => l.startsWith('::error::'));
    expect(error).toMatch(new RegExp(`^::error::Input \`${input}\``));
    expect(error).toMatch(message);
    expect(suite.asc.requests.slice(before).filter((r) => r.method !== 'GET')).toEqual([]);
  });
});
