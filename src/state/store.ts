import { parseState, type PostProcessingState } from '../postprocess/state.js';

/** Where one saved state is: enough to load, replace or remove it. */
export interface StoredRef {
  /** Shown in messages and the summary (e.g. the artifact name). */
  label: string;
  /** The `state-artifact-id` output for artifacts. */
  id?: string;
  /** Store-specific. */
  handle?: unknown;
}

/**
 * Where post-processing state lives between runs. Inline mode keeps it in memory; deferred mode in
 * workflow artifacts. The engine is the same either way.
 */
export interface StateStore {
  /** Saves a new revision of the state; when `previous` is given, it replaces that copy. */
  save(state: PostProcessingState, previous?: StoredRef): Promise<StoredRef>;
  /** Every saved state, newest revision of each only; superseded copies are cleaned up on the way. */
  list(): Promise<StoredRef[]>;
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

  async list(): Promise<StoredRef[]> {
    return [...this.states.keys()].map((id) => ({ label: `memory:${id}`, handle: id }));
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
