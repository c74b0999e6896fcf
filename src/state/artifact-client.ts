import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Octokit } from '@octokit/rest';
import { UserError, errorMessage } from '../errors.js';
import { networkErrorReason, parseRetryAfter, retrying, type RetryPolicy } from '../net/retry.js';
import type { Logger } from '../runtime.js';
import { readZip } from './zip.js';

/**
 * Workflow artifacts as a small JSON store: upload through the current run's artifact service
 * (@actions/artifact, which needs no token permission), and list, download and delete the artifacts of any
 * run of the repository through the REST API with `github-token` (`actions: read` / `actions: write`).
 */

export interface ArtifactRef {
  id: number;
  name: string;
  createdAt: string;
  workflowRunId?: number;
  sizeInBytes?: number;
  expired?: boolean;
}

export interface ListOptions {
  /** `prefix` is the whole name: one filtered request instead of paging through every artifact. */
  exact?: boolean;
  /**
   * Stop paging once a whole page is older than this. GitHub lists newest first, so with the retention given
   * to the state artifacts as the horizon, a repository with thousands of older artifacts costs a page or two.
   */
  newerThan?: Date;
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
}

export interface ArtifactClientOptions {
  token: string;
  /** owner/name */
  repository: string;
  /** GITHUB_API_URL; default https://api.github.com */
  apiUrl?: string;
  /** Retries of REST and storage requests on 429, 5xx and connection failures. */
  retry?: Partial<RetryPolicy>;
  /** Told about retries. */
  log?: Pick<Logger, 'info' | 'debug'>;
}

/** What the resume workflow needs: list and download need `actions: read`, delete needs `actions: write`. */
export const RESUME_PERMISSIONS = 'permissions:\n  actions: write\n  contents: read';

/** The artifact was deleted (an overlapping run finished with it) or has expired. */
export class ArtifactGoneError extends UserError {
  override name = 'ArtifactGoneError';
  constructor(
    readonly ref: ArtifactRef,
    readonly reason: 'deleted' | 'expired',
  ) {
    super(
      reason === 'expired'
        ? `The state artifact "${ref.name}" (id ${ref.id}) has expired, so its deferred post-processing cannot resume. ` +
            'Distribute the build with `command: distribute` (it finds the build by app, version and build number).'
        : `The state artifact "${ref.name}" (id ${ref.id}) no longer exists; another run has probably finished with it.`,
    );
  }
}

const DEFAULT_POLICY: RetryPolicy = { attempts: 4, baseDelayMs: 1000, maxDelayMs: 30_000 };
/** State documents are a few KB; anything near this is not one of ours. */
const MAX_ARTIFACT_BYTES = 16 * 1024 * 1024;
/** A 429/403 asking to wait longer than this is reported rather than slept through. */
const MAX_RETRY_AFTER_MS = 60_000;

type Operation = 'list' | 'download' | 'delete';

/** @actions/artifact (Azure storage, archiver) weighs about 50 MB loaded: only runs that save state pay for it. */
const loadArtifactLibrary = () => import('@actions/artifact');

