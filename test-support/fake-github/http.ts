/** HTTP plumbing the fake GitHub's hosts share: JSON answers, bodies, listening, GitHub's formats. */
import type { ServerResponse } from 'node:http';

export { listenOnLoopback as listen, readBody } from '../loopback.js';

/** A time as GitHub's REST API writes it (no milliseconds). */
export function githubTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

/** Answers with a JSON body and its length. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

/** GitHub's `Link` header for page `page` of `lastPage`, each link `base` with the request's query and its page. */
export function pageLinks(base: string, url: URL, page: number, lastPage: number): string | undefined {
  const make = (p: number): string => {
    const next = new URL(base);
    for (const [k, v] of url.searchParams) if (k !== 'page') next.searchParams.set(k, v);
    next.searchParams.set('page', String(p));
    return next.toString();
  };
  const links: string[] = [];
  if (page > 1) links.push(`<${make(page - 1)}>; rel="prev"`);
  if (page < lastPage) links.push(`<${make(page + 1)}>; rel="next"`, `<${make(lastPage)}>; rel="last"`);
  if (page > 1) links.push(`<${make(1)}>; rel="first"`);
  return links.length > 0 ? links.join(', ') : undefined;
}
