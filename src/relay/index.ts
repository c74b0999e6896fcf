/**
 * The webhook relay as a Worker module (Cloudflare Workers, Deno, Bun): the package's `relay` export.
 * Only the default export: workerd takes every named export of a Worker's main module for an entrypoint
 * and refuses to start on one that is not.
 */
import { handleDelivery } from './handler.js';

export default { fetch: handleDelivery };
