/** The REST routes for a repository's artifacts: list (all or a run's), get, delete, download. */
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { isExpired, live, REPOSITORY_ID, type ArtifactStore, type StoredArtifact } from './artifact-store.js';
import { githubTime, pageLinks, sendJson } from './http.js';

export const DOCS = 'https://docs.github.com/rest/actions/artifacts';

export interface ArtifactRoutesContext {
  store: ArtifactStore;
  apiUrl: string;
  owner: string;
  repo: string;
  /** `true`: the token may not read or write artifacts; `'write'`: it may read but not delete. */
  deny(): boolean | 'write';
  rateHeaders(): Record<string, string>;
  restError(res: ServerResponse, status: number, message: string, docs?: string): void;
}

/** Answers `rest` (the path below the repository) when it is an artifact route; false when it is not one. */
export function handleArtifactRoutes(ctx: ArtifactRoutesContext, method: string, rest: string, url: URL, res: ServerResponse): boolean {
  const { store, apiUrl, owner, repo, rateHeaders, restError } = ctx;
  const list = /^\/actions\/artifacts$/.exec(rest);
  const runList = /^\/actions\/runs\/(\d+)\/artifacts$/.exec(rest);
  const one = /^\/actions\/artifacts\/(\d+)$/.exec(rest);
  const archive = /^\/actions\/artifacts\/(\d+)\/([^/]+)$/.exec(rest);
  if (!(list || runList || one || archive)) return false;
  answer();
  return true;

  function answer(): void {
    const deny = ctx.deny();
    if (deny === true || (deny === 'write' && method === 'DELETE')) {
      return restError(res, 403, 'Resource not accessible by integration', DOCS);
    }

    if (method === 'GET' && (list || runList)) {
      const nameFilter = url.searchParams.get('name');
      const runFilter = runList ? Number(runList[1]) : undefined;
      const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30) || 30));
      const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
      const matching = store
        .all()
        .filter(live)
        .filter((a) => (nameFilter === null || a.name === nameFilter) && (runFilter === undefined || a.run.runId === runFilter))
        // Newest first, as GitHub lists them.
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id - a.id);
      const slice = matching.slice((page - 1) * perPage, page * perPage);
      const lastPage = Math.max(1, Math.ceil(matching.length / perPage));
      const headers = rateHeaders();
      // GitHub's links use the repository's numeric ID.
      const link = pageLinks(`${apiUrl}/repositories/${REPOSITORY_ID}${rest}`, url, page, lastPage);
      if (link) headers.link = link;
      if (store.selfLinkingPages) headers.link = `<${apiUrl}${url.pathname.replace(/^\/api\/v3/, '')}${url.search}>; rel="next"`;
      return sendJson(res, 200, { total_count: matching.length, artifacts: slice.map(restArtifact) }, headers);
    }
    if (one) {
      const artifact = store.byId.get(Number(one[1]));
      if (!artifact || !live(artifact)) return restError(res, 404, 'Not Found', DOCS);
      if (method === 'GET') return sendJson(res, 200, restArtifact(artifact), rateHeaders());
      if (method === 'DELETE') {
        artifact.deleted = true;
        res.writeHead(204, rateHeaders());
        return void res.end();
      }
    }
    if (method === 'GET' && archive) {
      const artifact = store.byId.get(Number(archive[1]));
      if (!artifact || !live(artifact) || archive[2] !== 'zip') return restError(res, 404, 'Not Found', DOCS);
      if (isExpired(artifact)) return restError(res, 410, 'Artifact has expired', DOCS);
      res.writeHead(302, { ...rateHeaders(), location: store.signedUrl(artifact, artifact.downloadSig, 'r', 60_000) });
      return void res.end();
    }
    return restError(res, 404, 'Not Found');
  }

  function restArtifact(a: StoredArtifact): Record<string, unknown> {
    const base = `${apiUrl}/repos/${owner}/${repo}/actions/artifacts/${a.id}`;
    return {
      id: a.id,
      node_id: `MDg6QXJ0aWZhY3Q${a.id}`,
      name: a.name,
      size_in_bytes: a.blob?.length ?? 0,
      url: base,
      archive_download_url: `${base}/zip`,
      expired: isExpired(a),
      digest: a.digest ?? null,
      created_at: githubTime(a.createdAt),
      updated_at: githubTime(a.updatedAt),
      expires_at: githubTime(a.expiresAt),
      workflow_run: {
        id: a.run.runId,
        repository_id: REPOSITORY_ID,
        head_repository_id: a.headRepositoryId,
        head_branch: 'main',
        head_sha: createHash('sha1').update(String(a.run.runId)).digest('hex'),
      },
    };
  }
}
