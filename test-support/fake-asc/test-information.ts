/**
 * The app's TestFlight Test Information: beta app localizations (description, feedback e-mail, URLs)
 * and the beta app review detail (contact, demo account, notes), writable, with the validation Apple's
 * schemas imply (they give types only: the forms below are Apple's web form's) and Apple's bare 500 on a
 * beta review submission while the feedback e-mail is empty (codemagic cli-tools #118).
 */
import { data, type Ctx, type Env, type Handler, type Reply } from './context.js';
import { ApiError, conflict } from './errors.js';
import { declareRelationships, type Store } from './store.js';
import type { StoredResource } from './types.js';

declareRelationships('apps', { betaAppLocalizations: { to: 'betaAppLocalizations', many: true, inverse: 'app' } });
declareRelationships('betaAppLocalizations', { app: { to: 'apps' } });

const DESCRIPTION_MAX = 4000;
const NOTES_MAX = 4000;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/;

/** The Test Information a complete app has (what the web form asks once per app). */
export const COMPLETE_REVIEW_DETAIL = {
  contactFirstName: 'Jane',
  contactLastName: 'Appleseed',
  contactPhone: '+1 408 555 0100',
  contactEmail: 'review@example.com',
};

/** Seeds an app's Test Information: complete (the default of the fake's apps) or none (a fresh app). */
export function seedTestInformation(store: Store, app: StoredResource, complete: boolean): void {
  store.add(
    'betaAppReviewDetails',
    {
      contactFirstName: complete ? COMPLETE_REVIEW_DETAIL.contactFirstName : null,
      contactLastName: complete ? COMPLETE_REVIEW_DETAIL.contactLastName : null,
      contactPhone: complete ? COMPLETE_REVIEW_DETAIL.contactPhone : null,
      contactEmail: complete ? COMPLETE_REVIEW_DETAIL.contactEmail : null,
      demoAccountName: null,
      demoAccountPassword: null,
      demoAccountRequired: false,
      notes: null,
    },
    { app: app.id },
    app.id,
  );
  app.rel.betaAppReviewDetail = app.id;
  if (complete) {
    store.add(
      'betaAppLocalizations',
      {
        locale: app.attributes.primaryLocale,
        description: 'An app under test.',
        feedbackEmail: 'beta@example.com',
        marketingUrl: null,
        privacyPolicyUrl: null,
        tvOsPrivacyPolicy: null,
      },
      { app: app.id },
    );
  }
}

/** Whether the app's primary locale has a feedback e-mail; without one Apple answers the submission with a bare 500. */
export function refuseWithoutFeedbackEmail(store: Store, appId: string): void {
  const app = store.need('apps', appId);
  const primary = store
    .all('betaAppLocalizations')
    .find((l) => l.rel.app === appId && l.attributes.locale === app.attributes.primaryLocale);
  if (typeof primary?.attributes.feedbackEmail === 'string' && primary.attributes.feedbackEmail.trim()) return;
  // Apple's answer as codemagic cli-tools #118 shows it: nothing says which field is missing.
  throw new ApiError(
    500,
    'UNEXPECTED_ERROR',
    'An unexpected error occurred.',
    'An unexpected error occurred on the server side. If this issue continues, contact us at https://developer.apple.com/contact/.',
  );
}

const invalid = (attribute: string, detail: string): ApiError =>
  conflict('ENTITY_ERROR.ATTRIBUTE.INVALID', 'An attribute value is invalid.', detail, `/data/attributes/${attribute}`);

function checkLocalization(attrs: Record<string, unknown>): void {
  const description = attrs.description;
  if (typeof description === 'string' && [...description].length > DESCRIPTION_MAX)
    throw invalid('description', `The description can not be longer than ${DESCRIPTION_MAX} characters.`);
  const email = attrs.feedbackEmail;
  if (typeof email === 'string' && email !== '' && !EMAIL.test(email))
    throw invalid('feedbackEmail', `'${email}' is not a valid email address.`);
  for (const key of ['marketingUrl', 'privacyPolicyUrl']) {
    const url = attrs[key];
    if (typeof url === 'string' && url !== '' && !/^https?:\/\/\S+$/.test(url)) throw invalid(key, `'${url}' is not a valid URL.`);
  }
}

function checkReviewDetail(attrs: Record<string, unknown>): void {
  const email = attrs.contactEmail;
  if (typeof email === 'string' && email !== '' && !EMAIL.test(email))
    throw invalid('contactEmail', `'${email}' is not a valid email address.`);
  const notes = attrs.notes;
  if (typeof notes === 'string' && [...notes].length > NOTES_MAX)
    throw invalid('notes', `The notes can not be longer than ${NOTES_MAX} characters.`);
}

/** `locales`: the locales TestFlight accepts (the fake's own list). */
export function testInformationHandlers(env: Env, locales: ReadonlySet<string>): Record<string, Handler> {
  const { store } = env;
  const doc = (r: StoredResource, ctx: Ctx, status = 200): Reply => ({
    status,
    body: store.document(r, ctx.query, `${env.base()}/v1/${r.type}/${r.id}`),
  });
  const list = (items: StoredResource[], ctx: Ctx): Reply => ({
    status: 200,
    body: store.list(items, ctx.query, ctx.url, { cap: env.pageSizeCap, defaultLimit: 50 }),
  });
  const update = (r: StoredResource, ctx: Ctx, check: (a: Record<string, unknown>) => void): Reply => {
    if (data(ctx).id !== r.id) throw invalid('id', `The id in the request does not match the URL's id '${r.id}'.`);
    const attrs = data(ctx).attributes ?? {};
    check(attrs);
    for (const [key, value] of Object.entries(attrs)) r.attributes[key] = value;
    return doc(r, ctx);
  };
  return {
    'GET /v1/betaAppLocalizations': (ctx) => list(store.all('betaAppLocalizations'), ctx),
    'GET /v1/betaAppLocalizations/{id}': (ctx) => doc(store.need('betaAppLocalizations', ctx.params.id!), ctx),
    'GET /v1/apps/{id}/betaAppLocalizations': (ctx) => list(store.related(store.need('apps', ctx.params.id!), 'betaAppLocalizations'), ctx),
    'POST /v1/betaAppLocalizations': (ctx) => {
      const body = data(ctx);
      const app = store.need('apps', body.relationships!.app!.data.id);
      const attrs = body.attributes ?? {};
      const locale = String(attrs.locale);
      if (!locales.has(locale)) throw invalid('locale', `The 'locale' value '${locale}' is invalid.`);
      if (store.all('betaAppLocalizations').some((l) => l.rel.app === app.id && l.attributes.locale === locale))
        throw conflict('ENTITY_ERROR.DUPLICATE', 'The entity already exists.', `A localization for ${locale} already exists.`);
      checkLocalization(attrs);
      const created = store.add(
        'betaAppLocalizations',
        { description: null, feedbackEmail: null, marketingUrl: null, privacyPolicyUrl: null, tvOsPrivacyPolicy: null, ...attrs },
        { app: app.id },
      );
      return doc(created, ctx, 201);
    },
    'PATCH /v1/betaAppLocalizations/{id}': (ctx) => update(store.need('betaAppLocalizations', ctx.params.id!), ctx, checkLocalization),
    'PATCH /v1/betaAppReviewDetails/{id}': (ctx) => update(store.need('betaAppReviewDetails', ctx.params.id!), ctx, checkReviewDetail),
  };
}
