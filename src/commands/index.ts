import type { Config } from '../config.js';
import { errorMessage } from '../errors.js';
import type { Runtime } from '../runtime.js';
import { messageMarkdown } from '../summary.js';
import { distribute } from './distribute.js';
import { latestBuildNumber } from './latest-build-number.js';
import { publish } from './publish.js';
import { release } from './release.js';
import { resume } from './resume.js';
import { webhook } from './webhook.js';
import { realDeps, type CommandDeps } from './context.js';

/** Runs one command of the action (or the CLI): the single entry point both hosts share. */
export async function runCommand(config: Config, runtime: Runtime, deps: CommandDeps = realDeps): Promise<void> {
  // Every run leaves a job summary: when a command fails before writing its own, the failure is it.
  let summarised = false;
  const tracked: Runtime = { ...runtime, appendSummary: (markdown) => ((summarised = true), runtime.appendSummary(markdown)) };
  try {
    await dispatch(config, tracked, deps);
  } catch (error) {
    if (!summarised) await runtime.appendSummary(failureSummary(config.command, errorMessage(error)));
    throw error;
  }
}

export function failureSummary(command: string, message: string): string {
  return `## App Store Connect Publish — ${command}\n\n❌ **Failed**\n\n${messageMarkdown(message)}\n`;
}

function dispatch(config: Config, runtime: Runtime, deps: CommandDeps): Promise<void> {
  switch (config.command) {
    case 'publish':
      return publish(config, runtime, deps);
    case 'distribute':
      return distribute(config, runtime, deps);
    case 'resume':
      return resume(config, runtime, deps);
    case 'latest-build-number':
      return latestBuildNumber(config, runtime, deps);
    case 'release':
      return release(config, runtime, deps);
    case 'webhook':
      return webhook(config, runtime, deps);
  }
}
