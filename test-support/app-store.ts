/** App Store history set up straight in the fake App Store Connect: what an app shipped or sent to App Review before. */
import type { FakeAsc } from './fake-asc/index.js';

/**
 * An app that has been on the App Store: `versionString` (1.0.0 unless told) live with a build of its own
 * (`buildNumber`, 10 unless told) in `locales` (English, German and French unless told).
 */
export function released(
  fake: FakeAsc,
  appId: string,
  o: { versionString?: string; buildNumber?: string; locales?: string[] } = {},
): { versionId: string; buildId: string } {
  const versionString = o.versionString ?? '1.0.0';
  const buildId = fake.addBuild({ appId, version: versionString, buildNumber: o.buildNumber ?? '10', usesNonExemptEncryption: false }).id;
  const { id } = fake.appStore.addVersion({
    appId,
    versionString,
    buildId,
    state: 'READY_FOR_SALE',
    locales: o.locales ?? ['en-US', 'de-DE', 'fr-FR'],
  });
  return { versionId: id, buildId };
}

/** A version of the app with its own build, in App Review (`state`) through one submission of that state. */
export function versionInReview(
  fake: FakeAsc,
  appId: string,
  o: { versionString: string; buildNumber: string; state: 'WAITING_FOR_REVIEW' | 'IN_REVIEW' },
): { versionId: string; submissionId: string } {
  const buildId = fake.addBuild({ appId, version: o.versionString, buildNumber: o.buildNumber, usesNonExemptEncryption: false }).id;
  const { id: versionId } = fake.appStore.addVersion({
    appId,
    versionString: o.versionString,
    buildId,
    state: o.state,
    locales: ['en-US'],
  });
  const { id: submissionId } = fake.appStore.addSubmission({ appId, state: o.state, versionIds: [versionId] });
  return { versionId, submissionId };
}
