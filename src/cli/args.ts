import { COMMANDS } from '../config.js';
import { CLI_OPTIONS, INPUT_OPTIONS, type InputOption } from './options.js';

/** A command line that cannot be run as given: exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface ParsedArgs {
  help: boolean;
  /** Nothing at all was given. */
  empty: boolean;
  command?: string;
  /** Inputs given as flags, by action.yml name. */
  inputs: Map<string, string>;
  privateKeyPath?: string;
  json: boolean;
  summaryFile?: string;
  verbose: boolean;
}

const INPUTS = new Map(INPUT_OPTIONS.map((o) => [o.name, o]));
const BOOLEAN_VALUES = new Set(['true', 'false']);

/** Reads `<command> [--option value …]`; options may also be written `--option=value`. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const parsed: ParsedArgs = { help: false, empty: argv.length === 0, inputs: new Map(), json: false, verbose: false };
  const seen = new Set<string>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') {
      parsed.help = true;
      continue;
    }
    if (!arg.startsWith('--') || arg === '--') {
      if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option \`${arg}\`.`);
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq > 0 ? eq : undefined);
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    const next = argv[i + 1];
    const input = INPUTS.get(name);

    // The value of an option that needs one: inline, or the next argument.
    const value = (): string => {
      if (inline !== undefined) return inline;
      if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        throw new UsageError(`option \`--${name}\` needs a value.`);
      }
      i++;
      return next;
    };
    const once = () => {
      if (seen.has(name)) throw new UsageError(`option \`--${name}\` is given more than once.`);
      seen.add(name);
    };

    if (input) {
      addInput(parsed, input, input.boolean ? booleanValue(inline, next, () => i++) : value(), once);
      continue;
    }
    switch (name) {
      case 'private-key-path':
        once();
        parsed.privateKeyPath = value();
        break;
      case 'summary-file':
        once();
        parsed.summaryFile = value();
        break;
      case 'json':
      case 'verbose':
        if (inline !== undefined) throw new UsageError(`option \`--${name}\` takes no value.`);
        parsed[name] = true;
        break;
      case 'help':
        parsed.help = true;
        break;
      default:
        throw new UsageError(`unknown option \`--${name}\`.${suggest(name)}`);
    }
  }

  if (positionals[0] === 'help') {
    parsed.help = true;
    positionals.shift();
  }
  if (positionals.length > 1) throw new UsageError(`unexpected argument ${quote(positionals[1]!)}: give one command, then options.`);
  const positional = positionals[0];
  if (positional !== undefined) {
    if (!(COMMANDS as readonly string[]).includes(positional)) {
      throw new UsageError(`unknown command ${quote(positional)}: use one of ${COMMANDS.join(', ')}.`);
    }
    const flag = parsed.inputs.get('command');
    if (flag !== undefined && flag !== positional) {
      throw new UsageError(`the command is given twice, as \`${positional}\` and as \`--command ${flag}\`: give it once.`);
    }
    parsed.command = positional;
  } else {
    parsed.command = parsed.inputs.get('command');
  }
  parsed.inputs.delete('command');
  return parsed;
}

function addInput(parsed: ParsedArgs, option: InputOption, value: string, once: () => void): void {
  const previous = parsed.inputs.get(option.name);
  if (option.repeatable && previous !== undefined) {
    parsed.inputs.set(option.name, `${previous}\n${value}`);
    return;
  }
  once();
  parsed.inputs.set(option.name, value);
}

/** `--flag` alone means true; `--flag true|false` and `--flag=…` give the value. */
function booleanValue(inline: string | undefined, next: string | undefined, consume: () => void): string {
  if (inline !== undefined) return inline;
  if (next !== undefined && BOOLEAN_VALUES.has(next.toLowerCase())) {
    consume();
    return next;
  }
  return 'true';
}

/** An argument as typed, unless it is long enough to be a misplaced secret. */
function quote(arg: string): string {
  return arg.length <= 40 && !/[\r\n]/.test(arg) ? `\`${arg}\`` : `(${arg.length} characters, not shown)`;
}

/** " Did you mean `--x`?" for a near miss, or nothing. */
function suggest(name: string): string {
  const names = [...INPUT_OPTIONS.map((o) => o.name), ...CLI_OPTIONS.map((o) => o.name)];
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of names) {
    const d = distance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 4)) ? ` Did you mean \`--${best}\`?` : '';
}

function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length]!;
}
