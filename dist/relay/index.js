/******/ // The require scope
/******/ var __nccwpck_require__ = {};
/******/ 
/************************************************************************/
/******/ /* webpack/runtime/define property getters */
/******/ (() => {
/******/ 	// define getter functions for harmony exports
/******/ 	__nccwpck_require__.d = (exports, definition) => {
/******/ 		for(var key in definition) {
/******/ 			if(__nccwpck_require__.o(definition, key) && !__nccwpck_require__.o(exports, key)) {
/******/ 				Object.defineProperty(exports, key, { enumerable: true, get: definition[key] });
/******/ 			}
/******/ 		}
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/hasOwnProperty shorthand */
/******/ (() => {
/******/ 	__nccwpck_require__.o = (obj, prop) => (Object.prototype.hasOwnProperty.call(obj, prop))
/******/ })();
/******/ 
/************************************************************************/
var __webpack_exports__ = {};

// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  A: () => (/* binding */ relay)
});

;// CONCATENATED MODULE: ./src/relay/body.ts
/** Reads a request body with a hard bound, so an oversized delivery is refused before it is held whole. */
/** Apple's deliveries are a few hundred bytes; 64 KiB leaves room and bounds what an anonymous caller costs. */
const MAX_BODY_BYTES = 64 * 1024;
/** The body's bytes, or undefined when it is (or says it is) larger than `max`. */
async function readBounded(request, max = MAX_BODY_BYTES) {
    const declared = request.headers.get('content-length');
    if (declared !== null && (!/^\d{1,15}$/.test(declared.trim()) || Number(declared) > max))
        return undefined;
    if (!request.body)
        return new Uint8Array(0);
    const reader = request.body.getReader();
    const chunks = [];
    let total = 0;
    for (;;) {
        const { done, value } = await reader.read();
        if (done)
            break;
        total += value.byteLength;
        // Counted as it streams: a missing or false Content-Length cannot make the relay hold more.
        if (total > max) {
            await reader.cancel().catch(() => undefined);
            return undefined;
        }
        chunks.push(value);
    }
    const body = new Uint8Array(total);
    let at = 0;
    for (const chunk of chunks) {
        body.set(chunk, at);
        at += chunk.byteLength;
    }
    return body;
}

;// CONCATENATED MODULE: ./src/relay/config.ts
/** The relay's settings, from the environment of the Worker or the process. */
const MIN_SECRET_LENGTH = 32;
const DEFAULT_EVENT_TYPE = 'app-store-connect';
const REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
const EVENT_TYPE = /^[A-Za-z0-9._-]{1,100}$/;
const LOOPBACK = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;
/** The settings, or the list of what is wrong (names only: values are never repeated). */
function readRelayConfig(env) {
    const problems = [];
    const secret = env.WEBHOOK_SECRET ?? '';
    if (secret.length < MIN_SECRET_LENGTH) {
        problems.push(`WEBHOOK_SECRET must be the webhook's secret, at least ${MIN_SECRET_LENGTH} characters.`);
    }
    const token = (env.GITHUB_TOKEN ?? '').trim();
    if (!token || /\s/.test(token))
        problems.push('GITHUB_TOKEN must be a token allowed to dispatch to the repository (Contents: write).');
    const repository = (env.GITHUB_REPOSITORY ?? '').trim();
    if (!REPOSITORY.test(repository))
        problems.push('GITHUB_REPOSITORY must be `owner/name`.');
    const eventType = (env.DISPATCH_EVENT_TYPE ?? '').trim() || DEFAULT_EVENT_TYPE;
    if (!EVENT_TYPE.test(eventType))
        problems.push('DISPATCH_EVENT_TYPE must be letters, digits, `.`, `_` or `-` (at most 100).');
    const api = apiUrl(env.GITHUB_API_URL);
    if (api === undefined)
        problems.push('GITHUB_API_URL must be an https URL (http only on a loopback host).');
    if (problems.length > 0 || api === undefined)
        return { problems };
    return { config: { secret, token, eventType, dispatchUrl: `${api}/repos/${repository}/dispatches` } };
}
function apiUrl(value) {
    const text = (value ?? '').trim() || 'https://api.github.com';
    let url;
    try {
        url = new URL(text);
    }
    catch {
        return undefined;
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.test(url.hostname)))
        return undefined;
    if (url.search || url.hash || url.username || url.password)
        return undefined;
    return url.href.replace(/\/+$/, '');
}

;// CONCATENATED MODULE: ./src/relay/payload.ts
/**
 * What the relay takes from a verified delivery: the event type and the resource it is about, each checked
 * against a strict form. Nothing else of Apple's body goes further.
 */
