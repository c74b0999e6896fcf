/** In-memory JSON:API resources: relationships, serialisation, filters, sort, include and cursor pagination. */
import { randomUUID } from 'node:crypto';
import { ApiError, notFound } from './errors.js';
import type { StoredResource } from './types.js';

interface RelSpec {
  to: string;
  many: boolean;
  /** Apple's schema gives this relationship links; without them its `data` is always sent. */
  links: boolean;
  /** Stored on the other side: the related resources are those whose `inverse` relationship holds this id. */
  inverse?: string;
  /** Stored for the fake's bookkeeping but not part of Apple's resource. */
  hidden?: boolean;
}

const one = (to: string, extra: Partial<RelSpec> = {}): RelSpec => ({ to, many: false, links: true, ...extra });
const many = (to: string, extra: Partial<RelSpec> = {}): RelSpec => ({ to, many: true, links: true, ...extra });

/** The relationships the fake models, named as in Apple's schemas. */
const RELS: Record<string, Record<string, RelSpec>> = {
  apps: {
    builds: many('builds', { inverse: 'app' }),
    betaGroups: many('betaGroups', { inverse: 'app' }),
    preReleaseVersions: many('preReleaseVersions', { inverse: 'app' }),
    appStoreVersions: many('appStoreVersions', { inverse: 'app' }),
    betaAppReviewDetail: one('betaAppReviewDetails'),
    buildUploads: many('buildUploads', { inverse: 'app' }),
  },
  builds: {
    preReleaseVersion: one('preReleaseVersions'),
    app: one('apps'),
    buildBetaDetail: one('buildBetaDetails', { inverse: 'build' }),
    betaBuildLocalizations: many('betaBuildLocalizations', { inverse: 'build' }),
    betaAppReviewSubmission: one('betaAppReviewSubmissions', { inverse: 'build' }),
    betaGroups: many('betaGroups'),
    appStoreVersion: one('appStoreVersions', { inverse: 'build' }),
    buildUpload: one('buildUploads', { inverse: 'build', links: false }),
  },
  preReleaseVersions: {
    app: one('apps'),
    builds: many('builds', { inverse: 'preReleaseVersion' }),
  },
  buildBetaDetails: { build: one('builds') },
  betaBuildLocalizations: { build: one('builds') },
  betaAppReviewSubmissions: { build: one('builds') },
  betaAppReviewDetails: { app: one('apps') },
  betaGroups: {
    app: one('apps'),
    builds: many('builds', { inverse: 'betaGroups' }),
  },
  buildUploads: {
    app: one('apps', { hidden: true }),
    build: one('builds', { links: false }),
    assetFile: one('buildUploadFiles', { links: false }),
    buildUploadFiles: many('buildUploadFiles', { inverse: 'buildUpload' }),
  },
  buildUploadFiles: { buildUpload: one('buildUploads', { hidden: true }) },
  appStoreVersions: {
    app: one('apps', { links: false }),
    build: one('builds'),
  },
  buildBetaNotifications: { build: one('builds', { hidden: true }) },
};

/** Lets a resource family kept in its own module (the App Store's) declare its relationships. */
export function declareRelationships(
  type: string,
  specs: Record<string, { to: string; many?: boolean; links?: boolean; inverse?: string; hidden?: boolean }>,
): void {
  for (const [name, spec] of Object.entries(specs)) (RELS[type] ??= {})[name] = (spec.many ? many : one)(spec.to, spec);
}

/** Relationships whose only member in Apple's schema is `links` (no `data` even when included). */
const LINKS_ONLY: Record<string, string[]> = { apps: ['buildUploads'], buildUploads: ['buildUploadFiles'] };

export interface ListOptions {
  cap: number;
  /** Limit when the request gives none. */
  defaultLimit: number;
}

export class Store {
  private readonly byType = new Map<string, Map<string, StoredResource>>();
  private appSeq = 6_440_000_000;

  constructor(private readonly base: () => string) {}

  newId(type: string): string {
    return type === 'apps' ? String(++this.appSeq) : randomUUID();
  }

