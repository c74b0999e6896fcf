/**
 * The App Store side of the fake: versions, their localizations and phased release, release requests,
 * and App Review submissions, with the rules Apple enforces and the quirks seen live (each cited).
 * State changes (review, cancellation) are computed from timestamps on the fake's clock when asked.
 */
import { data, iso, type Ctx, type Env, type Handler, type Reply } from './context.js';
import { ApiError, conflict, stateError } from './errors.js';
import { declareRelationships } from './store.js';
import type { Platform, StoredResource } from './types.js';
import { relationshipTarget } from './uploads.js';
import {
  addLocalization,
  addPhasedRelease,
  advance,
  approve,
  checkSchedule,
  DEFAULT_APP_STORE_TIMING,
  everReleased,
  makeLive,
  MultiError,
  newVersion,
  refuse,
  RELEASED_STATES,
  requireAttachable,
  requireEditable,
  setVersionState,
  versionsOf,
  type FakeAppStore,
  type Tracks,
} from './app-store-model.js';
import { reviewHandlers } from './app-store-review.js';
export type { AppStoreTiming, FakeAppStore } from './app-store-model.js';

declareRelationships('appStoreVersions', {
  appStoreVersionLocalizations: { to: 'appStoreVersionLocalizations', many: true, inverse: 'appStoreVersion' },
  appStoreVersionPhasedRelease: { to: 'appStoreVersionPhasedReleases', inverse: 'appStoreVersion' },
});
declareRelationships('appStoreVersionLocalizations', { appStoreVersion: { to: 'appStoreVersions', links: false } });
declareRelationships('appStoreVersionPhasedReleases', { appStoreVersion: { to: 'appStoreVersions', hidden: true } });
declareRelationships('appStoreVersionReleaseRequests', { appStoreVersion: { to: 'appStoreVersions', hidden: true } });
declareRelationships('reviewSubmissions', {
  app: { to: 'apps', links: false },
  items: { to: 'reviewSubmissionItems', many: true, inverse: 'reviewSubmission' },
});
declareRelationships('reviewSubmissionItems', {
  appStoreVersion: { to: 'appStoreVersions', links: false },
  appEvent: { to: 'appEvents', links: false },
  reviewSubmission: { to: 'reviewSubmissions', hidden: true },
});

