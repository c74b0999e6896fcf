import type { KeyObject } from 'node:crypto';
import { InputError, UserError, errorMessage } from '../errors.js';
import { runUrl } from '../github/urls.js';
import type { PostProcessingState } from '../postprocess/state.js';
import { retrying, type RetryPolicy, type Sleep } from '../net/retry.js';
import type { Logger, Runtime } from '../runtime.js';
import {
  ArtifactContentError,
  ArtifactGoneError,
  createArtifactClient,
  isEnterpriseServer,
  type ArtifactClient,
  type ArtifactRef,
} from './artifact-client.js';
import { currentRun } from './run-binding.js';
import { stateSeal, type StateSeal } from './seal.js';
import type { RejectedState, StateListing, StateStore, StoredRef } from './store.js';
import { verifySealedState } from './verify.js';
import { artifactRetentionLimitDays, MAX_ARTIFACT_RETENTION_DAYS } from '../review-inputs.js';

const FILE_NAME = 'post-processing-state.json';
const SAVE_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 2000, maxDelayMs: 20_000 };
/**
 * Past the processing deadline a state is only kept to be reported; a week leaves room for a resume
 * workflow that was broken for a while.
 */
const RETENTION_DAYS = 7;
const DAY_MS = 86_400_000;

/**
 * Days to keep a state saved at `now`: a week, or with `follow-review` long enough to outlive the last
 * review deadline (known, or at the latest `processing-timeout` + `review-timeout` away) by a day, within
 * what GitHub keeps (`review-timeout` is bounded by it when the inputs are read).
 */
export function retentionDaysFor(state: PostProcessingState, now: number, limitDays = artifactRetentionLimitDays()): number {
  const ends = [state.deadlines.betaReview, state.deadlines.appStoreReview].filter((d): d is string => !!d).map((d) => Date.parse(d));
  if (state.request.followReview && state.request.reviewTimeoutMs !== undefined)
    ends.push(Date.parse(state.deadlines.processing) + state.request.reviewTimeoutMs);
  const last = Math.max(now, ...ends);
  return Math.min(limitDays, Math.max(RETENTION_DAYS, Math.ceil((last - now) / DAY_MS) + 1));
}

/** This repository as the store checks artifacts against it. */
export interface RepositoryIdentity {
  /** owner/name */
  name: string;
  /** Its numeric id: artifacts made by runs whose head repository differs (forks) are never downloaded. */
  id: () => Promise<number>;
  /** Web address of a workflow run, for reports. */
  runUrl: (runId: number) => string;
}

/** A listed artifact once downloaded and verified (or why it could not be). */
type Loaded = { ok: true; state: PostProcessingState } | { ok: false; error: Error };

/**
 * Deferred state in workflow artifacts named `<state-artifact>-<state id>-r<revision>`, each sealed with
 * the App Store Connect key. Artifacts are immutable, so a save uploads the next revision and then
 * deletes the previous one; a run killed in between leaves two revisions, and listing keeps the newest
 * that verifies and deletes only older ones that verify too: a forged revision never removes a genuine one.
 */
export class ArtifactStateStore implements StateStore {
  private readonly loaded = new Map<number, Loaded>();
  /** Artifacts are immutable: one rejected once stays rejected, and a second listing in the run does not download it again. */
  private readonly rejections = new Map<number, RejectedState>();
  /** The highest artifact id the last full listing saw: artifacts are numbered in the order they are made. */
  private listedUpTo: number | undefined;

  constructor(
    private readonly client: ArtifactClient,
    private readonly prefix: string,
    private readonly seal: StateSeal,
    private readonly repository: RepositoryIdentity,
    private readonly now: () => number = Date.now,
    private readonly saveRetry: { policy: RetryPolicy; sleep?: Sleep; log?: Pick<Logger, 'info'> } = { policy: SAVE_RETRY },
  ) {}

  async save(state: PostProcessingState, previous?: StoredRef): Promise<StoredRef> {
    state.revision++;
    const name = `${this.prefix}-${state.id}-r${state.revision}`;
    // Bound to this run: GitHub's listing names the run that uploads it, and only that run's copy is ever used.
    const savedBy = currentRun();
    if (!savedBy) throw new Error(`Cannot save ${name}: GITHUB_RUN_ID is not set, so the state could not be bound to this run.`);
    const document = this.seal.seal(state, savedBy);
    // @actions/artifact retries the service's 5xx itself, but not a dropped connection or storage's 429; a lost
    // state costs a build. Anything else (a 409 after a finalize whose answer was lost, a refusal) a new try only repeats.
    let first: Error | undefined;
    const ref = await retrying(
      async () => {
        try {
          return { ok: true, value: await this.client.uploadJson(name, FILE_NAME, document, retentionDaysFor(state, this.now())) };
        } catch (error) {
          const failure = error instanceof Error ? error : new Error(errorMessage(error));
          first ??= failure;
          const reported =
            failure.message === first.message
              ? failure
              : new Error(`${failure.message} (the first try: ${first.message})`, { cause: error });
          return { ok: false, error: reported, retryable: !(error instanceof UserError) && isConnectionFailure(error) };
        }
      },
      {
        policy: this.saveRetry.policy,
        sleep: this.saveRetry.sleep,
        onRetry: (error, attempt, delay) =>
          this.saveRetry.log?.info(
            `Saving ${name}: ${error.message}; retrying in ${(delay / 1000).toFixed(1)} s (attempt ${attempt + 1}).`,
          ),
      },
    );
    if (previous) await this.client.delete(previous.handle as ArtifactRef);
    return toStored(ref);
  }

