import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newState } from '../../src/postprocess/new-state.js';
import { testInformation } from '../../src/postprocess/steps/test-information.js';
import { sleep } from '../../src/net/retry.js';
import type { FakeAsc, TestKey } from '../../test-support/fake-asc/index.js';
import { recordingLog } from '../../test-support/log.js';
import {
  apiWrites,
  closeCheckedFake,
  connectTo,
  FAST_RETRY,
  runDistribute,
  startOnSimulatedClock,
  tempWorkspace,
  type SimulatedClock,
} from '../../test-support/setup.js';

const PASSWORD = 'Demo-Secret-4242';
const FILE = {
  localizations: [
    { language: 'en-US', description: 'A notes app.', feedbackEmail: 'beta@example.com', privacyPolicyUrl: 'https://example.com/privacy' },
    { language: 'de-DE', description: 'Eine Notizen-App.' },
  ],
  reviewContact: { firstName: 'Jane', lastName: 'Appleseed', phone: '+1 408 555 0100', email: 'jane@example.com' },
  demoAccount: { required: true, name: 'reviewer@example.com' },
  reviewNotes: 'Sign in with the demo account.',
};
const testInfoWrites = (fake: FakeAsc, from = 0) => apiWrites(fake, { from, path: /betaApp(Localizations|ReviewDetails)/ });

