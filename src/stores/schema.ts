import { BUNDLE_ID_PATTERN, PACKAGE_VERSION_PATTERN, PLATFORMS } from '../domain.js';
import { TESTFLIGHT_LOCALES } from '../postprocess/locales.js';
import { MAX_WHATS_NEW } from '../postprocess/release-notes.js';
import { TEST_INFORMATION_LIMITS } from '../postprocess/test-information.js';
import { MIN_STATE_SCHEMA_VERSION, STATE_SCHEMA_VERSION, STEP_NAMES, type PostProcessingState } from '../postprocess/state.js';
import { MAX_ARTIFACT_RETENTION_DAYS } from '../review-inputs.js';

/**
 * The strict form of a state read back: every field typed, bounded and known. Anything else is refused
 * with the path of the first field at fault, so a state written by hand (or by an attacker who somehow
 * got past the seal) cannot carry text the steps or the summary would act on.
 */

/** A state read back that is not in the form this version writes. */
export class StateFormError extends Error {
  override name = 'StateFormError';
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Apple's resource ids: digits for apps and builds, UUIDs for others. */
const RESOURCE_ID = /^[0-9A-Za-z-]{1,64}$/;
const STEP_STATUSES = ['pending', 'done', 'skipped', 'warning', 'failed', 'timed-out'] as const;
const STATUSES = ['pending', 'completed', 'failed', 'timed-out'] as const;
/** `review-timeout`'s bound in the state: no more than a state artifact can be kept (90 days). */
const MAX_REVIEW_TIMEOUT_MS = MAX_ARTIFACT_RETENTION_DAYS * 86_400_000;
const APPLE_STATE = /^[A-Z_]+$/;
const PROCESSING_STATES = ['PROCESSING', 'FAILED', 'INVALID', 'VALID'] as const;
const RELEASE_TYPES = ['MANUAL', 'AFTER_APPROVAL', 'SCHEDULED'] as const;
const MAX_DETAIL = 4000;
const MAX_FAILURE = 16_000;
const MAX_GROUPS = 100;

type Checker = (value: unknown, path: string) => void;

function fail(path: string, why: string): never {
  throw new StateFormError(`${path} ${why}`);
}

const string =
  (max: number, pattern?: RegExp): Checker =>
  (v, path) => {
    if (typeof v !== 'string') fail(path, 'is not a string');
    if (v.length > max) fail(path, `is longer than ${max} characters`);
    if (pattern && !pattern.test(v)) fail(path, `is not of the form ${pattern.source}`);
  };
const oneOf =
  (values: readonly string[]): Checker =>
  (v, path) => {
    if (typeof v !== 'string' || !values.includes(v)) fail(path, `is not one of ${values.join(', ')}`);
  };
const boolean: Checker = (v, path) => {
  if (typeof v !== 'boolean') fail(path, 'is not true or false');
};
const integer =
  (min: number, max: number): Checker =>
  (v, path) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) fail(path, `is not a whole number from ${min} to ${max}`);
  };
/** An ISO 8601 time that parses, within a sane range. */
const date: Checker = (v, path) => {
  string(40, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/)(v, path);
  const ms = Date.parse(v as string);
  if (Number.isNaN(ms) || ms < Date.UTC(2020, 0, 1) || ms > Date.UTC(2100, 0, 1)) fail(path, 'is not a date');
};
const list =
  (item: Checker, max: number): Checker =>
  (v, path) => {
    if (!Array.isArray(v)) fail(path, 'is not a list');
    if (v.length > max) fail(path, `has more than ${max} entries`);
    v.forEach((entry, i) => item(entry, `${path}[${i}]`));
  };
/** An object with exactly these keys (those marked optional may be absent); no other key. */
function object(required: Record<string, Checker>, optional: Record<string, Checker> = {}): Checker {
  return (v, path) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'is not an object');
    const record = v as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!Object.hasOwn(required, key) && !Object.hasOwn(optional, key)) fail(`${path}.${key}`, 'is not a known field');
    }
    for (const [key, check] of Object.entries(required)) {
      if (record[key] === undefined) fail(`${path}.${key}`, 'is missing');
      check(record[key], `${path}.${key}`);
    }
    for (const [key, check] of Object.entries(optional)) {
      if (record[key] !== undefined) check(record[key], `${path}.${key}`);
    }
  };
}

