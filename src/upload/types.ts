import type { UploadMethod } from '../domain.js';

export interface UploadResult {
  method: UploadMethod;
  /** The Build Upload API's resource; after altool, the one Apple lists for it (if any). */
  buildUploadId?: string;
  /** When Apple accepted the file: post-processing deadlines count from here. */
  uploadedAt: Date;
  bytes: number;
  durationMs: number;
  parts?: number;
  /** Time spent sending the parts (the log's average rate is over this); altool does not say. */
  sendingMs?: number;
}
