import { appendFileSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { failureSummary, runCommand } from '../commands/index.js';
import { realDeps, type CommandDeps } from '../commands/context.js';
import { parseConfig, type Config } from '../config.js';
import { InputError, errorMessage } from '../errors.js';
import { commandSafe } from '../log-safe.js';
import { maskKeyMaterial } from '../mask.js';
import { parseArgs, UsageError, type ParsedArgs } from './args.js';
import { BIN, helpText } from './help.js';
import { INPUT_OPTIONS } from './options.js';
import { cliRuntime, formatOutputs, type CliHost, type CliRuntime } from './host.js';
import { runRelayCli } from './relay.js';

const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

const KEY_ENV = 'APP_STORE_CONNECT_PRIVATE_KEY';
const KEY_PATH_ENV = 'APP_STORE_CONNECT_PRIVATE_KEY_PATH';

/**
 * Runs the command line: the same `parseConfig` and `runCommand` as the action, with inputs from flags
 * and environment variables. Returns the exit status.
 */
export async function runCli(argv: readonly string[], given: CliHost, deps: CommandDeps = realDeps): Promise<number> {
  // Whatever it prints (summary, outputs, errors) may hold values from a package, Apple or GitHub.
  const host: CliHost = { ...given, stdout: (text) => given.stdout(commandSafe(text)), stderr: (text) => given.stderr(commandSafe(text)) };
  // The webhook relay is a server of the command line only, not a command of the action.
  if (argv[0] === 'relay') return runRelayCli(argv.slice(1), host);
  let args: ParsedArgs;
  try {
    args = parseArgs(argv);
  } catch (error) {
    return usage(host, errorMessage(error));
  }
  if (args.help) {
    host.stdout(helpText());
    return EXIT_OK;
  }
  if (args.empty) {
    host.stderr(helpText());
    return EXIT_USAGE;
  }

  const runtime = cliRuntime(host, { verbose: args.verbose });
  let config: Config;
  try {
    const inputs = collectInputs(args, host);
    // Mask the key and the token before anything can print them, even when other inputs are invalid.
    maskKeyMaterial(inputs.get('private-key') ?? '', runtime.log);
    runtime.log.mask(inputs.get('github-token') ?? '');
    runtime.log.mask(inputs.get('demo-account-password') ?? '');
    runtime.log.mask(inputs.get('webhook-secret') ?? '');
    requireKey(inputs);
    config = parseConfig((name) => inputs.get(name) ?? '');
  } catch (error) {
    if (error instanceof UsageError) return usage(host, runtime.redact(error.message));
    if (error instanceof InputError) return usage(host, runtime.redact(`${error.message}${whereToSet(error.input)}`));
    // Anything else (a damaged key file…) is printed masked like the rest, without a stack.
    runtime.log.error(errorMessage(error));
    return EXIT_FAILURE;
  }

  let failure: string | undefined;
  let status = EXIT_OK;
  try {
    // On the command line, relative paths mean the current directory, even inside a CI checkout.
    await runCommand(config, runtime, { workspace: host.cwd, ...deps });
  } catch (error) {
    // Bad input found while running (a path that matches nothing, a damaged key…) is still bad input:
    // the commands check every input before they change anything.
    failure = error instanceof InputError ? `${error.message}${whereToSet(error.input)}` : errorMessage(error);
    status = error instanceof InputError ? EXIT_USAGE : EXIT_FAILURE;
  }
  finish(runtime, args, host, failure);
  return status;
}

/** Every input by action.yml name: the flag, else its environment variable; the key from text or a file. */
function collectInputs(args: ParsedArgs, host: CliHost): Map<string, string> {
  const inputs = new Map<string, string>();
  inputs.set('command', args.command ?? '');
  for (const option of INPUT_OPTIONS) {
    // The key comes from its flag, its file or one of two environment variables: privateKey() decides.
    if (option.name === 'command' || option.name === 'private-key') continue;
    const value = args.inputs.get(option.name) ?? (option.env ? host.env[option.env] : undefined);
    if (value !== undefined) inputs.set(option.name, value);
  }
  inputs.set('private-key', privateKey(args, host));
  return inputs;
}

function privateKey(args: ParsedArgs, host: CliHost): string {
  const flag = args.inputs.get('private-key');
  if (flag !== undefined && args.privateKeyPath !== undefined) {
    throw new UsageError('give the key with `--private-key` or `--private-key-path`, not both.');
  }
  if (flag !== undefined) return flag;
  if (args.privateKeyPath !== undefined) return readKeyFile(args.privateKeyPath, '`--private-key-path`', host);
  const text = host.env[KEY_ENV] || undefined;
  const path = host.env[KEY_PATH_ENV] || undefined;
  if (text !== undefined && path !== undefined) {
    throw new UsageError(`both ${KEY_ENV} and ${KEY_PATH_ENV} are set: keep one (or pass \`--private-key-path\`).`);
  }
  if (path !== undefined) return readKeyFile(path, KEY_PATH_ENV, host);
  return text ?? '';
}

function readKeyFile(path: string, source: string, host: CliHost): string {
  try {
    return readFileSync(resolve(host.cwd, path), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'a directory'
            : errorMessage(error);
    throw new UsageError(`cannot read the private key file ${path} given by ${source} (${why}).`);
  }
}

/** The key inputs, named with the flag and the environment variable that set them. */
function requireKey(inputs: Map<string, string>): void {
  if (!inputs.get('key-id')?.trim()) {
    throw new UsageError(
      'Input `key-id` is required: pass `--key-id` or set APP_STORE_CONNECT_KEY_ID to your App Store Connect API key ID (App Store Connect → Users and Access → Integrations).',
    );
  }
  if (!inputs.get('private-key')?.trim()) {
    throw new UsageError(
      `Input \`private-key\` is required: pass the AuthKey_XXXXXXXXXX.p8 file with \`--private-key-path\` (or ${KEY_PATH_ENV}), or its text (PEM or base64) with \`--private-key\` (or ${KEY_ENV}).`,
    );
  }
}

/** For an input also read from the environment, how to set it on the command line. */
function whereToSet(input: string): string {
  const env = INPUT_OPTIONS.find((o) => o.name === input)?.env;
  return env ? ` On the command line: pass \`--${input}\` or set ${env}.` : '';
}

function usage(host: CliHost, message: string): number {
  host.stderr(`error: ${message}\nRun \`${BIN} --help\` for the commands and options.\n`);
  return EXIT_USAGE;
}

/** A summary that holds nothing but the failure printed after it: on a terminal, said once. */
function isOnlyTheFailure(summary: string, args: ParsedArgs, failure: string): boolean {
  const command = args.command ?? 'publish';
  return [failure, failure.replace(/ On the command line: .*$/s, '')].some(
    (message) => summary.trim() === failureSummary(command, message).trim(),
  );
}

/** The job summary (to its file, or stderr), the failure, then the outputs on stdout. */
function finish(runtime: CliRuntime, args: ParsedArgs, host: CliHost, failure: string | undefined): void {
  const summary = runtime.redact(runtime.summary);
  if (args.summaryFile !== undefined) {
    try {
      appendFileSync(resolve(host.cwd, args.summaryFile), summary);
    } catch (error) {
      runtime.log.warning(`could not write the job summary to ${args.summaryFile}: ${errorMessage(error)}`);
    }
  } else if (summary.trim() && !(failure !== undefined && isOnlyTheFailure(summary, args, failure))) {
    host.stderr(`\n${summary}`);
  }
  if (failure !== undefined) runtime.log.error(failure);
  const outputs = new Map([...runtime.outputs].map(([name, value]) => [name, runtime.redact(value)]));
  host.stdout(args.json ? `${JSON.stringify(Object.fromEntries(outputs), null, 2)}\n` : formatOutputs(outputs));
}