  add(type: string, attributes: Record<string, unknown>, rel: StoredResource['rel'] = {}, id = this.newId(type)): StoredResource {
    const r: StoredResource = { type, id, attributes, rel };
    let map = this.byType.get(type);
    if (!map) this.byType.set(type, (map = new Map()));
    if (map.has(id)) throw new Error(`duplicate ${type} id ${id}`);
    map.set(id, r);
    return r;
  }

  get(type: string, id: string): StoredResource | undefined {
    return this.byType.get(type)?.get(id);
  }

  /** The resource, or Apple's 404 NOT_FOUND. */
  need(type: string, id: string): StoredResource {
    const r = this.get(type, id);
    if (!r) throw notFound(type, id);
    return r;
  }

  all(type: string): StoredResource[] {
    return [...(this.byType.get(type)?.values() ?? [])];
  }

  remove(type: string, id: string): void {
    this.byType.get(type)?.delete(id);
  }

  relIds(r: StoredResource, name: string): string[] {
    const spec = RELS[r.type]?.[name];
    if (!spec) return [];
    if (spec.inverse) {
      const inv = spec.inverse;
      return this.all(spec.to)
        .filter((o) => {
          const v = o.rel[inv];
          return Array.isArray(v) ? v.includes(r.id) : v === r.id;
        })
        .map((o) => o.id);
    }
    const v = r.rel[name];
    return v == null ? [] : Array.isArray(v) ? [...v] : [v];
  }

  related(r: StoredResource, name: string): StoredResource[] {
    const spec = RELS[r.type]?.[name];
    if (!spec) return [];
    return this.relIds(r, name)
      .map((id) => this.get(spec.to, id))
      .filter((x): x is StoredResource => !!x);
  }

  /** One related resource (to-one relationships). */
  relatedOne(r: StoredResource, name: string): StoredResource | undefined {
    return this.related(r, name)[0];
  }

  /** Apple's JSON for a resource; `everything` adds every relationship's data (for test assertions). */
  serialize(r: StoredResource, include: ReadonlySet<string> = new Set(), everything = false): Record<string, unknown> {
    const base = this.base();
    const self = `${base}/v1/${r.type}/${r.id}`;
    const relationships: Record<string, unknown> = {};
    for (const [name, spec] of Object.entries(RELS[r.type] ?? {})) {
      if (spec.hidden && !everything) continue;
      const out: Record<string, unknown> = {};
      if (spec.links) out.links = { self: `${self}/relationships/${name}`, related: `${self}/${name}` };
      const linksOnly = LINKS_ONLY[r.type]?.includes(name);
      if (everything || (!linksOnly && (include.has(name) || !spec.links))) {
        const ids = this.relIds(r, name);
        if (spec.many) out.data = ids.map((id) => ({ type: spec.to, id }));
        else if (ids[0]) out.data = { type: spec.to, id: ids[0] };
        else if (spec.links || everything) out.data = null;
      }
      if (Object.keys(out).length > 0) relationships[name] = out;
    }
    const doc: Record<string, unknown> = { type: r.type, id: r.id };
    if (Object.keys(r.attributes).length > 0) doc.attributes = structuredClone(r.attributes);
    if (Object.keys(relationships).length > 0) doc.relationships = relationships;
    doc.links = { self };
    return doc;
  }

  private included(items: StoredResource[], include: ReadonlySet<string>): Record<string, unknown>[] | undefined {
    if (include.size === 0) return undefined;
    const seen = new Map<string, StoredResource>();
    for (const r of items) {
      for (const name of include) {
        if (LINKS_ONLY[r.type]?.includes(name)) continue;
        for (const rel of this.related(r, name)) seen.set(`${rel.type}/${rel.id}`, rel);
      }
    }
    return [...seen.values()].map((r) => this.serialize(r));
  }

  /** `{ data, included?, links }` for one resource. */
  document(r: StoredResource, query: URLSearchParams, self: string): Record<string, unknown> {
    const include = includeSet(query);
    const doc: Record<string, unknown> = { data: this.serialize(r, include) };
    const included = this.included([r], include);
    if (included) doc.included = included;
    doc.links = { self };
    return doc;
  }

