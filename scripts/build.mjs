// Bundles src/main.ts into dist/index.js with ncc and makes sure dist/package.json marks it as ESM:
// without it Node loads the bundle as CommonJS and it crashes at run time.
import { execFileSync } from 'node:child_process';
import { writeFileSync, rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
execFileSync('npx', ['ncc', 'build', 'src/main.ts', '-o', 'dist', '--license', 'licenses.txt', '--quiet'], { stdio: 'inherit' });
writeFileSync('dist/package.json', JSON.stringify({ type: 'module' }, null, 2) + '\n');
