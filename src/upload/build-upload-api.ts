import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { AppStoreConnect } from '../asc/client.js';
import type { Checksums } from '../asc/types.js';
import { UserError } from '../errors.js';
import type { RetryPolicy, Sleep } from '../net/retry.js';
import type { PackageInfo } from '../package/index.js';
import type { Logger } from '../runtime.js';
import { AUTO_MAX, AUTO_START } from './concurrency.js';
import { sendParts, toPartOperations } from './parts.js';
import { mb } from '../words.js';
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
 * (streamed, in parallel, each retried), and commit. The commit carries no checksum of ours; when
 * Apple's answer carries one, the file is checked against it. Works on any OS.
 */
export async function uploadWithBuildUploadApi(
  asc: AppStoreConnect,
  pkg: PackageInfo,
  appId: string,
  options: ApiUploadOptions,
): Promise<UploadResult> {
  const now = options.now ?? Date.now;
  const started = now();
  const packageFile = { fileName: pkg.fileName, fileSize: pkg.size, uti: pkg.uti };
  const upload = await asc.buildUploads.create(
    appId,
    { version: pkg.version, buildNumber: pkg.buildNumber, platform: pkg.platform },
    packageFile,
  );
  options.log.info(`Build upload ${upload.id} created for ${pkg.bundleId} ${pkg.version} (${pkg.buildNumber}).`);

  const file = await asc.buildUploads.reserveFile(upload.id, packageFile);
  const operations = toPartOperations(file.attributes?.uploadOperations ?? [], pkg.size);
  options.log.info(
    `Sending ${pkg.fileName} (${mb(pkg.size)} MB) in ${operations.length} part${operations.length === 1 ? '' : 's'}, ${pace(options.concurrency, operations.length)}.`,
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
  const sendingMs = progress.finish();

  const committed = await asc.buildUploads.commitFile(file.id);
  await verifyAppleChecksums(pkg, committed.attributes?.sourceFileChecksums);
  const uploadedAt = new Date(now());
  options.log.info(`Apple accepted ${pkg.fileName}: ${mb(pkg.size)} MB in ${((uploadedAt.getTime() - started) / 1000).toFixed(1)} s.`);
  return {
    method: 'api',
    buildUploadId: upload.id,
    uploadedAt,
    bytes: pkg.size,
    durationMs: uploadedAt.getTime() - started,
    parts: operations.length,
    sendingMs,
  };
}

/** When Apple reports the checksum of what it received, the file on disk must match it: a mismatch means corrupted bytes. */
async function verifyAppleChecksums(pkg: PackageInfo, checksums: Checksums | null | undefined): Promise<void> {
  const given = checksums?.file;
  if (!given?.hash) return;
  const algorithm = given.algorithm === 'SHA_256' ? 'sha256' : 'md5';
  const actual = await hashFile(pkg.path, algorithm);
  if (actual.toLowerCase() !== given.hash.toLowerCase()) {
    throw new UserError(
      `Apple reports the ${given.algorithm ?? 'MD5'} checksum ${given.hash} for the ${pkg.fileName} it received, but the file's is ${actual}: the bytes were changed on the way. Upload again with a new build number (Apple keeps this one); if it repeats, check proxies between the runner and Apple.`,
    );
  }
}

/** How many parts go at once, as the log says it: `auto` starts lower and may add parts, never past the parts there are. */
function pace(concurrency: number | 'auto', parts: number): string {
  if (concurrency !== 'auto') return `${Math.min(concurrency, parts)} at a time`;
  const start = Math.min(AUTO_START, parts);
  const most = Math.min(AUTO_MAX, parts);
  return start < most ? `${start} at a time to start, more while more send faster (up to ${most})` : `${start} at a time`;
}

/** One sequential read into one reused 1 MiB buffer: memory stays flat whatever the size. */
async function hashFile(path: string, algorithm: 'sha256' | 'md5'): Promise<string> {
  const hash = createHash(algorithm);
  const buffer = Buffer.allocUnsafe(1 << 20);
  const file = await open(path, 'r');
  try {
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead)); // hashed before the next read reuses the buffer
    }
  } finally {
    await file.close();
  }
  return hash.digest('hex');
}
