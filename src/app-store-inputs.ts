/**
 * The App Store inputs' form, checked from their raw text with the other inputs, before any request:
 * release type, release date (future, on the hour in UTC), phased release, copyright, and App Store
 * inputs given without `submit-app-store-review`. The notes file is read with the other notes.
 */
import type { ReleaseType } from './asc/app-store-types.js';
import { InputError } from './errors.js';
import { bool, oneOf, withDefaults } from './input-values.js';
import type { InputReader } from './runtime.js';

/** What the App Store inputs ask for; undefined in the config when `submit-app-store-review` is not `true`. */
export interface AppStoreSettings {
  /** Unset: the version keeps its current setting. */
  releaseType?: ReleaseType;
  /** ISO 8601 in UTC, on the hour; only with `SCHEDULED`. */
  earliestReleaseDate?: string;
  phasedRelease?: boolean;
  copyright?: string;
  /** `app-store-release-notes`; unset: the TestFlight notes. */
  notesPath?: string;
  cancelPreviousSubmission: boolean;
}

/** The inputs that only mean something with `submit-app-store-review: true`. */
const APP_STORE_INPUTS = [
  'release-type',
  'earliest-release-date',
  'phased-release',
  'copyright',
  'app-store-release-notes',
  'cancel-previous-submission',
] as const;

/** `release-type` values and what Apple calls them. */
const RELEASE_TYPES = { manual: 'MANUAL', 'after-approval': 'AFTER_APPROVAL', scheduled: 'SCHEDULED' } as const satisfies Record<
  string,
  ReleaseType
>;
type ReleaseTypeInput = keyof typeof RELEASE_TYPES;
const RELEASE_TYPE_INPUTS = Object.keys(RELEASE_TYPES) as ReleaseTypeInput[];
const HOUR_MS = 3_600_000;
const MAX_COPYRIGHT = 200;
/** An ISO 8601 date-time; the zone is checked separately so its absence gets its own message. */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Reads the App Store inputs. Undefined when `submit-app-store-review` is not `true`; then any App Store
 * input given is an error, since it would silently do nothing.
 */
export function readAppStoreSettings(read: InputReader, now: () => number): AppStoreSettings | undefined {
  const raw = withDefaults(read);
  const submit = bool('submit-app-store-review', raw('submit-app-store-review'));
  const cancelPreviousSubmission = bool('cancel-previous-submission', raw('cancel-previous-submission'));
  if (!submit) {
    const given = APP_STORE_INPUTS.filter((name) => (name === 'cancel-previous-submission' ? cancelPreviousSubmission : raw(name) !== ''));
    if (given.length) {
      const also =
        given.length > 1
          ? ` (also given: ${given
              .slice(1)
              .map((g) => `\`${g}\``)
              .join(', ')})`
          : '';
      throw new InputError(
        given[0]!,
        `asks for an App Store release, but \`submit-app-store-review\` is not \`true\`${also}. Set \`submit-app-store-review: true\`, or remove ${given.length > 1 ? 'these inputs' : 'this input'}.`,
      );
    }
    return undefined;
  }

  const typeText = raw('release-type').toLowerCase();
  const releaseType: ReleaseType | undefined = typeText ? RELEASE_TYPES[oneOf('release-type', typeText, RELEASE_TYPE_INPUTS)] : undefined;
  const dateText = raw('earliest-release-date');
  const earliestReleaseDate = dateText ? releaseDate(dateText, releaseType, now()) : undefined;
  if (releaseType === 'SCHEDULED' && !earliestReleaseDate) {
    throw new InputError(
      'release-type',
      '`scheduled` needs `earliest-release-date`: an ISO 8601 date-time with a time zone, on the hour, in the future (e.g. 2026-12-24T09:00:00Z).',
    );
  }
  const phasedText = raw('phased-release');
  const phasedRelease = phasedText ? bool('phased-release', phasedText) : undefined;
  const copyright = raw('copyright') || undefined;
  if (copyright && (copyright.length > MAX_COPYRIGHT || /[\r\n]/.test(copyright))) {
    throw new InputError('copyright', `must be one line of at most ${MAX_COPYRIGHT} characters (e.g. "2026 Example Inc.").`);
  }
  const notesPath = raw('app-store-release-notes') || undefined;
  return { releaseType, earliestReleaseDate, phasedRelease, copyright, notesPath, cancelPreviousSubmission };
}

function releaseDate(text: string, releaseType: ReleaseType | undefined, now: number): string {
  const example = 'e.g. 2026-12-24T09:00:00Z or 2026-12-24T10:00:00+01:00';
  if (releaseType !== 'SCHEDULED') {
    throw new InputError(
      'earliest-release-date',
      `only applies with \`release-type: scheduled\`${releaseType ? `, not \`${RELEASE_TYPE_INPUTS.find((name) => RELEASE_TYPES[name] === releaseType)}\`` : ''}. Set \`release-type: scheduled\`, or remove the date.`,
    );
  }
  const m = DATE_TIME.exec(text);
  const at = m ? Date.parse(m[7] ? text : `${text}Z`) : NaN;
  if (!m || Number.isNaN(at)) {
    throw new InputError('earliest-release-date', `"${text}" is not an ISO 8601 date-time with a time zone (${example}).`);
  }
  if (!m[7]) {
    throw new InputError(
      'earliest-release-date',
      `"${text}" has no time zone, so the hour is ambiguous: add \`Z\` for UTC or an offset such as \`+01:00\` (${example}).`,
    );
  }
  // On the hour in UTC: an offset such as +05:30 moves the hour, and Apple reads the instant.
  if (at % HOUR_MS !== 0) {
    throw new InputError(
      'earliest-release-date',
      `"${text}" is not on the hour (${new Date(at).toISOString()} in UTC): Apple releases on the hour. Use minutes and seconds 00.`,
    );
  }
  if (at <= now) {
    throw new InputError(
      'earliest-release-date',
      `"${text}" is in the past (now is ${new Date(now).toISOString()}): give a future hour, or use \`release-type: after-approval\`.`,
    );
  }
  return new Date(at).toISOString();
}
