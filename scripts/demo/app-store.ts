/**
 * The demo's App Store part: the next version goes from the upload to App Review in one inline publish
 * (version created, build attached, What's New per language, phased release), App Review approves it
 * (the fake's control), and `command: release` makes it live.
 */
import type { FakeAsc } from '../../test-support/fake-asc/index.js';
import { makeIpa } from '../../test-support/packages.js';
import type { DistRun } from '../../test-support/run-dist.js';

/** demo.ts's `step`: one workflow run, shown and checked. */
export type DemoStep = (
  title: string,
  label: string,
  inputs: Record<string, string>,
  expect: { postProcessing?: string },
) => Promise<DistRun>;

export async function appStoreDemo(asc: FakeAsc, o: { appId: string; bundleId: string; ipa: string; step: DemoStep }): Promise<void> {
  // Version 1.0 (build 1) has been on the App Store, in English and German.
  const live = asc.resources('builds').find((b) => b.attributes.version === '1')!;
  asc.appStore.addVersion({ appId: o.appId, versionString: '1.0', buildId: live.id, state: 'READY_FOR_SALE', locales: ['en-US', 'de-DE'] });

  makeIpa({ path: o.ipa, bundleId: o.bundleId, version: '1.1', buildNumber: '3', payloadBytes: 1_000_000 });
  const run = await o.step(
    '5. publish — to App Review (submit-app-store-review)',
    'App Store publish',
    {
      command: 'publish',
      path: 'build/*.ipa',
      'uses-non-exempt-encryption': 'false',
      'submit-app-store-review': 'true',
      'release-type': 'manual',
      'phased-release': 'true',
      'poll-interval': '0.25',
    },
    { postProcessing: 'completed' },
  );
  const versionId = run.outputs['app-store-version-id'];
  if (!versionId || run.outputs['app-store-state'] !== 'WAITING_FOR_REVIEW')
    throw new Error(`the App Store publish ended with version ${versionId} in ${run.outputs['app-store-state']}`);

  asc.appStore.setVersionState(versionId, 'PENDING_DEVELOPER_RELEASE');
  console.log('\n(App Review approved version 1.1: Pending Developer Release.)');
  const released = await o.step(
    '6. release — make the approved version live (workflow_dispatch)',
    'release',
    { command: 'release', 'bundle-id': o.bundleId, 'app-version': '1.1' },
    {},
  );
  if (released.outputs['app-store-state'] !== 'READY_FOR_SALE' && released.outputs['app-store-state'] !== 'PROCESSING_FOR_APP_STORE')
    throw new Error(`the release left version 1.1 in ${released.outputs['app-store-state']}`);
}
