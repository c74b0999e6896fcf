import type { InputName } from './action-inputs.js';
import { readAppStoreSettings, type AppStoreSettings } from './app-store-inputs.js';
import { PLATFORMS, UPLOAD_METHODS, VERSION_PATTERN, type Platform, type UploadMethod } from './domain.js';
import { InputError } from './errors.js';
import { bool, integer, lines, minutes, oneOf, pollInterval, url, withDefaults } from './input-values.js';
import { readPhasedReleaseAction, readReviewSettings, type PhasedReleaseAction } from './review-inputs.js';
import type { InputReader } from './runtime.js';
import { readWebhookSettings, type WebhookSettings } from './webhook-inputs.js';

export const COMMANDS = ['publish', 'distribute', 'resume', 'latest-build-number', 'release', 'webhook'] as const;
export type Command = (typeof COMMANDS)[number];

export const POST_PROCESSING_MODES = ['inline', 'deferred', 'off'] as const;
export type PostProcessingMode = (typeof POST_PROCESSING_MODES)[number];

/** Every input of action.yml, parsed and checked once, before any network request. */
export interface Config {
  command: Command;
  issuerId?: string;
  keyId: string;
  /** Raw input text (PEM or base64 of it); checked and parsed by asc/auth.ts. */
  privateKey: string;
  paths: string[];
  appId?: string;
  bundleId?: string;
  appVersion?: string;
  buildNumber?: string;
  platform?: Platform;
  uploadMethod: UploadMethod;
  /** Parts in flight at once: a fixed count, or `auto` (start at 4, add while throughput still rises). */
  uploadConcurrency: number | 'auto';
  postProcessing: PostProcessingMode;
  findBuildTimeoutMs: number;
  processingTimeoutMs: number;
  pollIntervalMs: number;
  releaseNotesPath: string;
  whatsNew?: string;
  whatsNewLocale?: string;
  usesNonExemptEncryption?: boolean;
  submitBetaReview: boolean;
  betaGroups: string[];
  notifyTesters: boolean;
  /** `test-information`: the file of the app's TestFlight Test Information, read when it exists. */
  testInformationPath: string;
  /** `demo-account-password`: masked by the host before the config is read; never stored. */
  demoAccountPassword?: string;
  expirePreviousBuilds: boolean;
  /** `submit-app-store-review: true` and the App Store inputs, checked; undefined when not asked. */
  appStore?: AppStoreSettings;
  /** `follow-review: true`: post-processing stays pending until Apple decides on the reviews submitted. */
  followReview: boolean;
  /** `review-timeout`, in ms. */
  reviewTimeoutMs: number;
  /** `command: release` with `phased-release: pause | resume`. */
  phasedReleaseAction?: PhasedReleaseAction;
  /** `command: webhook`: the relay's URL, the secret, the events; undefined for other commands. */
  webhook?: WebhookSettings;
  statusCheck: boolean;
  resumeWorkflow: string;
  disableWhenIdle: boolean;
  stateArtifact: string;
  githubToken?: string;
  apiUrl: string;
  /** `dry-run`: every check and read, a plan, and no write anywhere (publish, distribute, release). */
  dryRun: boolean;
}

const MAX_UPLOAD_CONCURRENCY = 32;
/** A day: far past Apple's processing time, and every date counted from the upload stays valid. */
const MAX_PROCESSING_TIMEOUT_MINUTES = 24 * 60;

