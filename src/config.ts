import { InputError } from './errors.js';
import type { InputReader } from './runtime.js';

export const COMMANDS = ['publish', 'distribute', 'resume', 'latest-build-number'] as const;
export type Command = (typeof COMMANDS)[number];

export const PLATFORMS = ['IOS', 'MAC_OS', 'TV_OS', 'VISION_OS'] as const;
export type Platform = (typeof PLATFORMS)[number];

export const UPLOAD_METHODS = ['api', 'altool'] as const;
export type UploadMethod = (typeof UPLOAD_METHODS)[number];

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
  expirePreviousBuilds: boolean;
  stateArtifact: string;
  githubToken?: string;
  apiUrl: string;
}

export const DEFAULTS = {
  command: 'publish',
  path: '**/*.ipa',
  'upload-method': 'api',
  'upload-concurrency': 'auto',
  'post-processing': 'inline',
  'find-build-timeout': '15',
  'processing-timeout': '120',
  'poll-interval': '30',
  'release-notes': 'release_notes.json',
  'state-artifact': 'app-store-connect-post-processing',
  'api-url': 'https://api.appstoreconnect.apple.com',
} as const;

const MAX_UPLOAD_CONCURRENCY = 32;

/** Reads and validates every input. Throws InputError naming the first bad input. */
export function parseConfig(read: InputReader): Config {
  const input = (name: string): string => {
    const value = read(name).trim();
    return value !== '' ? value : ((DEFAULTS as Record<string, string>)[name] ?? '');
  };
  const optional = (name: string): string | undefined => input(name) || undefined;

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
  if (appVersion && !/^\d+(\.\d+){0,2}$/.test(appVersion)) {
    throw new InputError(
      'app-version',
      `"${appVersion}" is not a version: Apple expects one to three numbers separated by dots (e.g. 1.4.2).`,
    );
  }
  const buildNumber = optional('build-number');
  if (buildNumber && !/^\d+(\.\d+){0,2}$/.test(buildNumber)) {
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
  const processingTimeoutMs = minutes('processing-timeout', input('processing-timeout'));
  const pollIntervalMs = positiveNumber('poll-interval', input('poll-interval'), 'seconds') * 1000;
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
  const submitBetaReview = bool('submit-beta-review', input('submit-beta-review') || 'false');
  const betaGroups = [
    ...new Set(
      input('beta-groups')
        .split(/[\n,]/)
        .map((g) => g.trim())
        .filter(Boolean),
    ),
  ];
  const notifyTesters = bool('notify-testers', input('notify-testers') || 'false');
  const expirePreviousBuilds = bool('expire-previous-builds', input('expire-previous-builds') || 'false');

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
    expirePreviousBuilds,
    stateArtifact,
    githubToken,
    apiUrl,
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
      ] as const
    ).find(([, set]) => set);
    if (asked) {
      throw new InputError(
        asked[0],
        'asks for post-processing, but `post-processing` is `off`: set `post-processing: inline` (or `deferred`), or remove this input.',
      );
    }
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
  if (config.command === 'latest-build-number' && !config.appId && !config.bundleId) {
    throw new InputError('app-id', 'or `bundle-id` is required with `command: latest-build-number` to find the app.');
  }
  if (config.command === 'resume' && !config.githubToken) {
    throw new InputError(
      'github-token',
      'is required with `command: resume` to list, download and delete state artifacts: keep the default `${{ github.token }}` and grant `permissions: actions: write`.',
    );
  }
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new InputError(name, `"${value}" is not one of ${allowed.map((a) => `\`${a}\``).join(', ')}.`);
}

function bool(name: string, value: string): boolean {
  const v = value.toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new InputError(name, `"${value}" is not a boolean: use \`true\` or \`false\`.`);
}

function positiveNumber(name: string, value: string, unit: string): number {
  const n = Number(value);
  if (value === '' || !Number.isFinite(n) || n <= 0) {
    throw new InputError(name, `"${value}" is not a positive number of ${unit} (fractions such as 0.5 are allowed).`);
  }
  return n;
}

function minutes(name: string, value: string): number {
  return Math.round(positiveNumber(name, value, 'minutes') * 60_000);
}

function integer(name: string, value: string, min: number, max: number, orElse = ''): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new InputError(name, `"${value}" must be a whole number from ${min} to ${max}${orElse}.`);
  }
  return n;
}

function url(name: string, value: string): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new InputError(name, `"${value}" is not a URL: use https://api.appstoreconnect.apple.com or your proxy's base URL.`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new InputError(name, `"${value}" must be an http(s) URL.`);
  }
  return value.replace(/\/+$/, '');
}

/** One entry per non-empty line. */
export function lines(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
}
