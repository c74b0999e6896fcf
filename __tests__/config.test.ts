import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';
import type { InputError } from '../src/errors.js';
import { inputErrorOf } from '../test-support/setup.js';

const base = { 'key-id': 'ABC1234567', 'private-key': 'pem' };
const reader = (inputs: Record<string, string>) => (name: string) => inputs[name] ?? '';

const inputError = (inputs: Record<string, string>): InputError => inputErrorOf(() => parseConfig(reader({ ...base, ...inputs })));

describe('parseConfig', () => {
  it('applies the defaults of action.yml', () => {
    const c = parseConfig(reader(base));
    expect(c).toMatchObject({
      command: 'publish',
      paths: ['**/*.ipa'],
      uploadMethod: 'api',
      uploadConcurrency: 'auto',
      postProcessing: 'inline',
      findBuildTimeoutMs: 15 * 60_000,
      processingTimeoutMs: 120 * 60_000,
      pollIntervalMs: 30_000,
      releaseNotesPath: 'release_notes.json',
      submitBetaReview: false,
      betaGroups: [],
      stateArtifact: 'app-store-connect-post-processing',
      apiUrl: 'https://api.appstoreconnect.apple.com',
    });
    expect(c.usesNonExemptEncryption).toBeUndefined();
  });

  it('accepts fractions of minutes and seconds, groups by line or comma, several paths', () => {
    const c = parseConfig(
      reader({
        ...base,
        'find-build-timeout': '0.2',
        'processing-timeout': '0.5',
        'poll-interval': '0.05',
        'beta-groups': 'QA, Beta\nExternal,QA',
        path: 'a/*.ipa\n\nb/*.pkg\n',
        platform: 'tv_os',
        'api-url': 'http://127.0.0.1:1234/',
      }),
    );
    expect(c.findBuildTimeoutMs).toBe(12_000);
    expect(c.processingTimeoutMs).toBe(30_000);
    expect(c.pollIntervalMs).toBe(50);
    expect(c.betaGroups).toEqual(['QA', 'Beta', 'External']);
    expect(c.paths).toEqual(['a/*.ipa', 'b/*.pkg']);
    expect(c.platform).toBe('TV_OS');
    expect(c.apiUrl).toBe('http://127.0.0.1:1234');
  });

  it.each([
    [{ 'key-id': '' }, 'key-id', /is required/],
    [{ 'private-key': '' }, 'private-key', /is required/],
    [{ command: 'upload' }, 'command', /"upload" is not one of `publish`/],
    [{ 'issuer-id': 'abc' }, 'issuer-id', /UUID/],
    [{ 'upload-concurrency': '0' }, 'upload-concurrency', /whole number from 1 to 32/],
    [{ 'upload-concurrency': '2.5' }, 'upload-concurrency', /whole number/],
    [{ 'poll-interval': '-1' }, 'poll-interval', /positive number of seconds/],
    [{ 'processing-timeout': 'soon' }, 'processing-timeout', /positive number of minutes/],
    [{ 'find-build-timeout': '30', 'processing-timeout': '10' }, 'find-build-timeout', /longer than `processing-timeout`/],
    [{ 'submit-beta-review': 'yes' }, 'submit-beta-review', /`true` or `false`/],
    [{ 'post-processing': 'later' }, 'post-processing', /not one of/],
    [{ 'upload-method': 'transporter' }, 'upload-method', /not one of/],
    [{ platform: 'ANDROID' }, 'platform', /not one of/],
    [{ 'app-id': 'com.example' }, 'app-id', /numeric Apple ID/],
    [{ 'app-version': 'v1' }, 'app-version', /not a version/],
    [{ 'build-number': '1a' }, 'build-number', /not a build number/],
    [{ 'api-url': 'not a url' }, 'api-url', /not a URL/],
    [{ 'state-artifact': 'a/b' }, 'state-artifact', /cannot be an artifact name/],
    [{ 'whats-new-locale': 'de-DE' }, 'whats-new-locale', /`whats-new` is empty/],
    [{ 'post-processing': 'off', 'submit-beta-review': 'true' }, 'submit-beta-review', /`post-processing` is `off`/],
    [{ 'post-processing': 'off', 'beta-groups': 'QA' }, 'beta-groups', /`post-processing` is `off`/],
    [{ command: 'distribute', 'app-id': '1' }, 'app-version', /required with `command: distribute`/],
    [
      { command: 'distribute', 'app-id': '1', 'app-version': '1.0', 'build-number': '3', 'post-processing': 'off' },
      'post-processing',
      /leaves nothing for `command: distribute`/,
    ],
    [{ command: 'distribute', 'app-version': '1.0', 'build-number': '3' }, 'app-id', /`bundle-id` is required/],
    [{ command: 'latest-build-number' }, 'app-id', /`bundle-id` is required/],
    [{ command: 'resume' }, 'github-token', /required with `command: resume`/],
  ])('rejects %j naming the input', (inputs, name, message) => {
    const error = inputError(inputs);
    expect(error.input).toBe(name);
    expect(error.message).toContain(`Input \`${name}\``);
    expect(error.message).toMatch(message);
  });

  it('reads the App Store inputs into settings, checked; unset when not asked', () => {
    expect(parseConfig(reader(base)).appStore).toBeUndefined();
    const now = () => Date.UTC(2026, 11, 1, 9, 30);
    const c = parseConfig(
      reader({
        ...base,
        'submit-app-store-review': 'true',
        'release-type': 'scheduled',
        'earliest-release-date': '2026-12-24T10:00:00+01:00',
        'phased-release': 'false',
        copyright: '2026 Example Inc.',
        'app-store-release-notes': 'store.json',
      }),
      now,
    );
    expect(c.appStore).toEqual({
      releaseType: 'SCHEDULED',
      earliestReleaseDate: '2026-12-24T09:00:00.000Z',
      phasedRelease: false,
      copyright: '2026 Example Inc.',
      notesPath: 'store.json',
      cancelPreviousSubmission: false,
    });
  });

  it.each<[Record<string, string>, string, RegExp]>([
    [{ 'submit-app-store-review': 'true', 'post-processing': 'off' }, 'submit-app-store-review', /`post-processing` is `off`/],
    [{ 'submit-app-store-review': 'yes' }, 'submit-app-store-review', /not a boolean/],
    [{ copyright: '2026 X' }, 'copyright', /`submit-app-store-review` is not `true`/],
    [{ command: 'release', 'bundle-id': 'com.example.app' }, 'app-version', /required with `command: release`/],
    [{ command: 'release', 'app-version': '1.2' }, 'app-id', /`bundle-id` is required with `command: release`/],
  ])('refuses %o, naming `%s`', (inputs, input, message) => {
    const error = inputError(inputs);
    expect(error.input).toBe(input);
    expect(error.message).toMatch(message);
  });

  it('accepts command: release with the version and the app', () => {
    expect(parseConfig(reader({ ...base, command: 'release', 'app-id': '123', 'app-version': '1.2' }))).toMatchObject({
      command: 'release',
      appVersion: '1.2',
    });
  });
});
