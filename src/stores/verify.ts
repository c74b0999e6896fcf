import type { PostProcessingState } from '../postprocess/state.js';
import { parseState, StateFormError } from './schema.js';
import { otherKeyReason } from './other-key.js';
import { bindingProblem, parseSavedBy, type SavedBy } from './run-binding.js';
import type { StateSeal } from './seal.js';

/** What a downloaded state artifact turned out to be. */
export type Verdict = { ok: true; state: PostProcessingState } | { ok: false; kind: 'untrusted' | 'other-key'; reason: string };

export interface Expected {
  /** The state id and revision the artifact's name claims. */
  id: string;
  revision: number;
  /** owner/name of this repository. */
  repository: string;
  /** The workflow run GitHub's listing says made the artifact (`workflow_run.id`). */
  madeByRun: number | undefined;
}

/** Every resume warns about a rejected artifact until it is gone: say how it goes. */
const DELETE_IF_UNKNOWN =
  'Delete the artifact if you do not recognise the workflow run that made it; state this action saves expires 7 days after upload';

const FINGERPRINT = /^sha256:[0-9a-f]{64}$/;
const MAC = /^[A-Za-z0-9_-]{43}$/;

/**
 * Checks a sealed state document in the order that keeps hostile input away from the rest: its envelope,
 * then the seal (before any field of the state is read), then the form, then that it belongs here.
 */
export function verifySealedState(document: unknown, seal: StateSeal, expected: Expected, source: string): Verdict {
  const untrusted = (reason: string): Verdict => ({ ok: false, kind: 'untrusted', reason: `${reason}. ${DELETE_IF_UNKNOWN}` });
  if (typeof document !== 'object' || document === null || Array.isArray(document)) return untrusted('it is not a sealed state document');
  const envelope = document as Record<string, unknown>;
  const keys = Object.keys(envelope).sort().join(',');
  if (keys !== 'keyFingerprint,mac,state' && keys !== 'keyFingerprint,mac,savedBy,state') {
    return 'schemaVersion' in envelope && !('mac' in envelope)
      ? {
          ok: false,
          kind: 'untrusted',
          reason:
            'it has no seal: an older version of the action wrote it, or something else did. Finish its build with `command: distribute`, then delete the artifact',
        }
      : untrusted(
          `it is not a sealed state document (it holds ${Object.keys(envelope).slice(0, 5).join(', ').slice(0, 120) || 'nothing'})`,
        );
  }
  const { state, mac, keyFingerprint } = envelope;
  const bound = Object.hasOwn(envelope, 'savedBy');
  const savedBy: SavedBy | undefined = bound ? parseSavedBy(envelope.savedBy) : undefined;
  if (
    typeof keyFingerprint !== 'string' ||
    !FINGERPRINT.test(keyFingerprint) ||
    typeof mac !== 'string' ||
    !MAC.test(mac) ||
    (bound && !savedBy)
  ) {
    return untrusted('its seal is malformed');
  }
  if (keyFingerprint !== seal.keyFingerprint) {
    return {
      ok: false,
      kind: 'other-key',
      reason: otherKeyReason(state, keyFingerprint, seal.keyFingerprint),
    };
  }
  if (!seal.verifies(state, mac, savedBy)) {
    return untrusted('its seal does not verify: it was changed after this action wrote it, or forged');
  }
  let parsed: PostProcessingState;
  try {
    parsed = parseState(state, source);
  } catch (error) {
    if (error instanceof StateFormError) return untrusted(error.message);
    throw error;
  }
  if (parsed.id !== expected.id || parsed.revision !== expected.revision) {
    return untrusted(
      `its name says state ${expected.id} revision ${expected.revision}, but it holds ${parsed.id} revision ${parsed.revision} (a copy under another name)`,
    );
  }
  if (parsed.origin?.repository !== expected.repository) {
    return untrusted(`it was made for ${parsed.origin?.repository ?? 'no repository'}, not ${expected.repository}`);
  }
  const problem = bindingProblem(savedBy, expected.madeByRun, { revision: parsed.revision, originRunId: parsed.origin?.runId });
  if (problem) return untrusted(problem);
  return { ok: true, state: parsed };
}
