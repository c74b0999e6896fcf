import type { Config } from '../config.js';
import { InputError } from '../errors.js';
import { parseState, type PostProcessingState } from '../postprocess/state.js';
import type { RetryPolicy } from '../net/retry.js';
import type { Runtime } from '../runtime.js';
import { createArtifactClient, type ArtifactClient, type ArtifactRef } from './artifact-client.js';
import type { StateStore, StoredRef } from './store.js';

const FILE_NAME = 'post-processing-state.json';
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
  ) {}

  async save(state: PostProcessingState, previous?: StoredRef): Promise<StoredRef> {
    state.revision++;
    const name = `${this.prefix}-${state.id}-r${state.revision}`;
    const ref = await this.client.uploadJson(name, FILE_NAME, state, RETENTION_DAYS);
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
  deps: { now: () => number; retry?: RetryPolicy } = { now: Date.now },
): ArtifactStateStore {
  const repository = process.env.GITHUB_REPOSITORY;
  if (!repository) {
    throw new InputError(
      'post-processing',
      '`deferred` keeps its state in workflow artifacts, which exist only in GitHub Actions (GITHUB_REPOSITORY is not set). Use `inline` elsewhere.',
    );
  }
  const client = createArtifactClient({
    token: config.githubToken ?? '',
    repository,
    apiUrl: process.env.GITHUB_API_URL,
    log: runtime.log,
  });
  return new ArtifactStateStore(client, config.stateArtifact);
}
