import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { actionMetadata, ROOT } from './action-metadata.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The rows of the first table under `## <heading>`, as trimmed cells (header and separator removed). */
function tableUnder(heading: string): string[][] {
  const lines = README.split('\n');
  const start = lines.findIndex((l) => l.trim() === `## ${heading}`);
  expect(start, `README has a "## ${heading}" section`).toBeGreaterThanOrEqual(0);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('## ')) break;
    if (line.trim().startsWith('|')) {
      rows.push(splitRow(line));
    } else if (rows.length > 0) {
      break;
    }
  }
  expect(rows.length, `a table under "## ${heading}"`).toBeGreaterThan(2);
  return rows.slice(2);
}

/** Splits a Markdown table row on unescaped pipes outside code spans. */
function splitRow(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let inCode = false;
  const text = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '`') inCode = !inCode;
    if (c === '\\' && text[i + 1] === '|') {
      cell += '|';
      i++;
      continue;
    }
    if (c === '|' && !inCode) {
      cells.push(cell.trim());
      cell = '';
      continue;
    }
    cell += c;
  }
  cells.push(cell.trim());
  return cells;
}

const codeName = (cell: string) => /^`([^`]+)`$/.exec(cell)?.[1];

describe('README', () => {
  const { inputs, outputs } = actionMetadata();

  it('lists exactly the inputs of action.yml, in the same order', () => {
    const names = tableUnder('Inputs').map((row) => codeName(row[0]!));
    expect(names).toEqual(Object.keys(inputs));
  });

  it('gives every input the default of action.yml (or says it is required)', () => {
    const documented = Object.fromEntries(tableUnder('Inputs').map((row) => [codeName(row[0]!), row[1]]));
    const expected = Object.fromEntries(
      Object.entries(inputs).map(([name, input]) => [
        name,
        input.default !== undefined ? `\`${input.default}\`` : input.required ? '_required_' : '—',
      ]),
    );
    expect(documented).toEqual(expected);
  });

  it('lists exactly the outputs of action.yml, in the same order', () => {
    const names = tableUnder('Outputs').map((row) => codeName(row[0]!));
    expect(names).toEqual(Object.keys(outputs));
  });

  it('links only to files that exist', () => {
    const targets = [...README.matchAll(/\]\(((?!https?:|#)[^)\s]+)\)/g)].map((m) => m[1]!.split('#')[0]!);
    expect(targets.length).toBeGreaterThan(0);
    expect(targets.filter((t) => !existsSync(join(ROOT, t)))).toEqual([]);
  });

  it('documents the development commands', () => {
    for (const command of ['npm ci && npm test', 'npm ci && npm run demo', 'npm run bench', 'npm run build']) {
      expect(README).toContain(command);
    }
  });
});
