import type { Config } from '../config.js';
import { InputError, UserError } from '../errors.js';
import { parseState, type PostProcessingState } from '../postprocess/state.js';
import { retrying, type RetryPolicy, type Sleep } from '../net/retry.js';
import type { Logger, Runtime } from '../runtime.js';
import { createArtifactClient, type ArtifactClient, type ArtifactRef } from './artifact-client.js';
import type { StateStore, StoredRef } from './store.js';

const FILE_NAME = 'post-processing-state.json';
const SAVE_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 2000, maxDelayMs: 20_000 };
/**
 * Past the processing deadline a state is only kept to be reported; a week leaves room for a resume
 * workflow that was broken for a while, and bounds how far back listing has to page.
 */
const RETENTION_DAYS = 7;

/**
 * Deferred state in workflow artifacts named `<state-artifact>-<state id>-r<revision>`. Artifacts are
 * immutable, so a save uploads the next revision and then deletes the previous one; a run killed in
 * between leaves two revisions, and listing keeps the newest and deletes the rest.
 */
export class ArtifactStateStore implements StateStore {
  constructor(
    private readonly client: ArtifactClient,
    private readonly prefix: string,
    private readonly now: () => number = Date.now,
    private readonly saveRetry: { policy: RetryPolicy; sleep?: Sleep; log?: Pick<Logger, 'info'> } = { policy: SAVE_RETRY },
  ) {}

  async save(state: PostProcessingState, previous?: StoredRef): Promise<StoredRef> {
    state.revision++;
    const name = `${this.prefix}-${state.id}-r${state.revision}`;
    // @actions/artifact does not retry a dropped connection or a storage 429; a lost state costs a build.
    const ref = await retrying(
      async () => {
        try {
          return { ok: true, value: await this.client.uploadJson(name, FILE_NAME, state, RETENTION_DAYS) };
        } catch (error) {
          return { ok: false, error: error as Error, retryable: !(error instanceof UserError) };
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

  async list(): Promise<StoredRef[]> {
    const refs = await this.client.list(`${this.prefix}-`, { newerThan: new Date(this.now() - (RETENTION_DAYS + 1) * 86_400_000) });
    const pattern = new RegExp(`^${escapeRegExp(this.prefix)}-([0-9a-f-]{36})-r(\\d+)$`);
    const newest = new Map<string, { ref: ArtifactRef; revision: number }>();
    const superseded: ArtifactRef[] = [];
    for (const ref of refs) {
      const m = pattern.exec(ref.name);
      if (!m) continue;
      const [id, revision] = [m[1]!, Number(m[2])];
      const current = newest.get(id);
      if (!current) {
        newest.set(id, { ref, revision });
      } else if (revision > current.revision || (revision === current.revision && ref.createdAt > current.ref.createdAt)) {
        superseded.push(current.ref);
        newest.set(id, { ref, revision });
      } else {
        superseded.push(ref);
      }
    }
    for (const ref of superseded) await this.client.delete(ref);
    return [...newest.values()].sort((a, b) => a.ref.createdAt.localeCompare(b.ref.createdAt)).map(({ ref }) => toStored(ref));
  }

  async load(stored: StoredRef): Promise<PostProcessingState> {
    return parseState(await this.client.downloadJson(stored.handle as ArtifactRef, FILE_NAME), `State artifact "${stored.label}"`);
  }

  async remove(stored: StoredRef): Promise<void> {
    await this.client.delete(stored.handle as ArtifactRef);
  }
}

function toStored(ref: ArtifactRef): StoredRef {
  return { label: ref.name, id: String(ref.id), handle: ref };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The artifact store for this repository, from `github-token` and the runner's environment. */
export function openArtifactStore(
  config: Config,
  runtime: Runtime,
  deps: { now: () => number; retry?: RetryPolicy; sleep?: Sleep } = { now: Date.now },
): ArtifactStateStore {
  // Checked before anything is uploaded: without these, a deferred publish would upload and then fail.
  const missing = ['GITHUB_REPOSITORY', 'ACTIONS_RUNTIME_TOKEN', 'ACTIONS_RESULTS_URL'].filter((name) => !process.env[name]);
  if (missing.length) {
    const [input, advice] =
      config.command === 'resume'
        ? ['command', '`resume` reads deferred state from workflow artifacts, so it runs only as a GitHub Actions step (`uses:`).']
        : [
            'post-processing',
            '`deferred` keeps its state in workflow artifacts, which exist only in a GitHub Actions step (`uses:`). Use `inline` elsewhere.',
          ];
    throw new InputError(input, `${advice} Missing: ${missing.join(', ')}.`);
  }
  const client = createArtifactClient({
    token: config.githubToken ?? '',
    repository: process.env.GITHUB_REPOSITORY!,
    apiUrl: process.env.GITHUB_API_URL,
    log: runtime.log,
    retry: deps.retry,
  });
  return new ArtifactStateStore(client, config.stateArtifact, deps.now, {
    policy: deps.retry ?? SAVE_RETRY,
    sleep: deps.sleep,
    log: runtime.log,
  });
}
