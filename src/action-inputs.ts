// Generated from action.yml by scripts/generate-inputs.mjs (npm run inputs): do not edit by hand.

export interface ActionInput {
  readonly description: string;
  readonly required: boolean;
  /** The default as the runner passes it; absent when there is none or when GitHub computes it. */
  readonly default?: string;
}

export const ACTION_INPUTS = {
  command: {
    description: 'What to do: `publish`, `distribute`, `resume`, `latest-build-number`, `release` or `webhook`.',
    required: false,
    default: 'publish',
  },
  'issuer-id': {
    description: 'API key issuer ID (a UUID). Omit for an individual key.',
    required: false,
  },
  'key-id': {
    description: 'API key ID.',
    required: true,
  },
  'private-key': {
    description: 'The `.p8` private key, as PEM text or that text base64-encoded. Pass it from a secret.',
    required: true,
  },
  path: {
    description: 'Glob(s), one per line, of the `.ipa` / `.pkg` files to publish.',
    required: false,
    default: '**/*.ipa',
  },
  'app-id': {
    description: "App Store Connect app ID (Apple ID of the app); otherwise found by the package's bundle ID.",
    required: false,
  },
  'bundle-id': {
    description: "Bundle ID; overrides the package's. Finds the app when there is no package.",
    required: false,
  },
  'app-version': {
    description: "Version (CFBundleShortVersionString); overrides the package's. Finds the build or version.",
    required: false,
  },
  'build-number': {
    description: "Build number (CFBundleVersion); overrides the package's. `distribute` finds the build by it.",
    required: false,
  },
  platform: {
    description: '`IOS`, `MAC_OS`, `TV_OS` or `VISION_OS`; otherwise from the package.',
    required: false,
  },
  'upload-method': {
    description: "`api` (Apple's Build Upload API; any OS) or `altool` (`xcrun altool`; macOS only).",
    required: false,
    default: 'api',
  },
  'upload-concurrency': {
    description: 'Parts sent at once by the `api` upload: `auto` (4 to 16, while throughput rises) or 1 to 32.',
    required: false,
    default: 'auto',
  },
  'post-processing': {
    description: '`inline` (in this job), `deferred` (finished later by `command: resume`), or `off`.',
    required: false,
    default: 'inline',
  },
  'find-build-timeout': {
    description: 'Minutes (fractions allowed) for the uploaded build to appear.',
    required: false,
    default: '15',
  },
  'processing-timeout': {
    description: 'Minutes (fractions allowed, at most 1440), counted from the upload, for all post-processing.',
    required: false,
    default: '120',
  },
  'poll-interval': {
    description: 'Seconds (fractions allowed) between checks, 5 to 3600; no floor for a loopback `api-url`.',
    required: false,
    default: '30',
  },
  'release-notes': {
    description:
      'A `release_notes.json` (`[{"language": "en-US", "text": "…"}]`) or a folder of `WhatToTest.<locale>.txt` or `<locale>/release_notes.txt` files.',
    required: false,
    default: 'release_notes.json',
  },
  'whats-new': {
    description: 'Plain "What to Test" text.',
    required: false,
  },
  'whats-new-locale': {
    description: "Locale of `whats-new`. Defaults to the app's primary locale.",
    required: false,
  },
  'uses-non-exempt-encryption': {
    description: '`true` / `false`: answer export compliance when the build has no answer.',
    required: false,
  },
  'submit-beta-review': {
    description: 'Submit the build to TestFlight beta review.',
    required: false,
    default: 'false',
  },
  'beta-groups': {
    description: 'Beta group names, one per line or comma-separated.',
    required: false,
  },
  'notify-testers': {
    description: 'Send a notification to testers once distributed.',
    required: false,
    default: 'false',
  },
  'test-information': {
    description:
      "A JSON file with the app's TestFlight Test Information (description, feedback email, review contact). Read when it exists.",
    required: false,
    default: 'test_information.json',
  },
  'demo-account-password': {
    description: "The beta review demo account's password. Pass it from a secret; never stored.",
    required: false,
  },
  'expire-previous-builds': {
    description: 'Expire earlier TestFlight builds of the same version.',
    required: false,
    default: 'false',
  },
  'submit-app-store-review': {
    description: 'Submit the build for App Store review with the App Store version `app-version`.',
    required: false,
    default: 'false',
  },
  'release-type': {
    description: "`manual`, `after-approval` or `scheduled`. Default: the version's current setting.",
    required: false,
  },
  'earliest-release-date': {
    description: 'With `scheduled`: an ISO 8601 date-time with a time zone, on the hour, in the future.',
    required: false,
  },
  'phased-release': {
    description: "`true` / `false`: release over 7 days (default: the version's setting); `command: release`: `pause` or `resume`.",
    required: false,
  },
  copyright: {
    description: "The version's copyright line. Default: the version's current setting.",
    required: false,
  },
  'app-store-release-notes': {
    description: '"What\'s New" notes, in the `release_notes.json` format. Default: the TestFlight notes.',
    required: false,
  },
  'follow-review': {
    description: 'Keep post-processing open until Apple decides on the reviews this run submitted (resume follows it).',
    required: false,
    default: 'false',
  },
  'review-timeout': {
    description: 'Hours (fractions allowed), counted from the submission, to wait for a review decision.',
    required: false,
    default: '72',
  },
  'dry-run': {
    description: 'Check everything and print what would be done, with no upload and no write anywhere.',
    required: false,
    default: 'false',
  },
  'webhook-url': {
    description: '`command: webhook`: the `https` URL of the relay that receives App Store Connect webhooks.',
    required: false,
  },
  'webhook-secret': {
    description: '`command: webhook`: the shared secret (at least 32 characters). Pass it from a secret.',
    required: false,
  },
  'webhook-events': {
    description: '`command: webhook`: event types, comma-separated. Default: build upload, external build and version state.',
    required: false,
  },
  'cancel-previous-submission': {
    description: "Withdraw this app's waiting App Store review submission, so this build can be submitted.",
    required: false,
    default: 'false',
  },
  'status-check': {
    description: 'Report post-processing as a check run on the commit (needs `checks: write`).',
    required: false,
    default: 'true',
  },
  'resume-workflow': {
    description: 'Deferred: file name of the workflow that runs `command: resume`; the publish enables it.',
    required: false,
    default: 'post-processing.yml',
  },
  'disable-when-idle': {
    description: 'Resume: disable its own workflow when nothing is pending (a deferred publish enables it).',
    required: false,
    default: 'true',
  },
  'state-artifact': {
    description: 'Name (prefix) of the workflow artifacts that hold deferred state.',
    required: false,
    default: 'app-store-connect-post-processing',
  },
  'github-token': {
    description: "Token for GitHub's API: state artifacts, the resume workflow, the check run.",
    required: false,
  },
  'api-url': {
    description: 'App Store Connect API base URL (proxies, tests).',
    required: false,
    default: 'https://api.appstoreconnect.apple.com',
  },
} as const satisfies Record<string, ActionInput>;

