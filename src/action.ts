import * as core from '@actions/core';
import { parseConfig } from './config.js';
import { failureSummary, runCommand } from './commands/index.js';
import { errorMessage } from './errors.js';
import { commandSafe } from './log-safe.js';
import { maskKeyMaterial } from './mask.js';
import { refusePeerInputs } from './peer-inputs.js';
import { truncateMarkdown } from './report/check-run.js';
import type { Runtime } from './runtime.js';

const SUMMARY_ENV = 'GITHUB_STEP_SUMMARY';
/** GitHub drops a step's whole job summary over 1 MiB; what this step writes stays under it. */
export const MAX_STEP_SUMMARY_BYTES = 1024 * 1024 - 4096;

/** The GitHub Actions host: @actions/core for log, outputs, log groups and job summary. */
export function actionRuntime(): Runtime {
  let summaryMissingSaid = false;
  let summaryBytes = 0;
  return {
    log: {
      // @actions/core escapes the data of warnings, errors, notices and debug lines; `info` is printed as is.
      info: (m) => core.info(commandSafe(m)),
      warning: (m) => core.warning(m),
      notice: (m) => core.notice(m),
      error: (m) => core.error(m),
      debug: (m) => core.debug(m),
      // An empty value (an input not given) masks nothing: no empty `::add-mask::` line.
      mask: (s) => {
        if (s.trim()) core.setSecret(s);
      },
    },
    setOutput: (name, value) => core.setOutput(name, value),
    appendSummary: async (markdown) => {
      // Other CI hosts and local runners (`act`) may not provide the file: the run's own result matters more.
      if (!process.env[SUMMARY_ENV]) {
        if (!summaryMissingSaid) core.debug(`${SUMMARY_ENV} is not set: no job summary is written.`);
        summaryMissingSaid = true;
        return;
      }
      const room = MAX_STEP_SUMMARY_BYTES - summaryBytes;
      if (room < 1024) return;
      const text = truncateMarkdown(markdown, room);
      summaryBytes += Buffer.byteLength(text) + 1;
      try {
        await core.summary.addRaw(text, true).write();
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
  runtime.log.mask(core.getInput('demo-account-password'));
  // The peer's name for the key holds a key too, though it is refused below.
  maskKeyMaterial(core.getInput('api-private-key'), runtime.log);
  runtime.log.mask(core.getInput('webhook-secret'));
  try {
    let config;
    try {
      refusePeerInputs();
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
