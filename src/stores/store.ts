import type { PostProcessingState } from '../postprocess/state.js';
import { parseState } from './schema.js';

/** Where one saved state is: enough to load, replace or remove it. */
export interface StoredRef {
  /** Shown in messages and the summary (e.g. the artifact name). */
  label: string;
  /** The `state-artifact-id` output for artifacts. */
  id?: string;
  /** Store-specific. */
  handle?: unknown;
}

/** A saved copy that is never acted on, and why; it is kept for whoever can judge it. */
export interface RejectedState {
  label: string;
  /** `other-key`: sealed by another App Store Connect key (another team's app); `untrusted`: anything else. */
  kind: 'untrusted' | 'other-key';
  reason: string;
  /** The workflow run that made it, when known. */
  run?: { id: number; url: string };
}

export interface StateListing {
  /** Every usable saved state, newest verified revision of each only. */
  states: StoredRef[];
  /** Copies that failed a check: reported, never acted on, never deleted. */
  rejected: RejectedState[];
}

/**
 * Where post-processing state lives between runs. Inline mode keeps it in memory; deferred mode in
 * workflow artifacts. The engine is the same either way.
 */
export interface StateStore {
  /** Saves a new revision of the state; when `previous` is given, it replaces that copy. */
  save(state: PostProcessingState, previous?: StoredRef): Promise<StoredRef>;
  /**
   * Every saved state that verifies, and those that do not; superseded verified copies are cleaned up on the way.
   * `appearedSince`: only copies saved since this store's previous listing (a cheap second look in the same run).
   */
  list(options?: { appearedSince?: boolean }): Promise<StateListing>;
  /** Reads a state back; throws when it cannot be used (other schema version, unreadable). */
  load(ref: StoredRef): Promise<PostProcessingState>;
  /** Removes a state whose work is over. Removing one already gone is fine. */
  remove(ref: StoredRef): Promise<void>;
}

/** Inline mode: the state lives as long as the job. */
export class MemoryStateStore implements StateStore {
  private readonly states = new Map<string, string>();

  async save(state: PostProcessingState): Promise<StoredRef> {
    state.revision++;
    this.states.set(state.id, JSON.stringify(state));
    return { label: `memory:${state.id}`, handle: state.id };
  }

  async list(): Promise<StateListing> {
    return { states: [...this.states.keys()].map((id) => ({ label: `memory:${id}`, handle: id })), rejected: [] };
  }

  async load(ref: StoredRef): Promise<PostProcessingState> {
    const text = this.states.get(ref.handle as string);
    if (!text) throw new Error(`${ref.label} is gone.`);
    return parseState(JSON.parse(text), ref.label);
  }

  async remove(ref: StoredRef): Promise<void> {
    this.states.delete(ref.handle as string);
  }
}
