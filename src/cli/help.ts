import { CLI_OPTIONS, INPUT_OPTIONS, type InputOption } from './options.js';

export const BIN = 'app-store-connect-publish';

const COMMAND_HELP: Array<[string, string]> = [
  ['publish', 'Upload the `.ipa` / `.pkg` files that `--path` matches, then post-process them (the default in the action).'],
  ['distribute', 'Post-process a build already in App Store Connect, found by app, `--app-version` and `--build-number`.'],
  ['resume', "Finish deferred post-processing saved in workflow artifacts (needs GitHub Actions' artifact service)."],
  ['latest-build-number', 'Print the highest build number in TestFlight and the App Store, and the next one to use.'],
  ['release', 'Make an approved App Store version (`--app-version`) live now, or complete its phased release.'],
  ['webhook', "Create or update the app's App Store Connect webhook (`--webhook-url`, `--webhook-secret`), then ping it."],
  ['relay', 'Run the webhook relay (`relay --port N`; `relay --help` for its environment).'],
];

const WIDTH = 100;

/** The full help: every command and every option, with its description and default. */
export function helpText(): string {
  const out: string[] = [
    `Usage: ${BIN} <command> [--option value …]`,
    '',
    'Publishes iOS, tvOS, visionOS and macOS builds to App Store Connect from any CI. The options are the',
    "GitHub Action's inputs; both run the same code.",
    '',
    'Commands:',
  ];
  const pad = Math.max(...COMMAND_HELP.map(([c]) => c.length)) + 2;
  for (const [command, text] of COMMAND_HELP) out.push(...wrap(text, 2 + pad, `  ${command.padEnd(pad)}`));
  out.push('', 'Options (the inputs of the action):');
  for (const option of INPUT_OPTIONS) out.push(...describeInput(option));
  out.push('', 'Options of the command line:');
  for (const option of CLI_OPTIONS) {
    const head = `  --${option.name}${option.value ? ` ${option.value}` : ''}${option.name === 'help' ? ', -h' : ''}`;
    out.push(head, ...wrap(option.description + (option.env ? ` Environment: ${option.env}.` : ''), 6));
  }
  out.push(
    '',
    'Boolean options may be given alone (`--submit-beta-review`) or with `true` / `false`. `--path` and',
    '`--beta-groups` may be repeated. Flags win over environment variables. The private key and tokens are',
    'never printed: they show as ***.',
    '',
    'The log and, at the end, the job summary (Markdown) go to stderr; the outputs go to stdout as',
    '`name=value` lines (a value of several lines as `name<<EOF … EOF`), or as one JSON object with `--json`.',
    '',
    'Exit status: 0 success, 1 failure, 2 usage error (an unknown option, a missing or invalid input).',
    '',
    'Example:',
    '  export APP_STORE_CONNECT_ISSUER_ID=57246542-96fe-1a63-e053-0824d011072a',
    '  export APP_STORE_CONNECT_KEY_ID=2X9R4HXF34',
    '  export APP_STORE_CONNECT_PRIVATE_KEY_PATH=AuthKey_2X9R4HXF34.p8',
    `  ${BIN} publish --path build/App.ipa --beta-groups QA --submit-beta-review`,
    `  ${BIN} latest-build-number --bundle-id com.example.app --json`,
    '',
  );
  return out.join('\n');
}

function describeInput(option: InputOption): string[] {
  const value = option.boolean ? ' [true|false]' : ` <${option.name === 'path' ? 'glob' : 'value'}>`;
  const notes: string[] = [];
  if (option.required) notes.push('required');
  if (option.repeatable) notes.push('repeatable');
  const def = option.cliDefault ?? option.default;
  if (def !== undefined) notes.push(`default: ${def}`);
  if (option.env) notes.push(`environment: ${option.env}`);
  const head = `  --${option.name}${value}${notes.length ? `  (${notes.join('; ')})` : ''}`;
  return [head, ...wrap(option.description, 6)];
}

/** Word-wraps `text` to WIDTH columns; the first line starts with `first` (or the indent). */
function wrap(text: string, indent: number, first?: string): string[] {
  const lines: string[] = [];
  let line = first ?? ' '.repeat(indent);
  let empty = true;
  for (const word of text.split(/\s+/)) {
    if (!empty && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = ' '.repeat(indent);
      empty = true;
    }
    line += (empty ? '' : ' ') + word;
    empty = false;
  }
  lines.push(line);
  return lines;
}
