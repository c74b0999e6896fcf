/** The Actions results service (Twirp JSON) that @actions/artifact v6 creates, finalizes, lists and finds artifacts with. */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isExpired, unzipped, type ArtifactStore } from './artifact-store.js';
import { sendJson } from './http.js';

export const TWIRP_PREFIX = '/twirp/github.actions.results.api.v1.ArtifactService/';

function twirpError(res: ServerResponse, status: number, code: string, msg: string): void {
  sendJson(res, status, { code, msg });
}

export async function handleResultsService(
  store: ArtifactStore,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  raw: Buffer,
): Promise<void> {
  const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
  const run = auth ? store.runsByToken.get(auth[1]!) : undefined;
  if (!run) return twirpError(res, 401, 'unauthenticated', 'missing or unknown runtime token');
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
  } catch {
    return twirpError(res, 400, 'malformed', 'the body is not JSON');
  }
  if (body.workflow_run_backend_id !== run.runBackendId || body.workflow_job_run_backend_id !== run.jobBackendId) {
    return twirpError(res, 403, 'permission_denied', 'backend IDs do not match the runtime token');
  }
  const name = typeof body.name === 'string' ? body.name : '';
  const ofRun = store.all().filter((a) => a.run === run && !a.deleted);

  switch (method) {
    case 'CreateArtifact': {
      if (!name) return twirpError(res, 400, 'invalid_argument', 'name is required');
      if (ofRun.some((a) => a.finalized && a.name === name)) {
        return twirpError(res, 409, 'already_exists', `an artifact with this name already exists on the workflow run: ${name}`);
      }
      for (const stale of ofRun.filter((a) => !a.finalized && a.name === name)) stale.deleted = true;
      const expiresAt = typeof body.expires_at === 'string' ? new Date(body.expires_at) : undefined;
      const artifact = store.newArtifact(run, name, expiresAt);
      if (typeof body.mime_type === 'string') artifact.contentType = body.mime_type;
      return sendJson(res, 200, { ok: true, signed_upload_url: store.signedUrl(artifact, artifact.uploadSig, 'cw', 6 * 3600_000) });
    }
    case 'FinalizeArtifact': {
      const artifact = ofRun.find((a) => !a.finalized && a.name === name);
      if (!artifact) return twirpError(res, 404, 'not_found', `no artifact upload in progress named ${name}`);
      if (!artifact.blob) return twirpError(res, 400, 'failed_precondition', 'the blob was never committed');
      if (String(body.size) !== String(artifact.blob.length)) {
        return twirpError(
          res,
          400,
          'invalid_argument',
          `size ${String(body.size)} does not match the ${artifact.blob.length} bytes stored`,
        );
      }
      const digest = `sha256:${createHash('sha256').update(artifact.blob).digest('hex')}`;
      if (body.hash !== undefined && body.hash !== digest) {
        return twirpError(res, 400, 'invalid_argument', `hash ${String(body.hash)} does not match the stored blob (${digest})`);
      }
      artifact.files = await unzipped(artifact.blob, artifact.name, artifact.contentType);
      artifact.finalized = true;
      artifact.digest = digest;
      artifact.updatedAt = new Date();
      return sendJson(res, 200, { ok: true, artifact_id: String(artifact.id) });
    }
    case 'ListArtifacts': {
      const nameFilter = typeof body.name_filter === 'string' ? body.name_filter : undefined;
      const idFilter = body.id_filter !== undefined ? String(body.id_filter) : undefined;
      const artifacts = ofRun
        .filter((a) => a.finalized && !isExpired(a))
        .filter((a) => (nameFilter === undefined || a.name === nameFilter) && (idFilter === undefined || String(a.id) === idFilter))
        .map((a) => ({
          workflow_run_backend_id: run.runBackendId,
          workflow_job_run_backend_id: run.jobBackendId,
          database_id: String(a.id),
          name: a.name,
          size: String(a.blob?.length ?? 0),
          created_at: a.createdAt.toISOString(),
          digest: a.digest,
        }));
      return sendJson(res, 200, { artifacts });
    }
    case 'GetSignedArtifactURL': {
      const artifact = ofRun.find((a) => a.finalized && a.name === name && !isExpired(a));
      if (!artifact) return twirpError(res, 404, 'not_found', `artifact not found: ${name}`);
      return sendJson(res, 200, { signed_url: store.signedUrl(artifact, artifact.downloadSig, 'r', 60_000) });
    }
    case 'DeleteArtifact': {
      const artifact = ofRun.find((a) => a.finalized && a.name === name);
      if (!artifact) return twirpError(res, 404, 'not_found', `artifact not found: ${name}`);
      artifact.deleted = true;
      return sendJson(res, 200, { ok: true, artifact_id: String(artifact.id) });
    }
    default:
      return twirpError(res, 404, 'bad_route', `no handler for ${method}`);
  }
}