  async list(options: { appearedSince?: boolean } = {}): Promise<StateListing> {
    const aboveId = options.appearedSince ? this.listedUpTo : undefined;
    const seen = { highestId: this.listedUpTo ?? 0 };
    // As far back as a state can be kept: one that follows a review may have been saved weeks ago.
    const refs = await this.client.list(`${this.prefix}-`, {
      newerThan: new Date(this.now() - (MAX_ARTIFACT_RETENTION_DAYS + 1) * DAY_MS),
      ...(aboveId !== undefined ? { aboveId } : {}),
      seen,
    });
    this.listedUpTo = seen.highestId;
    const pattern = new RegExp(`^${escapeRegExp(this.prefix)}-([0-9a-f-]{36})-r(\\d{1,7})$`);
    const ownId = await this.repository.id();
    const rejected: RejectedState[] = [];
    const byId = new Map<string, Array<{ ref: ArtifactRef; revision: number }>>();
    for (const ref of refs) {
      const m = pattern.exec(ref.name);
      if (!m) continue;
      if (ref.headRepositoryId !== ownId) {
        rejected.push(
          this.rejection(
            ref,
            'untrusted',
            `a run of another repository (a fork, id ${ref.headRepositoryId ?? 'unknown'}) made it; it was not downloaded`,
          ),
        );
        continue;
      }
      const revisions = byId.get(m[1]!) ?? [];
      revisions.push({ ref, revision: Number(m[2]) });
      byId.set(m[1]!, revisions);
    }

    const states: StoredRef[] = [];
    for (const [id, revisions] of byId) {
      revisions.sort((a, b) => b.revision - a.revision || b.ref.createdAt.localeCompare(a.ref.createdAt));
      let current: ArtifactRef | undefined;
      for (const { ref, revision } of revisions) {
        const loaded = await this.verify(ref, id, revision);
        if (loaded === 'gone') continue;
        if ('kind' in loaded) {
          rejected.push(loaded);
          continue;
        }
        if (!loaded.ok) {
          // Unreadable for now (network): reported when loaded; nothing older is used or deleted on its account.
          if (!current) states.push(toStored(ref));
          break;
        }
        if (!current) {
          current = ref;
          states.push(toStored(ref));
        } else {
          // An older revision that verifies: the newer verified one supersedes it.
          await this.client.delete(ref);
        }
      }
    }
    const createdAt = (s: StoredRef) => (s.handle as ArtifactRef).createdAt;
    return { states: states.sort((a, b) => createdAt(a).localeCompare(createdAt(b))), rejected };
  }

  async load(stored: StoredRef): Promise<PostProcessingState> {
    const ref = stored.handle as ArtifactRef;
    const loaded = this.loaded.get(ref.id);
    if (loaded?.ok) return loaded.state;
    if (loaded) throw loaded.error;
    throw new Error(`${stored.label} was not listed by this run.`);
  }

  async remove(stored: StoredRef): Promise<void> {
    await this.client.delete(stored.handle as ArtifactRef);
  }

  /** Downloads and verifies one revision; a rejection when it fails a check, `gone` when another run deleted it. */
  private async verify(ref: ArtifactRef, id: string, revision: number): Promise<Loaded | RejectedState | 'gone'> {
    const known = this.rejections.get(ref.id) ?? this.loaded.get(ref.id);
    if (known && (!('ok' in known) || known.ok)) return known;
    const verdict = await this.download(ref, id, revision);
    if (verdict !== 'gone' && 'kind' in verdict) this.rejections.set(ref.id, verdict);
    return verdict;
  }

  private async download(ref: ArtifactRef, id: string, revision: number): Promise<Loaded | RejectedState | 'gone'> {
    let document: unknown;
    try {
      document = await this.client.downloadJson(ref, FILE_NAME);
    } catch (error) {
      if (error instanceof ArtifactGoneError && error.reason === 'deleted') return 'gone';
      if (error instanceof ArtifactContentError) return this.rejection(ref, 'untrusted', errorMessage(error));
      const failed: Loaded = { ok: false, error: error as Error };
      this.loaded.set(ref.id, failed);
      return failed;
    }
    const verdict = verifySealedState(
      document,
      this.seal,
      { id, revision, repository: this.repository.name, madeByRun: ref.workflowRunId },
      `State artifact "${ref.name}"`,
    );
    if (!verdict.ok) return this.rejection(ref, verdict.kind, verdict.reason);
    const loaded: Loaded = { ok: true, state: verdict.state };
    this.loaded.set(ref.id, loaded);
    return loaded;
  }

