/** App Review submissions in the fake: one open submission per app and platform, items, submit and cancel. */
import { EDITABLE_STATES, MultiError, type FakeAppStore, type Tracks } from './app-store-model.js';
import { data, iso, type Ctx, type Env, type Handler, type Reply } from './context.js';
import { conflict, stateError } from './errors.js';
import type { StoredResource } from './types.js';
import { relationshipTarget } from './uploads.js';

interface Helpers {
  doc: (r: StoredResource, ctx: Ctx, status?: number) => Reply;
  list: (items: StoredResource[], ctx: Ctx) => Reply;
  setVersionState: (version: StoredResource, state: string) => void;
  everReleased: (env: Env, version: StoredResource) => boolean;
}

type Associated = Record<string, Array<{ code: string; status: string; title: string; detail: string; source?: { pointer: string } }>>;

export function reviewHandlers(env: Env, control: FakeAppStore, tracks: Tracks, h: Helpers): Record<string, Handler> {
  const { store } = env;
  const versionsIn = (submission: StoredResource): StoredResource[] =>
    store
      .related(submission, 'items')
      .filter((i) => i.attributes.state !== 'REMOVED')
      .map((i) => store.relatedOne(i, 'appStoreVersion'))
      .filter((v): v is StoredResource => !!v);

  /** What Apple lists when a version is not ready for review (Codemagic's logged answer; asc CLI's preflight). */
  const missing = (version: StoredResource): Associated => {
    const out: Associated = {};
    const add = (path: string, title: string, detail: string, pointer?: string) =>
      (out[path] ??= []).push({
        code: 'ENTITY_ERROR.ATTRIBUTE.REQUIRED',
        status: '409',
        title,
        detail,
        ...(pointer ? { source: { pointer } } : {}),
      });
    const versionPath = `/v1/appStoreVersions/${version.id}`;
    if (!version.rel.build)
      add(versionPath, 'You must choose a build.', 'A build is required to submit this version.', '/data/relationships/build');
    const localizations = store.related(version, 'appStoreVersionLocalizations');
    if (h.everReleased(env, version)) {
      for (const l of localizations.filter((l) => !l.attributes.whatsNew)) {
        add(
          `/v1/appStoreVersionLocalizations/${l.id}`,
          "What's New in This Version is required.",
          `Provide "What's New in This Version" for ${String(l.attributes.locale)}.`,
          '/data/attributes/whatsNew',
        );
      }
    }
    if (control.incompleteMetadata) {
      const first = localizations[0];
      if (first) {
        add(
          `/v1/appScreenshotSets/${first.id}-67`,
          'App screenshot missing (APP_IPHONE_67).',
          'A screenshot with type iphone67 is required but was not provided.',
        );
        add(
          `/v1/appStoreVersionLocalizations/${first.id}`,
          'The description is required.',
          `Provide a description for ${String(first.attributes.locale)}.`,
          '/data/attributes/description',
        );
      }
      add(
        `/v1/ageRatingDeclarations/${String(version.rel.app)}`,
        'Age Rating is required.',
        'You must complete the age rating questionnaire.',
      );
      add(
        `/v1/apps/${String(version.rel.app)}/appDataUsages`,
        "Answers to what data your app collects and how it's used are needed.",
        "You must have published answers to your app's data usages.",
      );
      if (!version.attributes.copyright)
        add(versionPath, 'Copyright is required.', 'Provide the copyright of this version.', '/data/attributes/copyright');
    }
    return out;
  };

  return {
    'GET /v1/reviewSubmissions': (ctx) => h.list(store.all('reviewSubmissions'), ctx),
    'GET /v1/reviewSubmissions/{id}': (ctx) => h.doc(store.need('reviewSubmissions', ctx.params.id!), ctx),
    'GET /v1/reviewSubmissions/{id}/items': (ctx) => h.list(store.related(store.need('reviewSubmissions', ctx.params.id!), 'items'), ctx),

    'POST /v1/reviewSubmissions': (ctx) => {
      const d = data(ctx);
      const app = relationshipTarget(env, 'apps', d.relationships!.app!.data.id);
      const platform = String(d.attributes?.platform ?? 'IOS');
      // A submission holding only other items (in-app events) may be open beside the version's
      // (tramlinehq/applelink #44, quoting Apple's help).
      const onlyOtherItems = (s: StoredResource) => {
        const items = store.related(s, 'items');
        return items.length > 0 && items.every((i) => !i.rel.appStoreVersion);
      };
      const open = store
        .all('reviewSubmissions')
        .find((s) => s.rel.app === app.id && s.attributes.platform === platform && s.attributes.state !== 'COMPLETE' && !onlyOtherItems(s));
      if (open) {
        throw stateError(`There is another reviewSubmissions with id ${open.id} still in progress (${String(open.attributes.state)}).`);
      }
      const submission = store.add('reviewSubmissions', { platform, state: 'READY_FOR_REVIEW', submittedDate: null }, { app: app.id });
      return h.doc(submission, ctx, 201);
    },

    'POST /v1/reviewSubmissionItems': (ctx) => {
      const rels = data(ctx).relationships!;
      const submission = relationshipTarget(env, 'reviewSubmissions', rels.reviewSubmission!.data.id);
      if (!rels.appStoreVersion)
        throw conflict('ENTITY_ERROR.RELATIONSHIP.REQUIRED', 'A relationship is required', 'This fake only submits App Store versions.');
      const version = relationshipTarget(env, 'appStoreVersions', rels.appStoreVersion.data.id);
      if (!['READY_FOR_REVIEW', 'UNRESOLVED_ISSUES'].includes(String(submission.attributes.state)))
        throw stateError(`The review submission is ${String(submission.attributes.state)}; items can not be added.`);
      if (version.rel.app !== submission.rel.app || version.attributes.platform !== submission.attributes.platform)
        throw conflict(
          'ENTITY_ERROR.RELATIONSHIP.INVALID',
          'The provided entity includes a relationship with an invalid value',
          'The version belongs to another app or platform than the submission.',
        );
      // A just-cancelled submission still holds its version for a few seconds (asc CLI commit 21384c75 retries about 4 s).
      const lingering = store.all('reviewSubmissions').find((s) => {
        const doneAt = tracks.cancelDoneAt.get(s.id);
        return (
          doneAt !== undefined &&
          env.now() < doneAt + env.quirks.cancelledSubmissionHoldsMs &&
          store.related(s, 'items').some((i) => i.rel.appStoreVersion === version.id)
        );
      });
      if (lingering) {
        throw conflict(
          'ENTITY_ERROR.RELATIONSHIP.INVALID',
          'The provided entity includes a relationship with an invalid value',
          `The appStoreVersion '${version.id}' is already in another reviewSubmission '${lingering.id}' which is still in progress.`,
        );
      }
      const holder = store
        .all('reviewSubmissions')
        .find((s) => s.attributes.state !== 'COMPLETE' && versionsIn(s).some((v) => v.id === version.id));
      if (holder) {
        throw conflict(
          'ENTITY_ERROR.RELATIONSHIP.INVALID',
          'The provided entity includes a relationship with an invalid value',
          holder.id === submission.id
            ? 'The item is already part of this submission.'
            : `The item is already part of the submission ${holder.id}.`,
        );
      }
      if (!EDITABLE_STATES.includes(String(version.attributes.appStoreState)))
        throw stateError(`The App Store version is ${String(version.attributes.appStoreState)} and can not be submitted.`);
      const item = store.add(
        'reviewSubmissionItems',
        { state: 'READY_FOR_REVIEW' },
        { appStoreVersion: version.id, reviewSubmission: submission.id },
      );
      return h.doc(item, ctx, 201);
    },

    'PATCH /v1/reviewSubmissions/{id}': (ctx) => {
      const submission = store.need('reviewSubmissions', ctx.params.id!);
      const attrs = data(ctx).attributes ?? {};
      const state = String(submission.attributes.state);
      if (attrs.canceled === true) {
        if (!['READY_FOR_REVIEW', 'WAITING_FOR_REVIEW', 'IN_REVIEW', 'UNRESOLVED_ISSUES'].includes(state))
          throw stateError(`The review submission is ${state} and can not be canceled.`);
        submission.attributes.state = 'CANCELING';
        tracks.canceledAt.set(submission.id, env.now());
        tracks.submittedAt.delete(submission.id);
      } else if (attrs.submitted === true) {
        if (!['READY_FOR_REVIEW', 'UNRESOLVED_ISSUES'].includes(state))
          throw stateError(`The review submission is ${state} and can not be submitted.`);
        const versions = versionsIn(submission);
        if (!versions.length) throw stateError('The review submission has no items to submit.');
        const associated: Associated = Object.assign({}, ...versions.map(missing));
        if (Object.keys(associated).length) {
          throw new MultiError(409, [
            {
              code: 'STATE_ERROR.ENTITY_STATE_INVALID',
              title: 'The request cannot be fulfilled because of the state of another resource.',
              detail: 'Submit for review errors found.',
              meta: { associatedErrors: associated },
            },
          ]);
        }
        submission.attributes.state = 'WAITING_FOR_REVIEW';
        submission.attributes.submittedDate = iso(env.now());
        tracks.submittedAt.set(submission.id, env.now());
        for (const item of store.related(submission, 'items'))
          if (item.attributes.state !== 'REMOVED') item.attributes.state = 'READY_FOR_REVIEW';
        for (const v of versions) h.setVersionState(v, 'WAITING_FOR_REVIEW');
      }
      return h.doc(submission, ctx);
    },
  };
}
