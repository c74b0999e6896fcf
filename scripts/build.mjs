// Bundles with ncc, each into its own directory with a package.json that marks it as ESM (without it
// Node loads the bundle as CommonJS and it crashes at run time):
//   src/main.ts → dist/index.js      the GitHub Action (action.yml `main`)
//   src/cli/bin.ts → dist/cli/index.js  the command line (package.json `bin`), executable, with a shebang
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

const SHEBANG = '#!/usr/bin/env node\n';

function bundle(entry, out) {
  execFileSync('npx', ['ncc', 'build', entry, '-o', out, '--license', 'licenses.txt', '--quiet'], { stdio: 'inherit' });
  writeFileSync(`${out}/package.json`, JSON.stringify({ type: 'module' }, null, 2) + '\n');
}

rmSync('dist', { recursive: true, force: true });
bundle('src/main.ts', 'dist');
bundle('src/cli/bin.ts', 'dist/cli');

const cli = 'dist/cli/index.js';
const code = readFileSync(cli, 'utf8');
if (!code.startsWith('#!')) writeFileSync(cli, SHEBANG + code);
chmodSync(cli, 0o755);
