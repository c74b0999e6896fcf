import { ACTION_INPUTS, type ActionInput, type InputName } from '../action-inputs.js';

/**
 * The command line's options: every input of action.yml, with the same name, description and default
 * (a test compares this table with action.yml), plus how the command line fills each one in.
 */
export interface InputOption {
  /** The action.yml input name; the flag is `--<name>`. */
  name: string;
  description: string;
  /** The default as action.yml states it (undefined: none). */
  default?: string;
  required?: boolean;
  /** Accepts a bare flag meaning `true`. */
  boolean?: boolean;
  /** May be given several times; the values are joined with newlines. */
  repeatable?: boolean;
  /** Environment variable read when the flag is not given. */
  env?: string;
  /** How the default reads on the command line, when it differs from action.yml's. */
  cliDefault?: string;
  /** Holds a secret: masked in everything the command line prints. */
  secret?: boolean;
}

/** How the command line fills in an input, where it differs from a plain `--name value`. */
type CliExtras = Pick<InputOption, 'boolean' | 'repeatable' | 'env' | 'cliDefault' | 'secret'>;

const CLI_EXTRAS: Readonly<Partial<Record<InputName, CliExtras>>> = {
  'issuer-id': { env: 'APP_STORE_CONNECT_ISSUER_ID' },
  'key-id': { env: 'APP_STORE_CONNECT_KEY_ID' },
  'private-key': { env: 'APP_STORE_CONNECT_PRIVATE_KEY', secret: true },
  path: { repeatable: true },
  'beta-groups': { repeatable: true },
  'github-token': { env: 'GITHUB_TOKEN', cliDefault: '$GITHUB_TOKEN', secret: true },
  'demo-account-password': { env: 'DEMO_ACCOUNT_PASSWORD', secret: true },
  'webhook-secret': { env: 'WEBHOOK_SECRET', secret: true },
};

/** Inputs whose default GitHub computes on the runner (shown as action.yml writes it). */
const RUNNER_DEFAULTS: Readonly<Partial<Record<InputName, string>>> = { 'github-token': '${{ github.token }}' };

/** Every input of action.yml (generated into action-inputs.ts), in its order, with the command line's extras. */
export const INPUT_OPTIONS: readonly InputOption[] = (Object.entries(ACTION_INPUTS) as Array<[InputName, ActionInput]>).map(
  ([name, input]) => {
    const fallback = input.default ?? RUNNER_DEFAULTS[name];
    const isBoolean = fallback === 'true' || fallback === 'false' || /^`true` \/ `false`/.test(input.description);
    return {
      name,
      description: input.description,
      ...(fallback !== undefined ? { default: fallback } : {}),
      ...(input.required ? { required: true } : {}),
      ...(isBoolean ? { boolean: true } : {}),
      ...CLI_EXTRAS[name],
    };
  },
);

/** Options of the command line only. */
export interface CliOnlyOption {
  name: string;
  /** Placeholder for the value; none for a switch. */
  value?: string;
  description: string;
  env?: string;
}

export const CLI_OPTIONS: readonly CliOnlyOption[] = [
  {
    name: 'private-key-path',
    value: 'FILE',
    description: 'Read the `.p8` private key from this file instead of `--private-key`.',
    env: 'APP_STORE_CONNECT_PRIVATE_KEY_PATH',
  },
  { name: 'json', description: 'Print the outputs as one JSON object instead of `name=value` lines.' },
  {
    name: 'summary-file',
    value: 'FILE',
    description: 'Append the job summary (Markdown) to this file instead of printing it to stderr at the end.',
  },
  { name: 'verbose', description: 'Also print debug messages.' },
  { name: 'help', description: 'Show this help.' },
];
