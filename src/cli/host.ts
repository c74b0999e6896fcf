import { commandSafe } from '../log-safe.js';
import { maskKeyMaterial } from '../mask.js';
import type { Runtime } from '../runtime.js';

interface CliStreams {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** What the command line runs in: its streams, environment and current directory. */
export interface CliHost extends CliStreams {
  env: Record<string, string | undefined>;
  /** Where relative file names given on the command line are resolved. */
  cwd: string;
}

/** The command line's host: the log on stderr, outputs and the job summary kept for the end, secrets masked. */
export interface CliRuntime extends Runtime {
  readonly outputs: Map<string, string>;
  readonly summary: string;
  /** `text` with every registered secret replaced by ***. */
  redact(text: string): string;
}

export function cliRuntime(streams: CliStreams, options: { verbose?: boolean } = {}): CliRuntime {
  const secrets = new Set<string>();
  let ordered: string[] = [];
  const outputs = new Map<string, string>();
  let summary = '';

  const redact = (text: string): string => {
    let out = text;
    for (const secret of ordered) if (out.includes(secret)) out = out.split(secret).join('***');
    return out;
  };
  // Run as a CI step, stderr is read for workflow commands too: no line of a message may start one.
  const line = (prefix: string, message: string) => {
    for (const l of commandSafe(redact(message)).split('\n')) streams.stderr(`${prefix}${l}\n`);
  };

  return {
    log: {
      info: (m) => line('', m),
      warning: (m) => line('warning: ', m),
      error: (m) => line('error: ', m),
      debug: (m) => {
        if (options.verbose) line('debug: ', m);
      },
      mask: (secret) => {
        const value = secret.trim();
        if (value.length < 3 || secrets.has(value)) return;
        secrets.add(value);
        // Longest first, so a secret that contains another is replaced whole.
        ordered = [...secrets].sort((a, b) => b.length - a.length);
      },
    },
    setOutput: (name, value) => void outputs.set(name, value),
    appendSummary: async (markdown) => {
      summary += markdown.endsWith('\n') ? markdown : `${markdown}\n`;
    },
    // No folding on a terminal: the lines show as they come.
    group: (_name, fn) => fn(),
    outputs,
    get summary() {
      return summary;
    },
    redact,
  };
}

/** Outputs as `name=value` lines; a value of several lines as `name<<DELIMITER … DELIMITER`. */
export function formatOutputs(outputs: ReadonlyMap<string, string>): string {
  let text = '';
  for (const [name, value] of outputs) {
    if (!value.includes('\n')) {
      text += `${name}=${value}\n`;
      continue;
    }
    let delimiter = 'EOF';
    for (let n = 1; value.split('\n').includes(delimiter); n++) delimiter = `EOF${n}`;
    text += `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
  }
  return text;
}

/** The environment variables the command line reads secrets from. */
const SECRET_ENV = ['APP_STORE_CONNECT_PRIVATE_KEY', 'GITHUB_TOKEN'];

/** `text` with the secrets the environment holds, each line of a key and any PEM block replaced by ***. */
export function redactEnvironmentSecrets(text: string, env: Record<string, string | undefined>): string {
  let out = text.replace(/-----BEGIN [A-Z ]+-----[\s\S]*?(-----END [A-Z ]+-----|$)/g, '***');
  // The same parts the log masks: the value and each of its lines (maskKeyMaterial's rule).
  const parts: string[] = [];
  for (const name of SECRET_ENV) maskKeyMaterial(env[name] ?? '', { mask: (part) => parts.push(part) });
  for (const part of parts.sort((a, b) => b.length - a.length))
    if (part.length >= 8 && !part.startsWith('-----')) out = out.split(part).join('***');
  return out;
}