export function startAppStore(env: Env): { handlers: Record<string, Handler>; control: FakeAppStore } {
  const { store } = env;
  const tracks: Tracks = { submittedAt: new Map(), canceledAt: new Map(), cancelDoneAt: new Map() };
  const control: FakeAppStore = {
    timing: { ...DEFAULT_APP_STORE_TIMING },
    incompleteMetadata: false,
    refuseWhatsNew: new Set(),
    addVersion: (v) => {
      const app = store.need('apps', v.appId);
      const version = newVersion(env, app, v.versionString, v.platform ?? 'IOS', v.buildId ?? null, {
        releaseType: v.releaseType ?? 'MANUAL',
      });
      setVersionState(version, v.state ?? 'PREPARE_FOR_SUBMISSION');
      if (v.locales) {
        for (const l of store.related(version, 'appStoreVersionLocalizations')) store.remove(l.type, l.id);
        for (const locale of v.locales) addLocalization(env, version, locale);
      }
      return { id: version.id };
    },
    setVersionState: (id, state) => setVersionState(store.need('appStoreVersions', id), state),
    addPhasedRelease: (versionId, state) => ({ id: addPhasedRelease(env, store.need('appStoreVersions', versionId), state).id }),
    addSubmission: (s) => {
      const submission = store.add(
        'reviewSubmissions',
        { platform: s.platform ?? 'IOS', state: s.state, submittedDate: s.state === 'READY_FOR_REVIEW' ? null : iso(env.now()) },
        { app: s.appId },
      );
      for (const versionId of s.versionIds ?? []) {
        store.add('reviewSubmissionItems', { state: 'READY_FOR_REVIEW' }, { appStoreVersion: versionId, reviewSubmission: submission.id });
      }
      // Items other than a version (in-app events): such a submission may be in review beside the version's.
      for (const eventId of s.appEventIds ?? []) {
        store.add('reviewSubmissionItems', { state: 'READY_FOR_REVIEW' }, { appEvent: eventId, reviewSubmission: submission.id });
      }
      if (['WAITING_FOR_REVIEW', 'IN_REVIEW'].includes(s.state)) tracks.submittedAt.set(submission.id, env.now());
      if (s.state === 'CANCELING') tracks.canceledAt.set(submission.id, env.now());
      return { id: submission.id };
    },
    setSubmissionState: (id, state) => {
      const submission = store.need('reviewSubmissions', id);
      submission.attributes.state = state;
      if (state === 'CANCELING') tracks.canceledAt.set(id, env.now());
    },
    reject: (id) => refuse(env, store.need('reviewSubmissions', id), tracks, 'REJECTED'),
    rejectMetadata: (id) => refuse(env, store.need('reviewSubmissions', id), tracks, 'METADATA_REJECTED'),
    approve: (id) => approve(env, store.need('reviewSubmissions', id), tracks),
    advance: () => advance(env, control.timing, tracks),
    version: (id) => {
      control.advance();
      return store.serialize(store.need('appStoreVersions', id), new Set(), true);
    },
    submission: (id) => {
      control.advance();
      return store.serialize(store.need('reviewSubmissions', id), new Set(), true);
    },
  };

  const doc = (r: StoredResource, ctx: Ctx, status = 200): Reply => ({
    status,
    body: store.document(r, ctx.query, `${env.base()}/v1/${r.type}/${r.id}`),
  });
  const list = (items: StoredResource[], ctx: Ctx): Reply => ({
    status: 200,
    body: store.list(items, ctx.query, ctx.url, { cap: env.pageSizeCap, defaultLimit: 50 }),
  });

  const handlers: Record<string, Handler> = {
    'GET /v1/apps/{id}/appStoreVersions': (ctx) => list(store.related(store.need('apps', ctx.params.id!), 'appStoreVersions'), ctx),
    'GET /v1/appStoreVersions/{id}': (ctx) => doc(store.need('appStoreVersions', ctx.params.id!), ctx),
    'GET /v1/appStoreVersions/{id}/appStoreVersionLocalizations': (ctx) =>
      list(store.related(store.need('appStoreVersions', ctx.params.id!), 'appStoreVersionLocalizations'), ctx),
    'GET /v1/appStoreVersions/{id}/appStoreVersionPhasedRelease': (ctx) => {
      const phased = store.relatedOne(store.need('appStoreVersions', ctx.params.id!), 'appStoreVersionPhasedRelease');
      return phased ? doc(phased, ctx) : { status: 200, body: { data: null, links: { self: ctx.url.href } } };
    },

    'POST /v1/appStoreVersions': (ctx) => {
      const d = data(ctx);
      const attrs = d.attributes as { platform: Platform; versionString: string } & Record<string, unknown>;
      const app = relationshipTarget(env, 'apps', d.relationships!.app!.data.id);
      const buildId = d.relationships?.build?.data.id;
      if (buildId) requireAttachable(relationshipTarget(env, 'builds', buildId), app);
      const siblings = versionsOf(env, app.id, attrs.platform);
      const duplicate = siblings.find((v) => v.attributes.versionString === attrs.versionString);
      const open = siblings.find((v) => !RELEASED_STATES.includes(String(v.attributes.appStoreState)));
      if (duplicate || open) {
        // Live reports (2026): Apple answers with several errors at once, not one.
        throw new MultiError(409, [
          {
            code: 'ENTITY_ERROR.RELATIONSHIP.INVALID',
            title: 'The provided entity includes a relationship with an invalid value',
            detail: 'You cannot create a new version of the App in the current state.',
            pointer: '/data/relationships/app',
          },
          {
            code: 'ENTITY_ERROR.ATTRIBUTE.INVALID.DUPLICATE',
            title: 'The provided entity includes an attribute with a value that has already been used',
            detail: duplicate
              ? `The version number '${attrs.versionString}' has been previously used.`
              : `An App Store version (${String(open!.attributes.versionString)}, ${String(open!.attributes.appStoreState)}) is already being prepared for ${attrs.platform}.`,
            pointer: '/data/attributes/versionString',
          },
        ]);
      }
      checkSchedule(attrs.releaseType, attrs.earliestReleaseDate, undefined, env.now());
      const version = newVersion(env, app, attrs.versionString, attrs.platform, buildId ?? null, attrs);
      return doc(version, ctx, 201);
    },

    'PATCH /v1/appStoreVersions/{id}': (ctx) => {
      const version = store.need('appStoreVersions', ctx.params.id!);
      const attrs = data(ctx).attributes ?? {};
      requireEditable(version, 'edited');
      if (typeof attrs.versionString === 'string' && attrs.versionString !== version.attributes.versionString) {
        const platform = String(version.attributes.platform);
        if (versionsOf(env, String(version.rel.app), platform).some((v) => v.attributes.versionString === attrs.versionString)) {
          throw conflict(
            'ENTITY_ERROR.ATTRIBUTE.INVALID.DUPLICATE',
            'The provided entity includes an attribute with a value that has already been used',
            `The version number '${attrs.versionString}' has been previously used.`,
            '/data/attributes/versionString',
          );
        }
      }
      checkSchedule(attrs.releaseType, attrs.earliestReleaseDate, version.attributes.earliestReleaseDate, env.now());
      for (const key of ['versionString', 'copyright', 'releaseType', 'earliestReleaseDate', 'downloadable']) {
        if (key in attrs) version.attributes[key] = attrs[key];
      }
      return doc(version, ctx);
    },

    'PATCH /v1/appStoreVersions/{id}/relationships/build': (ctx) => {
      const version = store.need('appStoreVersions', ctx.params.id!);
      const build = relationshipTarget(env, 'builds', (ctx.body as { data: { id: string } }).data.id);
      // Live reports: attaching a build to a version in review answers 409.
      requireEditable(version, 'given another build');
      requireAttachable(build, store.need('apps', String(version.rel.app)));
      version.rel.build = build.id;
      return { status: 204 };
    },

    'PATCH /v1/appStoreVersionLocalizations/{id}': (ctx) => {
      const loc = store.need('appStoreVersionLocalizations', ctx.params.id!);
      const attrs = data(ctx).attributes ?? {};
      const version = store.need('appStoreVersions', String(loc.rel.appStoreVersion));
      if (typeof attrs.whatsNew === 'string') {
        if (!everReleased(env, version)) {
          // Apple takes no "What's New" on an app's first version (Codemagic, asc CLI).
          throw new ApiError(
            409,
            'STATE_ERROR',
            'The request cannot be fulfilled because of the state of another resource.',
            "Attribute 'whatsNew' cannot be edited at this time",
            { pointer: '/data/attributes/whatsNew' },
          );
        }
        if (/[<>]/.test(attrs.whatsNew)) {
          throw conflict(
            'ENTITY_ERROR.ATTRIBUTE.INVALID',
            'An attribute value is invalid.',
            "The attribute 'whatsNew' contains invalid characters.",
            '/data/attributes/whatsNew',
          );
        }
        if ([...attrs.whatsNew].length > 4000 || control.refuseWhatsNew.has(String(loc.attributes.locale))) {
          throw conflict(
            'ENTITY_ERROR.ATTRIBUTE.INVALID',
            'An attribute value is invalid.',
            `The 'whatsNew' of ${String(loc.attributes.locale)} can not be saved.`,
            '/data/attributes/whatsNew',
          );
        }
      }
      for (const key of ['whatsNew', 'description', 'keywords', 'promotionalText', 'supportUrl', 'marketingUrl'])
        if (key in attrs) loc.attributes[key] = attrs[key];
      return doc(loc, ctx);
    },

    'POST /v1/appStoreVersionPhasedReleases': (ctx) => {
      const d = data(ctx);
      const version = relationshipTarget(env, 'appStoreVersions', d.relationships!.appStoreVersion!.data.id);
      if (store.relatedOne(version, 'appStoreVersionPhasedRelease')) {
        throw conflict(
          'ENTITY_ERROR.RELATIONSHIP.INVALID',
          'The provided entity includes a relationship with an invalid value',
          'The App Store version already has a phased release.',
        );
      }
      requireEditable(version, 'given a phased release');
      return doc(addPhasedRelease(env, version, String(d.attributes?.phasedReleaseState ?? 'INACTIVE')), ctx, 201);
    },

    'PATCH /v1/appStoreVersionPhasedReleases/{id}': (ctx) => {
      const phased = store.need('appStoreVersionPhasedReleases', ctx.params.id!);
      const wanted = data(ctx).attributes?.phasedReleaseState;
      const now = String(phased.attributes.phasedReleaseState);
      const allowed: Record<string, string[]> = { ACTIVE: ['PAUSED', 'COMPLETE'], PAUSED: ['ACTIVE', 'COMPLETE'] };
      if (typeof wanted === 'string' && wanted !== now) {
        if (!allowed[now]?.includes(wanted)) throw stateError(`The phased release is ${now} and can not be changed to ${wanted}.`);
        phased.attributes.phasedReleaseState = wanted;
      }
      return doc(phased, ctx);
    },

    'DELETE /v1/appStoreVersionPhasedReleases/{id}': (ctx) => {
      const phased = store.need('appStoreVersionPhasedReleases', ctx.params.id!);
      if (phased.attributes.phasedReleaseState !== 'INACTIVE')
        throw stateError(`The phased release has started (${String(phased.attributes.phasedReleaseState)}) and can not be removed.`);
      store.remove(phased.type, phased.id);
      return { status: 204 };
    },

    'POST /v1/appStoreVersionReleaseRequests': (ctx) => {
      const version = relationshipTarget(env, 'appStoreVersions', data(ctx).relationships!.appStoreVersion!.data.id);
      if (version.attributes.appStoreState !== 'PENDING_DEVELOPER_RELEASE') {
        throw stateError(
          `The App Store version ${String(version.attributes.versionString)} can not be released: it is ${String(version.attributes.appStoreState)}, not PENDING_DEVELOPER_RELEASE.`,
        );
      }
      makeLive(env, version);
      return doc(store.add('appStoreVersionReleaseRequests', {}, { appStoreVersion: version.id }), ctx, 201);
    },

    ...reviewHandlers(env, control, tracks, { doc, list, setVersionState: (v, s) => setVersionState(v, s), everReleased }),
  };
  // Every answer first applies what the clock says has happened (review, cancellation, release).
  for (const [key, handler] of Object.entries(handlers)) {
    handlers[key] = (ctx) => {
      control.advance();
      return handler(ctx);
    };
  }
  return { handlers, control };
}
