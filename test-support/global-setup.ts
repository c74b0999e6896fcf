/**
 * Once per `npm test`: one scratch folder that every test's temporary folders go under (TMPDIR, which
 * os.tmpdir() reads), removed at the end so no run leaves any behind; and the one line that says which
 * Node runs `dist/`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST_NODE } from './run-dist.js';

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'ascp-tests-'));
  process.env.TMPDIR = root;
  console.log(`dist/ runs under ${DIST_NODE.label}.`);
  return () => rmSync(root, { recursive: true, force: true });
}