export function createArtifactClient(options: ArtifactClientOptions): ArtifactClient {
  const [owner, repo, extra] = options.repository.split('/');
  if (!owner || !repo || extra !== undefined) throw new Error(`Repository must be owner/name, got "${options.repository}"`);
  const policy: RetryPolicy = { ...DEFAULT_POLICY, ...options.retry };
  const octokit = new Octokit({
    auth: options.token,
    baseUrl: (options.apiUrl || 'https://api.github.com').replace(/\/+$/, ''),
    userAgent: 'app-store-connect-publish',
    // Octokit's default logger writes warnings to the console; route them to the action's log instead.
    log: { debug: () => {}, info: () => {}, warn: (m: string) => options.log?.debug(m), error: (m: string) => options.log?.debug(m) },
  });

  // Octokit does not retry by default. A small wrapper (rather than @octokit/plugin-retry) honours
  // Retry-After on 429 and reuses the action's backoff, and needs no extra dependency.
  octokit.hook.wrap('request', (request, requestOptions) =>
    retrying(
      async () => {
        try {
          return { ok: true, value: await request(requestOptions) };
        } catch (error) {
          const verdict = classify(error);
          return { ok: false, error: error as Error, retryable: verdict.retryable, delayMs: verdict.delayMs };
        }
      },
      {
        policy,
        onRetry: (error, attempt, delayMs) =>
          options.log?.info(
            `GitHub API ${requestOptions.method} ${routeOf(requestOptions.url)} failed (${describeFailure(error)}); ` +
              `retry ${attempt} of ${policy.attempts - 1} in ${(delayMs / 1000).toFixed(1)} s`,
          ),
      },
    ),
  );

  return {
    async uploadJson(name, fileName, document, retentionDays) {
      if (basename(fileName) !== fileName || fileName === '' || fileName === '.' || fileName === '..') {
        throw new Error(`Artifact file name must be a plain file name, got "${fileName}"`);
      }
      const missing = ['ACTIONS_RUNTIME_TOKEN', 'ACTIONS_RESULTS_URL'].filter((v) => !process.env[v]);
      if (missing.length > 0) {
        throw new UserError(
          `Saving the post-processing state needs GitHub's workflow artifact service, which GitHub Actions provides only to ` +
            `steps of a running workflow job (${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set). ` +
            'Run this step in GitHub Actions, or use `post-processing: inline`.',
        );
      }
      if (isEnterpriseServer()) {
        throw new UserError(
          'Deferred post-processing keeps its state in workflow artifacts, which the artifact service does not support on ' +
            'GitHub Enterprise Server. Use `post-processing: inline`.',
        );
      }
      // A private directory: the upload archives exactly this one file, and nothing is left behind.
      const dir = await mkdtemp(join(process.env.RUNNER_TEMP || tmpdir(), 'ascp-state-'));
      try {
        await writeFile(join(dir, fileName), JSON.stringify(document, null, 2) + '\n', { mode: 0o600 });
        const result = await new (await loadArtifactLibrary()).DefaultArtifactClient().uploadArtifact(
          name,
          [join(dir, fileName)],
          dir,
          retentionDays === undefined ? {} : { retentionDays },
        );
        if (result.id === undefined) throw new Error('the artifact service returned no artifact id');
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
        for await (const page of pages) {
          for (const a of page.data) {
            if (a.expired || !a.name.startsWith(prefix) || (listOptions.exact && a.name !== prefix)) continue;
            found.push({
              id: a.id,
              name: a.name,
              createdAt: a.created_at ?? '',
              ...(a.workflow_run?.id != null ? { workflowRunId: a.workflow_run.id } : {}),
              sizeInBytes: a.size_in_bytes,
              expired: false,
            });
          }
          // Whole page older than the horizon: a page is the ordering unit we rely on, so one out-of-order
          // artifact cannot cut the listing short.
          if (horizon !== undefined && page.data.length > 0 && page.data.every((a) => a.created_at && Date.parse(a.created_at) < horizon)) {
            break;
          }
        }
      } catch (error) {
        throw apiError('list', error);
      }
      return horizon === undefined ? found : found.filter((a) => !a.createdAt || Date.parse(a.createdAt) >= horizon);
    },

    async downloadJson(ref, fileName) {
      if (ref.expired) throw new ArtifactGoneError(ref, 'expired');
      let location: string | undefined;
      let inline: Buffer | undefined;
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
        if ((response.status as number) === 200 && response.data instanceof ArrayBuffer) inline = Buffer.from(response.data);
      } catch (error) {
        throw apiError('download', error, ref);
      }
      if (!inline && !location) throw new Error(`GitHub gave no download location for artifact "${ref.name}" (id ${ref.id})`);
      const zip = inline ?? (await fetchBlob(location!, ref, policy, options.log));
      let files: Map<string, Buffer>;
      try {
        files = readZip(zip, { maxBytes: MAX_ARTIFACT_BYTES });
      } catch (error) {
        throw new UserError(`The artifact "${ref.name}" (id ${ref.id}) is not a readable zip: ${errorMessage(error)}`);
      }
      const content = files.get(fileName);
      if (!content) {
        throw new UserError(
          `The artifact "${ref.name}" (id ${ref.id}) has no ${fileName}; it holds: ${[...files.keys()].join(', ') || 'nothing'}. ` +
            'Is another workflow using the same artifact name?',
        );
      }
      try {
        return JSON.parse(content.toString('utf8')) as unknown;
      } catch (error) {
        throw new UserError(`${fileName} in the artifact "${ref.name}" (id ${ref.id}) is not valid JSON: ${errorMessage(error)}`);
      }
    },

    async delete(ref) {
      try {
        await octokit.rest.actions.deleteArtifact({ owner, repo, artifact_id: ref.id });
        return true;
      } catch (error) {
        if (statusOf(error) === 404) return false;
        throw apiError('delete', error, ref);
      }
    },
  };
}

async function fetchBlob(url: string, ref: ArtifactRef, policy: RetryPolicy, log: ArtifactClientOptions['log']): Promise<Buffer> {
  const where = `the artifact "${ref.name}" (id ${ref.id})`;
  return retrying<Buffer>(
    async () => {
      let response: Response;
      try {
        response = await fetch(url, { signal: AbortSignal.timeout(60_000) });
      } catch (error) {
        return { ok: false, retryable: true, error: new Error(`Could not download ${where}: ${networkErrorReason(error)}`) };
      }
      if (!response.ok) {
        await response.body?.cancel();
        const transient = response.status === 429 || response.status >= 500;
        return {
          ok: false,
          retryable: transient,
          delayMs: parseRetryAfter(response.headers.get('retry-after')),
          error: new Error(`Could not download ${where}: storage answered ${response.status} ${response.statusText}`),
        };
      }
      const declared = Number(response.headers.get('content-length'));
      if (declared > MAX_ARTIFACT_BYTES) {
        await response.body?.cancel();
        throw new UserError(`${where} is ${declared} bytes, far larger than a state document; is the artifact name shared?`);
      }
      try {
        const body = Buffer.from(await response.arrayBuffer());
        if (body.length > MAX_ARTIFACT_BYTES) throw new UserError(`${where} is larger than a state document`);
        return { ok: true, value: body };
      } catch (error) {
        if (error instanceof UserError) throw error;
        return { ok: false, retryable: true, error: new Error(`Could not download ${where}: ${networkErrorReason(error)}`) };
      }
    },
    { policy, onRetry: (error, attempt, delayMs) => log?.info(`${error.message}; retry ${attempt} in ${(delayMs / 1000).toFixed(1)} s`) },
  );
}