  private rejection(ref: ArtifactRef, kind: RejectedState['kind'], reason: string): RejectedState {
    const run = ref.workflowRunId !== undefined ? { id: ref.workflowRunId, url: this.repository.runUrl(ref.workflowRunId) } : undefined;
    return { label: ref.name, kind, reason, ...(run ? { run } : {}) };
  }
}

/** Socket failures the artifact library passes on without retrying (its NetworkError, or Node's own codes). */
const CONNECTION_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EPIPE',
  'UND_ERR_SOCKET',
]);

/**
 * Whether the upload failed for the connection or storage's throttling (429, which its client does not retry),
 * so that a new try may get through, looking through the causes. The artifact service's client keeps only the
 * message of its NetworkError: "Failed to <call>: Unable to make request: <code>".
 */
function isConnectionFailure(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const { name, code, message, cause, statusCode } = current as {
      name?: unknown;
      code?: unknown;
      message?: unknown;
      cause?: unknown;
      statusCode?: unknown;
    };
    const said = typeof message === 'string' ? /Unable to make request: ([A-Z_]+)/.exec(message)?.[1] : undefined;
    if (name === 'NetworkError' || name === 'TimeoutError' || (name === 'RestError' && statusCode === 429)) return true;
    if ([code, said].some((c) => typeof c === 'string' && CONNECTION_CODES.has(c))) return true;
    current = cause;
  }
  return false;
}

function toStored(ref: ArtifactRef): StoredRef {
  return { label: ref.name, id: String(ref.id), handle: ref };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The inputs the artifact store reads: which command runs (for the error), the token and the name prefix. */
export interface ArtifactStoreSettings {
  command: string;
  /** Inline with `follow-review`: the review watch is what needs the artifacts (named in the errors). */
  followReview?: boolean;
  postProcessing?: string;
  githubToken?: string;
  stateArtifact: string;
  /** `dry-run`: the store's clients refuse every write. */
  dryRun?: boolean;
}

/** The artifact store for this repository, from `github-token`, the runner's environment and the key that seals state. */
export function openArtifactStore(
  config: ArtifactStoreSettings,
  runtime: Runtime,
  deps: { now: () => number; retry?: RetryPolicy; sleep?: Sleep; requestTimeoutMs?: number },
  key: KeyObject,
): ArtifactStateStore {
  // Checked before anything is uploaded: without these, a deferred publish would upload and then fail.
  const missing = ['GITHUB_REPOSITORY', 'ACTIONS_RUNTIME_TOKEN', 'ACTIONS_RESULTS_URL'].filter((name) => !process.env[name]);
  if (missing.length) {
    const [input, advice] =
      config.command === 'resume'
        ? ['command', '`resume` reads deferred state from workflow artifacts, so it runs only as a GitHub Actions step (`uses:`).']
        : config.postProcessing === 'inline' && config.followReview
          ? [
              'follow-review',
              "hands the wait for Apple's decision to the resume workflow through workflow artifacts, which exist only in a GitHub Actions step (`uses:`). Remove `follow-review` elsewhere.",
            ]
          : [
              'post-processing',
              '`deferred` keeps its state in workflow artifacts, which exist only in a GitHub Actions step (`uses:`). Use `inline` elsewhere.',
            ];
    throw new InputError(input, `${advice} Missing: ${missing.join(', ')}.`);
  }
  if (isEnterpriseServer()) {
    throw new InputError(
      config.command === 'resume' ? 'command' : 'post-processing',
      'deferred state lives in workflow artifacts, which the artifact service does not support on GitHub Enterprise Server. Use `post-processing: inline`.',
    );
  }
  // `command: resume` is refused without it when the inputs are read; a deferred run only here, inside GitHub Actions.
  if (!config.githubToken) {
    throw new InputError(
      'github-token',
      'is required with `post-processing: deferred` to keep the state in workflow artifacts and to enable and disable the resume ' +
        "workflow's schedule: keep the default `${{ github.token }}` and grant the job `permissions: actions: write`.",
    );
  }
  const repository = process.env.GITHUB_REPOSITORY!;
  const options = {
    token: config.githubToken,
    repository,
    apiUrl: process.env.GITHUB_API_URL,
    log: runtime.log,
    retry: deps.retry,
    sleep: deps.sleep,
    timeoutMs: deps.requestTimeoutMs,
    readOnly: config.dryRun,
  };
  const client = createArtifactClient(options);
  let id: Promise<number> | undefined;
  const identity: RepositoryIdentity = {
    name: repository,
    id: () => (id ??= client.repositoryId()),
    runUrl: (runId) => runUrl(runId, repository),
  };
  return new ArtifactStateStore(client, config.stateArtifact, stateSeal(key), identity, deps.now, {
    policy: deps.retry ?? SAVE_RETRY,
    sleep: deps.sleep,
    log: runtime.log,
  });
}
