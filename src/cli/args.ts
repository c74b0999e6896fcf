import { parseArgs as parseTokens } from 'node:util';
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

type OptionSpec = { type: 'string' | 'boolean'; multiple?: boolean; short?: string };

const INPUTS = new Map(INPUT_OPTIONS.map((o) => [o.name, o]));
const SWITCHES = new Set(['json', 'verbose', 'help']);
const BOOLEAN_VALUES = new Set(['true', 'false']);

/**
 * What node:util's parser knows: every option with a value as a string, every switch as a boolean.
 * Boolean inputs are switches too, as `--flag` alone means true; their optional value is read below.
 */
const SPEC: Record<string, OptionSpec> = Object.fromEntries([
  ...INPUT_OPTIONS.map((o): [string, OptionSpec] => [
    o.name,
    o.boolean ? { type: 'boolean' } : { type: 'string', multiple: !!o.repeatable },
  ]),
  ...CLI_OPTIONS.map((o): [string, OptionSpec] => [o.name, SWITCHES.has(o.name) ? { type: 'boolean' } : { type: 'string' }]),
]);
SPEC.help = { type: 'boolean', short: 'h' };

/** Reads `<command> [--option value …]`; options may also be written `--option=value`. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const parsed: ParsedArgs = { help: false, empty: argv.length === 0, inputs: new Map(), json: false, verbose: false };
  // Not strict: node:util would refuse `--submit-beta-review=false` and word unknown options its own way.
  const { tokens } = parseTokens({ args: [...argv], options: SPEC, strict: false, allowPositionals: true, tokens: true });
  const seen = new Set<string>();
  const positionals: string[] = [];
  // Indexes of `true` / `false` arguments taken as the value of the boolean option before them.
  const consumed = new Set<number>();

  for (const [at, token] of tokens.entries()) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      if (!consumed.has(token.index)) positionals.push(token.value);
      continue;
    }
    const { name, rawName } = token;
    const inline = token.inlineValue ? token.value : undefined;
    const once = () => {
      if (seen.has(name)) throw new UsageError(`option \`--${name}\` is given more than once: keep one.`);
      seen.add(name);
    };
    const value = (): string => {
      // node:util takes the next argument whatever it is; an option there means this one's value is missing.
      if (token.value === undefined || (!token.inlineValue && /^--[a-z]/i.test(token.value))) {
        throw new UsageError(`option \`--${name}\` needs a value.`);
      }
      return token.value;
    };

    const input = INPUTS.get(name);
    if (input && rawName.startsWith('--')) {
      if (!input.boolean) {
        addInput(parsed, input, value(), once);
        continue;
      }
      // `--flag` alone is true; `--flag true|false` and `--flag=…` give the value.
      const next = tokens[at + 1];
      let flag = inline ?? 'true';
      if (
        inline === undefined &&
        next?.kind === 'positional' &&
        next.index === token.index + 1 &&
        BOOLEAN_VALUES.has(next.value.toLowerCase())
      ) {
        consumed.add(next.index);
        flag = next.value;
      }
      addInput(parsed, input, flag, once);
      continue;
    }
    switch (rawName.startsWith('--') ? name : rawName) {
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
        parsed[name as 'json' | 'verbose'] = true;
        break;
      case 'help':
      case '-h':
        parsed.help = true;
        break;
      default:
        throw new UsageError(`unknown option \`${rawName}\`.${rawName.startsWith('--') ? suggest(name) : ''}`);
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
