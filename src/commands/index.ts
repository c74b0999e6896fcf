import type { Config } from '../config.js';
import { UserError } from '../errors.js';
import type { Runtime } from '../runtime.js';

/** Runs one command of the action (or the CLI): the single entry point both hosts share. */
export async function runCommand(config: Config, runtime: Runtime): Promise<void> {
  switch (config.command) {
    case 'publish':
    case 'distribute':
    case 'resume':
    case 'latest-build-number':
      throw new UserError(`\`command: ${config.command}\` is not available yet in this version of the action.`);
  }
  void runtime;
}
