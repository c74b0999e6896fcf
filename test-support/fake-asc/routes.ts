/** The read side of the /v1 endpoints: collections, instances and related resources. */
import type { Ctx, Env, Handler, Reply } from './context.js';
import type { StoredResource } from './types.js';

/** Apple's page size when a request gives no `limit`. */
const DEFAULT_LIMIT = 50;

/** `GET /v1/{type}` collections. */
const COLLECTIONS = [
  'apps',
  'builds',
  'betaGroups',
  'betaBuildLocalizations',
  'betaAppReviewSubmissions',
  'preReleaseVersions',
  'buildBetaDetails',
];
/** `GET /v1/{type}/{id}` instances. */
const INSTANCES = [
  'apps',
  'builds',
  'betaGroups',
  'buildUploads',
  'buildUploadFiles',
  'betaBuildLocalizations',
  'betaAppReviewSubmissions',
  'buildBetaDetails',
  'preReleaseVersions',
  'betaAppReviewDetails',
  'appStoreVersions',
];
/** `GET /v1/{type}/{id}/{relationship}` for to-many relationships. */
const RELATED_MANY: Array<[string, string]> = [
  ['apps', 'builds'],
  ['apps', 'buildUploads'],
  ['apps', 'betaGroups'],
  ['apps', 'preReleaseVersions'],
  ['apps', 'appStoreVersions'],
  ['builds', 'betaBuildLocalizations'],
  ['betaGroups', 'builds'],
  ['buildUploads', 'buildUploadFiles'],
  ['preReleaseVersions', 'builds'],
];
/** `GET /v1/{type}/{id}/{relationship}` for to-one relationships. */
const RELATED_ONE: Array<[string, string]> = [
  ['apps', 'betaAppReviewDetail'],
  ['builds', 'buildBetaDetail'],
  ['builds', 'preReleaseVersion'],
  ['builds', 'betaAppReviewSubmission'],
  ['builds', 'app'],
  ['builds', 'appStoreVersion'],
  ['betaAppReviewSubmissions', 'build'],
  ['betaBuildLocalizations', 'build'],
  ['buildBetaDetails', 'build'],
  ['preReleaseVersions', 'app'],
  ['betaGroups', 'app'],
  ['appStoreVersions', 'build'],
  ['betaAppReviewDetails', 'app'],
];

export function readHandlers(env: Env): Record<string, Handler> {
  const list = (items: StoredResource[], ctx: Ctx): Reply => ({
    status: 200,
    body: env.store.list(items, ctx.query, ctx.url, { cap: env.pageSizeCap, defaultLimit: DEFAULT_LIMIT }),
  });
  const handlers: Record<string, Handler> = {};
  for (const type of COLLECTIONS) handlers[`GET /v1/${type}`] = (ctx) => list(env.store.all(type), ctx);
  handlers['GET /v1/builds'] = (ctx) => {
    // Without filter[processingState] Apple lists only VALID builds (asc CLI #759).
    let builds = env.store.all('builds');
    if (!ctx.query.has('filter[processingState]')) builds = builds.filter((b) => b.attributes.processingState === 'VALID');
    const reply = list(builds, ctx);
    if (env.quirks.listBuildsTwice) {
      // The same build listed twice in one answer (fastlane #22248).
      const body = reply.body as { data: unknown[] };
      body.data = body.data.flatMap((b) => [b, b]);
    }
    return reply;
  };
  for (const type of INSTANCES) {
    handlers[`GET /v1/${type}/{id}`] = (ctx) => ({
      status: 200,
      body: env.store.document(env.store.need(type, ctx.params.id!), ctx.query, ctx.url.href),
    });
  }
  for (const [type, rel] of RELATED_MANY) {
    handlers[`GET /v1/${type}/{id}/${rel}`] = (ctx) => list(env.store.related(env.store.need(type, ctx.params.id!), rel), ctx);
  }
  for (const [type, rel] of RELATED_ONE) {
    handlers[`GET /v1/${type}/{id}/${rel}`] = (ctx) => {
      const target = env.store.relatedOne(env.store.need(type, ctx.params.id!), rel);
      // Apple answers an empty to-one relationship with `data: null`.
      if (!target) return { status: 200, body: { data: null, links: { self: ctx.url.href } } };
      return { status: 200, body: env.store.document(target, ctx.query, ctx.url.href) };
    };
  }
  return handlers;
}
