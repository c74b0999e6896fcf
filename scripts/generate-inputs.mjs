// action.yml is the one definition of the inputs and outputs. This script derives from it:
//   src/action-inputs.ts   names, descriptions, defaults and required flags, for the config and the CLI
//   README.md              the inputs table, between <!-- inputs:start --> and <!-- inputs:end -->
// `node scripts/generate-inputs.mjs` writes both; `--check` fails (exit 1) when either is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import * as prettier from 'prettier';

const root = fileURLToPath(new URL('..', import.meta.url));
const check = process.argv.includes('--check');
const action = yaml.load(readFileSync(`${root}action.yml`, 'utf8'));

/** Defaults GitHub fills in from an expression (`${{ github.token }}`) mean nothing outside the runner. */
const isExpression = (value) => typeof value === 'string' && value.includes('${{');

function moduleText() {
  const inputs = Object.entries(action.inputs).map(([name, input]) => {
    const entry = { description: String(input.description).trim(), required: input.required === true };
    if (input.default !== undefined && !isExpression(input.default)) entry.default = String(input.default);
    return [name, entry];
  });
  const outputs = Object.entries(action.outputs).map(([name, output]) => [name, String(output.description).trim()]);
  return [
    '// Generated from action.yml by scripts/generate-inputs.mjs (npm run inputs): do not edit by hand.',
    '',
    'export interface ActionInput {',
    '  readonly description: string;',
    '  readonly required: boolean;',
    '  /** The default as the runner passes it; absent when there is none or when GitHub computes it. */',
    '  readonly default?: string;',
    '}',
    '',
    `export const ACTION_INPUTS = ${JSON.stringify(Object.fromEntries(inputs), null, 2)} as const satisfies Record<string, ActionInput>;`,
    '',
    'export type InputName = keyof typeof ACTION_INPUTS;',
    '',
    `export const ACTION_OUTPUTS = ${JSON.stringify(Object.fromEntries(outputs), null, 2)} as const;`,
    '',
    'export type OutputName = keyof typeof ACTION_OUTPUTS;',
    '',
  ].join('\n');
}

function readmeTable() {
  const rows = Object.entries(action.inputs).map(([name, input]) => {
    const fallback = input.required ? '_required_' : input.default === undefined ? '—' : `\`${String(input.default)}\``;
    const description = String(input.description).trim().replace(/\s+/g, ' ').replace(/\|/g, '\\|');
    return `| \`${name}\` | ${fallback} | ${description} |`;
  });
  return ['| Input | Default | Description |', '| --- | --- | --- |', ...rows].join('\n');
}

const START = '<!-- inputs:start -->';
const END = '<!-- inputs:end -->';
const readmePath = `${root}README.md`;
const readme = readFileSync(readmePath, 'utf8');
const from = readme.indexOf(START);
const to = readme.indexOf(END);
if (from < 0 || to < from) throw new Error(`README.md lacks the ${START} … ${END} markers around the inputs table.`);
const nextReadme = `${readme.slice(0, from + START.length)}\n\n${readmeTable()}\n\n${readme.slice(to)}`;

const modulePath = `${root}src/action-inputs.ts`;
const nextModule = moduleText();
const stale = [];
for (let [path, text] of [
  [modulePath, nextModule],
  [readmePath, nextReadme],
]) {
  // Formatted as the repository formats everything, so the check compares like with like.
  text = await prettier.format(text, { ...(await prettier.resolveConfig(path)), filepath: path });
  let current = '';
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    // not generated yet
  }
  if (current === text) continue;
  if (check) stale.push(path.slice(root.length));
  else writeFileSync(path, text);
}
if (stale.length) {
  console.error(`Out of date with action.yml: ${stale.join(', ')}. Run \`npm run inputs\` and commit the result.`);
  process.exit(1);
}
