import { AscApiError } from '../../asc/errors.js';
import { NetworkError } from '../../net/retry.js';

/** Failures that may pass by themselves (the engine keeps such a step pending and tries again). */
export function isTransientFailure(error: unknown): boolean {
  return error instanceof NetworkError || (error instanceof AscApiError && (error.status >= 500 || error.status === 429));
}
