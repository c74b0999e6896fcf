/**
 * `app-store-connect-publish relay --port N [--host H]`: the webhook relay as a long-running Node process
 * (a VM, a container), configured from the environment like the Worker. Prints the URL it listens on and
 * stops gracefully on SIGINT or SIGTERM.
 */
import { parseArgs } from 'node:util';
import { readRelayConfig, type RelayEnv } from '../relay/handler.js';
import type { CliHost } from './host.js';
import { startRelayServer } from './relay-server.js';

const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

export const RELAY_HELP = `Usage: app-store-connect-publish relay --port N [--host 127.0.0.1]

Receives App Store Connect's signed webhook deliveries and dispatches \`app-store-connect\` to a GitHub
repository, so its resume workflow runs now. \`--port 0\` picks a free port; the URL is printed.
Environment: WEBHOOK_SECRET (at least 32 characters), GITHUB_TOKEN (may dispatch: Contents write),
GITHUB_REPOSITORY (owner/name), optional GITHUB_API_URL and DISPATCH_EVENT_TYPE (default app-store-connect).
Put it behind an https proxy: Apple delivers to https URLs only.
`;

/** Resolves on SIGINT or SIGTERM. */
function processStop(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: string) => () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(signal);
    };
    const onInt = on('SIGINT');
    const onTerm = on('SIGTERM');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
  });
}

export async function runRelayCli(argv: readonly string[], host: CliHost, stop: () => Promise<string> = processStop): Promise<number> {
  let port: number;
  let listenHost: string;
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: { port: { type: 'string' }, host: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    });
    if (values.help) {
      host.stdout(RELAY_HELP);
      return EXIT_OK;
    }
    port = Number(values.port);
    if (values.port === undefined || !/^\d{1,5}$/.test(values.port) || port > 65535) {
      throw new Error('`--port` is required: a port number from 0 to 65535 (0 picks a free one).');
    }
    listenHost = values.host ?? '127.0.0.1';
  } catch (error) {
    host.stderr(`error: relay: ${error instanceof Error ? error.message : String(error)}\n${RELAY_HELP}`);
    return EXIT_USAGE;
  }
  const env: RelayEnv = {
    WEBHOOK_SECRET: host.env.WEBHOOK_SECRET,
    GITHUB_TOKEN: host.env.GITHUB_TOKEN,
    GITHUB_REPOSITORY: host.env.GITHUB_REPOSITORY,
    GITHUB_API_URL: host.env.GITHUB_API_URL,
    DISPATCH_EVENT_TYPE: host.env.DISPATCH_EVENT_TYPE,
  };
  const read = readRelayConfig(env);
  if ('problems' in read) {
    host.stderr(`error: relay: ${read.problems.join('\nerror: relay: ')}\n`);
    return EXIT_USAGE;
  }
  let server;
  try {
    server = await startRelayServer({ port, host: listenHost, env });
  } catch (error) {
    host.stderr(`error: relay: cannot listen on ${listenHost}:${port}: ${(error as NodeJS.ErrnoException).code ?? String(error)}\n`);
    return EXIT_FAILURE;
  }
  const stopping = stop();
  host.stdout(`Relay listening on ${server.url}\n`);
  const signal = await stopping;
  host.stderr(`relay: ${signal}: stopping\n`);
  await server.close();
  return EXIT_OK;
}
