import { rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { DryRunWriteError, UserError, errorMessage } from '../errors.js';
import {
  createGitHubClient,
  MAX_GITHUB_RETRY_AFTER_MS,
  readGitHubFailure,
  repositoryId,
  type GitHubClientOptions,
} from '../github/octokit.js';
import { serverUrl } from '../github/urls.js';
import type { RetryPolicy } from '../net/retry.js';
import { runnerTempDir } from '../runtime.js';
import { apiError, ArtifactContentError, ArtifactGoneError, type ArtifactRef } from './artifact-errors.js';
import { downloadBlob } from './blob.js';
import { readZipFile, type ZipFileContent } from './zip.js';

export { ArtifactContentError, ArtifactGoneError, type ArtifactRef } from './artifact-errors.js';

/**
 * Workflow artifacts as a small JSON store: upload through the current run's artifact service
 * (@actions/artifact, which needs no token permission), and list, download and delete the artifacts of any
 * run of the repository through the REST API with `github-token` (`actions: read` / `actions: write`).
 */

export interface ListOptions {
  /** `prefix` is the whole name: one filtered request instead of paging through every artifact. */
  exact?: boolean;
  /**
   * Stop paging once a whole page is older than this. GitHub lists newest first, so with the retention given
   * to the state artifacts as the horizon, a repository with thousands of older artifacts costs a page or two.
   */
  newerThan?: Date;
  /**
   * Only artifacts with a higher id (made since a listing that saw ids up to this): paging stops after a
   * whole page at or below it, so looking again costs a page, however many older artifacts there are.
   */
  aboveId?: number;
  /** Filled with the highest artifact id listed, whatever its name: the `aboveId` of a later look. */
  seen?: { highestId: number };
}

export interface ArtifactClient {
  /** Uploads one JSON document as an artifact of the current workflow run; returns the new artifact. */
  uploadJson(name: string, fileName: string, document: unknown, retentionDays?: number): Promise<ArtifactRef>;
  /** The repository's unexpired artifacts (every run) whose name starts with `prefix`, newest first. */
  list(prefix: string, options?: ListOptions): Promise<ArtifactRef[]>;
  /** The parsed JSON of `fileName` inside an artifact of any run of the repository. */
  downloadJson(ref: ArtifactRef, fileName: string): Promise<unknown>;
  /** Deletes an artifact; false when it was already gone (an overlapping run deleted it). */
  delete(ref: ArtifactRef): Promise<boolean>;
  /** The repository's numeric id (GITHUB_REPOSITORY_ID, else asked once). */
  repositoryId(): Promise<number>;
}

export type ArtifactClientOptions = GitHubClientOptions;

const DEFAULT_POLICY: RetryPolicy = { attempts: 4, baseDelayMs: 1000, maxDelayMs: 30_000 };
/**
 * Pages of 100: 1000 pages are 100,000 unexpired artifacts, far more than a repository keeps (and a
 * listing stops at the retention horizon). A `Link` that leads back to a page already read is a loop.
 */
const MAX_LIST_PAGES = 1000;
/** State documents are a few KB; anything near this is not one of ours. */
const MAX_ARTIFACT_BYTES = 16 * 1024 * 1024;
const BLOB_TIMEOUT_MS = 60_000;

/** @actions/artifact (Azure storage, archiver) weighs about 50 MB loaded: only runs that save state pay for it. */
const loadArtifactLibrary = () => import('@actions/artifact');

export function createArtifactClient(options: ArtifactClientOptions): ArtifactClient {
  const github = createGitHubClient(options);
  const { octokit, owner, repo } = github;
  const policy: RetryPolicy = { ...DEFAULT_POLICY, ...options.retry };

  return {
    async uploadJson(name, fileName, document, retentionDays) {
      if (options.readOnly) throw new DryRunWriteError(`artifact upload ${name}`);
      if (basename(fileName) !== fileName || fileName === '' || fileName === '.' || fileName === '..') {
        throw new Error(`Artifact file name must be a plain file name, got "${fileName}"`);
      }
      // A private directory: the upload archives exactly this one file, and nothing is left behind.
      const dir = await runnerTempDir('ascp-state-');
      try {
        await writeFile(join(dir, fileName), JSON.stringify(document, null, 2) + '\n', { mode: 0o600 });
        const result = await new (await loadArtifactLibrary()).DefaultArtifactClient().uploadArtifact(
          name,
          [join(dir, fileName)],
          dir,
          retentionDays === undefined ? {} : { retentionDays },
        );
        if (result.id === undefined) throw new Error('the artifact service returned no artifact id; run the job again');
        const runId = Number(process.env.GITHUB_RUN_ID);
        return {
          id: result.id,
          name,
          createdAt: new Date().toISOString(),
          ...(Number.isSafeInteger(runId) && runId > 0 ? { workflowRunId: runId } : {}),
          ...(result.size !== undefined ? { sizeInBytes: result.size } : {}),
          expired: false,
        };
      } catch (error) {
        throw new Error(`Could not save the state artifact "${name}": ${errorMessage(error)}`, { cause: error });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },

    async list(prefix, listOptions = {}) {
      const horizon = listOptions.newerThan?.getTime();
      const found: ArtifactRef[] = [];
      try {
        const pages = octokit.paginate.iterator(octokit.rest.actions.listArtifactsForRepo, {
          owner,
          repo,
          per_page: 100,
          ...(listOptions.exact ? { name: prefix } : {}),
        });
        const read = new Set<string>();
        for await (const page of pages) {
          if (read.has(page.url))
            throw new UserError(
              `GitHub's artifact list loops: its \`Link: rel="next"\` leads back to a page already read (${page.url}). Run the job again; if it persists, check \`GITHUB_API_URL\` and GitHub's status.`,
            );
          if (read.size >= MAX_LIST_PAGES)
            throw new UserError(
              `GitHub's artifact list goes on past ${MAX_LIST_PAGES} pages of 100. Delete artifacts the repository no longer needs, then run the job again.`,
            );
          read.add(page.url);
          for (const a of page.data) {
            if (listOptions.seen) listOptions.seen.highestId = Math.max(listOptions.seen.highestId, a.id);
            if (a.expired || !a.name.startsWith(prefix) || (listOptions.exact && a.name !== prefix)) continue;
            if (listOptions.aboveId !== undefined && a.id <= listOptions.aboveId) continue;
            found.push({
              id: a.id,
              name: a.name,
              createdAt: a.created_at ?? '',
              ...(a.workflow_run?.id != null ? { workflowRunId: a.workflow_run.id } : {}),
              ...(a.workflow_run?.head_repository_id != null ? { headRepositoryId: a.workflow_run.head_repository_id } : {}),
              sizeInBytes: a.size_in_bytes,
              expired: false,
            });
          }
          // Whole page older than the horizon: a page is the ordering unit we rely on, so one out-of-order
          // artifact cannot cut the listing short.
          if (horizon !== undefined && page.data.length > 0 && page.data.every((a) => a.created_at && Date.parse(a.created_at) < horizon)) {
            break;
          }
          const above = listOptions.aboveId;
          if (above !== undefined && page.data.length > 0 && page.data.every((a) => a.id <= above)) break;
        }
      } catch (error) {
        if (error instanceof UserError) throw error;
        throw apiError('list', error);
      }
      return horizon === undefined ? found : found.filter((a) => !a.createdAt || Date.parse(a.createdAt) >= horizon);
    },

    async downloadJson(ref, fileName) {
      if (ref.expired) throw new ArtifactGoneError(ref, 'expired');
      let location: string | undefined;
      try {
        // Manual redirect: the blob URL is pre-signed, and the GitHub token must not travel to storage.
        const response = await octokit.rest.actions.downloadArtifact({
          owner,
          repo,
          artifact_id: ref.id,
          archive_format: 'zip',
          request: { redirect: 'manual' },
        });
        location = response.headers.location;
      } catch (error) {
        throw apiError('download', error, ref);
      }
      // GitHub answers 302 with the storage address; anything else is not a download it offers.
      if (!location) {
        throw new Error(
          `GitHub gave no download location for the artifact "${ref.name}" (id ${ref.id}). Run the job again; if it persists, check GitHub's status.`,
        );
      }
      const zip = await downloadBlob(location, {
        what: `the artifact "${ref.name}" (id ${ref.id})`,
        policy,
        maxBytes: MAX_ARTIFACT_BYTES,
        timeoutMs: options.timeoutMs ?? BLOB_TIMEOUT_MS,
        maxRetryAfterMs: options.maxRetryAfterMs ?? MAX_GITHUB_RETRY_AFTER_MS,
        sleep: options.sleep,
        log: options.log,
      }).catch((error: unknown) => {
        if (error instanceof ArtifactContentError) throw error;
        // Only the store reads artifacts, and it keeps a state it could not read.
        const message = `${errorMessage(error).replace(/\.$/, '')}. The state is kept; the next resume tries again.`;
        throw error instanceof UserError ? new UserError(message, { cause: error }) : new Error(message, { cause: error });
      });
      let file: ZipFileContent;
      try {
        file = await readZipFile(zip, fileName, { maxBytes: MAX_ARTIFACT_BYTES, maxEntries: 100 });
      } catch (error) {
        throw new ArtifactContentError(`The artifact "${ref.name}" (id ${ref.id}) is not a readable zip: ${errorMessage(error)}`);
      }
      const content = file.content;
      if (!content) {
        throw new ArtifactContentError(
          `The artifact "${ref.name}" (id ${ref.id}) has no ${fileName}; it holds: ${file.names.join(', ') || 'nothing'}. ` +
            'Is another workflow using the same artifact name?',
        );
      }
      try {
        return JSON.parse(content.toString('utf8')) as unknown;
      } catch (error) {
        throw new ArtifactContentError(
          `${fileName} in the artifact "${ref.name}" (id ${ref.id}) is not valid JSON: ${errorMessage(error)}`,
        );
      }
    },

    async repositoryId() {
      try {
        return await repositoryId(github);
      } catch (error) {
        throw new UserError(
          `Could not look up the id of ${owner}/${repo} (${errorMessage(error)}), which tells this repository's artifacts from a fork's. ` +
            'Set GITHUB_REPOSITORY_ID (GitHub sets it in every job), or give the `github-token` `contents: read`.',
        );
      }
    },

    async delete(ref) {
      try {
        await octokit.rest.actions.deleteArtifact({ owner, repo, artifact_id: ref.id });
        return true;
      } catch (error) {
        if (readGitHubFailure(error).status === 404) return false;
        throw apiError('delete', error, ref);
      }
    },
  };
}

/** @actions/artifact refuses GitHub Enterprise Server; say so in terms of this action's inputs. */
export function isEnterpriseServer(): boolean {
  const host = new URL(serverUrl()).hostname.toLowerCase();
  return host !== 'github.com' && !host.endsWith('.ghe.com') && !host.endsWith('.localhost');
}
