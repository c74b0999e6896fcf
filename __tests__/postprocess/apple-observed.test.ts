import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import type { FakeAsc, TestKey } from '../../test-support/fake-asc/index.js';
import { recordingRuntime } from '../../test-support/log.js';
import { makeIpa } from '../../test-support/packages.js';
import {
  closeCheckedFake,
  connectTo,
  runDistribute,
  startFakeAscWithApp,
  startOnSimulatedClock,
  tempWorkspace,
  type SimulatedClock,
} from '../../test-support/setup.js';

const writes = (fake: FakeAsc) =>
  fake.requests
    .filter((r) => r.method !== 'GET' && r.path.startsWith('/v1/'))
    .map((r) => `${r.method} ${r.path.split('/')[2]} ${r.status}`);

describe('post-processing and commands against Apple as observed', () => {
  let key: TestKey, fake: FakeAsc, clock: SimulatedClock, appId: string, dir: string;

  beforeEach(async () => {
    ({ key, fake, appId, clock } = await startOnSimulatedClock({
      fake: { timing: { buildProcessingMs: 10 * 60_000 } },
      betaReviewReady: true,
    }));
    dir = tempWorkspace('ascp-observed-');
  });
  afterEach(() => closeCheckedFake(fake));

  const run = (extra: Record<string, string>, runtime = recordingRuntime()) =>
    runDistribute(key, fake, extra, { ...clock, retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 } }, runtime);

  describe('builds still processing', () => {
    it('distribute finds a build still processing (every state asked for) and waits for it', async () => {
      fake.addBuild({ appId, version: '2.0', buildNumber: '7', processingState: 'PROCESSING' });
      const { error, runtime } = await run({ 'uses-non-exempt-encryption': 'false' });
      expect(error).toBeUndefined();
      expect(runtime.outputs['post-processing']).toBe('completed');
      expect(runtime.log.infos.join('\n')).toContain('Build 7 is still processing at Apple: waiting for it');
      const lookup = fake.requests.find((r) => r.path === '/v1/builds')!;
      expect(lookup.query['filter[processingState]']).toBe('PROCESSING,FAILED,INVALID,VALID');
    });

    it('distribute of an expired build (still VALID) is an error that says so', async () => {
      fake.addBuild({ appId, version: '2.0', buildNumber: '7', expired: true });
      const { error } = await run({ 'beta-groups': '' });
      expect(error?.message).toMatch(
        /^Build 7 of version 2\.0 of com\.example\.app has expired .*cannot be distributed again\. Upload a new build/,
      );
      expect(writes(fake)).toEqual([]);
    });

    it('a build Apple lists twice is one build', async () => {
      fake.addBuild({ appId, version: '2.0', buildNumber: '7', usesNonExemptEncryption: false });
      fake.quirks.listBuildsTwice = true;
      const { error, runtime } = await run({});
      expect(error).toBeUndefined();
      expect(runtime.outputs['post-processing']).toBe('completed');
    });

    it('latest-build-number counts a build still processing', async () => {
      fake.addBuild({ appId, version: '2.0', buildNumber: '7' });
      fake.addBuild({ appId, version: '2.0', buildNumber: '9', processingState: 'PROCESSING' });
      const { error, runtime } = await run({ command: 'latest-build-number', 'build-number': '' });
      expect(error).toBeUndefined();
      expect(runtime.outputs).toMatchObject({ 'latest-build-number': '9', 'next-build-number': '10' });
    });

    it('publish stops before the first byte when a build of that number is still processing (another tool uploaded it)', async () => {
      fake.addBuild({ appId, version: '2.0', buildNumber: '7', processingState: 'PROCESSING' });
      makeIpa({ path: join(dir, 'Example.ipa'), bundleId: 'com.example.app', version: '2.0', buildNumber: '7', payloadBytes: 10_000 });
      const { error } = await run({ command: 'publish', path: '*.ipa', 'app-version': '', 'build-number': '' });
      expect(error?.message).toMatch(
        /^Build number 7 is already used for com\.example\.app version 2\.0 \(iOS\).*CFBundleVersion 8.*Nothing was uploaded\./s,
      );
      expect(writes(fake)).toEqual([]);
    });
  });

  describe('notes', () => {
    it('`<` or `>` in release_notes.json or whats-new is a bad input named before the upload', async () => {
      makeIpa({ path: join(dir, 'Example.ipa'), bundleId: 'com.example.app', version: '2.0', buildNumber: '8', payloadBytes: 10_000 });
      writeFileSync(join(dir, 'release_notes.json'), JSON.stringify([{ language: 'de-DE', text: 'Fix für <Suche>' }]));
      const file = await run({ command: 'publish', path: '*.ipa', 'app-version': '', 'build-number': '' });
      expect(file.error).toBeInstanceOf(InputError);
      expect(file.error?.message).toMatch(
        /^Input `release-notes`: release_notes\.json entry 1 \(de-DE\) contains "<", which TestFlight refuses/,
      );
      writeFileSync(join(dir, 'release_notes.json'), '[]');
      const inline = await run({
        command: 'publish',
        path: '*.ipa',
        'app-version': '',
        'build-number': '',
        'whats-new': 'a -> b',
        'whats-new-locale': 'fr-FR',
      });
      expect(inline.error?.message).toMatch(/^Input `whats-new`: \(fr-FR\) contains ">", which TestFlight refuses/);
      expect(fake.requests).toEqual([]);
    });

    it('the fake refuses such a text as Apple does (409 invalid characters)', async () => {
      const build = fake.addBuild({ appId, version: '2.0', buildNumber: '7' });
      const loc = fake.resources('betaBuildLocalizations').find((l) => l.relationships.build.data.id === build.id);
      const asc = connectTo(fake, key, { log: recordingRuntime().log });
      const error = (await asc.localizations.update(loc.id, '<b>bold</b>').catch((e: Error) => e)) as Error;
      expect(error.message).toMatch(/HTTP 409[\s\S]*ENTITY_ERROR\.ATTRIBUTE\.INVALID\.INVALID_CHARACTERS/);
    });
  });

  describe('beta review', () => {
    it('waits until the build has left MISSING_EXPORT_COMPLIANCE, then submits once', async () => {
      fake.addBuild({ appId, version: '2.0', buildNumber: '7', usesNonExemptEncryption: null });
      const { error, runtime } = await run({ 'uses-non-exempt-encryption': 'false', 'submit-beta-review': 'true' });
      expect(error).toBeUndefined();
      expect(runtime.outputs['post-processing']).toBe('completed');
      expect(writes(fake)).toEqual(['PATCH builds 200', 'POST betaAppReviewSubmissions 201']);
    });

    it('a build missing export compliance with no answer given is an error that says what to set', async () => {
      fake.addBuild({ appId, version: '2.0', buildNumber: '7', usesNonExemptEncryption: null });
      const { error } = await run({ 'submit-beta-review': 'true' });
      expect(error?.message).toMatch(/Apple reviews no build before it is answered: set `uses-non-exempt-encryption: false`/);
      expect(writes(fake)).toEqual([]);
    });

    it('another build of the train in review: its own message, not retried', async () => {
      fake.quirks.oneBetaReviewPerTrain = true;
      const first = fake.addBuild({ appId, version: '2.0', buildNumber: '6', usesNonExemptEncryption: false });
      expect((await run({ 'build-number': '6', 'submit-beta-review': 'true' })).error).toBeUndefined();
      expect(fake.resources('betaAppReviewSubmissions').map((s) => s.relationships.build.data.id)).toEqual([first.id]);
      fake.addBuild({ appId, version: '2.0', buildNumber: '7', usesNonExemptEncryption: false });
      const { error } = await run({ 'submit-beta-review': 'true' });
      expect(error?.message).toMatch(/Another build is in review\.[\s\S]*Apple reviews one build of a version \(train 2\.0\) at a time/);
      expect(writes(fake).filter((w) => w.includes('betaAppReviewSubmissions'))).toEqual([
        'POST betaAppReviewSubmissions 201',
        'POST betaAppReviewSubmissions 422',
      ]);
    });

    it('the daily submission limit: its own message, not retried', async () => {
      fake.quirks.betaReviewDailyLimit = 0;
      fake.addBuild({ appId, version: '2.0', buildNumber: '7', usesNonExemptEncryption: false });
      const { error } = await run({ 'submit-beta-review': 'true' });
      expect(error?.message).toMatch(
        /ENTITY_UNPROCESSABLE\.SUBMISSION_LIMIT_REACHED[\s\S]*daily limit of external beta review submissions/,
      );
      expect(writes(fake)).toEqual(['POST betaAppReviewSubmissions 422']);
    });

    it('a missing Beta App Description, told in the second entry of the answer: where to fill it', async () => {
      fake.quirks.missingBetaAppDescription.add(appId);
      fake.addBuild({ appId, version: '2.0', buildNumber: '7', usesNonExemptEncryption: false });
      const { error } = await run({ 'submit-beta-review': 'true' });
      expect(error?.message).toMatch(
        /Beta App Description is missing\.[\s\S]*App Store Connect → your app → TestFlight → Test Information/,
      );
      expect(writes(fake)).toEqual(['POST betaAppReviewSubmissions 422']);
    });
  });

  describe('beta groups', () => {
    it('an external group: waits for externalBuildState to leave PROCESSING, then retries the 404 a bounded number of times', async () => {
      await fake.close();
      ({ fake, appId } = await startFakeAscWithApp({
        key,
        fake: { now: clock.now, timing: { buildProcessingMs: 0, externalBetaProcessingMs: 20 * 60_000, betaGroupLinkLagMs: 20_000 } },
        app: { bundleId: 'com.example.app' },
      }));
      const group = fake.addBetaGroup(appId, 'Public');
      const build = fake.addBuild({ appId, version: '2.0', buildNumber: '7', usesNonExemptEncryption: false });
      const { error, runtime } = await run({ 'beta-groups': 'Public', 'poll-interval': '60' });
      expect(error).toBeUndefined();
      expect(runtime.outputs['post-processing']).toBe('completed');
      const adds = fake.requests.filter((r) => r.path.endsWith('/relationships/betaGroups'));
      // Never sent while PROCESSING; after it, the lag's 404 is retried and the add goes through.
      const statuses = adds.map((r) => r.status);
      expect(statuses[0]).toBe(404);
      expect(statuses.at(-1)).toBe(204);
      expect(statuses.length).toBeLessThanOrEqual(3);
      expect(runtime.log.infos.join('\n')).toMatch(/Apple does not know build \S+ for beta groups yet \(404/);
      expect(fake.resource('betaGroups', group.id).relationships.builds.data).toEqual([{ type: 'builds', id: build.id }]);
    });

    it('an internal group with access to every build is skipped with a line saying so', async () => {
      fake.addBetaGroup(appId, 'Everyone', { isInternalGroup: true, hasAccessToAllBuilds: true });
      fake.addBetaGroup(appId, 'QA', { isInternalGroup: true });
      fake.addBuild({ appId, version: '2.0', buildNumber: '7', usesNonExemptEncryption: false });
      const { error, runtime } = await run({ 'beta-groups': 'Everyone, QA' });
      expect(error).toBeUndefined();
      expect(runtime.log.infos.join('\n')).toContain('Beta group "Everyone" is internal with access to every build');
      expect(fake.requests.filter((r) => r.path.endsWith('/relationships/betaGroups')).map((r) => r.status)).toEqual([204]);
    });

    it('an INTERNAL_ONLY build asked into an external group is an error that says why', async () => {
      fake.addBetaGroup(appId, 'Public');
      fake.addBuild({ appId, version: '2.0', buildNumber: '7', usesNonExemptEncryption: false, buildAudienceType: 'INTERNAL_ONLY' });
      const { error } = await run({ 'beta-groups': 'Public' });
      expect(error?.message).toMatch(
        /uploaded for internal testing only \(TestFlight Internal Only\), so Apple never lets it join an external group: Public/,
      );
      expect(writes(fake)).toEqual([]);
    });
  });

  it('inline, a 429 with a long Retry-After is waited out within the deadline and the run completes', async () => {
    const build = fake.addBuild({ appId, version: '2.0', buildNumber: '7', usesNonExemptEncryption: false });
    // 7 × 15 minutes: within the 120-minute processing deadline, which every later step checks before it acts.
    fake.faults.inject({ method: 'GET', path: `/v1/builds/${build.id}`, kind: '429', times: 7, retryAfterSec: 900 });
    const { error, runtime } = await run({});
    expect(error).toBeUndefined();
    expect(runtime.outputs['post-processing']).toBe('completed');
    expect(clock.sleeps.filter((ms) => ms === 900_000)).toHaveLength(7);
    expect(runtime.log.infos.filter((l) => l.includes("waiting 15 min 0 s for Apple's hourly limit"))).toHaveLength(7);
  });
});
