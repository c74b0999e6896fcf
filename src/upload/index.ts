import type { AppStoreConnect } from '../asc/client.js';
import type { UploadMethod } from '../domain.js';
import type { PackageInfo } from '../package/index.js';
import type { RetryPolicy, Sleep } from '../net/retry.js';
import type { Logger } from '../runtime.js';
import { uploadWithAltool } from './altool.js';
import { followAltoolUpload } from './altool-followup.js';
import { uploadWithBuildUploadApi } from './build-upload-api.js';
import type { UploadResult } from './types.js';

export type { UploadResult } from './types.js';

/** The inputs the upload reads. */
export interface UploadSettings {
  uploadMethod: UploadMethod;
  uploadConcurrency: number | 'auto';
  keyId: string;
  issuerId?: string;
}

export async function uploadPackage(
  asc: AppStoreConnect,
  pkg: PackageInfo,
  appId: string,
  config: UploadSettings,
  deps: { log: Logger; privateKeyPem: string; now: () => number; sleep?: Sleep; retry?: RetryPolicy; idleTimeoutMs?: number },
): Promise<UploadResult> {
  if (config.uploadMethod === 'altool') {
    const result = await uploadWithAltool(pkg, {
      appId,
      keyId: config.keyId,
      issuerId: config.issuerId,
      privateKeyPem: deps.privateKeyPem,
      log: deps.log,
      now: deps.now,
    });
    return { ...result, buildUploadId: await followAltoolUpload(asc, pkg, appId, deps.log) };
  }
  return uploadWithBuildUploadApi(asc, pkg, appId, {
    concurrency: config.uploadConcurrency,
    log: deps.log,
    now: deps.now,
    sleep: deps.sleep,
    partRetry: deps.retry,
    idleTimeoutMs: deps.idleTimeoutMs,
  });
}