const noteText: Checker = (v, path) => {
  string(MAX_WHATS_NEW)(v, path);
  if (/[<>]/.test(v as string)) fail(path, 'contains < or >, which Apple refuses');
};
const note = object({ locale: oneOf(TESTFLIGHT_LOCALES), text: noteText });
const uniqueLocales: Checker = (v, path) => {
  list(note, TESTFLIGHT_LOCALES.length)(v, path);
  const locales = (v as Array<{ locale: string }>).map((n) => n.locale);
  if (new Set(locales).size !== locales.length) fail(path, 'names a locale twice');
};
const stepProgress = object({ status: oneOf(STEP_STATUSES) }, { detail: string(MAX_DETAIL), startedAt: date, finishedAt: date });
const steps: Checker = (v, path) => {
  object({}, Object.fromEntries(STEP_NAMES.map((name) => [name, stepProgress])))(v, path);
};
const resourceId = string(64, RESOURCE_ID);

const appStoreRequest = object(
  { notes: uniqueLocales, cancelPreviousSubmission: boolean },
  {
    releaseType: oneOf(RELEASE_TYPES),
    earliestReleaseDate: date,
    phasedRelease: boolean,
    copyright: string(200, /^[^\r\n]*$/),
  },
);

/** Test Information as the file gives it, checked again as the step would send it (no password). */
const oneLine = (max: number): Checker => string(max, /^[^\r\n<>]*$/);
const testText = (max: number): Checker => string(max, /^[^<>]*$/);
const httpsUrl = string(TEST_INFORMATION_LIMITS.url, /^https:\/\/[^\s<>]+$/);
const email = oneLine(TEST_INFORMATION_LIMITS.email);
const testInformation = object(
  {
    localizations: list(
      object(
        { locale: oneOf(TESTFLIGHT_LOCALES) },
        {
          description: testText(TEST_INFORMATION_LIMITS.description),
          feedbackEmail: email,
          marketingUrl: httpsUrl,
          privacyPolicyUrl: httpsUrl,
        },
      ),
      TESTFLIGHT_LOCALES.length,
    ),
  },
  {
    reviewContact: object(
      {},
      {
        firstName: oneLine(TEST_INFORMATION_LIMITS.name),
        lastName: oneLine(TEST_INFORMATION_LIMITS.name),
        phone: oneLine(TEST_INFORMATION_LIMITS.phone),
        email,
      },
    ),
    demoAccount: object({ required: boolean }, { name: oneLine(TEST_INFORMATION_LIMITS.name) }),
    reviewNotes: testText(TEST_INFORMATION_LIMITS.reviewNotes),
  },
);

const stateForm = object(
  {
    schemaVersion: integer(MIN_STATE_SCHEMA_VERSION, STATE_SCHEMA_VERSION),
    id: string(36, UUID),
    revision: integer(0, 1_000_000),
    createdAt: date,
    app: object({ id: string(32, /^\d{1,32}$/), bundleId: string(155, BUNDLE_ID_PATTERN) }, { name: string(256) }),
    build: object(
      { version: string(32, PACKAGE_VERSION_PATTERN), buildNumber: string(32, PACKAGE_VERSION_PATTERN), platform: oneOf(PLATFORMS) },
      {
        fileName: string(255, /^[^/\\\0]+$/),
        buildUploadId: resourceId,
        id: resourceId,
        processingState: oneOf(PROCESSING_STATES),
      },
    ),
    uploadedAt: date,
    deadlines: object({ findBuild: date, processing: date }, { betaReview: date, appStoreReview: date }),
    request: object(
      {
        notes: uniqueLocales,
        expirePreviousBuilds: boolean,
        submitBetaReview: boolean,
        betaGroups: list(string(256, /\S/), MAX_GROUPS),
        notifyTesters: boolean,
      },
      {
        usesNonExemptEncryption: boolean,
        appStore: appStoreRequest,
        testInformation,
        followReview: boolean,
        reviewTimeoutMs: integer(1, MAX_REVIEW_TIMEOUT_MS),
      },
    ),
    steps,
    status: oneOf(STATUSES),
  },
  {
    failure: string(MAX_FAILURE),
    origin: object(
      {},
      {
        repository: string(140, /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/),
        runId: string(20, /^\d+$/),
        workflow: string(1024),
        sha: string(64, /^[0-9a-f]{40}([0-9a-f]{24})?$/),
      },
    ),
    appStore: object({}, { versionId: resourceId, versionState: string(64, APPLE_STATE), submissionId: resourceId }),
    testflight: object({}, { publicLink: string(80, /^https:\/\/testflight\.apple\.com\/join\/[A-Za-z0-9]{1,32}$/) }),
    betaReview: object({}, { state: string(64, APPLE_STATE) }),
    checkRunId: integer(1, Number.MAX_SAFE_INTEGER),
  },
);

