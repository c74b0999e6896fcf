// Demo: runs the bundled action the way a runner does and prints what a user would see.
import { spawnSync } from 'node:child_process';

console.log('Running dist/index.js with no key-id, as a misconfigured workflow would:\n');
const run = spawnSync(process.execPath, ['dist/index.js'], {
  env: { PATH: process.env.PATH, 'INPUT_PRIVATE-KEY': 'demo' },
  encoding: 'utf8',
});
process.stdout.write(run.stdout);
console.log(`\nexit code ${run.status}`);