/** Reads and validates every input. Throws InputError naming the first bad input. */
export function parseConfig(read: InputReader, now: () => number = Date.now): Config {
  const input = withDefaults(read);
  const optional = (name: InputName): string | undefined => input(name) || undefined;

  const command = oneOf('command', input('command'), COMMANDS);
  const keyId = input('key-id');
  if (!keyId) {
    throw new InputError(
      'key-id',
      'is required. Set it to your App Store Connect API key ID (App Store Connect → Users and Access → Integrations), e.g. `key-id: ${{ secrets.APP_STORE_CONNECT_KEY_ID }}`.',
    );
  }
  if (!/^[A-Za-z0-9]{6,20}$/.test(keyId)) {
    throw new InputError('key-id', 'must be the API key ID: letters and digits only, as shown in App Store Connect (e.g. 2X9R4HXF34).');
  }
  const issuerId = optional('issuer-id');
  if (issuerId && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(issuerId)) {
    throw new InputError(
      'issuer-id',
      'must be the issuer ID shown above the key list in App Store Connect (a UUID such as 57246542-96fe-1a63-e053-0824d011072a). Leave it empty for an individual key.',
    );
  }
  const privateKey = input('private-key');
  if (!privateKey) {
    throw new InputError(
      'private-key',
      'is required. Store the contents of the AuthKey_XXXXXXXXXX.p8 file (or its base64) as a secret and pass it, e.g. `private-key: ${{ secrets.APP_STORE_CONNECT_PRIVATE_KEY }}`.',
    );
  }

  const paths = lines(input('path'));
  const appId = optional('app-id');
  if (appId && !/^\d+$/.test(appId)) {
    throw new InputError(
      'app-id',
      `must be the numeric Apple ID of the app (App Store Connect → App Information → Apple ID), not "${appId}".`,
    );
  }
  const bundleId = optional('bundle-id');
  if (bundleId && !/^[A-Za-z0-9.-]+$/.test(bundleId)) {
    throw new InputError('bundle-id', `"${bundleId}" is not a bundle ID: use letters, digits, dots and hyphens (e.g. com.example.app).`);
  }
  const appVersion = optional('app-version');
  if (appVersion && !VERSION_PATTERN.test(appVersion)) {
    throw new InputError(
      'app-version',
      `"${appVersion}" is not a version: Apple expects one to three numbers separated by dots (e.g. 1.4.2).`,
    );
  }
  const buildNumber = optional('build-number');
  if (buildNumber && !VERSION_PATTERN.test(buildNumber)) {
    throw new InputError(
      'build-number',
      `"${buildNumber}" is not a build number: Apple expects one to three numbers separated by dots (e.g. 42 or 1.4.42).`,
    );
  }
  const platformInput = optional('platform');
  const platform = platformInput ? oneOf('platform', platformInput.toUpperCase(), PLATFORMS) : undefined;

  const uploadMethod = oneOf('upload-method', input('upload-method'), UPLOAD_METHODS);
  const concurrencyInput = input('upload-concurrency');
  const uploadConcurrency =
    concurrencyInput.toLowerCase() === 'auto'
      ? 'auto'
      : integer('upload-concurrency', concurrencyInput, 1, MAX_UPLOAD_CONCURRENCY, ', or `auto` (the default: the upload finds the count)');
  const postProcessing = oneOf('post-processing', input('post-processing'), POST_PROCESSING_MODES);
  const findBuildTimeoutMs = minutes('find-build-timeout', input('find-build-timeout'));
  const processingTimeoutMs = minutes('processing-timeout', input('processing-timeout'), {
    minutes: MAX_PROCESSING_TIMEOUT_MINUTES,
    why: `(a day): Apple processes a build in minutes, a few hours at worst, so a longer wait only delays the error. Use ${MAX_PROCESSING_TIMEOUT_MINUTES} or less; a build that finishes later can still be post-processed with \`command: distribute\`.`,
  });
  const pollIntervalMs = pollInterval(input('poll-interval'), input('api-url'));
  if (findBuildTimeoutMs > processingTimeoutMs) {
    throw new InputError(
      'find-build-timeout',
      `(${input('find-build-timeout')} minutes) is longer than \`processing-timeout\` (${input('processing-timeout')} minutes), which covers all post-processing: lower it or raise \`processing-timeout\`.`,
    );
  }

  const whatsNew = optional('whats-new');
  const whatsNewLocale = optional('whats-new-locale');
  if (whatsNewLocale && !whatsNew) {
    throw new InputError(
      'whats-new-locale',
      'is set but `whats-new` is empty: give the "What to Test" text in `whats-new`, or remove `whats-new-locale`.',
    );
  }
  const encryption = optional('uses-non-exempt-encryption');
  const usesNonExemptEncryption = encryption === undefined ? undefined : bool('uses-non-exempt-encryption', encryption);
  const submitBetaReview = bool('submit-beta-review', input('submit-beta-review'));
  const betaGroups = [
    ...new Set(
      input('beta-groups')
        .split(/[\n,]/)
        .map((g) => g.trim())
        .filter(Boolean),
    ),
  ];
  const notifyTesters = bool('notify-testers', input('notify-testers'));
  const expirePreviousBuilds = bool('expire-previous-builds', input('expire-previous-builds'));

  // With `command: release`, `phased-release` pauses or resumes a phased release under way; it is no App Store setting.
  const phasedReleaseAction = command === 'release' ? readPhasedReleaseAction(read) : undefined;
  const appStore = readAppStoreSettings(command === 'release' ? (name) => (name === 'phased-release' ? '' : read(name)) : read, now);
  const { followReview, reviewTimeoutMs } = readReviewSettings(read, processingTimeoutMs);
  const webhook = readWebhookSettings(read, command);
  const statusCheck = bool('status-check', input('status-check'));
  const resumeWorkflow = input('resume-workflow');
  if (!/^[A-Za-z0-9._-]+\.ya?ml$/.test(resumeWorkflow)) {
    throw new InputError(
      'resume-workflow',
      `"${resumeWorkflow}" must be the file name of the workflow that runs \`command: resume\`, as it is in .github/workflows (e.g. post-processing.yml).`,
    );
  }
  const disableWhenIdle = bool('disable-when-idle', input('disable-when-idle'));

  const stateArtifact = input('state-artifact');
  if (/["<>|*?:\\/\r\n]/.test(stateArtifact)) {
    throw new InputError(
      'state-artifact',
      `"${stateArtifact}" cannot be an artifact name: remove the characters " : < > | * ? \\ / and line breaks.`,
    );
  }
  const githubToken = optional('github-token');
  const apiUrl = url('api-url', input('api-url'));

  const config: Config = {
    command,
    issuerId,
    keyId,
    privateKey,
    paths,
    appId,
    bundleId,
    appVersion,
    buildNumber,
    platform,
    uploadMethod,
    uploadConcurrency,
    postProcessing,
    findBuildTimeoutMs,
    processingTimeoutMs,
    pollIntervalMs,
    releaseNotesPath: input('release-notes'),
    whatsNew,
    whatsNewLocale,
    usesNonExemptEncryption,
    submitBetaReview,
    betaGroups,
    notifyTesters,
    testInformationPath: input('test-information'),
    demoAccountPassword: read('demo-account-password') || undefined,
    expirePreviousBuilds,
    appStore,
    followReview,
    reviewTimeoutMs,
    phasedReleaseAction,
    webhook,
    statusCheck,
    resumeWorkflow,
    disableWhenIdle,
    stateArtifact,
    githubToken,
    apiUrl,
    dryRun: bool('dry-run', input('dry-run')),
  };
  checkCombinations(config);
  return config;
}

/** Combinations that cannot do what the user asked: refuse them rather than silently skip. */
function checkCombinations(config: Config): void {
  if (config.command === 'publish' && config.postProcessing === 'off') {
    const asked = (
      [
        ['submit-beta-review', config.submitBetaReview],
        ['beta-groups', config.betaGroups.length > 0],
        ['notify-testers', config.notifyTesters],
        ['expire-previous-builds', config.expirePreviousBuilds],
        ['whats-new', config.whatsNew !== undefined],
        ['uses-non-exempt-encryption', config.usesNonExemptEncryption !== undefined],
        ['submit-app-store-review', config.appStore !== undefined],
        ['follow-review', config.followReview],
      ] as const
    ).find(([, set]) => set);
    if (asked) {
      throw new InputError(
        asked[0],
        'asks for post-processing, but `post-processing` is `off`: set `post-processing: inline` (or `deferred`), or remove this input.',
      );
    }
  }
  if (
    (config.command === 'publish' || config.command === 'distribute') &&
    config.followReview &&
    !config.submitBetaReview &&
    !config.appStore
  ) {
    throw new InputError(
      'follow-review',
      'follows the reviews this run submits, but none is asked: set `submit-beta-review: true` and/or `submit-app-store-review: true`, or remove `follow-review`.',
    );
  }
  if (config.command === 'distribute') {
    if (config.postProcessing === 'off') {
      throw new InputError(
        'post-processing',
        '`off` leaves nothing for `command: distribute` to do: use `inline` (the default) or `deferred`.',
      );
    }
    for (const [name, value] of [
      ['app-version', config.appVersion],
      ['build-number', config.buildNumber],
    ] as const) {
      if (!value) {
        throw new InputError(
          name,
          'is required with `command: distribute`, which post-processes a build already in App Store Connect: give its version and build number.',
        );
      }
    }
    if (!config.appId && !config.bundleId) {
      throw new InputError('app-id', 'or `bundle-id` is required with `command: distribute` to find the app.');
    }
  }
  if (config.command === 'release') {
    if (!config.appVersion) {
      throw new InputError(
        'app-version',
        'is required with `command: release`: give the App Store version to release (e.g. `app-version: 1.4.2`).',
      );
    }
    if (!config.appId && !config.bundleId) {
      throw new InputError('app-id', 'or `bundle-id` is required with `command: release` to find the app.');
    }
  }
  if ((config.command === 'latest-build-number' || config.command === 'webhook') && !config.appId && !config.bundleId) {
    throw new InputError('app-id', `or \`bundle-id\` is required with \`command: ${config.command}\` to find the app.`);
  }
  if (config.dryRun && (config.command === 'resume' || config.command === 'latest-build-number' || config.command === 'webhook')) {
    throw new InputError(
      'dry-run',
      `applies to \`publish\`, \`distribute\` and \`release\`; \`${config.command}\` ${config.command === 'resume' ? 'finishes work already started: run it without `dry-run`' : config.command === 'webhook' ? "changes only the app's webhook and sends a ping: run it without `dry-run`" : 'only reads already: remove `dry-run`'}.`,
    );
  }
  if (config.command === 'resume' && !config.githubToken) {
    throw new InputError(
      'github-token',
      'is required with `command: resume` to list, download and delete state artifacts: keep the default `${{ github.token }}` and grant `permissions: actions: write`.',
    );
  }
}
