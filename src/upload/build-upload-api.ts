import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { AppStoreConnect } from '../asc/client.js';
import { AscApiError } from '../asc/errors.js';
import type { BuildUpload } from '../asc/types.js';
import type { RetryPolicy, Sleep } from '../net/retry.js';
import type { PackageInfo } from '../package/index.js';
import type { Logger } from '../runtime.js';
import { sendParts, toPartOperations } from './parts.js';
import { ProgressReporter } from './progress.js';
import type { UploadResult } from './types.js';

export interface ApiUploadOptions {
  concurrency: number;
  log: Logger;
  now?: () => number;
  partRetry?: RetryPolicy;
  sleep?: Sleep;
  idleTimeoutMs?: number;
}

/**
 * Apple's Build Upload API: create the build upload, reserve the file, send the parts Apple asks for
 * (streamed, in parallel, each retried), and commit with the file's SHA-256, computed by a sequential
 * read that runs alongside the parts. Works on any OS.
 */
export async function uploadWithBuildUploadApi(
  asc: AppStoreConnect,
  pkg: PackageInfo,
  appId: string,
  options: ApiUploadOptions,
): Promise<UploadResult> {
  const now = options.now ?? Date.now;
  const started = now();
  const upload = await createOrReuse(asc, pkg, appId, options.log);
  options.log.info(`Build upload ${upload.id} created for ${pkg.bundleId} ${pkg.version} (${pkg.buildNumber}).`);

  const file = await asc.buildUploads.reserveFile(upload.id, { fileName: pkg.fileName, fileSize: pkg.size, uti: pkg.uti });
  const operations = toPartOperations(file.attributes?.uploadOperations ?? [], pkg.size);
  options.log.info(
    `Sending ${pkg.fileName} (${mb(pkg.size)} MB) in ${operations.length} part${operations.length === 1 ? '' : 's'}, ${Math.min(options.concurrency, operations.length)} at a time.`,
  );

  const progress = new ProgressReporter(pkg.size, options.log, now);
  const checksum = sha256(pkg.path);
  try {
    await sendParts({
      path: pkg.path,
      operations,
      concurrency: options.concurrency,
      retry: options.partRetry,
      sleep: options.sleep,
      idleTimeoutMs: options.idleTimeoutMs,
      onBytes: (n) => progress.add(n),
      onRetry: (part, error, attempt, delay) =>
        options.log.info(
          `Part ${part.partNumber}: ${error.message} — retrying in ${(delay / 1000).toFixed(1)} s (attempt ${attempt + 1}).`,
        ),
    });
  } catch (error) {
    checksum.catch(() => undefined);
    throw error;
  }
  const hash = await checksum;
  progress.finish();

  await asc.buildUploads.commitFile(file.id, { file: { hash, algorithm: 'SHA_256' } });
  const uploadedAt = new Date(now());
  options.log.info(`Apple accepted ${pkg.fileName}: ${mb(pkg.size)} MB in ${((uploadedAt.getTime() - started) / 1000).toFixed(1)} s.`);
  return {
    method: 'api',
    buildUploadId: upload.id,
    uploadedAt,
    bytes: pkg.size,
    durationMs: uploadedAt.getTime() - started,
    parts: operations.length,
  };
}

/**
 * A lost answer to the create (connection reset after Apple made it) makes the retry a duplicate:
 * then the upload Apple already made, still waiting for its file, is the one to use.
 */
async function createOrReuse(asc: AppStoreConnect, pkg: PackageInfo, appId: string, log: Logger): Promise<BuildUpload> {
  const attributes = { version: pkg.version, buildNumber: pkg.buildNumber, platform: pkg.platform };
  try {
    return await asc.buildUploads.create(appId, attributes);
  } catch (error) {
    if (!(error instanceof AscApiError && error.status === 409)) throw error;
    const waiting = await asc.buildUploads.list(appId, { ...attributes, states: ['AWAITING_UPLOAD'] });
    if (waiting.length !== 1) throw error;
    log.info(`Reusing build upload ${waiting[0]!.id}, which is waiting for its file.`);
    return waiting[0]!;
  }
}

function sha256(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path, { highWaterMark: 1 << 20 })
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}
