/**
 * Behaviours of the live service seen in 2026 reports that cut across endpoints, wrapped around the
 * fake's handlers. Each is off unless a test switches it on (`quirks`), except the refusal of the
 * deprecated `appStoreState` in `fields[appStoreVersions]`, which never costs a test anything.
 */
import type { Env, Handler, Reply } from './context.js';
import { ApiError } from './errors.js';

/** Reads of build uploads and their files: the ones that answered 404 for a moment (asc CLI #2544). */
const BUILD_UPLOAD_READS = ['GET /v1/buildUploads/{id}', 'GET /v1/apps/{id}/buildUploads', 'GET /v1/buildUploads/{id}/buildUploadFiles'];

export function observedHandlers(env: Env, handlers: Record<string, Handler>): Record<string, Handler> {
  const out: Record<string, Handler> = { ...handlers };
  const wrap = (key: string, around: (inner: Handler) => Handler) => {
    const inner = out[key];
    if (inner) out[key] = around(inner);
  };

  // asc CLI #2544 (fixed by PRs #2546 and #2664, 2026-09): reads of build uploads answered 404 for a
  // moment for an app that exists; a bounded retry got the answer.
  for (const key of BUILD_UPLOAD_READS) {
    wrap(key, (inner) => (ctx) => {
      if (env.quirks.buildUploadNotFound > 0) {
        env.quirks.buildUploadNotFound--;
        throw new ApiError(
          404,
          'NOT_FOUND',
          'The specified resource does not exist',
          `The path provided does not match a defined resource type.`,
        );
      }
      return inner(ctx);
    });
  }

  // asc CLI commit e7645df9 (2026-03), fastlane #22248: `filter[preReleaseVersion.version]=1.1` also
  // returns the builds of the 1.1.0 train.
  wrap('GET /v1/builds', (inner) => (ctx) => {
    const wanted = ctx.query.get('filter[preReleaseVersion.version]');
    if (env.quirks.looseVersionFilter && wanted) {
      const loose = wanted.split(',').flatMap((v) => [v, `${v}.0`]);
      ctx.query.set('filter[preReleaseVersion.version]', loose.join(','));
    }
    return inner(ctx);
  });

  // Expo's uploadToAsc.ts polls up to 60 s after its commit: the file can read back AWAITING_UPLOAD
  // for a few seconds after a commit that landed.
  const committedAt = new Map<string, number>();
  wrap('PATCH /v1/buildUploadFiles/{id}', (inner) => (ctx) => {
    const reply = inner(ctx);
    const uploaded = (ctx.body as { data?: { attributes?: { uploaded?: boolean } } }).data?.attributes?.uploaded;
    if (uploaded === true && reply.status === 200 && !committedAt.has(ctx.params.id!)) committedAt.set(ctx.params.id!, env.now());
    return reply;
  });
  wrap('GET /v1/buildUploadFiles/{id}', (inner) => (ctx) => {
    const reply = inner(ctx);
    const at = committedAt.get(ctx.params.id!);
    if (at !== undefined && env.now() < at + env.quirks.commitReadBackLagMs) {
      const file = (reply.body as { data: { attributes: Record<string, unknown> } }).data;
      file.attributes.assetDeliveryState = { state: 'AWAITING_UPLOAD', errors: [], warnings: [] };
    }
    return reply;
  });

  // botiverse/hands #240 (2026-07): naming the deprecated `appStoreState` in `fields[appStoreVersions]`
  // got 400 "a given parameter is not allowed"; tramlinehq/applelink #47 moved to `appVersionState`.
  for (const key of Object.keys(out).filter((k) => k.startsWith('GET '))) {
    wrap(key, (inner) => (ctx) => {
      const fields = ctx.query.get('fields[appStoreVersions]');
      if (fields?.split(',').includes('appStoreState')) {
        throw new ApiError(
          400,
          'PARAMETER_ERROR.ILLEGAL',
          'A given parameter is not allowed',
          "The field 'appStoreState' is deprecated and can not be requested in 'fields[appStoreVersions]'.",
          { parameter: 'fields[appStoreVersions]' },
        );
      }
      const reply = inner(ctx);
      return env.quirks.appStoreStateDropped ? withoutAppStoreState(reply) : reply;
    });
  }
  return out;
}

/** The answer as Apple gives it once it stops filling the deprecated attribute. */
function withoutAppStoreState(reply: Reply): Reply {
  const body = reply.body as { data?: unknown; included?: unknown[] } | undefined;
  if (!body) return reply;
  const resources = [...(Array.isArray(body.data) ? body.data : body.data ? [body.data] : []), ...(body.included ?? [])];
  for (const r of resources as Array<{ type?: string; attributes?: Record<string, unknown> }>) {
    if (r.type === 'appStoreVersions' && r.attributes) delete r.attributes.appStoreState;
  }
  return reply;
}
