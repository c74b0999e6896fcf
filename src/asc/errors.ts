import { NetworkError } from '../net/retry.js';
import { formatDuration, oneLine } from '../words.js';

/** One entry of Apple's `errors[]`. */
export interface AscErrorEntry {
  id?: string;
  status?: string;
  code?: string;
  title?: string;
  detail?: string;
  source?: { pointer?: string; parameter?: string };
  meta?: { associatedErrors?: Record<string, AscErrorEntry[]>; [key: string]: unknown };
}

/** What to do about a status, for the end of the message. */
const ADVICE: Record<number, string> = {
  400: 'The request was refused as malformed; check the inputs named above.',
  401: 'Check `key-id`, `issuer-id` (empty only for an individual key) and `private-key` belong to the same active API key, and that the runner clock is right.',
  403: "The API key's role does not allow this: use a key with the App Manager or Admin role (Users and Access → Integrations).",
  404: 'The resource does not exist or this API key cannot see it: check the app and build identifiers.',
  409: 'App Store Connect refused the change in the current state (see the detail above).',
  422: 'App Store Connect could not process the request in the current state (see the detail above).',
  429: "The API key's hourly request limit is used up: wait, raise `poll-interval`, or use a separate key for this workflow.",
};

/** A non-2xx answer from App Store Connect, with Apple's status, codes, titles and details. */
export class AscApiError extends Error {
  override name = 'AscApiError';
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly errors: AscErrorEntry[],
  ) {
    super(formatApiError(method, path, status, errors));
  }

  /** Every entry, each entry's associated errors included: Apple may put the telling one anywhere. */
  entries(): AscErrorEntry[] {
    return this.errors.flatMap((e) => [e, ...associatedErrors(e).map(([, a]) => a)]);
  }

  /** True when any entry's code is one of these or below it (Apple's codes are dotted hierarchies). */
  hasCode(...prefixes: string[]): boolean {
    return this.entries().some((e) => prefixes.some((p) => e.code === p || e.code?.startsWith(p + '.')));
  }

  /** True when any entry's title or detail holds this phrase (for refusals Apple tells apart only in words). */
  mentions(phrase: string): boolean {
    const wanted = phrase.toLowerCase();
    return this.entries().some((e) => `${e.title ?? ''} ${e.detail ?? ''}`.toLowerCase().includes(wanted));
  }
}

/** A 429 whose wait would run past what this run can wait: the key's hourly budget is spent. */
export class RateLimitError extends AscApiError {
  override name = 'RateLimitError';
  constructor(method: string, path: string, errors: AscErrorEntry[], waitMs: number, asked: boolean, limit: string) {
    super(method, path, 429, errors);
    const wait = formatDuration(waitMs);
    this.message = formatApiError(
      method,
      path,
      429,
      errors,
      `Apple ${asked ? `asks to wait ${wait} (Retry-After)` : `keeps refusing (next try in ${wait})`}, past ${limit}: this API key's hourly request budget is spent. Raise \`poll-interval\`, or use a separate key for this workflow (another workflow may be using this one).`,
    );
  }
}

/** A 2xx answer that is not JSON: a proxy's or captive portal's page in Apple's place. */
export class UnreadableAnswerError extends Error {
  override name = 'UnreadableAnswerError';
  constructor(method: string, path: string, status: number, contentType: string, text: string) {
    super(
      `App Store Connect's answer to ${method} ${path} (HTTP ${status}, ${contentType || 'no content type'}) is not JSON: "${oneLine(text, 120)}". Something other than Apple answered — a proxy or captive portal: check \`api-url\` and the runner's network.`,
    );
  }
}

/**
 * A write that cannot be read back failed without a clear refusal (its answer lost, or a 5xx): sending
 * it again might do it twice, so it is not sent again.
 */
export class AnswerLostError extends Error {
  override name = 'AnswerLostError';
  /** What happened, without the advice: a caller that knows where to look gives its own. */
  readonly happened: string;
  constructor(
    readonly method: string,
    readonly path: string,
    override readonly cause: Error,
  ) {
    const what =
      cause instanceof AscApiError
        ? `${method} ${path} failed (HTTP ${cause.status}${cause.errors.length ? `: ${oneLine(cause.errors.map(describeEntry).join('; '), 300)}` : ''})`
        : `The answer to ${method} ${path} was lost (${cause instanceof NetworkError ? cause.reason : cause.message.split('\n')[0]})`;
    const happened = `${what}; whether Apple acted on it is unknown, and it was not sent again so it cannot happen twice.`;
    super(`${happened} Check in App Store Connect whether it happened; run again if it did not.`);
    this.happened = happened;
  }
}

export function parseErrorBody(text: string): AscErrorEntry[] {
  try {
    const body = JSON.parse(text) as { errors?: AscErrorEntry[] };
    if (Array.isArray(body.errors)) return body.errors;
  } catch {
    // Not JSON (a proxy's or load balancer's page): keep a short excerpt.
  }
  const excerpt = oneLine(text, 200);
  return excerpt ? [{ detail: excerpt }] : [];
}

/** Apple's answer, every entry on its own line, then what to do (by default, what the status calls for). */
export function formatApiError(method: string, path: string, status: number, errors: AscErrorEntry[], advice = adviceFor(status)): string {
  const lines = [`App Store Connect answered ${method} ${path} with HTTP ${status}.`];
  for (const entry of errors) {
    lines.push(`- ${describeEntry(entry)}`);
    for (const [key, a] of associatedErrors(entry)) lines.push(`  - ${key}: ${describeEntry(a)}`);
  }
  if (advice) lines.push(advice);
  return lines.join('\n');
}

function adviceFor(status: number): string | undefined {
  return (
    ADVICE[status] ??
    (status >= 500
      ? "App Store Connect had a server error and kept failing after retries; try again later (Apple's system status: developer.apple.com/system-status)."
      : undefined)
  );
}

/**
 * An entry's associated errors, each with the resource path Apple keys it by; a malformed `meta`
 * (not an object, not lists) is skipped, not a crash.
 */
export function associatedErrors(entry: AscErrorEntry): [string, AscErrorEntry][] {
  const associated = entry.meta?.associatedErrors;
  if (!associated || typeof associated !== 'object') return [];
  return Object.entries(associated).flatMap(([key, list]) =>
    Array.isArray(list) ? list.map((a): [string, AscErrorEntry] => [key, a]) : [],
  );
}

/** Failures that may pass by themselves: Apple's 5xx and 429 after every retry, and network errors. */
export function isTransient(error: unknown): boolean {
  return error instanceof NetworkError || (error instanceof AscApiError && (error.status >= 500 || error.status === 429));
}

/** One entry: code, title, detail and where in the request Apple points. */
export function describeEntry(e: AscErrorEntry): string {
  const head = [e.code, e.title].filter(Boolean).join(': ');
  const source = e.source?.pointer ?? e.source?.parameter;
  return [head, e.detail].filter(Boolean).join(' — ') + (source ? ` (at ${source})` : '');
}
