import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INPUT_OPTIONS } from '../../src/cli/options.js';
import { DEFAULTS } from '../../src/input-values.js';

interface ActionInput {
  name: string;
  description?: string;
  default?: string;
  required: boolean;
}

/** The `inputs:` block of action.yml, read line by line (two-space names, four-space properties). */
function actionInputs(): ActionInput[] {
  const lines = readFileSync(resolve(import.meta.dirname, '..', '..', 'action.yml'), 'utf8').split(/\r?\n/);
  const start = lines.indexOf('inputs:');
  expect(start).toBeGreaterThanOrEqual(0);
  const inputs: ActionInput[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^\S/.test(line)) break; // the next top-level key
    const name = /^ {2}([a-z][a-z0-9-]*):\s*$/.exec(line);
    if (name) {
      inputs.push({ name: name[1]!, required: false });
      continue;
    }
    const property = /^ {4}(description|default|required):\s*(.*)$/.exec(line);
    const input = inputs.at(-1);
    if (!property || !input) continue;
    const value = scalar(property[2]!);
    if (property[1] === 'required') input.required = value === 'true';
    else input[property[1] as 'description' | 'default'] = value;
  }
  return inputs;
}

/** A one-line YAML scalar: plain, 'single-quoted' or "double-quoted". */
function scalar(text: string): string {
  const t = text.trim();
  if (t.startsWith("'")) return t.slice(1, -1).replace(/''/g, "'");
  if (t.startsWith('"')) return JSON.parse(t) as string;
  return t;
}

describe('the command line options table', () => {
  const inputs = actionInputs();

  it('reads every input of action.yml', () => {
    expect(inputs.length).toBeGreaterThan(20);
    expect(inputs.map((i) => i.name)).toContain('private-key');
  });

  it('has exactly the inputs of action.yml, in order, with their descriptions, defaults and required flags', () => {
    expect(INPUT_OPTIONS.map((o) => o.name)).toEqual(inputs.map((i) => i.name));
    for (const input of inputs) {
      const option = INPUT_OPTIONS.find((o) => o.name === input.name)!;
      expect({ name: option.name, description: option.description, default: option.default, required: option.required ?? false }).toEqual({
        name: input.name,
        description: input.description,
        default: input.default,
        required: input.required,
      });
    }
  });

  it('states the defaults parseConfig applies', () => {
    for (const [name, value] of Object.entries(DEFAULTS)) {
      expect(INPUT_OPTIONS.find((o) => o.name === name)?.default, name).toBe(value);
    }
    // The others: booleans that default to false, and the token the runner provides.
    const rest = INPUT_OPTIONS.filter((o) => o.default !== undefined && !(o.name in DEFAULTS));
    for (const option of rest) expect(option.boolean || option.env === 'GITHUB_TOKEN', option.name).toBe(true);
  });

  it('marks the boolean inputs, and only them, as switches', () => {
    const booleans = inputs
      .filter((i) => i.default === 'false' || i.default === 'true' || /`true` \/ `false`/.test(i.description ?? ''))
      .map((i) => i.name);
    expect(INPUT_OPTIONS.filter((o) => o.boolean).map((o) => o.name)).toEqual(booleans);
  });
});
