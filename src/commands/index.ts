import type { Config } from '../config.js';
import type { Runtime } from '../runtime.js';
import { distribute } from './distribute.js';
import { latestBuildNumber } from './latest-build-number.js';
import { publish } from './publish.js';
import { resume } from './resume.js';
import { realDeps, type CommandDeps } from './shared.js';

/** Runs one command of the action (or the CLI): the single entry point both hosts share. */
export async function runCommand(config: Config, runtime: Runtime, deps: CommandDeps = realDeps): Promise<void> {
  switch (config.command) {
    case 'publish':
      return publish(config, runtime, deps);
    case 'distribute':
      return distribute(config, runtime, deps);
    case 'resume':
      return resume(config, runtime, deps);
    case 'latest-build-number':
      return latestBuildNumber(config, runtime, deps);
  }
}