  /** A page of a collection after `filter[...]`, `exists[...]` and `sort`; `links.next` carries a `cursor` like Apple's. */
  list(items: StoredResource[], query: URLSearchParams, self: URL, options: ListOptions): Record<string, unknown> {
    let rows = items;
    for (const [key, value] of query) {
      const f = /^filter\[(.+)\]$/.exec(key);
      if (f) {
        const wanted = value.split(',');
        const path = f[1]!.split('.');
        rows = rows.filter((r) => this.valuesAt(r, path).some((v) => wanted.includes(v)));
      }
      const e = /^exists\[(.+)\]$/.exec(key);
      if (e) rows = rows.filter((r) => (r.attributes[e[1]!] != null) === (value === 'true'));
    }
    const sort = query.get('sort');
    if (sort) rows = [...rows].sort(this.comparator(sort.split(',')));
    const limit = Math.min(Number(query.get('limit') ?? options.defaultLimit), options.cap);
    const offset = decodeCursor(query.get('cursor'));
    const page = rows.slice(offset, offset + limit);
    const include = includeSet(query);
    const links: Record<string, string> = { self: self.href };
    const paging: Record<string, unknown> = { total: rows.length, limit };
    if (offset + limit < rows.length) {
      const next = new URL(self.href);
      const cursor = encodeCursor(offset + limit);
      next.searchParams.set('cursor', cursor);
      next.searchParams.set('limit', String(limit));
      links.next = next.href;
      paging.nextCursor = cursor;
    }
    const doc: Record<string, unknown> = { data: page.map((r) => this.serialize(r, include)) };
    const included = this.included(page, include);
    if (included) doc.included = included;
    doc.links = links;
    doc.meta = { paging };
    return doc;
  }

  /** Values a filter path reaches: an attribute, a relationship's ids, or an attribute across a relationship. */
  private valuesAt(r: StoredResource, path: string[]): string[] {
    const [head, ...rest] = path;
    if (head === undefined) return [r.id];
    if (head === 'id' && rest.length === 0) return [r.id];
    const spec = RELS[r.type]?.[head];
    if (spec) {
      if (rest.length === 0) return this.relIds(r, head);
      return this.related(r, head).flatMap((o) => this.valuesAt(o, rest));
    }
    if (rest.length > 0) return [];
    const v = r.attributes[head];
    if (v == null) return [];
    if (typeof v === 'object' && 'state' in v) return [String((v as { state: unknown }).state)];
    return [String(v)];
  }

  private comparator(keys: string[]): (a: StoredResource, b: StoredResource) => number {
    return (a, b) => {
      for (const key of keys) {
        const desc = key.startsWith('-');
        const path = (desc ? key.slice(1) : key).split('.');
        // `sort=preReleaseVersion` orders by the version string of the pre-release version.
        const valuePath = RELS[a.type]?.[path[0]!] && path.length === 1 ? [...path, 'version'] : path;
        const av = this.valuesAt(a, valuePath)[0] ?? '';
        const bv = this.valuesAt(b, valuePath)[0] ?? '';
        const c = av.localeCompare(bv, 'en', { numeric: true });
        if (c !== 0) return desc ? -c : c;
      }
      return 0;
    };
  }
}

export function includeSet(query: URLSearchParams): Set<string> {
  const v = query.get('include');
  return new Set(v ? v.split(',') : []);
}

function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ offset: String(offset) })).toString('base64url');
}

function decodeCursor(cursor: string | null): number {
  if (cursor === null) return 0;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { offset?: unknown };
    const n = Number(parsed.offset);
    if (Number.isInteger(n) && n >= 0) return n;
  } catch {
    // Fall through to Apple's answer for a bad cursor.
  }
  throw new ApiError(
    400,
    'PARAMETER_ERROR.INVALID',
    'A parameter has an invalid value',
    `'${cursor}' is not a valid cursor for this request.`,
    {
      parameter: 'cursor',
    },
  );
}
