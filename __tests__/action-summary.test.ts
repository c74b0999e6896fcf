import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { actionRuntime, MAX_STEP_SUMMARY_BYTES } from '../src/action.js';
import { applyEnv } from '../test-support/fake-github/env.js';

describe("the action's job summary", () => {
  let restore: (() => void) | undefined;
  afterEach(() => restore?.());

  it("never grows past GitHub's 1 MiB limit for a step, however much is appended", async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ascp-summary-')), 'summary.md');
    writeFileSync(file, '');
    restore = applyEnv({ GITHUB_STEP_SUMMARY: file });
    const runtime = actionRuntime();
    const row = `| ${'x'.repeat(200)} | ⚠️ not used |\n`;
    for (let i = 0; i < 4; i++) await runtime.appendSummary(`## Part ${i}\n\n${row.repeat(3000)}`);
    const size = statSync(file).size;
    expect(size).toBeLessThanOrEqual(MAX_STEP_SUMMARY_BYTES);
    expect(size).toBeGreaterThan(900 * 1024);
    expect(readFileSync(file, 'utf8')).toContain('cut to fit GitHub’s limit');
  });
});
