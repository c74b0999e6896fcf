import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeAsc, TestKey } from '../../test-support/fake-asc/index.js';
import { recordingRuntime } from '../../test-support/log.js';
import { closeCheckedFake, runDistribute, startOnSimulatedClock, tempWorkspace, type SimulatedClock } from '../../test-support/setup.js';

const summary2 = (r: { runtime: { summary: string[] } }) => r.runtime.summary.join('\n');
const writes = (fake: FakeAsc) => fake.requests.filter((r) => r.method !== 'GET' && r.path.startsWith('/v1/'));

describe('post-processing an existing build (command: distribute)', () => {
  let key: TestKey, fake: FakeAsc, clock: SimulatedClock, appId: string, dir: string;

  beforeEach(async () => {
    ({ key, fake, appId, clock } = await startOnSimulatedClock({
      fake: { timing: { buildProcessingMs: 10 * 60_000 } },
      app: { bundleId: 'com.example.app', name: 'Example', primaryLocale: 'en-GB' },
      betaGroups: ['QA', 'Friends'],
      betaReviewReady: true,
    }));
    dir = tempWorkspace('ascp-distribute-');
  });
  afterEach(() => closeCheckedFake(fake));

  const run = (extra: Record<string, string>, runtime = recordingRuntime()) => runDistribute(key, fake, extra, clock, runtime);

  it('does every step once; a second run of the same request changes nothing', async () => {
    const build = fake.addBuild({ appId, version: '2.0', buildNumber: '7', processingState: 'VALID' });
    const request = {
      'whats-new': 'Try the new search',
      'uses-non-exempt-encryption': 'false',
      'submit-beta-review': 'true',
      'beta-groups': 'QA\nFriends',
      'notify-testers': 'true',
    };
    const first = await run(request);
    expect(first.error).toBeUndefined();
    expect(first.runtime.outputs['post-processing']).toBe('completed');
    expect(writes(fake).map((r) => `${r.method} ${r.path.split('/').slice(0, 3).join('/')}`)).toEqual([
      'PATCH /v1/betaBuildLocalizations', // whats-new goes to the primary locale Apple created (en-GB)
      'PATCH /v1/builds',
      'POST /v1/betaAppReviewSubmissions',
      'PATCH /v1/buildBetaDetails',
      'POST /v1/builds',
    ]);
    expect(fake.resources('betaBuildLocalizations').map((l) => [l.attributes.locale, l.attributes.whatsNew])).toEqual([
      ['en-GB', 'Try the new search'],
    ]);
    expect(fake.resources('betaAppReviewSubmissions')).toHaveLength(1);

    const before = writes(fake).length;
    const second = await run(request);
    expect(second.error).toBeUndefined();
    expect(
      writes(fake)
        .slice(before)
        .map((r) => `${r.method} ${r.path}`),
    ).toEqual([]);
    expect(summary2(second)).toMatch(/Tester notification \| ⏭️ skipped \| Apple notifies testers automatically/);
    const summary = second.runtime.summary.join('\n');
    expect(summary).toMatch(/Beta review submission \| ⏭️ skipped \| already submitted/);
    expect(summary).toMatch(/Beta groups \| ✅ done \| already in QA, Friends/);
    expect(summary).toMatch(/What to Test notes \| ✅ done \| en-GB unchanged/);
    expect(summary).toMatch(/Export compliance \| ⏭️ skipped \| already answered \\\(uses no non-exempt encryption\\\)/);
    expect(summary).toMatch(/Tester notification \| ⏭️ skipped \| Apple notifies testers automatically/);
    expect(first.runtime.outputs['build-id']).toBe(build.id);
  });

  it('waits through processing with few requests, fresh tokens and no storm', async () => {
    fake.addBuild({ appId, version: '2.0', buildNumber: '7', processingState: 'PROCESSING' });
    fake.timing.buildProcessingMs = 110 * 60_000; // Apple takes almost two hours
    const { error, runtime } = await run({
      'poll-interval': '30',
      'processing-timeout': '120',
      'beta-groups': 'QA',
      'uses-non-exempt-encryption': 'false',
    });
    expect(error).toBeUndefined();
    const polls = fake.requests.filter((r) => r.method === 'GET' && /^\/v1\/builds\/[^/]+$/.test(r.path)).length;
    // 110 minutes at one check every 30 s: about 220 checks, not thousands.
    expect(polls).toBeGreaterThanOrEqual(200);
    expect(polls).toBeLessThanOrEqual(230);
    expect(fake.requests.length).toBeLessThan(260);
    expect(new Set(fake.tokens.map((t) => t.iat)).size).toBeGreaterThanOrEqual(6); // re-signed about every 18 minutes
    expect(fake.requests.every((r) => r.status < 400)).toBe(true);
    // The log says what it waits for without a line per poll.
    expect(runtime.log.infos.filter((l) => l.startsWith('Processing:')).length).toBeLessThan(40);
  });

  it('fails at once on INVALID, with the state and what to do', async () => {
    const build = fake.addBuild({ appId, version: '2.0', buildNumber: '7', processingState: 'PROCESSING' });
    fake.setBuildProcessingState(build.id, 'INVALID');
    const { error, runtime } = await run({ 'beta-groups': 'QA' });
    expect(error?.message).toMatch(/Processing \(step `processing`\) failed for com.example.app 2.0 \(7\): Apple marked the build INVALID/);
    expect(runtime.outputs['post-processing']).toBe('failed');
    expect(writes(fake)).toHaveLength(0);
  });

  it('fails when processing outlasts processing-timeout, naming the input', async () => {
    fake.addBuild({ appId, version: '2.0', buildNumber: '7', processingState: 'PROCESSING' });
    fake.timing.buildProcessingMs = 10 * 60 * 60_000;
    const { error, runtime } = await run({ 'processing-timeout': '30', 'find-build-timeout': '5', 'poll-interval': '60' });
    expect(error?.message).toMatch(
      /post-processing did not finish within `processing-timeout` \(30 minutes from the upload\); last state: processing state PROCESSING/,
    );
    expect(error?.message).toMatch(/raise `processing-timeout`/);
    expect(runtime.summary.join('\n')).toMatch(/Processing \| ❌ failed/);
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(30 * 60_000);
  });

  it('notifies testers of a group named in another case once the build is in it, like the beta-groups step matches it', async () => {
    fake.addBuild({ appId, version: '2.0', buildNumber: '7', processingState: 'VALID', usesNonExemptEncryption: false });
    expect((await run({ 'beta-groups': 'QA' })).error).toBeUndefined();
    const before = writes(fake).length;
    const { error, runtime } = await run({ 'beta-groups': 'qa', 'notify-testers': 'true' });
    expect(error).toBeUndefined();
    // The build is in QA already: only an explicit notification tells its testers, not automatic notification.
    expect(
      writes(fake)
        .slice(before)
        .map((r) => `${r.method} ${r.path}`),
    ).toEqual(['POST /v1/buildBetaNotifications']);
    expect(summary2({ runtime })).toMatch(/Tester notification \| ✅ done \| notification sent/);
  });

  it('lists the groups that exist when a name is unknown', async () => {
    fake.addBuild({ appId, version: '2.0', buildNumber: '7', processingState: 'VALID', usesNonExemptEncryption: false });
    const { error } = await run({ 'beta-groups': 'QA, Nobody' });
    expect(error?.message).toMatch(
      /Input `beta-groups`: "Nobody" is not a beta group of com.example.app. Groups that exist: "QA", "Friends"/,
    );
    expect(writes(fake)).toHaveLength(0);
  });

  it('explains incomplete test information before Apple refuses the submission, before anything is written', async () => {
    fake.setBetaAppReviewDetailComplete(appId, false);
    fake.addBuild({ appId, version: '2.0', buildNumber: '7', processingState: 'VALID', usesNonExemptEncryption: false });
    const { error } = await run({ 'submit-beta-review': 'true' });
    expect(error?.message).toMatch(/Test Information of com.example.app is incomplete/);
    expect(error?.message).toMatch(/contact phone: `reviewContact.phone`[\s\S]*contact e-mail: `reviewContact.email`/);
    expect(error?.message).toMatch(/`test-information` file[\s\S]*TestFlight → Test Information/);
    expect(writes(fake)).toHaveLength(0);
    expect(fake.resources('betaAppReviewSubmissions')).toHaveLength(0);
  });

  it('warns with the fix when the build waits for export compliance and no answer was given', async () => {
    fake.addBuild({ appId, version: '2.0', buildNumber: '7', processingState: 'VALID', usesNonExemptEncryption: null });
    const { error, runtime } = await run({});
    expect(error).toBeUndefined();
    expect(runtime.log.warnings.join('\n')).toMatch(/Missing Compliance.*`uses-non-exempt-encryption: false`/);
    expect(runtime.summary.join('\n')).toMatch(/Export compliance \| ⚠️ warning/);
  });

  it('expires earlier builds of the same version when asked, never newer ones', async () => {
    const old = fake.addBuild({ appId, version: '2.0', buildNumber: '6', processingState: 'VALID', usesNonExemptEncryption: false });
    const newer = fake.addBuild({ appId, version: '2.0', buildNumber: '8', processingState: 'VALID', usesNonExemptEncryption: false });
    const other = fake.addBuild({ appId, version: '1.9', buildNumber: '5', processingState: 'VALID', usesNonExemptEncryption: false });
    fake.addBuild({ appId, version: '2.0', buildNumber: '7', processingState: 'VALID', usesNonExemptEncryption: false });
    const { error } = await run({ 'expire-previous-builds': 'true' });
    expect(error).toBeUndefined();
    expect(fake.resource('builds', old.id).attributes.expired).toBe(true);
    expect(fake.resource('builds', newer.id).attributes.expired).toBeFalsy();
    expect(fake.resource('builds', other.id).attributes.expired).toBeFalsy();
  });

  it('says which build is missing', async () => {
    const { error } = await run({});
    expect(error?.message).toMatch(/No build 7 of version 2.0 for com.example.app.*latest-build-number/);
  });

  it.each([
    ['not JSON', '{oops', /release_notes.json is not valid JSON/],
    ['not an array', '{"language":"en-US"}', /must hold a JSON array/],
    ['unknown locale', '[{"language":"xx-YY","text":"a"}]', /"xx-YY" is not a TestFlight locale/],
    ['duplicate locale', '[{"language":"en-US","text":"a"},{"language":"en_us","text":"b"}]', /en-US appears more than once/],
    ['too long', JSON.stringify([{ language: 'en-US', text: 'x'.repeat(4001) }]), /4001 characters long; TestFlight allows at most 4000/],
    ['missing text', '[{"language":"en-US"}]', /has no "text" string/],
  ])('rejects release_notes.json that is %s before any request', async (_label, content, message) => {
    writeFileSync(join(dir, 'release_notes.json'), content);
    const { error } = await run({});
    expect(error?.message).toMatch(/^Input `release-notes`: /);
    expect(error?.message).toMatch(message);
    expect(fake.requests).toHaveLength(0);
  });
});