/** Apple writes the ping as `webhookPingCreated`; its event-type list spells events in capitals. */
const PING_EVENTS = new Set(['webhookPingCreated', 'WEBHOOK_PING_CREATED']);
const EVENT = /^[A-Za-z][A-Za-z_]{0,79}$/;
const RESOURCE_TYPE = /^[A-Za-z][A-Za-z0-9]{0,63}$/;
const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const matching = (value, form) => (typeof value === 'string' && form.test(value) ? value : undefined);
/** The notice in `body`, or undefined when it is not a delivery document with a well-formed event type. */
function readNotice(body) {
    let doc;
    try {
        doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
    }
    catch {
        return undefined;
    }
    const data = doc !== null && typeof doc === 'object' ? doc.data : undefined;
    if (data === null || typeof data !== 'object')
        return undefined;
    const event = matching(data.type, EVENT);
    if (!event)
        return undefined;
    const instance = data.relationships?.instance?.data;
    return {
        event,
        id: matching(data.id, ID),
        resourceType: matching(instance?.type, RESOURCE_TYPE),
        resourceId: matching(instance?.id, ID),
    };
}
const isPing = (notice) => PING_EVENTS.has(notice.event);
/** `repository_dispatch`'s `client_payload`: a hint for the resume run, which reads Apple's state itself. */
function clientPayload(notice) {
    const payload = { event: notice.event };
    if (notice.resourceType)
        payload.resource_type = notice.resourceType;
    if (notice.resourceId)
        payload.resource_id = notice.resourceId;
    return payload;
}

;// CONCATENATED MODULE: ./src/relay/signature.ts
/** Apple's delivery signature: `x-apple-signature: hmacsha256=<hex>`, HMAC-SHA256 of the raw body with the webhook's secret. */
const SIGNATURE_HEADER = 'x-apple-signature';
const SIGNATURE = /^hmacsha256=([0-9a-f]{64})$/i;
const keys = new Map();
/** One imported key per secret, kept for the life of the isolate or process. */
function hmacKey(secret) {
    let key = keys.get(secret);
    if (!key) {
        if (keys.size > 8)
            keys.clear();
        key = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
        keys.set(secret, key);
    }
    return key;
}
function hexBytes(hex) {
    const bytes = new Uint8Array(hex.length / 2);
    for (let i = 0; i < bytes.length; i++)
        bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
    return bytes;
}
/** Whether `header` signs `body` with `secret`. `crypto.subtle.verify` compares in constant time. */
async function verifySignature(secret, body, header) {
    const match = SIGNATURE.exec(header?.trim() ?? '');
    if (!match)
        return false;
    return crypto.subtle.verify('HMAC', await hmacKey(secret), hexBytes(match[1]), body);
}
/** The header value Apple would send for `body`: for tests, the fake App Store Connect and the benchmark. */
async function signBody(secret, body) {
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    const mac = new Uint8Array(await crypto.subtle.sign('HMAC', await hmacKey(secret), bytes));
    return `hmacsha256=${[...mac].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

;// CONCATENATED MODULE: ./src/relay/handler.ts
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







/** How long GitHub may take to take a dispatch: well inside the time Apple waits for an answer. */
const DISPATCH_TIMEOUT_MS = 10_000;
/** Notifications dispatched lately (by Apple's id), so a repeat of one already passed on is not sent twice. */
const RECENT_LIMIT = 512;
const recent = new Set();
const empty = (status, headers) => new Response(null, { status, headers });
async function handleDelivery(request, env) {
    if (request.method !== 'POST')
        return empty(405, { allow: 'POST' });
    const read = readRelayConfig(env);
    if ('problems' in read) {
        console.error(`relay: not configured: ${read.problems.join(' ')}`);
        return empty(500);
    }
    const { config } = read;
    const body = await readBounded(request);
    if (body === undefined)
        return empty(413, { connection: 'close' });
    if (!(await verifySignature(config.secret, body, request.headers.get(SIGNATURE_HEADER))))
        return empty(401);
    const notice = readNotice(body);
    if (!notice)
        return empty(400);
    if (isPing(notice))
        return empty(204);
    if (notice.id !== undefined && recent.has(notice.id))
        return empty(204);
    const status = await dispatch(config, clientPayload(notice));
    if (status !== 204)
        return empty(status);
    if (notice.id !== undefined)
        remember(notice.id);
    return empty(204);
}
/** POSTs the dispatch; 204 when GitHub took it, else the status the relay answers Apple with. */
async function dispatch(config, payload) {
    let response;
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
    }
    catch (error) {
        const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
        console.error(`relay: the dispatch to GitHub ${timedOut ? 'timed out' : 'failed to connect'}`);
        return timedOut ? 504 : 502;
    }
    await response.body?.cancel().catch(() => undefined);
    if (response.ok)
        return 204;
    console.error(`relay: GitHub refused the dispatch (HTTP ${response.status})`);
    return 502;
}
function remember(id) {
    if (recent.size >= RECENT_LIMIT)
        recent.delete(recent.values().next().value);
    recent.add(id);
}

;// CONCATENATED MODULE: ./src/relay/index.ts
/**
 * The webhook relay as a Worker module (Cloudflare Workers, Deno, Bun): the package's `relay` export.
 * Only the default export: workerd takes every named export of a Worker's main module for an entrypoint
 * and refuses to start on one that is not.
 */

/* harmony default export */ const relay = ({ fetch: handleDelivery });

var __webpack_exports__default = __webpack_exports__.A;
export { __webpack_exports__default as default };