/** Version 1 predates the App Store steps: one that carries them was not written by that version. */
function versionOneForm(state: PostProcessingState): void {
  if (state.request.appStore !== undefined) fail('state.request.appStore', 'is not a field of state schema 1');
  if (state.appStore !== undefined) fail('state.appStore', 'is not a field of state schema 1');
  const appStoreStep = Object.keys(state.steps).find((name) => name.startsWith('app-store-'));
  if (appStoreStep) fail(`state.steps.${appStoreStep}`, 'is not a step of state schema 1');
}

/** Version 2 predates the Test Information step, the TestFlight record and following review: one that carries any was not written by that version. */
function versionTwoForm(state: PostProcessingState): void {
  if (state.request.testInformation !== undefined) fail('state.request.testInformation', 'is not a field of state schema 2');
  if (state.testflight !== undefined) fail('state.testflight', 'is not a field of state schema 2');
  if (state.steps['test-information'] !== undefined) fail('state.steps.test-information', 'is not a step of state schema 2');
  const request = state.request as unknown as Record<string, unknown>;
  for (const field of ['followReview', 'reviewTimeoutMs'])
    if (request[field] !== undefined) fail(`state.request.${field}`, `is not a field of state schema ${state.schemaVersion}`);
  for (const field of ['betaReview', 'appStoreReview'] as const)
    if (state.deadlines[field] !== undefined) fail(`state.deadlines.${field}`, `is not a field of state schema ${state.schemaVersion}`);
  if (state.betaReview !== undefined) fail('state.betaReview', `is not a field of state schema ${state.schemaVersion}`);
  const reviewStep = Object.keys(state.steps).find((name) => name.endsWith('-decision'));
  if (reviewStep) fail(`state.steps.${reviewStep}`, `is not a step of state schema ${state.schemaVersion}`);
  const timedOut = state.status === 'timed-out' || Object.values(state.steps).some((s) => s?.status === 'timed-out');
  if (timedOut) fail('state.status', `cannot be timed-out in state schema ${state.schemaVersion}`);
}

/**
 * Checks a state read back from storage: first that this version of the action can read it (another
 * version may have written it), then its whole form. Throws with what is wrong and what to do.
 */
export function parseState(document: unknown, source: string): PostProcessingState {
  const state = document as Partial<PostProcessingState> | null;
  if (!state || typeof state !== 'object' || typeof state.schemaVersion !== 'number') {
    throw new StateFormError(`${source} is not post-processing state of this action.`);
  }
  if (state.schemaVersion > STATE_SCHEMA_VERSION) {
    throw new StateFormError(
      `${source} was written by a newer version of the action (state schema ${state.schemaVersion}; this version reads ${STATE_SCHEMA_VERSION}). Use the same action version in the publish and resume workflows.`,
    );
  }
  if (state.schemaVersion < MIN_STATE_SCHEMA_VERSION) {
    const build = typeof state.build?.buildNumber === 'string' ? state.build.buildNumber.slice(0, 32) : '?';
    throw new StateFormError(
      `${source} was written by an older version of the action (state schema ${state.schemaVersion}). Finish it with \`command: distribute\` for build ${build}, then delete the artifact.`,
    );
  }
  try {
    stateForm(document, 'state');
    if (state.schemaVersion === 1) versionOneForm(state as PostProcessingState);
    if (state.schemaVersion < 3) versionTwoForm(state as PostProcessingState);
  } catch (error) {
    if (!(error instanceof StateFormError)) throw error;
    throw new StateFormError(`${source} is not in the form this action writes: ${error.message}.`);
  }
  return state as PostProcessingState;
}
