/**
 * The command line's options: every input of action.yml, with the same name, description and default
 * (a test compares this table with action.yml), plus how the command line fills each one in.
 */
export interface InputOption {
  /** The action.yml input name; the flag is `--<name>`. */
  name: string;
  description: string;
  /** The default as action.yml states it (undefined: none). */
  default?: string;
  required?: boolean;
  /** Accepts a bare flag meaning `true`. */
  boolean?: boolean;
  /** May be given several times; the values are joined with newlines. */
  repeatable?: boolean;
  /** Environment variable read when the flag is not given. */
  env?: string;
  /** How the default reads on the command line, when it differs from action.yml's. */
  cliDefault?: string;
  /** Holds a secret: masked in everything the command line prints. */
  secret?: boolean;
}

export const INPUT_OPTIONS: readonly InputOption[] = [
  {
    name: 'command',
    description:
      'What to do: `publish` (upload, then post-process), `distribute` (post-process a build already in App Store Connect), `resume` (finish deferred post-processing), `latest-build-number`.',
    default: 'publish',
  },
  {
    name: 'issuer-id',
    description: 'API key issuer ID (a UUID). Omit for an individual key.',
    env: 'APP_STORE_CONNECT_ISSUER_ID',
  },
  { name: 'key-id', description: 'API key ID.', required: true, env: 'APP_STORE_CONNECT_KEY_ID' },
  {
    name: 'private-key',
    description: 'The `.p8` private key, as PEM text or that text base64-encoded. Pass it from a secret.',
    required: true,
    env: 'APP_STORE_CONNECT_PRIVATE_KEY',
    secret: true,
  },
  {
    name: 'path',
    description: 'Glob(s), one per line, of the `.ipa` / `.pkg` files to publish.',
    default: '**/*.ipa',
    repeatable: true,
  },
  {
    name: 'app-id',
    description: "App Store Connect app ID (Apple ID of the app). Otherwise looked up by the package's bundle ID.",
  },
  {
    name: 'bundle-id',
    description: "Bundle ID; overrides the package's. `distribute` and `latest-build-number` use it to find the app.",
  },
  {
    name: 'app-version',
    description: "Version (CFBundleShortVersionString); overrides the package's. `distribute` uses it to find the build.",
  },
  {
    name: 'build-number',
    description: "Build number (CFBundleVersion); overrides the package's. `distribute` uses it to find the build.",
  },
  { name: 'platform', description: '`IOS`, `MAC_OS`, `TV_OS` or `VISION_OS`; otherwise from the package.' },
  {
    name: 'upload-method',
    description: "`api` (Apple's Build Upload API; any OS) or `altool` (`xcrun altool`; macOS only).",
    default: 'api',
  },
  {
    name: 'upload-concurrency',
    description:
      'Parts sent at once by the `api` upload: `auto` (start at 4, add one at a time up to 16 while each addition still raises the throughput) or a fixed number from 1 to 32.',
    default: 'auto',
  },
  {
    name: 'post-processing',
    description: '`inline` (in this job), `deferred` (saved to a workflow artifact for `command: resume`), or `off`.',
    default: 'inline',
  },
  { name: 'find-build-timeout', description: 'Minutes (fractions allowed) for the uploaded build to appear.', default: '15' },
  {
    name: 'processing-timeout',
    description: 'Minutes (fractions allowed), counted from the upload, for all post-processing.',
    default: '120',
  },
  { name: 'poll-interval', description: 'Seconds (fractions allowed) between status checks.', default: '30' },
  {
    name: 'release-notes',
    description: 'Path to a `release_notes.json` (`[{"language": "en-US", "text": "…"}]`); used when the file exists.',
    default: 'release_notes.json',
  },
  { name: 'whats-new', description: 'Plain "What to Test" text.' },
  { name: 'whats-new-locale', description: "Locale of `whats-new`. Defaults to the app's primary locale." },
  {
    name: 'uses-non-exempt-encryption',
    description: '`true` / `false`: answer export compliance when the build has no answer.',
    boolean: true,
  },
  { name: 'submit-beta-review', description: 'Submit the build to TestFlight beta review.', default: 'false', boolean: true },
  { name: 'beta-groups', description: 'Beta group names, one per line or comma-separated.', repeatable: true },
  { name: 'notify-testers', description: 'Send a notification to testers once distributed.', default: 'false', boolean: true },
  {
    name: 'expire-previous-builds',
    description: 'Expire earlier TestFlight builds of the same version.',
    default: 'false',
    boolean: true,
  },
  {
    name: 'state-artifact',
    description: 'Name (prefix) of the workflow artifacts that hold deferred state.',
    default: 'app-store-connect-post-processing',
  },
  {
    name: 'github-token',
    description: 'Token used to list, download and delete state artifacts.',
    default: '${{ github.token }}',
    env: 'GITHUB_TOKEN',
    cliDefault: '$GITHUB_TOKEN',
    secret: true,
  },
  {
    name: 'api-url',
    description: 'App Store Connect API base URL (proxies, tests).',
    default: 'https://api.appstoreconnect.apple.com',
  },
];

/** Options of the command line only. */
export interface CliOnlyOption {
  name: string;
  /** Placeholder for the value; none for a switch. */
  value?: string;
  description: string;
  env?: string;
}

export const CLI_OPTIONS: readonly CliOnlyOption[] = [
  {
    name: 'private-key-path',
    value: 'FILE',
    description: 'Read the `.p8` private key from this file instead of `--private-key`.',
    env: 'APP_STORE_CONNECT_PRIVATE_KEY_PATH',
  },
  { name: 'json', description: 'Print the outputs as one JSON object instead of `name=value` lines.' },
  {
    name: 'summary-file',
    value: 'FILE',
    description: 'Append the job summary (Markdown) to this file instead of printing it to stderr at the end.',
  },
  { name: 'verbose', description: 'Also print debug messages.' },
  { name: 'help', description: 'Show this help.' },
];
