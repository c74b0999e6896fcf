// Bundles with ncc, each into its own directory with a package.json that marks it as ESM (without it
// Node loads the bundle as CommonJS and it crashes at run time):
//   src/main.ts → dist/index.js      the GitHub Action (action.yml `main`)
//   src/cli/bin.ts → dist/cli/index.js  the command line (package.json `bin`), executable, with a shebang
//   src/relay/index.ts → dist/relay/index.js  the webhook relay (package.json `exports["./relay"]`): plain
//                                             ESM, no Node built-ins, for Cloudflare Workers, Deno and Bun
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

const SHEBANG = '#!/usr/bin/env node\n';

function bundle(entry, out) {
  execFileSync('npx', ['ncc', 'build', entry, '-o', out, '--license', 'licenses.txt', '--quiet'], { stdio: 'inherit' });
  writeFileSync(`${out}/package.json`, JSON.stringify({ type: 'module' }, null, 2) + '\n');
  const licenses = `${out}/licenses.txt`;
  // A bundle of the project's own code only (the relay) has no third-party licenses to list.
  if (!existsSync(licenses)) return;
  writeFileSync(licenses, fillMissingLicenseTexts(readFileSync(licenses, 'utf8')));
}

/**
 * ncc writes `name`, `license id`, then the license text for each bundled package. When a package is
 * installed twice (isarray 2.0.5 with a LICENSE file, 1.0.0 nested without one), which copy it reports
 * varies from build to build, so the text is there or not. Filling an empty text from the top-level copy
 * makes every build write the same file, and the committed dist/ comparable.
 */
function fillMissingLicenseTexts(text) {
  return text.replace(/\n\n((?:@[\w.-]+\/)?[\w.-]+)\n([\w.+()\- ]+)\n(?=\n)/g, (entry, name, id) => {
    const dir = `node_modules/${name}`;
    if (!existsSync(dir)) return entry;
    const file = readdirSync(dir)
      .sort()
      .find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
    return file ? `\n\n${name}\n${id}\n${readFileSync(`${dir}/${file}`, 'utf8')}\n` : entry;
  });
}

rmSync('dist', { recursive: true, force: true });
bundle('src/main.ts', 'dist');
bundle('src/cli/bin.ts', 'dist/cli');
bundle('src/relay/index.ts', 'dist/relay');

const cli = 'dist/cli/index.js';
const code = readFileSync(cli, 'utf8');
if (!code.startsWith('#!')) writeFileSync(cli, SHEBANG + code);
chmodSync(cli, 0o755);