export type InputName = keyof typeof ACTION_INPUTS;

export const ACTION_OUTPUTS = {
  'app-id': 'App Store Connect app ID.',
  'bundle-id': 'Bundle ID of the published app.',
  'app-version': 'Version (CFBundleShortVersionString).',
  'build-number': 'Build number (CFBundleVersion).',
  platform: 'Platform of the build.',
  'build-upload-id': 'ID of the build upload created by the `api` upload.',
  'build-id': 'ID of the build in App Store Connect.',
  'processing-state': "The build's processing state when the step ended (`PROCESSING`, `VALID`, …).",
  'post-processing': '`completed`, `pending`, `failed` or `skipped`.',
  'state-artifact-id': 'ID of the workflow artifact that holds deferred state.',
  'latest-build-number': 'Highest build number in TestFlight and the App Store (`latest-build-number`).',
  'next-build-number': 'The next build number to use (`latest-build-number`).',
  'app-store-version-id': 'ID of the App Store version the build was submitted with (`submit-app-store-review`, `release`).',
  'app-store-state': "The App Store version's state after this run (e.g. `WAITING_FOR_REVIEW`).",
  'check-run-id': 'ID of the check run that reports post-processing on the commit.',
  'beta-review-state': "The build's TestFlight beta review state after this run (e.g. `WAITING_FOR_REVIEW`, `APPROVED`).",
  'testflight-public-link': 'The public TestFlight link of the first named external group that has one enabled.',
  'app-store-connect-url': "The build's page in App Store Connect.",
  'webhook-id': "ID of the app's webhook (`command: webhook`).",
} as const;

export type OutputName = keyof typeof ACTION_OUTPUTS;
