import * as core from '@actions/core';
import { parseConfig } from './config.js';
import { failureSummary, runCommand } from './commands/index.js';
import { errorMessage } from './errors.js';
import type { Runtime } from './runtime.js';

/** The GitHub Actions host: @actions/core for log, outputs and job summary. */
export function actionRuntime(): Runtime {
  return {
    log: {
      info: (m) => core.info(m),
      warning: (m) => core.warning(m),
      error: (m) => core.error(m),
      debug: (m) => core.debug(m),
      mask: (s) => core.setSecret(s),
    },
    setOutput: (name, value) => core.setOutput(name, value),
    appendSummary: async (markdown) => {
      await core.summary.addRaw(markdown, true).write();
    },
  };
}

export async function runAction(): Promise<void> {
  const runtime = actionRuntime();
  // Mask the key before anything can print it, even when other inputs are invalid.
  maskKeyMaterial(core.getInput('private-key'), runtime);
  try {
    let config;
    try {
      config = parseConfig((name) => core.getInput(name));
    } catch (error) {
      await runtime.appendSummary(failureSummary(core.getInput('command') || 'publish', errorMessage(error)));
      throw error;
    }
    await runCommand(config, runtime);
  } catch (error) {
    core.setFailed(errorMessage(error));
  }
}

/** Masks the key input as given, and each of its lines, so no fragment of it shows in the log. */
export function maskKeyMaterial(value: string, runtime: Runtime): void {
  const trimmed = value.trim();
  if (!trimmed) return;
  runtime.log.mask(trimmed);
  for (const line of trimmed.split(/\r?\n/)) {
    const part = line.trim();
    if (part.length >= 8 && part !== trimmed && !part.startsWith('-----')) runtime.log.mask(part);
  }
}
