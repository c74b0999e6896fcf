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
  concurrency: number | 'auto';
  log: Logger;
  now?: () => number;
  partRetry?: RetryPolicy;
  sleep?: Sleep;
  idleTimeoutMs?: number;
}

/**
 * Apple's Build Upload API: create the build upload, reserve the file, send the parts Apple asks for
 * (streamed, in parallel, each retried), and commit. Works on any OS.
 */
export async function uploadWithBuildUploadApi(
  asc: AppStoreConnect,
  pkg: PackageInfo,
  appId: string,
  options: ApiUploadOptions,
): Promise<UploadResult> {
  const now = options.now ?? Date.now;
  return createAndSend(asc, pkg, appId, options, now());
}

async function createAndSend(
  asc: AppStoreConnect,
  pkg: PackageInfo,
  appId: string,
  options: ApiUploadOptions,
  started: number,
): Promise<UploadResult> {
  const now = options.now ?? Date.now;
  const upload = await createOrReuse(asc, pkg, appId, options.log);
  options.log.info(`Build upload ${upload.id} created for ${pkg.bundleId} ${pkg.version} (${pkg.buildNumber}).`);

  const file = await asc.buildUploads.reserveFile(upload.id, { fileName: pkg.fileName, fileSize: pkg.size, uti: pkg.uti });
  const operations = toPartOperations(file.attributes?.uploadOperations ?? [], pkg.size);
  options.log.info(
    `Sending ${pkg.fileName} (${mb(pkg.size)} MB) in ${operations.length} part${operations.length === 1 ? '' : 's'}, ${options.concurrency === 'auto' ? '4 at a time to start, more while more send faster (up to 16)' : `${Math.min(options.concurrency, operations.length)} at a time`}.`,
  );

  const progress = new ProgressReporter(pkg.size, options.log, now);
  await sendParts({
    path: pkg.path,
    operations,
    concurrency: options.concurrency,
    retry: options.partRetry,
    sleep: options.sleep,
    idleTimeoutMs: options.idleTimeoutMs,
    onBytes: (n) => progress.add(n),
    onConcurrency: (message) => options.log.info(message),
    onRetry: (part, error, attempt, delay) =>
      options.log.info(`Part ${part.partNumber}: ${error.message} — retrying in ${(delay / 1000).toFixed(1)} s (attempt ${attempt + 1}).`),
  });
  progress.finish();

  await asc.buildUploads.commitFile(file.id);
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
    // An upload that never got its file holds the number: our own create whose answer was lost, or a
    // run that stopped halfway. Without a reserved file it can be used as is; with one, it is deleted
    // and made again, since Apple refuses a second file.
    const waiting = await asc.buildUploads.list(appId, { ...attributes, states: ['AWAITING_UPLOAD'] });
    if (waiting.length !== 1) throw error;
    const stale = waiting[0]!;
    if ((await asc.buildUploads.files(stale.id)).length === 0) {
      log.info(`Reusing build upload ${stale.id}, which is waiting for its file.`);
      return stale;
    }
    log.info(`Build upload ${stale.id} was left waiting for its file by an interrupted run: deleting it and starting again.`);
    await asc.buildUploads.delete(stale.id);
    return asc.buildUploads.create(appId, attributes);
  }
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}
