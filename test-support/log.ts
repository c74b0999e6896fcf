import type { Logger, Runtime } from '../src/runtime.js';

export interface RecordingLog extends Logger {
  infos: string[];
  notices: string[];
  warnings: string[];
  errors: string[];
  debugs: string[];
  masked: string[];
  /** Every line, in order, prefixed with its level. */
  lines: string[];
}

/** A Logger that keeps what it is told, for assertions. */
export function recordingLog(echo = false): RecordingLog {
  const log: RecordingLog = {
    infos: [],
    notices: [],
    warnings: [],
    errors: [],
    debugs: [],
    masked: [],
    lines: [],
    info: (m) => add('info', log.infos, m),
    notice: (m) => add('notice', log.notices, m),
    warning: (m) => add('warning', log.warnings, m),
    error: (m) => add('error', log.errors, m),
    debug: (m) => add('debug', log.debugs, m),
    mask: (s) => void log.masked.push(s),
  };
  function add(level: string, list: string[], message: string) {
    list.push(message);
    log.lines.push(`${level}: ${message}`);
    if (echo) console.log(`${level}: ${message}`);
  }
  return log;
}

export interface RecordingRuntime extends Runtime {
  log: RecordingLog;
  outputs: Record<string, string>;
  summary: string[];
}

export function recordingRuntime(echo = false): RecordingRuntime {
  const runtime: RecordingRuntime = {
    log: recordingLog(echo),
    outputs: {},
    summary: [],
    setOutput: (name, value) => void (runtime.outputs[name] = value),
    appendSummary: async (markdown) => void runtime.summary.push(markdown),
  };
  return runtime;
}
