/** The write side of TestFlight: export compliance, expiry, "What to Test", beta review, groups and notifications. */
import { data, iso, linkageIds, type Ctx, type Env, type Handler, type Reply } from './context.js';
import { ApiError, conflict, notFound, stateError } from './errors.js';
import { refuseWithoutFeedbackEmail } from './test-information.js';
import type { StoredResource } from './types.js';
import { relationshipTarget } from './uploads.js';

/** Locales TestFlight accepts for "What to Test". */
// prettier-ignore
export const TESTFLIGHT_LOCALES = new Set([
  'ar-SA', 'ca', 'cs', 'da', 'de-DE', 'el', 'en-AU', 'en-CA', 'en-GB', 'en-US', 'es-ES', 'es-MX', 'fi', 'fr-CA', 'fr-FR', 'he', 'hi', 'hr', 'hu', 'id',
  'it', 'ja', 'ko', 'ms', 'nl-NL', 'no', 'pl', 'pt-BR', 'pt-PT', 'ro', 'ru', 'sk', 'sv', 'th', 'tr', 'uk', 'vi', 'zh-Hans', 'zh-Hant',
]);

const WHATS_NEW_MAX = 4000;

export function testflightHandlers(env: Env): Record<string, Handler> {
  const { store, lifecycle } = env;
  const doc = (r: StoredResource, ctx: Ctx, status = 200): Reply => ({
    status,
    body: store.document(r, ctx.query, `${env.base()}/v1/${r.type}/${r.id}`),
  });

  const sameId = (ctx: Ctx, r: StoredResource): void => {
    const id = data(ctx).id;
    if (id !== r.id)
      throw conflict(
        'ENTITY_ERROR.ATTRIBUTE.INVALID',
        'An attribute value is invalid.',
        `The id '${String(id)}' in the request does not match the URL's id '${r.id}'.`,
        '/data/id',
      );
  };

  const checkWhatsNew = (text: unknown): void => {
    if (typeof text === 'string' && /[<>]/.test(text)) {
      // Apple refuses notes holding < or > (Codemagic's docs: 409 "invalid characters").
      throw conflict(
        'ENTITY_ERROR.ATTRIBUTE.INVALID.INVALID_CHARACTERS',
        'An attribute value has invalid characters.',
        "The value of 'whatsNew' contains invalid characters.",
        '/data/attributes/whatsNew',
      );
    }
    if (typeof text === 'string' && [...text].length > WHATS_NEW_MAX) {
      throw conflict(
        'ENTITY_ERROR.ATTRIBUTE.INVALID.TOO_LONG',
        'An attribute value is too long.',
        `The value of 'whatsNew' is ${[...text].length} characters long; it can not be longer than ${WHATS_NEW_MAX} characters.`,
        '/data/attributes/whatsNew',
      );
    }
  };

  /** What stops a build from being distributed: processing, expiry, or no export compliance answer. */
  const requireDistributable = (build: StoredResource, what: string): void => {
    if (build.attributes.processingState !== 'VALID')
      throw stateError(
        `The build ${String(build.attributes.version)} can not be ${what}: its processing state is ${String(build.attributes.processingState)}, not VALID.`,
      );
    if (build.attributes.expired) throw stateError(`The build ${String(build.attributes.version)} has expired and can not be ${what}.`);
    if (!lifecycle.betaReady(build))
      throw stateError(`The build ${String(build.attributes.version)} is still being processed for TestFlight and can not be ${what} yet.`);
    if (build.attributes.usesNonExemptEncryption == null) {
      throw stateError(
        `The build ${String(build.attributes.version)} is missing export compliance information (usesNonExemptEncryption) and can not be ${what}.`,
      );
    }
  };

  const linkGroups = (build: StoredResource, groups: StoredResource[]): void => {
    for (const group of groups) {
      if (group.rel.app !== build.rel.app) {
        throw conflict(
          'ENTITY_ERROR.RELATIONSHIP.INVALID',
          'The provided entity includes a relationship with an invalid value',
          `The beta group '${group.id}' belongs to another app than the build '${build.id}'.`,
        );
      }
      if (group.attributes.isInternalGroup && group.attributes.hasAccessToAllBuilds) {
        // asc CLI #1143: an internal group with access to all builds refuses explicit assignment.
        throw new ApiError(
          422,
          'ENTITY_UNPROCESSABLE',
          'The request entity could not be processed.',
          'Builds cannot be assigned to this internal group.',
        );
      }
      if (!group.attributes.isInternalGroup && build.attributes.buildAudienceType === 'INTERNAL_ONLY') {
        throw new ApiError(
          422,
          'ENTITY_UNPROCESSABLE',
          'The request entity could not be processed.',
          `The build ${String(build.attributes.version)} is for internal testing only and can not be added to an external group.`,
        );
      }
    }
    const external = groups.some((g) => !g.attributes.isInternalGroup);
    const readyAt = lifecycle.externalReadyAt(build.id);
    const detail = store.get('buildBetaDetails', build.id);
    if (
      external &&
      build.attributes.processingState === 'VALID' &&
      lifecycle.betaReady(build) &&
      (detail?.attributes.externalBuildState === 'PROCESSING' ||
        (readyAt !== undefined && env.now() < readyAt + (env.lifecycle.timing.betaGroupLinkLagMs ?? 0)))
    ) {
      // Live reports (asc CLI #1906): a VALID build is "no resource" to a beta group until TestFlight is done with it.
      throw notFound('builds', build.id);
    }
    requireDistributable(build, 'added to beta groups');
    const current = build.rel.betaGroups as string[];
    for (const group of groups) if (!current.includes(group.id)) current.push(group.id);
  };

  const linkTarget = (type: string, id: string): StoredResource => {
    const r = store.get(type, id);
    if (!r)
      throw new ApiError(
        409,
        'ENTITY_ERROR.RELATIONSHIP.INVALID',
        'The provided entity includes a relationship with an invalid value',
        notFound(type, id).detail,
      );
    return r;
  };

  return {
    'PATCH /v1/builds/{id}': (ctx) => {
      const build = store.need('builds', ctx.params.id!);
      sameId(ctx, build);
      const attrs = data(ctx).attributes ?? {};
      if (attrs.usesNonExemptEncryption != null) {
        if (build.attributes.usesNonExemptEncryption != null) {
          throw conflict(
            'ENTITY_ERROR.ATTRIBUTE.INVALID',
            'An attribute value is invalid.',
            `The export compliance answer (usesNonExemptEncryption) of build ${String(build.attributes.version)} has already been provided and can not be changed.`,
            '/data/attributes/usesNonExemptEncryption',
          );
        }
        build.attributes.usesNonExemptEncryption = attrs.usesNonExemptEncryption;
      }
      if (attrs.expired === true) {
        if (build.attributes.expired)
          throw conflict(
            'ENTITY_ERROR.ATTRIBUTE.INVALID',
            'An attribute value is invalid.',
            `The build ${String(build.attributes.version)} has already expired.`,
            '/data/attributes/expired',
          );
        build.attributes.expired = true;
        build.attributes.expirationDate = iso(env.now());
      } else if (attrs.expired === false && build.attributes.expired) {
        throw conflict(
          'ENTITY_ERROR.ATTRIBUTE.INVALID',
          'An attribute value is invalid.',
          'An expired build can not be made available again.',
          '/data/attributes/expired',
        );
      }
      if (lifecycle.betaReady(build)) lifecycle.updateBetaStates(build);
      return doc(build, ctx);
    },

    'POST /v1/betaBuildLocalizations': (ctx) => {
      const d = data(ctx);
      const attrs = d.attributes as { locale: string; whatsNew?: string | null };
      const build = relationshipTarget(env, 'builds', d.relationships!.build!.data.id);
      if (!TESTFLIGHT_LOCALES.has(attrs.locale)) {
        throw conflict(
          'ENTITY_ERROR.ATTRIBUTE.INVALID',
          'An attribute value is invalid.',
          `'${attrs.locale}' is not a valid locale for a beta build localization.`,
          '/data/attributes/locale',
        );
      }
      checkWhatsNew(attrs.whatsNew);
      if (store.all('betaBuildLocalizations').some((l) => l.rel.build === build.id && l.attributes.locale === attrs.locale)) {
        throw conflict(
          'ENTITY_ERROR.ATTRIBUTE.INVALID.DUPLICATE',
          'The provided entity includes an attribute with a value that has already been used',
          `A beta build localization for the locale '${attrs.locale}' already exists for this build.`,
          '/data/attributes/locale',
        );
      }
      const loc = store.add('betaBuildLocalizations', { whatsNew: attrs.whatsNew ?? null, locale: attrs.locale }, { build: build.id });
      return doc(loc, ctx, 201);
    },

    'PATCH /v1/betaBuildLocalizations/{id}': (ctx) => {
      const loc = store.need('betaBuildLocalizations', ctx.params.id!);
      sameId(ctx, loc);
      const attrs = data(ctx).attributes ?? {};
      checkWhatsNew(attrs.whatsNew);
      if ('whatsNew' in attrs) loc.attributes.whatsNew = attrs.whatsNew;
      return doc(loc, ctx);
    },

    'DELETE /v1/betaBuildLocalizations/{id}': (ctx) => {
      store.remove('betaBuildLocalizations', store.need('betaBuildLocalizations', ctx.params.id!).id);
      return { status: 204 };
    },

    'POST /v1/betaAppReviewSubmissions': (ctx) => {
      const build = relationshipTarget(env, 'builds', data(ctx).relationships!.build!.data.id);
      if (store.all('betaAppReviewSubmissions').some((s) => s.rel.build === build.id)) {
        throw conflict(
          'ENTITY_ERROR.RELATIONSHIP.INVALID',
          'The provided entity includes a relationship with an invalid value',
          `The build ${String(build.attributes.version)} has already been submitted for beta review.`,
        );
      }
      const betaDetail = store.get('buildBetaDetails', build.id);
      if (
        build.attributes.processingState === 'VALID' &&
        (!lifecycle.betaReady(build) ||
          build.attributes.usesNonExemptEncryption == null ||
          betaDetail?.attributes.externalBuildState === 'PROCESSING')
      ) {
        // Codemagic #346: 422 while export compliance is missing or the beta details are still processed.
        throw new ApiError(
          422,
          'STATE_ERROR.ENTITY_STATE_INVALID',
          'The request cannot be fulfilled because of the state of another resource.',
          `Build ${String(build.attributes.version)} is not ready for beta review: its beta details are still being processed or export compliance is missing.`,
        );
      }
      requireDistributable(build, 'submitted for beta review');
      const train = build.rel.preReleaseVersion;
      const inReview =
        env.quirks.oneBetaReviewPerTrain &&
        store
          .all('betaAppReviewSubmissions')
          .map((s) => store.get('builds', String(s.rel.build)))
          .find(
            (b) =>
              b &&
              b.rel.preReleaseVersion === train &&
              ['WAITING_FOR_REVIEW', 'IN_REVIEW'].includes(
                String(store.all('betaAppReviewSubmissions').find((s) => s.rel.build === b.id)?.attributes.betaReviewState),
              ),
          );
      if (inReview) {
        // One build of a train in review at a time (tramlinehq/store-quirks#5, fastlane #18408).
        throw new ApiError(
          422,
          'STATE_ERROR',
          'The request cannot be fulfilled because of the state of another resource.',
          'Another build is in review.',
        );
      }
      const limit = env.quirks.betaReviewDailyLimit;
      const today = iso(env.now()).slice(0, 10);
      const submittedToday = store
        .all('betaAppReviewSubmissions')
        .filter(
          (s) =>
            store.get('builds', String(s.rel.build))?.rel.app === build.rel.app && String(s.attributes.submittedDate).startsWith(today),
        ).length;
      if (limit !== undefined && submittedToday >= limit) {
        // The daily limit of external submissions (ai-ecoverse/slicc#1949's log; fastlane users report it too).
        throw new ApiError(
          422,
          'ENTITY_UNPROCESSABLE.SUBMISSION_LIMIT_REACHED',
          'The request entity could not be processed.',
          'Submission limit has been reached.',
        );
      }
      if (env.quirks.missingBetaAppDescription.has(String(build.rel.app))) {
        // Several entries in one body, the telling one not first (asc CLI #2579); fastlane #21995 for the text.
        throw new ApiError(
          422,
          'ENTITY_UNPROCESSABLE',
          'The request entity could not be processed.',
          'The build can not be submitted for beta review.',
          undefined,
          [
            {
              code: 'STATE_ERROR.ENTITY_STATE_INVALID',
              title: 'Required information is missing.',
              detail: 'Beta App Description is missing.',
            },
          ],
        );
      }
      refuseWithoutFeedbackEmail(store, String(build.rel.app));
      const detail = store.get('betaAppReviewDetails', String(build.rel.app));
      const missing = ['contactFirstName', 'contactLastName', 'contactEmail', 'contactPhone'].filter((k) => !detail?.attributes[k]);
      if (missing.length > 0) {
        throw new ApiError(
          422,
          'STATE_ERROR.ENTITY_STATE_INVALID',
          'The request cannot be fulfilled because of the state of another resource.',
          `Beta App Review Information is incomplete for this app: ${missing.join(', ')} is required. Add the contact information in App Store Connect under TestFlight > Test Information.`,
        );
      }
      const submission = store.add(
        'betaAppReviewSubmissions',
        { betaReviewState: 'WAITING_FOR_REVIEW', submittedDate: iso(env.now()) },
        { build: build.id },
      );
      lifecycle.updateBetaStates(build);
      return doc(submission, ctx, 201);
    },

    'POST /v1/builds/{id}/relationships/betaGroups': (ctx) => {
      const build = store.need('builds', ctx.params.id!);
      linkGroups(
        build,
        linkageIds(ctx).map((id) => linkTarget('betaGroups', id)),
      );
      return { status: 204 };
    },

    'DELETE /v1/builds/{id}/relationships/betaGroups': (ctx) => {
      const build = store.need('builds', ctx.params.id!);
      const ids = linkageIds(ctx);
      ids.forEach((id) => linkTarget('betaGroups', id));
      build.rel.betaGroups = (build.rel.betaGroups as string[]).filter((g) => !ids.includes(g));
      return { status: 204 };
    },

    'POST /v1/betaGroups/{id}/relationships/builds': (ctx) => {
      const group = store.need('betaGroups', ctx.params.id!);
      for (const build of linkageIds(ctx).map((id) => linkTarget('builds', id))) linkGroups(build, [group]);
      return { status: 204 };
    },

    'DELETE /v1/betaGroups/{id}/relationships/builds': (ctx) => {
      const group = store.need('betaGroups', ctx.params.id!);
      for (const build of linkageIds(ctx).map((id) => linkTarget('builds', id))) {
        build.rel.betaGroups = (build.rel.betaGroups as string[]).filter((g) => g !== group.id);
      }
      return { status: 204 };
    },

    'PATCH /v1/buildBetaDetails/{id}': (ctx) => {
      const detail = store.need('buildBetaDetails', ctx.params.id!);
      sameId(ctx, detail);
      const attrs = data(ctx).attributes ?? {};
      if (typeof attrs.autoNotifyEnabled === 'boolean') detail.attributes.autoNotifyEnabled = attrs.autoNotifyEnabled;
      return doc(detail, ctx);
    },

    'POST /v1/buildBetaNotifications': (ctx) => {
      const build = relationshipTarget(env, 'builds', data(ctx).relationships!.build!.data.id);
      if (build.attributes.processingState !== 'VALID')
        throw stateError(`Testers can not be notified of build ${String(build.attributes.version)}: it is not VALID.`);
      const external = store.related(build, 'betaGroups').some((g) => !g.attributes.isInternalGroup);
      if (!external)
        throw stateError(`Testers can not be notified of build ${String(build.attributes.version)}: it is not in any external beta group.`);
      const notification = store.add('buildBetaNotifications', {}, { build: build.id });
      return doc(notification, ctx, 201);
    },
  };
}
