/** Apple's Build Upload API: build uploads, reserved files with their part operations, the part receiver and the commit. */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { finished, type Readable } from 'node:stream';
import { partHostLink } from '../link.js';
import { data, iso, type Ctx, type Env, type Handler, type Reply } from './context.js';
import { ApiError, conflict, notFound, stateError } from './errors.js';
import type { StateDetail, StoredResource } from './types.js';
import { closedTrain, notAboveEarlierMacBuilds } from './upload-rules.js';

interface Part {
  length: number;
  bytes?: Buffer;
}

interface FileTrack {
  signature: string;
  operations: Array<{ offset: number; length: number; partNumber: number }>;
  parts: Map<number, Part>;
  committed: boolean;
}

const UTI_BY_EXTENSION: Record<string, string> = { ipa: 'com.apple.ipa', pkg: 'com.apple.pkg' };
const EXPIRATION_MS = 7 * 86_400_000;

export interface PartResult {
  status: number;
  message?: string;
  etag?: string;
  bytes: number;
}

export class Uploads {
  private readonly files = new Map<string, FileTrack>();

  constructor(private readonly env: Env) {}

  handlers(): Record<string, Handler> {
    return {
      'POST /v1/buildUploads': (ctx) => this.createUpload(ctx),
      'DELETE /v1/buildUploads/{id}': (ctx) => this.deleteUpload(ctx),
      'POST /v1/buildUploadFiles': (ctx) => this.reserveFile(ctx),
      'PATCH /v1/buildUploadFiles/{id}': (ctx) => this.updateFile(ctx),
    };
  }

  private createUpload(ctx: Ctx): Reply {
    const { store } = this.env;
    const d = data(ctx);
    const attrs = d.attributes as { cfBundleShortVersionString: string; cfBundleVersion: string; platform: string };
    const appId = d.relationships!.app!.data.id;
    const app = relationshipTarget(this.env, 'apps', appId);
    if (this.env.quirks.noUploadAccess.has(app.id)) {
      // What Apple answers when the key cannot upload to the app (Expo #3463).
      throw new ApiError(
        409,
        'ENTITY_ERROR.RELATIONSHIP.INVALID',
        'The provided entity includes a relationship with an invalid value',
        `The specified app '${app.id}' cannot be accessed with this API key.`,
        { pointer: '/data/relationships/app' },
      );
    }
    const sameUpload = store
      .all('buildUploads')
      .some(
        (u) =>
          u.rel.app === app.id &&
          u.attributes.cfBundleShortVersionString === attrs.cfBundleShortVersionString &&
          u.attributes.cfBundleVersion === attrs.cfBundleVersion &&
          u.attributes.platform === attrs.platform &&
          (u.attributes.state as { state: string }).state !== 'FAILED',
      );
    const sameBuild = store.all('builds').some((b) => {
      const prv = store.get('preReleaseVersions', String(b.rel.preReleaseVersion));
      return (
        b.rel.app === app.id &&
        b.attributes.version === attrs.cfBundleVersion &&
        prv?.attributes.version === attrs.cfBundleShortVersionString &&
        prv.attributes.platform === attrs.platform
      );
    });
    if (sameUpload || sameBuild || notAboveEarlierMacBuilds(this.env, app.id, attrs)) {
      throw conflict(
        'ENTITY_ERROR.ATTRIBUTE.INVALID.DUPLICATE',
        'The provided entity includes an attribute with a value that has already been used',
        `The bundle version must be higher than the previously uploaded version: '${attrs.cfBundleVersion}'. A build with version ${attrs.cfBundleShortVersionString} (${attrs.cfBundleVersion}) already exists for this app.`,
        '/data/attributes/cfBundleVersion',
      );
    }
    const upload = store.add(
      'buildUploads',
      {
        cfBundleShortVersionString: attrs.cfBundleShortVersionString,
        cfBundleVersion: attrs.cfBundleVersion,
        platform: attrs.platform,
        createdDate: iso(this.env.now()),
        state: { state: 'AWAITING_UPLOAD', errors: [], warnings: [], infos: [] },
      },
      { app: app.id, build: null, assetFile: null },
    );
    return { status: 201, body: store.document(upload, ctx.query, `${this.env.base()}/v1/buildUploads/${upload.id}`) };
  }

  private deleteUpload(ctx: Ctx): Reply {
    const { store } = this.env;
    const upload = store.need('buildUploads', ctx.params.id!);
    const state = (upload.attributes.state as { state: string }).state;
    if (state === 'PROCESSING' || state === 'COMPLETE') throw stateError(`A build upload in state ${state} can not be deleted.`);
    for (const file of store.all('buildUploadFiles').filter((f) => f.rel.buildUpload === upload.id)) {
      store.remove('buildUploadFiles', file.id);
      this.files.delete(file.id);
    }
    store.remove('buildUploads', upload.id);
    return { status: 204 };
  }

