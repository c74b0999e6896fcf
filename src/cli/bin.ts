#!/usr/bin/env node
import { commandSafe } from '../log-safe.js';
import { redactEnvironmentSecrets } from './host.js';
import { runCli } from './run.js';

try {
  process.exitCode = await runCli(process.argv.slice(2), {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
  });
} catch (error) {
  // A last resort outside the run's own masking: the message only (a stack can quote inputs), with the key and token masked.
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`error: ${commandSafe(redactEnvironmentSecrets(message, process.env))}\n`);
  process.exitCode = 1;
}
