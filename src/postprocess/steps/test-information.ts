/**
 * The app's TestFlight Test Information: written from `test-information` before the beta review
 * submission, and checked for what Apple requires before it (Apple refuses an incomplete one, a missing
 * feedback e-mail with a bare 500: codemagic cli-tools #118).
 */
import type { BetaAppReviewDetailFields } from '../../asc/beta-app-review-details.js';
import type { AppStoreConnect } from '../../asc/client.js';
import type { BetaAppLocalization, BetaAppReviewDetail } from '../../asc/types.js';
import { UserError } from '../../errors.js';
import type { TestInformation } from '../test-information.js';
import { done, skipped, type StepRun } from './types.js';

/** Where else Apple's required Test Information can be set. */
export const TEST_INFORMATION_WHERE =
  'Set it in the `test-information` file (test_information.json; see docs/testflight-external.md), or in App Store Connect → your app → TestFlight → Test Information.';

/** The review detail's fields the file sets; the password only from this run's `demo-account-password`. */
export function reviewFields(info: TestInformation, password: string | undefined): BetaAppReviewDetailFields {
  const c = info.reviewContact ?? {};
  const fields: BetaAppReviewDetailFields = {
    contactFirstName: c.firstName,
    contactLastName: c.lastName,
    contactPhone: c.phone,
    contactEmail: c.email,
    notes: info.reviewNotes,
  };
  if (info.demoAccount) {
    fields.demoAccountRequired = info.demoAccount.required;
    if (info.demoAccount.required) {
      fields.demoAccountName = info.demoAccount.name;
      fields.demoAccountPassword = password;
    }
  }
  return fields;
}

/** Writes what differs of the file's Test Information; nothing when Apple already holds it. */
export const testInformation: StepRun = async (state, ctx) => {
  const info = state.request.testInformation;
  if (!info) return skipped('no test information file');
  const { asc } = ctx;
  const appId = state.app.id;
  const changes: string[] = [];
  if (info.localizations.length) {
    const existing = await asc.betaAppLocalizations.list(appId);
    for (const { locale, ...fields } of info.localizations) {
      const change = await asc.betaAppLocalizations.put(appId, locale, fields, existing);
      if (change !== 'unchanged') changes.push(`${change} ${locale}`);
    }
  }
  const wanted = reviewFields(info, ctx.demoAccountPassword);
  if (Object.values(wanted).some((v) => v !== undefined)) {
    const detail = await asc.betaAppReviewDetails.forApp(appId);
    needPassword(info, detail, ctx.demoAccountPassword);
    const sent = await asc.betaAppReviewDetails.update(detail, wanted);
    // Field names only: the password's value never reaches a log, the summary or the state.
    if (sent.length) changes.push(`review information: ${sent.join(', ')}`);
  }
  return changes.length ? done(changes.join('; ')) : skipped('already as the file says');
};

/**
 * A required demo account whose password Apple lacks, or whose name changes, needs this run's
 * `demo-account-password` (a resume has only its own inputs: the password is never in the state).
 */
function needPassword(info: TestInformation, detail: BetaAppReviewDetail, password: string | undefined): void {
  const demo = info.demoAccount;
  if (!demo?.required || password) return;
  const a = detail.attributes ?? {};
  if (a.demoAccountPassword && a.demoAccountName === demo.name) return;
  throw new UserError(
    `Input \`demo-account-password\` is empty in this run, but the beta review demo account "${demo.name}" needs its password set at Apple. Pass it from a secret to this workflow too (\`demo-account-password: \${{ secrets.DEMO_ACCOUNT_PASSWORD }}\`), then run \`command: distribute\` for this build with \`submit-beta-review: true\`.`,
  );
}

/** One missing field: Apple's name and what it is. */
interface Missing {
  field: string;
  what: string;
}

/**
 * What Apple requires before an external beta review that neither Apple holds nor `info` (the file,
 * when given) sets: the primary locale's description and feedback e-mail, and the review contact.
 */
export async function missingTestInformation(
  asc: AppStoreConnect,
  appId: string,
  primaryLocale: string,
  info?: TestInformation,
  hasPassword = false,
): Promise<Missing[]> {
  const [localizations, detail] = await Promise.all([asc.betaAppLocalizations.list(appId), asc.betaAppReviewDetails.forApp(appId)]);
  return missingIn(localizations, detail, primaryLocale, info, hasPassword);
}

export function missingIn(
  localizations: BetaAppLocalization[],
  detail: BetaAppReviewDetail,
  primaryLocale: string,
  info?: TestInformation,
  hasPassword = false,
): Missing[] {
  const apple = localizations.find((l) => l.attributes?.locale === primaryLocale)?.attributes ?? {};
  const file = info?.localizations.find((l) => l.locale === primaryLocale) ?? { locale: primaryLocale };
  const a = detail.attributes ?? {};
  const c = info?.reviewContact ?? {};
  const has = (...values: Array<string | null | undefined>) => values.some((v) => !!v?.trim());
  const missing: Missing[] = [];
  const at = `localizations (${primaryLocale}, the app's primary language)`;
  if (!has(file.description, apple.description)) missing.push({ field: `${at}.description`, what: 'Beta App Description' });
  if (!has(file.feedbackEmail, apple.feedbackEmail))
    missing.push({ field: `${at}.feedbackEmail`, what: 'Feedback Email (Apple answers a bare 500 without it)' });
  const contact: Array<[keyof typeof c, keyof typeof a, string]> = [
    ['firstName', 'contactFirstName', 'first name'],
    ['lastName', 'contactLastName', 'last name'],
    ['phone', 'contactPhone', 'phone'],
    ['email', 'contactEmail', 'e-mail'],
  ];
  for (const [key, attr, what] of contact)
    if (!has(c[key], a[attr] as string | undefined))
      missing.push({ field: `reviewContact.${key}`, what: `Beta App Review contact ${what}` });
  const required = info?.demoAccount ? info.demoAccount.required : a.demoAccountRequired;
  if (required) {
    if (!has(info?.demoAccount?.name, a.demoAccountName)) missing.push({ field: 'demoAccount.name', what: 'demo account user name' });
    if (!hasPassword && !has(a.demoAccountPassword))
      missing.push({ field: '`demo-account-password` input', what: 'demo account password' });
  }
  return missing;
}

/** The error for missing Test Information: every field, and both ways to set it. */
export function missingTestInformationError(appLabel: string, missing: Missing[], then: string): UserError {
  const lines = missing.map((m) => `- ${m.what}: \`${m.field}\``);
  return new UserError(
    `The TestFlight Test Information of ${appLabel} is incomplete, and Apple refuses an external beta review without it:\n${lines.join('\n')}\n${TEST_INFORMATION_WHERE} ${then}`,
  );
}
