import { connect, type AppStoreConnect } from '../asc/client.js';
import type { App } from '../asc/types.js';
import type { Config } from '../config.js';
import { UserError } from '../errors.js';
import type { Note } from '../postprocess/release-notes.js';
import type { PlanRequest, PostProcessingState } from '../postprocess/state.js';
import { sleep, type RetryPolicy, type Sleep } from '../net/retry.js';
import type { Runtime } from '../runtime.js';
export { compareBuildNumbers, nextBuildNumber } from '../postprocess/build-numbers.js';
import type { EngineContext } from '../postprocess/engine.js';
import type { StateStore, StoredRef } from '../state/store.js';

/** Test seams: a clock and a sleep, so long waits can be simulated. Production uses the real ones. */
export interface CommandDeps {
  now: () => number;
  sleep: Sleep;
  /** Per-request timeout and retry policy for App Store Connect, part uploads and artifacts; defaults when absent. */
  requestTimeoutMs?: number;
  retry?: RetryPolicy;
  /** Where relative paths are resolved; default the checkout (GITHUB_WORKSPACE) or the current directory. */
  workspace?: string;
}

export const realDeps: CommandDeps = { now: Date.now, sleep };

export function connectFromConfig(config: Config, runtime: Runtime, deps: CommandDeps): AppStoreConnect {
  return connect({
    apiUrl: config.apiUrl,
    keyId: config.keyId,
    issuerId: config.issuerId,
    privateKey: config.privateKey,
    log: runtime.log,
    now: deps.now,
    sleep: deps.sleep,
    timeoutMs: deps.requestTimeoutMs,
    retry: deps.retry,
  });
}

/** The app by `app-id`, or by bundle ID; a missing app record is explained (it must exist before any upload). */
export async function resolveApp(asc: AppStoreConnect, appId: string | undefined, bundleId: string): Promise<App> {
  if (appId) {
    const app = await asc.apps.get(appId);
    const actual = app.attributes?.bundleId;
    if (bundleId && actual && actual !== bundleId) {
      throw new UserError(
        `Input \`app-id\`: app ${appId} has bundle ID ${actual}, but the package's is ${bundleId}. Fix \`app-id\` (or \`bundle-id\`), or leave \`app-id\` empty to find the app by bundle ID.`,
      );
    }
    return app;
  }
  const app = await asc.apps.findByBundleId(bundleId);
  if (app) return app;
  const visible = await asc.apps.countVisible();
  throw new UserError(
    `No app with bundle ID ${bundleId} in App Store Connect (this API key sees ${visible} app${visible === 1 ? '' : 's'}). Create the app record first in App Store Connect → Apps → + → New App with that bundle ID — the first version is best uploaded by hand with Xcode or Transporter — or set \`app-id\` if the key cannot list apps.`,
  );
}

/** Fills in the app's primary locale for a `whats-new` given without `whats-new-locale`. */
export function resolveNotes(notes: Array<{ locale?: string; text: string }>, app: App): Note[] {
  const primary = app.attributes?.primaryLocale ?? 'en-US';
  const resolved: Note[] = [];
  for (const n of notes) {
    const locale = n.locale ?? primary;
    const existing = resolved.findIndex((r) => r.locale === locale);
    if (existing >= 0) resolved.splice(existing, 1);
    resolved.push({ locale, text: n.text });
  }
  return resolved;
}

export function planRequest(config: Config, notes: Note[]): PlanRequest {
  return {
    notes,
    usesNonExemptEncryption: config.usesNonExemptEncryption,
    expirePreviousBuilds: config.expirePreviousBuilds,
    submitBetaReview: config.submitBetaReview,
    betaGroups: config.betaGroups,
    notifyTesters: config.notifyTesters,
  };
}

/** The engine's context for this run; `store` keeps progress as it happens. */
export function engineContext(
  asc: AppStoreConnect,
  config: Config,
  runtime: Runtime,
  deps: CommandDeps,
  store?: StateStore,
): EngineContext {
  return {
    asc,
    log: runtime.log,
    now: deps.now,
    sleep: deps.sleep,
    pollIntervalMs: config.pollIntervalMs,
    onProgress: store ? async (s) => void (await store.save(s)) : undefined,
  };
}

/** Saves a state for the scheduled `resume` and says so in the log. */
export async function saveDeferred(store: StateStore, state: PostProcessingState, runtime: Runtime): Promise<StoredRef> {
  // Folded: the artifact library logs its own steps while it uploads.
  const save = () => store.save(state);
  const saved = await (runtime.group ? runtime.group('Saving the post-processing state', save) : save());
  runtime.log.info(`Post-processing deferred: state saved as ${saved.label}. The scheduled \`command: resume\` workflow finishes it.`);
  return saved;
}

/** Where relative paths (packages, release notes) are resolved: the checkout. */
export function workspace(deps?: CommandDeps): string {
  return deps?.workspace ?? (process.env.GITHUB_WORKSPACE || process.cwd());
}

/** The origin of this run, for the summary of whoever finishes the work later. */
export function origin(): { repository?: string; runId?: string; workflow?: string; sha?: string } {
  return {
    repository: process.env.GITHUB_REPOSITORY,
    runId: process.env.GITHUB_RUN_ID,
    workflow: process.env.GITHUB_WORKFLOW,
    sha: process.env.GITHUB_SHA,
  };
}
