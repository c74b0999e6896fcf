import * as core from '@actions/core';
import { parseConfig } from './config.js';
import { failureSummary, runCommand } from './commands/index.js';
import { errorMessage } from './errors.js';
import { maskKeyMaterial } from './mask.js';
import type { Runtime } from './runtime.js';

const SUMMARY_ENV = 'GITHUB_STEP_SUMMARY';

/** The GitHub Actions host: @actions/core for log, outputs, log groups and job summary. */
export function actionRuntime(): Runtime {
  let summaryMissingSaid = false;
  return {
    log: {
      info: (m) => core.info(m),
      warning: (m) => core.warning(m),
      notice: (m) => core.notice(m),
      error: (m) => core.error(m),
      debug: (m) => core.debug(m),
      mask: (s) => core.setSecret(s),
    },
    setOutput: (name, value) => core.setOutput(name, value),
    appendSummary: async (markdown) => {
      // Other CI hosts and local runners (`act`) may not provide the file: the run's own result matters more.
      if (!process.env[SUMMARY_ENV]) {
        if (!summaryMissingSaid) core.debug(`${SUMMARY_ENV} is not set: no job summary is written.`);
        summaryMissingSaid = true;
        return;
      }
      try {
        await core.summary.addRaw(markdown, true).write();
      } catch (error) {
        core.summary.emptyBuffer();
        core.warning(`Could not write the job summary to ${SUMMARY_ENV}: ${errorMessage(error)}`);
      }
    },
    group: (name, fn) => core.group(name, fn),
  };
}

export async function runAction(): Promise<void> {
  const runtime = actionRuntime();
  // Mask the key before anything can print it, even when other inputs are invalid.
  maskKeyMaterial(core.getInput('private-key'), runtime.log);
  runtime.log.mask(core.getInput('webhook-secret'));
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
