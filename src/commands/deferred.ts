import type { PostProcessingState } from '../postprocess/state.js';
import type { Runtime } from '../runtime.js';
import type { StateStore, StoredRef } from '../stores/store.js';
import { reenableAfterSave } from '../deferred/schedule.js';
import type { ResumeSchedule } from './schedule.js';

/**
 * Saves a state for the scheduled `resume` and says so in the log, then enables the resume workflow once
 * more: a resume that disabled it since the check must not leave this state behind a stopped schedule.
 */
export async function saveDeferred(
  store: StateStore,
  state: PostProcessingState,
  runtime: Runtime,
  schedule: ResumeSchedule,
): Promise<StoredRef> {
  // Folded: the artifact library logs its own steps while it uploads.
  const save = () => store.save(state);
  const saved = await (runtime.group ? runtime.group('Saving the post-processing state', save) : save());
  runtime.log.info(`Post-processing deferred: state saved as ${saved.label}. The scheduled \`command: resume\` workflow finishes it.`);
  // A failure is a warning: the state is saved.
  await reenableAfterSave(schedule.client, schedule.check.file, runtime.log);
  return saved;
}
