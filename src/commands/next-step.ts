/**
 * The one next step added to a failed publish's message, by what failed. A failure says what to do once:
 * where the step's own message already says it (a refusal that names `command: distribute`, an upload or
 * build Apple rejected, which only a new upload fixes), nothing is added.
 */
import type { PostProcessingState, StepName } from '../postprocess/state.js';

/** Steps whose final failure only a new upload (with a new build number) fixes: `distribute` cannot. */
const NEW_UPLOAD_ONLY: readonly StepName[] = ['upload-state', 'processing'];

/** How to finish post-processing of the uploaded build without uploading again. */
export function distributeHint(build: { version: string; buildNumber: string }): string {
  return `Once the cause is fixed, finish post-processing without a new upload: \`command: distribute\` with \`app-version: ${build.version}\` and \`build-number: ${build.buildNumber}\`.`;
}

/** What to add after `message`, the failure of post-processing `state` after its upload; undefined: the message says it already. */
export function nextStepAfterUpload(state: PostProcessingState, message: string): string | undefined {
  const failed = Object.entries(state.steps).find(([, p]) => p?.status === 'failed')?.[0] as StepName | undefined;
  if (failed && NEW_UPLOAD_ONLY.includes(failed)) return undefined;
  if (message.includes('`command: distribute`')) return undefined;
  return `The upload itself succeeded. ${distributeHint(state.build)}`;
}