interface ResponseLike {
  status?: number;
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
}

function statusOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && typeof (error as ResponseLike).status === 'number'
    ? (error as ResponseLike).status
    : undefined;
}

function headerOf(error: unknown, name: string): string | undefined {
  return (error as ResponseLike | undefined)?.response?.headers?.[name];
}

function isRateLimited(error: unknown): boolean {
  const status = statusOf(error);
  return (status === 403 || status === 429) && (headerOf(error, 'x-ratelimit-remaining') === '0' || /rate limit/i.test(messageOf(error)));
}

/** Octokit turns a failure without a response into a RequestError with status 500 and no response. */
function classify(error: unknown): { retryable: boolean; delayMs?: number } {
  const status = statusOf(error);
  const hasResponse = (error as ResponseLike | undefined)?.response !== undefined;
  if (status === undefined) return { retryable: false };
  if (!hasResponse) return { retryable: (error as Error).name !== 'AbortError' };
  const retryAfter = parseRetryAfter(headerOf(error, 'retry-after') ?? null);
  if (isRateLimited(error)) {
    // The primary limit resets within the hour: report it instead of sleeping through the job.
    return retryAfter !== undefined && retryAfter <= MAX_RETRY_AFTER_MS ? { retryable: true, delayMs: retryAfter } : { retryable: false };
  }
  if (status === 429) return { retryable: retryAfter === undefined || retryAfter <= MAX_RETRY_AFTER_MS, delayMs: retryAfter };
  return { retryable: status >= 500, delayMs: retryAfter };
}

function messageOf(error: unknown): string {
  const data = (error as ResponseLike | undefined)?.response?.data;
  if (typeof data === 'object' && data !== null && typeof (data as { message?: unknown }).message === 'string') {
    return (data as { message: string }).message;
  }
  return errorMessage(error);
}

function describeFailure(error: unknown): string {
  const status = statusOf(error);
  const hasResponse = (error as ResponseLike | undefined)?.response !== undefined;
  return hasResponse && status !== undefined ? `${status} ${messageOf(error)}` : `no response: ${errorMessage(error)}`;
}

/** `/repos/{owner}/{repo}/actions/artifacts/{id}` style route, for logs without query strings. */
function routeOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url.split('?')[0] ?? url;
  }
}

function apiError(operation: Operation, error: unknown, ref?: ArtifactRef): Error {
  const status = statusOf(error);
  const what =
    operation === 'list' ? "list the repository's workflow artifacts" : `${operation} the workflow artifact "${ref?.name}" (id ${ref?.id})`;
  const message = messageOf(error);
  if (ref && operation === 'download' && status === 410) return new ArtifactGoneError(ref, 'expired');
  if (ref && operation === 'download' && status === 404) return new ArtifactGoneError(ref, 'deleted');
  if (status === 403 && /not accessible by integration/i.test(message)) {
    const needs =
      operation === 'delete'
        ? 'Deleting a state artifact needs `actions: write`'
        : `To ${operation} artifacts of other runs the token needs \`actions: read\` (and \`actions: write\` to delete them once done)`;
    return new UserError(
      `GitHub refused to ${what} (403 ${message}). ${needs}. ` +
        `Give the \`github-token\` these permissions in the resume workflow (at the top level or in its job):\n${RESUME_PERMISSIONS}`,
    );
  }
  if (status === 401) {
    return new UserError(
      `GitHub rejected the \`github-token\` (401 ${message}) when trying to ${what}. Pass a valid token, such as \`\${{ github.token }}\`.`,
    );
  }
  if (isRateLimited(error)) {
    const reset = Number(headerOf(error, 'x-ratelimit-reset'));
    const when = Number.isFinite(reset) && reset > 0 ? `; it resets at ${new Date(reset * 1000).toISOString()}` : '';
    return new UserError(`GitHub's API rate limit for the \`github-token\` is exhausted (${status} ${message})${when}. Could not ${what}.`);
  }
  return new Error(`Could not ${what}: ${describeFailure(error)}`, { cause: error });
}

/** @actions/artifact refuses GitHub Enterprise Server; say so in terms of this action's inputs. */
function isEnterpriseServer(): boolean {
  const host = new URL(process.env.GITHUB_SERVER_URL || 'https://github.com').hostname.toLowerCase();
  return host !== 'github.com' && !host.endsWith('.ghe.com') && !host.endsWith('.localhost');
}
