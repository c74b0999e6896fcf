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

  /** True when any entry's code starts with one of these (Apple's codes are dotted hierarchies). */
  hasCode(...prefixes: string[]): boolean {
    return this.errors.some((e) => prefixes.some((p) => e.code === p || e.code?.startsWith(p + '.')));
  }
}

export function parseErrorBody(text: string): AscErrorEntry[] {
  try {
    const body = JSON.parse(text) as { errors?: AscErrorEntry[] };
    if (Array.isArray(body.errors)) return body.errors;
  } catch {
    // Not JSON (a proxy's or load balancer's page): keep a short excerpt.
  }
  const excerpt = text.replace(/\s+/g, ' ').trim().slice(0, 200);
  return excerpt ? [{ detail: excerpt }] : [];
}

export function formatApiError(method: string, path: string, status: number, errors: AscErrorEntry[]): string {
  const lines = [`App Store Connect answered ${method} ${path} with HTTP ${status}.`];
  for (const entry of errors) {
    lines.push(`- ${describeEntry(entry)}`);
    for (const [key, associated] of Object.entries(entry.meta?.associatedErrors ?? {})) {
      for (const a of associated) lines.push(`  - ${key}: ${describeEntry(a)}`);
    }
  }
  const advice =
    ADVICE[status] ??
    (status >= 500
      ? "App Store Connect had a server error and kept failing after retries; try again later (Apple's system status: developer.apple.com/system-status)."
      : undefined);
  if (advice) lines.push(advice);
  return lines.join('\n');
}

function describeEntry(e: AscErrorEntry): string {
  const head = [e.code, e.title].filter(Boolean).join(': ');
  const source = e.source?.pointer ?? e.source?.parameter;
  return [head, e.detail].filter(Boolean).join(' — ') + (source ? ` (at ${source})` : '');
}