describe('Test Information from test_information.json, against the fake', () => {
  let key: TestKey, fake: FakeAsc, clock: SimulatedClock, appId: string, dir: string;

  beforeEach(async () => {
    // A fresh app: no Test Information at all.
    ({ key, fake, appId, clock } = await startOnSimulatedClock({
      app: { bundleId: 'com.example.app', name: 'Example', testInformation: false },
    }));
    fake.addBetaGroup(appId, 'Internal', { isInternalGroup: true });
    fake.addBetaGroup(appId, 'Public', { publicLink: true });
    fake.addBuild({ appId, version: '2.0', buildNumber: '7', usesNonExemptEncryption: false });
    dir = tempWorkspace('ascp-test-information-');
  });
  afterEach(() => closeCheckedFake(fake));

  const request = { 'submit-beta-review': 'true', 'beta-groups': 'Internal, Public', 'demo-account-password': PASSWORD };

  it('sets every field once before the submission; a second run writes no Test Information', async () => {
    writeFileSync(join(dir, 'test_information.json'), JSON.stringify(FILE));
    const first = await runDistribute(key, fake, request, clock);
    expect(first.error).toBeUndefined();
    expect(first.runtime.outputs['post-processing']).toBe('completed');
    expect(testInfoWrites(fake)).toEqual([
      'POST /v1/betaAppLocalizations',
      'POST /v1/betaAppLocalizations',
      'PATCH /v1/betaAppReviewDetails/:id',
    ]);
    const order = apiWrites(fake).filter((w) => /betaAppReviewDetails|betaAppReviewSubmissions/.test(w));
    expect(order).toEqual(['PATCH /v1/betaAppReviewDetails/:id', 'POST /v1/betaAppReviewSubmissions']);
    expect(fake.resource('betaAppReviewDetails', appId).attributes).toMatchObject({
      contactFirstName: 'Jane',
      contactEmail: 'jane@example.com',
      demoAccountRequired: true,
      demoAccountName: 'reviewer@example.com',
      demoAccountPassword: PASSWORD,
      notes: 'Sign in with the demo account.',
    });
    const locales = fake.resources('betaAppLocalizations').map((l) => [l.attributes.locale, l.attributes.feedbackEmail ?? null]);
    expect(locales).toEqual([
      ['en-US', 'beta@example.com'],
      ['de-DE', null],
    ]);
    expect(fake.resources('betaAppReviewSubmissions')).toHaveLength(1);
    // The outputs: the public group's link (the internal one has none), and the build's page.
    const buildId = fake.resources('builds')[0].id;
    expect(first.runtime.outputs['testflight-public-link']).toMatch(/^https:\/\/testflight\.apple\.com\/join\/\w+$/);
    expect(first.runtime.outputs['app-store-connect-url']).toBe(
      `https://appstoreconnect.apple.com/apps/${appId}/testflight/ios/${buildId}`,
    );
    const summary = first.runtime.summary.join('\n');
    expect(summary).toContain(`[TestFlight public link](${first.runtime.outputs['testflight-public-link']})`);
    expect(summary).toMatch(/Test Information \| ✅ done \| created en-US; created de-DE; review information: contactFirstName/);
    expect(summary).not.toContain(PASSWORD);

    const before = fake.requests.length;
    const second = await runDistribute(key, fake, request, clock);
    expect(second.error).toBeUndefined();
    expect(testInfoWrites(fake, before)).toEqual([]);
    expect(second.runtime.summary.join('\n')).toMatch(/Test Information \| ⏭️ skipped \| already as the file says/);
  });

  it('without the file: refused before anything is written, naming each missing field and both ways to set it', async () => {
    const { error } = await runDistribute(key, fake, request, clock);
    for (const field of [
      'description',
      'feedbackEmail',
      'reviewContact.firstName',
      'reviewContact.lastName',
      'reviewContact.phone',
      'reviewContact.email',
    ])
      expect(error?.message).toContain(field);
    expect(error?.message).toMatch(/`test-information` file[\s\S]*App Store Connect → your app → TestFlight → Test Information/);
    expect(apiWrites(fake)).toEqual([]);
  });

  it('a lost answer to the review detail update is read back, not sent again', async () => {
    writeFileSync(join(dir, 'test_information.json'), JSON.stringify(FILE));
    fake.faults.inject({ method: 'PATCH', path: /^\/v1\/betaAppReviewDetails\//, kind: 'lost', times: 1 });
    const { error, runtime } = await runDistribute(key, fake, request, { ...clock, retry: FAST_RETRY });
    expect(error).toBeUndefined();
    expect(testInfoWrites(fake).filter((w) => w.startsWith('PATCH'))).toEqual(['PATCH /v1/betaAppReviewDetails/:id']);
    expect(runtime.log.infos.join('\n')).toMatch(/PATCH \/v1\/betaAppReviewDetails\/\S+: the answer was lost, but Apple had done it/);
  });

  it("Apple's bare 500 on the submission, after the retries, is explained as incomplete Test Information", async () => {
    writeFileSync(join(dir, 'test_information.json'), JSON.stringify(FILE));
    fake.faults.inject({ method: 'POST', path: '/v1/betaAppReviewSubmissions', kind: '500', times: 10 });
    const { error, runtime } = await runDistribute(key, fake, request, { ...clock, retry: FAST_RETRY });
    fake.faults.clear();
    expect(error?.message).toMatch(
      /Apple answers a bare 500 to a beta review submission when the app's TestFlight Test Information is incomplete/,
    );
    expect(error?.message).toMatch(/Feedback Email/);
    expect(error?.message).not.toMatch(/try (again )?later/i);
    expect(runtime.outputs['post-processing']).toBe('failed');
  });

  it('a run without the password (a resume) fails naming `demo-account-password` when Apple lacks it, and needs none once Apple has it', async () => {
    const state = newState({
      app: { id: appId, bundleId: 'com.example.app' },
      build: { version: '2.0', buildNumber: '7', platform: 'IOS' },
      uploadedAt: new Date(),
      findBuildTimeoutMs: 60_000,
      processingTimeoutMs: 60_000,
      request: {
        notes: [],
        expirePreviousBuilds: false,
        submitBetaReview: true,
        betaGroups: [],
        notifyTesters: false,
        testInformation: { localizations: [], demoAccount: { required: true, name: 'reviewer@example.com' } },
      },
    });
    const log = recordingLog();
    const asc = connectTo(fake, key, { log });
    const ctx = { asc, log, sleep, pollIntervalMs: 1 };
    await expect(testInformation(state, ctx)).rejects.toThrow(/Input `demo-account-password` is empty in this run.*Pass it from a secret/s);
    expect(testInfoWrites(fake)).toEqual([]);
    expect(await testInformation(state, { ...ctx, demoAccountPassword: PASSWORD })).toMatchObject({ status: 'done' });
    const before = fake.requests.length;
    expect(await testInformation(state, ctx)).toMatchObject({ status: 'skipped' });
    expect(testInfoWrites(fake, before)).toEqual([]);
  });
});
