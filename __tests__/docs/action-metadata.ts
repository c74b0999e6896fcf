import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
// js-yaml is already installed (ESLint's config loader depends on it); it ships no types.
const yaml = require('js-yaml') as { load(text: string): unknown };

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function readYaml(path: string): unknown {
  return yaml.load(readFileSync(path, 'utf8'));
}

export interface ActionInput {
  description?: string;
  required?: boolean;
  default?: string;
}

export interface ActionMetadata {
  inputs: Record<string, ActionInput>;
  outputs: Record<string, { description?: string }>;
}

/** action.yml, with every default as the string the runner passes. */
export function actionMetadata(): ActionMetadata {
  const doc = readYaml(`${ROOT}action.yml`) as ActionMetadata;
  for (const input of Object.values(doc.inputs)) {
    if (input.default !== undefined) input.default = String(input.default);
  }
  return doc;
}
