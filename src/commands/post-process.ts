/**
 * What `publish` and `distribute` share: the inputs read before any request, and one build's
 * post-processing once its state exists: the check run, then a deferred save or the inline steps.
 */
import type { KeyObject } from 'node:crypto';
import type { AppStoreConnect } from '../asc/client.js';
import type { Config } from '../config.js';
import { UserError } from '../errors.js';
import { appStoreInputs, type AppStoreInputs } from '../postprocess/app-store-request.js';
import { advance } from '../postprocess/engine.js';
import { readNotes } from '../postprocess/release-notes.js';
import type { PostProcessingState } from '../postprocess/state.js';
import { readTestInformation, type TestInformation } from '../postprocess/test-information.js';
import type { Runtime } from '../runtime.js';
import type { StateStore } from '../stores/store.js';
import { connectFromConfig, engineContext, readKey, workspace, type CommandDeps } from './context.js';
import { saveDeferred } from './deferred.js';
import type { PackageReport } from './report.js';
import type { ResumeSchedule } from './schedule.js';
import type { StatusReporter } from './status.js';

export interface PostProcessInputs {
  key: KeyObject;
  asc: AppStoreConnect;
  /** The TestFlight notes; a `whats-new` without `whats-new-locale` gets the app's primary locale later. */
  notes: ReturnType<typeof readNotes>;
  /** `submit-app-store-review: true`: the App Store inputs, `app-store-release-notes` read. */
  appStore?: AppStoreInputs;
  /** `test-information`, when its file exists: checked, without the password. */
  testInformation?: TestInformation;
}

/** The key, the client, the notes, the App Store inputs and the Test Information: a bad one fails before any request. */
export function readPostProcessInputs(config: Config, runtime: Runtime, deps: CommandDeps): PostProcessInputs {
  const key = readKey(config);
  const asc = connectFromConfig(config, runtime, deps, key);
  const notes = readNotes(config, runtime.log, workspace(deps));
  const appStore = config.appStore && appStoreInputs(config.appStore, workspace(deps));
  const testInformation = readTestInformation(config.testInformationPath, config.demoAccountPassword, runtime.log, workspace(deps));
  return { key, asc, notes, appStore, testInformation };
}

export interface PostProcessRun {
  asc: AppStoreConnect;
  config: Config;
  runtime: Runtime;
  deps: CommandDeps;
  status: StatusReporter;
  /** Deferred: where the state is saved and the resume workflow that finishes it, both checked already. */
  deferred?: { store: StateStore; schedule: ResumeSchedule };
  /** Inline: where progress is kept as it happens. */
  inlineStore: StateStore;
  /**
   * Inline with `follow-review`: where the wait for Apple's decisions is handed to the resume workflow
   * once everything else is done (checked before the first write, like deferred).
   */
  handoff?: { store: StateStore; schedule: ResumeSchedule };
  /** Take over a check run of this build on its commit (one a failed publish left) instead of making another. */
  adopt?: boolean;
  /** Added to a failed deferred save: what Apple already has, and how to go on. */
  onSaveFailure: string;
  /** Added to a failed inline run, when there is more to say than the step's error. */
  onStepFailure?: (state: PostProcessingState, message: string) => string | undefined;
}

/** Reports the build's check run, then saves its state for `command: resume` (deferred) or runs the steps now (inline). */
export async function postProcess(state: PostProcessingState, run: PostProcessRun): Promise<PackageReport> {
  const { status, runtime } = run;
  // Before a deferred save, so the id travels in the signed state.
  state.checkRunId = await status.report(state, run.adopt ? { adopt: true } : {});
  if (run.deferred) {
    const saved = await saveDeferred(run.deferred.store, state, runtime, run.deferred.schedule).catch(async (error: Error) => {
      const reason = `${error.message}\n${run.onSaveFailure}`;
      await status.report(state, { outcome: 'failed', reason });
      throw new UserError(reason);
    });
    return { result: { state, changed: true }, outcome: 'pending', stateArtifactId: saved.id };
  }
  const result = await advance(
    state,
    engineContext(run.asc, run.config.pollIntervalMs, runtime, run.deps, run.inlineStore, run.config.demoAccountPassword),
    {
      wait: true,
    },
  );
  const failed = result.error;
  const next = failed && run.onStepFailure?.(state, failed.message);
  if (failed && next) result.error = new Error(`${failed.message}\n${next}`, { cause: failed });
  state.checkRunId = await status.report(state, result.error ? { outcome: 'failed', reason: result.error.message } : {});
  if (!result.error && state.status === 'pending' && run.handoff) {
    // Only review watches stop an inline run short: the resume workflow follows them, no job sleeps through a review.
    runtime.log.info('Everything but the review decisions is done; the resume workflow follows them (`follow-review`).');
    const saved = await saveDeferred(run.handoff.store, state, runtime, run.handoff.schedule).catch(async (error: Error) => {
      const reason = `${error.message}\nEverything up to the review submissions is done; follow the review in App Store Connect, or run \`command: distribute\` with \`follow-review: true\` once the cause is fixed.`;
      await status.report(state, { outcome: 'failed', reason });
      throw new UserError(reason);
    });
    return { result, outcome: 'pending', stateArtifactId: saved.id };
  }
  return { result };
}
