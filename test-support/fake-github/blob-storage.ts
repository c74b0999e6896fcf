/** The subset of Azure block-blob storage that BlockBlobClient.uploadStream and a download use, with SAS checks. */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ArtifactStore } from './artifact-store.js';

function blobError(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/xml', 'x-ms-error-code': code });
  res.end(`<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);
}

export function handleBlobStorage(store: ArtifactStore, req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): void {
  const key = /^\/actions-results\/([0-9a-f]+)\//.exec(url.pathname)?.[1];
  const artifact = key ? store.byBlobKey.get(key) : undefined;
  if (!artifact || artifact.deleted) return blobError(res, 404, 'BlobNotFound', 'The specified blob does not exist.');
  if (req.headers.authorization !== undefined) {
    // A SAS URL plus an Authorization header is rejected by storage, and it would leak the GitHub token.
    return blobError(res, 400, 'InvalidAuthenticationInfo', 'Authentication information is not given in the correct format.');
  }
  const expiry = Date.parse(url.searchParams.get('se') ?? '');
  const sig = url.searchParams.get('sig');
  const wanted = req.method === 'GET' || req.method === 'HEAD' ? artifact.downloadSig : artifact.uploadSig;
  if (sig !== wanted || !(expiry > Date.now())) {
    return blobError(res, 403, 'AuthenticationFailed', 'Server failed to authenticate the request.');
  }
  const common = { 'x-ms-request-id': randomUUID(), 'x-ms-version': '2023-11-03', date: new Date().toUTCString() };

  if (req.method === 'PUT') {
    if (artifact.finalized) return blobError(res, 409, 'BlobImmutable', 'The artifact is already finalized.');
    const comp = url.searchParams.get('comp');
    if (comp === 'block') {
      const blockId = url.searchParams.get('blockid');
      if (!blockId) return blobError(res, 400, 'InvalidQueryParameterValue', 'blockid is required');
      artifact.blocks.set(blockId, body);
      res.writeHead(201, { ...common, 'x-ms-request-server-encrypted': 'true' });
      return void res.end();
    }
    if (comp === 'blocklist') {
      const ids = [...body.toString('utf8').matchAll(/<(Latest|Uncommitted|Committed)>([^<]*)<\/\1>/g)].map((m) => m[2]!);
      const missing = ids.filter((id) => !artifact.blocks.has(id));
      if (missing.length > 0) return blobError(res, 400, 'InvalidBlockList', `unknown blocks: ${missing.join(', ')}`);
      artifact.blob = Buffer.concat(ids.map((id) => artifact.blocks.get(id)!));
      artifact.blocks.clear();
      res.writeHead(201, { ...common, etag: `"0x${randomBytes(8).toString('hex')}"`, 'last-modified': new Date().toUTCString() });
      return void res.end();
    }
    if (comp === null) {
      artifact.blob = body;
      res.writeHead(201, { ...common, etag: `"0x${randomBytes(8).toString('hex')}"`, 'last-modified': new Date().toUTCString() });
      return void res.end();
    }
    return blobError(res, 400, 'UnsupportedQueryParameter', `comp=${comp} is not supported here`);
  }
  if (req.method === 'GET' || req.method === 'HEAD') {
    if (!artifact.blob || !artifact.finalized) return blobError(res, 404, 'BlobNotFound', 'The specified blob does not exist.');
    res.writeHead(200, {
      ...common,
      'content-type': artifact.contentType,
      'content-length': String(artifact.blob.length),
      'content-disposition': `attachment; filename=${artifact.name}.zip; filename*=UTF-8''${encodeURIComponent(artifact.name)}.zip`,
      'x-ms-blob-type': 'BlockBlob',
      'last-modified': artifact.updatedAt.toUTCString(),
    });
    return void res.end(req.method === 'GET' ? artifact.blob : undefined);
  }
  return blobError(res, 405, 'UnsupportedHttpVerb', `${req.method} is not supported`);
}