  private reserveFile(ctx: Ctx): Reply {
    const { store } = this.env;
    const d = data(ctx);
    const attrs = d.attributes as { fileName: string; fileSize: number; uti: string; assetType: string };
    const upload = relationshipTarget(this.env, 'buildUploads', d.relationships!.buildUpload!.data.id);
    const state = (upload.attributes.state as { state: string }).state;
    if (state !== 'AWAITING_UPLOAD')
      throw stateError(`Files can only be added to a build upload in state AWAITING_UPLOAD; this one is ${state}.`);
    const ext = /\.([^.]+)$/.exec(attrs.fileName)?.[1]?.toLowerCase() ?? '';
    const expectedUti = UTI_BY_EXTENSION[ext];
    if (expectedUti && expectedUti !== attrs.uti) {
      throw conflict(
        'ENTITY_ERROR.ATTRIBUTE.INVALID',
        'An attribute value is invalid.',
        `The uti '${attrs.uti}' does not match the file '${attrs.fileName}' (expected '${expectedUti}').`,
        '/data/attributes/uti',
      );
    }
    if (store.all('buildUploadFiles').some((f) => f.rel.buildUpload === upload.id && f.attributes.assetType === attrs.assetType)) {
      throw conflict(
        'ENTITY_ERROR.ATTRIBUTE.INVALID.DUPLICATE',
        'The provided entity includes an attribute with a value that has already been used',
        `This build upload already has a file of type ${attrs.assetType}.`,
        '/data/attributes/assetType',
      );
    }
    const id = store.newId('buildUploadFiles');
    const signature = randomBytes(12).toString('hex');
    const partSize = this.env.partSize();
    const operations: FileTrack['operations'] = [];
    for (let offset = 0, n = 1; offset < attrs.fileSize; offset += partSize, n++) {
      operations.push({ offset, length: Math.min(partSize, attrs.fileSize - offset), partNumber: n });
    }
    const expiration = iso(this.env.now() + EXPIRATION_MS);
    const file = store.add(
      'buildUploadFiles',
      {
        assetDeliveryState: { state: 'AWAITING_UPLOAD', errors: [], warnings: [] },
        assetType: attrs.assetType,
        fileName: attrs.fileName,
        fileSize: attrs.fileSize,
        sourceFileChecksums: null,
        uti: attrs.uti,
        uploadOperations: operations.map((op) => ({
          method: 'PUT',
          url: `${this.env.base()}/upload/${id}/${op.partNumber}?signature=${signature}`,
          length: op.length,
          offset: op.offset,
          requestHeaders: [{ name: 'Content-Type', value: 'application/octet-stream' }],
          expiration,
          partNumber: op.partNumber,
        })),
      },
      { buildUpload: upload.id },
      id,
    );
    if (attrs.assetType === 'ASSET') upload.rel.assetFile = file.id;
    this.files.set(id, { signature, operations, parts: new Map(), committed: false });
    return { status: 201, body: store.document(file, ctx.query, `${this.env.base()}/v1/buildUploadFiles/${file.id}`) };
  }

  private updateFile(ctx: Ctx): Reply {
    const { store, lifecycle } = this.env;
    const file = store.need('buildUploadFiles', ctx.params.id!);
    const d = data(ctx);
    if (d.id !== file.id)
      throw conflict(
        'ENTITY_ERROR.ATTRIBUTE.INVALID',
        'An attribute value is invalid.',
        `The id '${d.id}' in the request does not match the URL's id '${file.id}'.`,
        '/data/id',
      );
    const attrs = d.attributes ?? {};
    const track = this.files.get(file.id)!;
    const sent = attrs.sourceFileChecksums as { file?: { hash?: string; algorithm?: string } } | null | undefined;
    if (sent) {
      // The schema allows the attribute; the live service refused it after every part was sent (botiverse/hands#199).
      throw conflict(
        'ENTITY_ERROR.ATTRIBUTE.INVALID',
        'An attribute value is invalid.',
        `'Checksums{file=File{hash=${sent.file?.hash ?? ''}, algorithm=${sent.file?.algorithm ?? ''}}}' is not a valid value for the attribute 'sourceFileChecksums'.`,
        '/data/attributes/sourceFileChecksums',
      );
    }
    if (attrs.uploaded === true && track.committed) {
      // Apple refuses a second commit (seen by Expo's uploader, which reads assetDeliveryState instead).
      throw new ApiError(
        409,
        'STATE_ERROR.INVALID_STATE',
        'The request cannot be fulfilled because of the state of another resource.',
        `The file ${String(file.attributes.fileName)} has already been marked as uploaded.`,
      );
    }
    if (attrs.uploaded === true) {
      track.committed = true;
      const upload = store.need('buildUploads', String(file.rel.buildUpload));
      const errors = this.verify(file, track) ?? closedTrain(this.env, upload);
      file.attributes.assetDeliveryState = { state: 'UPLOAD_COMPLETE', errors: [], warnings: [] };
      file.attributes.sourceFileChecksums = this.reportedChecksums(file);
      upload.attributes.state = { state: 'PROCESSING', errors: [], warnings: [], infos: [] };
      upload.attributes.uploadedDate = iso(this.env.now());
      lifecycle.commit(upload.id, errors);
    }
    return { status: 200, body: store.document(file, ctx.query, `${this.env.base()}/v1/buildUploadFiles/${file.id}`) };
  }

