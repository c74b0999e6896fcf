/**
 * The webhook relay's handler: takes App Store Connect's signed deliveries and turns each into a
 * `repository_dispatch` of the repository, so the resume workflow looks at Apple's state now rather than
 * at its next scheduled run. Web-standard APIs only (fetch, Request, Response, Web Crypto): it runs as is
 * on Cloudflare Workers (module form), Deno and Bun, and under Node through `app-store-connect-publish relay`.
 *
 * Anything that is not a POST whose signature verifies gets a 4xx with no body; a GitHub failure gets a
 * 5xx, so Apple delivers again. The token is never in an answer or a log line, and Apple's body never
 * leaves the relay: only the event type and the resource's type and id, each of a strict form.
 */
import { readBounded } from './body.js';
import { readRelayConfig, type RelayConfig, type RelayEnv } from './config.js';
import { clientPayload, isPing, readNotice } from './payload.js';
import { SIGNATURE_HEADER, verifySignature } from './signature.js';

export type { RelayEnv } from './config.js';
export { MAX_BODY_BYTES } from './body.js';
export { readRelayConfig } from './config.js';
export { signBody, SIGNATURE_HEADER } from './signature.js';

/** How long GitHub may take to take a dispatch: well inside the time Apple waits for an answer. */
export const DISPATCH_TIMEOUT_MS = 10_000;
/** Notifications dispatched lately (by Apple's id), so a repeat of one already passed on is not sent twice. */
const RECENT_LIMIT = 512;
const recent = new Set<string>();

const empty = (status: number, headers?: Record<string, string>): Response => new Response(null, { status, headers });

export async function handleDelivery(request: Request, env: RelayEnv): Promise<Response> {
  if (request.method !== 'POST') return empty(405, { allow: 'POST' });
  const read = readRelayConfig(env);
  if ('problems' in read) {
    console.error(`relay: not configured: ${read.problems.join(' ')}`);
    return empty(500);
  }
  const { config } = read;
  const body = await readBounded(request);
  if (body === undefined) return empty(413, { connection: 'close' });
  if (!(await verifySignature(config.secret, body, request.headers.get(SIGNATURE_HEADER)))) return empty(401);
  const notice = readNotice(body);
  if (!notice) return empty(400);
  if (isPing(notice)) return empty(204);
  if (notice.id !== undefined && recent.has(notice.id)) return empty(204);
  const status = await dispatch(config, clientPayload(notice));
  if (status !== 204) return empty(status);
  if (notice.id !== undefined) remember(notice.id);
  return empty(204);
}

/** POSTs the dispatch; 204 when GitHub took it, else the status the relay answers Apple with. */
async function dispatch(config: RelayConfig, payload: Record<string, string>): Promise<number> {
  let response: Response;
  try {
    response = await fetch(config.dispatchUrl, {
      method: 'POST',
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${config.token}`,
        'content-type': 'application/json',
        'user-agent': 'app-store-connect-publish-relay',
        'x-github-api-version': '2022-11-28',
      },
      body: JSON.stringify({ event_type: config.eventType, client_payload: payload }),
      signal: AbortSignal.timeout(DISPATCH_TIMEOUT_MS),
    });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    console.error(`relay: the dispatch to GitHub ${timedOut ? 'timed out' : 'failed to connect'}`);
    return timedOut ? 504 : 502;
  }
  await response.body?.cancel().catch(() => undefined);
  if (response.ok) return 204;
  console.error(`relay: GitHub refused the dispatch (HTTP ${response.status})`);
  return 502;
}

function remember(id: string): void {
  if (recent.size >= RECENT_LIMIT) recent.delete(recent.values().next().value as string);
  recent.add(id);
}
