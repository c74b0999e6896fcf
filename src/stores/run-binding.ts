/**
 * The run that saved a state. The seal proves the key wrote a state, not that it is still the live one:
 * a genuine earlier revision uploaded again by another run would act on stale intent (withdraw a newer
 * submission, re-add a build a person removed from a group). So every save seals the saving run's id
 * with the state, and a state is used only when GitHub says that same run made the artifact.
 */

export interface SavedBy {
  /** GITHUB_RUN_ID of the run that saved the state. */
  runId: number;
  /** GITHUB_RUN_ATTEMPT: for the report only; GitHub's artifact listing does not say which attempt uploaded. */
  runAttempt: number;
}

const MAX_ATTEMPT = 1000;

/** The run this process is a job of, from the runner's environment; undefined outside GitHub Actions. */
export function currentRun(env: NodeJS.ProcessEnv = process.env): SavedBy | undefined {
  const runId = Number(env.GITHUB_RUN_ID);
  if (!Number.isSafeInteger(runId) || runId <= 0) return undefined;
  const attempt = Number(env.GITHUB_RUN_ATTEMPT);
  return { runId, runAttempt: Number.isSafeInteger(attempt) && attempt > 0 && attempt <= MAX_ATTEMPT ? attempt : 1 };
}

/** The sealed `savedBy` member when it has exactly the form a save writes; undefined otherwise. */
export function parseSavedBy(value: unknown): SavedBy | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const keys = Object.keys(value).sort().join(',');
  const { runId, runAttempt } = value as Record<string, unknown>;
  if (keys !== 'runAttempt,runId') return undefined;
  if (typeof runId !== 'number' || !Number.isSafeInteger(runId) || runId <= 0) return undefined;
  if (typeof runAttempt !== 'number' || !Number.isSafeInteger(runAttempt) || runAttempt <= 0 || runAttempt > MAX_ATTEMPT) return undefined;
  return { runId, runAttempt };
}

/**
 * Why a verified state may not act though its seal is genuine: the run GitHub says made the artifact
 * (`madeBy`) is not the run sealed inside it. States sealed before runs were bound (no `savedBy`) are
 * accepted only as the first revision uploaded by the publish run their origin names; any later one
 * cannot be told from a copy, so its build is finished with `command: distribute`.
 */
export function bindingProblem(
  savedBy: SavedBy | undefined,
  madeBy: number | undefined,
  legacy: { revision: number; originRunId?: string },
): string | undefined {
  if (madeBy === undefined) return 'GitHub does not say which workflow run made it, so it cannot be told from a copy';
  if (savedBy) {
    if (savedBy.runId === madeBy) return undefined;
    return (
      `it was sealed by workflow run ${savedBy.runId} (attempt ${savedBy.runAttempt}) but uploaded by run ${madeBy}: ` +
      'a copy of an earlier state is never acted on, since it could undo what later runs did'
    );
  }
  if (legacy.revision === 1 && legacy.originRunId === String(madeBy)) return undefined;
  return (
    'an older version of the action saved it without binding it to its run, and it is not the first revision uploaded by ' +
    'the publish run it names, so it cannot be told from a copy. Finish its build with `command: distribute`'
  );
}