  /** Why the committed file is unusable (parts never sent), or undefined when it is whole. */
  private verify(file: StoredResource, track: FileTrack): StateDetail[] | undefined {
    const missing = track.operations.filter((op) => !track.parts.has(op.partNumber)).map((op) => op.partNumber);
    if (missing.length === 0) return undefined;
    return [
      {
        code: 'ASSET_UPLOAD_INCOMPLETE',
        description: `The file ${String(file.attributes.fileName)} is incomplete: parts ${missing.join(', ')} of ${track.operations.length} were never uploaded.`,
      },
    ];
  }

  /** Apple's own checksum of what it received, when the test asks the fake to report one (`tamper` corrupts it). */
  private reportedChecksums(file: StoredResource): unknown {
    const report = this.env.quirks.reportChecksums;
    const bytes = this.uploadedFile(file.id);
    if (!report || !bytes) return null;
    let hash = createHash(report.algorithm === 'SHA_256' ? 'sha256' : 'md5')
      .update(bytes)
      .digest('hex');
    if (report.tamper) hash = (hash[0] === '0' ? '1' : '0') + hash.slice(1);
    return { file: { hash, algorithm: report.algorithm } };
  }

  uploadedFile(fileId: string): Buffer | undefined {
    const track = this.files.get(fileId);
    if (!track) return undefined;
    const chunks: Buffer[] = [];
    for (const op of track.operations) {
      const bytes = track.parts.get(op.partNumber)?.bytes;
      if (!bytes) return undefined;
      chunks.push(bytes);
    }
    return Buffer.concat(chunks);
  }

  /** Receives one part PUT at a pre-signed URL: no bearer token, exact length, the declared Content-Type. */
  async receivePart(
    fileId: string,
    partNumber: number,
    signature: string | null,
    headers: Record<string, string | string[] | undefined>,
    body: Readable,
  ): Promise<PartResult> {
    const track = this.files.get(fileId);
    const op = track?.operations.find((o) => o.partNumber === partNumber);
    const drain = async (status: number, message: string): Promise<PartResult> => {
      let bytes = 0;
      await eachChunk(body, (chunk) => (bytes += chunk.length));
      return { status, message, bytes };
    };
    if (!track || !op) return drain(404, 'NoSuchUpload: the upload operation does not exist.');
    if (signature !== track.signature) return drain(403, 'SignatureDoesNotMatch: the URL is not the one App Store Connect returned.');
    if (headers.authorization !== undefined)
      return drain(400, 'An Authorization header was sent to a pre-signed upload URL; it must not carry credentials.');
    if (headers['content-type'] !== 'application/octet-stream')
      return drain(
        400,
        `Content-Type must be application/octet-stream as the upload operation says, not ${String(headers['content-type'])}.`,
      );
    if (track.committed) return drain(409, 'The file was already committed.');
    const link = partHostLink(this.env.base()); // an emulated internet link, when a benchmark sets one
    link?.shape(body, (body as Partial<IncomingMessage>).socket);
    const chunks: Buffer[] = [];
    let bytes = 0;
    const md5 = this.env.storeUploadedBytes ? createHash('md5') : undefined;
    await eachChunk(body, (chunk) => {
      bytes += chunk.length;
      if (md5) {
        chunks.push(chunk);
        md5.update(chunk);
      }
    });
    if (bytes !== op.length) return { status: 400, message: `Part ${partNumber} must be ${op.length} bytes; received ${bytes}.`, bytes };
    track.parts.set(partNumber, md5 ? { length: bytes, bytes: Buffer.concat(chunks, bytes) } : { length: bytes });
    await link?.roundTrip((body as Partial<IncomingMessage>).socket);
    return { status: 200, etag: `"${md5 ? md5.digest('hex') : `${fileId}-${partNumber}-${bytes}`}"`, bytes };
  }
}

/**
 * Reads a request body chunk by chunk; fails as `for await` would when the client goes away midway.
 * Listening for 'data' costs the server about a third less CPU than async iteration, which matters
 * when parts arrive at loopback speed.
 */
export function eachChunk(body: Readable, onChunk: (chunk: Buffer) => void): Promise<void> {
  return new Promise((done, fail) => {
    body.on('data', onChunk);
    finished(body, (error) => (error ? fail(error) : done()));
  });
}

/** The resource a create request points to; Apple rejects a relationship to a resource that does not exist. */
export function relationshipTarget(env: Env, type: string, id: string): StoredResource {
  const r = env.store.get(type, id);
  if (!r) {
    throw new ApiError(
      409,
      'ENTITY_ERROR.RELATIONSHIP.INVALID',
      'The provided entity includes a relationship with an invalid value',
      notFound(type, id).detail,
      {
        pointer: '/data/relationships',
      },
    );
  }
  return r;
}
