import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ACTION_INPUTS } from '../../src/action-inputs.js';
import { DEFAULTS } from '../../src/input-values.js';
import { actionMetadata, ROOT } from './action-metadata.js';

describe('action.yml is the one definition of the inputs', () => {
  it('the generated module and the README table are up to date (npm run inputs)', () => {
    expect(() => execFileSync(process.execPath, ['scripts/generate-inputs.mjs', '--check'], { cwd: ROOT, stdio: 'pipe' })).not.toThrow();
  });

  it('the config takes its defaults from it', () => {
    const { inputs } = actionMetadata();
    expect(Object.keys(ACTION_INPUTS)).toEqual(Object.keys(inputs));
    for (const [name, input] of Object.entries(inputs)) {
      if (input.default === undefined || input.default.includes('${{')) expect(DEFAULTS[name], name).toBeUndefined();
      else expect(DEFAULTS[name], name).toBe(input.default);
    }
  });
});
