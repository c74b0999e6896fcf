/**
 * Demo: publishes two builds of a sample app end to end, with no Apple account. A fake App Store Connect
 * and a fake GitHub artifact service run on 127.0.0.1 in this process; the bundled action (dist/index.js)
 * runs under Node 24 as GitHub's runner would run it:
 *   1. publish with inline post-processing (upload, notes in two locales, export compliance, beta review,
 *      two beta groups, tester notification);
 *   2. publish of the next build with deferred post-processing (state saved to a workflow artifact);
 *   3. the scheduled resume while Apple is still processing the build, then once the build is valid;
 *   4. the next version submitted to App Review, approved, and released (scripts/demo/app-store.ts);
 *   5. a mistake (a beta group name with a typo) that fails before the upload, and the run that fixes it.
 * Prints what a user sees for each run: the log (groups folded, as the Actions page shows them), the
 * outputs and the job summary. dist/ runs under the Node that test-support/run-dist.ts picks, said once.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectNoViolations, makeTestKey, startFakeAsc, type FakeAsc } from '../test-support/fake-asc/index.js';
import { startFakeGitHub, type FakeGitHub } from '../test-support/fake-github/index.js';
import { makeIpa } from '../test-support/packages.js';
import { DIST_INDEX, DIST_NODE, runDist, type DistRun } from '../test-support/run-dist.js';
import { checkRunsOnCommit, DEMO_COMMIT } from './demo/check-run.js';
import { appStoreDemo } from './demo/app-store.js';

const BUNDLE_ID = 'com.example.demo';
const VERSION = '1.0';
const GROUPS = ['QA', 'Beta Testers'];

const started = Date.now();
const cleanups: Array<() => Promise<void> | void> = [];
const results: string[] = [];

function heading(title: string): void {
  console.log(`\n${'═'.repeat(100)}\n${title}\n${'═'.repeat(100)}`);
}

function section(title: string, body: string): void {
  console.log(`\n── ${title} ${'─'.repeat(Math.max(0, 96 - title.length))}`);
  console.log(body.replace(/\n+$/, ''));
}

/** The step as a workflow would write it, with the key inputs taken from secrets. */
function withBlock(inputs: Record<string, string>, shown: Record<string, string>): string {
  const lines = ['with:'];
  for (const [name, value] of Object.entries({ ...shown, ...inputs })) {
    lines.push(`  ${name}: ${value.includes('\n') ? `|\n${value.replace(/^/gm, '    ')}` : value}`);
  }
  return lines.join('\n');
}

/** The log as the Actions UI shows it: no mask or debug commands; groups folded to their title; errors and warnings readable. */
function userLog(stdout: string): string {
  const unescape = (s: string) => s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
  const out: string[] = [];
  let folded = false;
  for (const line of stdout.split('\n')) {
    if (line.startsWith('::group::')) {
      out.push(`▸ ${unescape(line.slice('::group::'.length))}`);
      folded = true;
      continue;
    }
    if (line.startsWith('::endgroup::')) {
      folded = false;
      continue;
    }
    if (folded || line.startsWith('::add-mask::') || line.startsWith('::debug::') || line === '') continue;
    const command = /^::(error|warning|notice)(?: [^:]*)?::(.*)$/.exec(line);
    if (command) {
      const label = { error: 'Error', warning: 'Warning', notice: 'Notice' }[command[1] as 'error' | 'warning' | 'notice'];
      out.push(
        ...unescape(command[2]!)
          .split('\n')
          .map((l, i) => (i === 0 ? `${label}: ${l}` : `       ${l}`)),
      );
    } else {
      out.push(unescape(line));
    }
  }
  return out.join('\n');
}

interface StepOptions {
  /** Inputs every run gets (the key, the fake's URL). */
  common: Record<string, string>;
  /** How the step shows `common`. */
  shown: Record<string, string>;
  cwd: string;
  env?: Record<string, string>;
}

/** One workflow run of the action; throws unless it ends green with the expected `post-processing`. */
async function step(
  title: string,
  label: string,
  inputs: Record<string, string>,
  options: StepOptions,
  expect: { postProcessing?: string; code?: number },
): Promise<DistRun> {
  heading(title);
  section('Step', withBlock(inputs, options.shown));
  const run = await runDist({
    inputs: { ...options.common, ...inputs },
    cwd: options.cwd,
    env: { GITHUB_WORKSPACE: options.cwd, GITHUB_SHA: DEMO_COMMIT, ...options.env },
  });

  section('Log', userLog(run.stdout));
  if (run.stderr.trim()) section('stderr', run.stderr);
  section(
    'Outputs',
    Object.entries(run.outputs)
      .map(([name, value]) => `${name} = ${value}`)
      .join('\n') || '(none)',
  );
  section('Job summary', run.summary || '(empty)');
  const outcome = run.outputs['post-processing'];
  const ok = run.code === (expect.code ?? 0) && outcome === expect.postProcessing;
  const result = `${title}: exit code ${run.code}${outcome ? `, post-processing ${outcome}` : ''}`;
  console.log(`\n${ok ? '✔' : '✘'} ${result}`);
  if (!ok)
    throw new Error(
      `${title}: expected exit code ${expect.code ?? 0} and post-processing ${expect.postProcessing}, got exit code ${run.code} and ${outcome}`,
    );
  results.push(outcome ? `${label} ${outcome}` : run.code ? `${label} failed` : label);
  return run;
}

async function waitFor(what: string, done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function main(): Promise<void> {
  if (!existsSync(DIST_INDEX)) throw new Error(`${DIST_INDEX} is missing: run \`npm run build\` first.`);

  const key = makeTestKey();
  const asc: FakeAsc = await startFakeAsc({
    keys: [key],
    partSize: 256 * 1024,
    timing: { uploadProcessingMs: 300, buildProcessingMs: 2_000 },
  });
  cleanups.push(() => asc.close());
  const gh: FakeGitHub = await startFakeGitHub();
  cleanups.push(() => gh.close());
  const app = asc.addApp({ bundleId: BUNDLE_ID, name: 'Demo', primaryLocale: 'en-US' });
  for (const group of GROUPS) asc.addBetaGroup(app.id, group);
  asc.setBetaAppReviewDetailComplete(app.id, true);

  const workspace = mkdtempSync(join(tmpdir(), 'ascp-demo-'));
  cleanups.push(() => rmSync(workspace, { recursive: true, force: true }));
  const ipa = join(workspace, 'build', 'Demo.ipa');
  writeFileSync(
    join(workspace, 'release_notes.json'),
    JSON.stringify(
      [
        { language: 'en-US', text: 'New onboarding and a faster start.' },
        { language: 'de-DE', text: 'Neues Onboarding und ein schnellerer Start.' },
      ],
      null,
      2,
    ),
  );

  console.log('App Store Connect Publish — demo');
  console.log(`Fake App Store Connect: ${asc.url} (app "${app.name}", ${BUNDLE_ID}, id ${app.id}; beta groups ${GROUPS.join(', ')})`);
  console.log(`Fake GitHub (workflow artifacts): ${gh.url} (repository ${gh.repository})`);
  console.log(`Workspace: ${workspace} (build/Demo.ipa, release_notes.json in en-US and de-DE)`);
  console.log(`Action: ${DIST_INDEX}, run as a \`uses:\` step under ${DIST_NODE.label}`);

  const shown = {
    'issuer-id': '${{ secrets.APP_STORE_CONNECT_ISSUER_ID }}',
    'key-id': '${{ secrets.APP_STORE_CONNECT_KEY_ID }}',
    'private-key': '${{ secrets.APP_STORE_CONNECT_PRIVATE_KEY }}',
    'api-url': `${asc.url}   # the fake App Store Connect`,
  };
  const common = {
    'key-id': key.keyId,
    'issuer-id': key.issuerId!,
    'private-key': key.privateKeyPem,
    'api-url': asc.url,
    'github-token': gh.token,
  };
  const shared = { common, shown, cwd: workspace };

  // 1. Build 1, everything inline.
  makeIpa({ path: ipa, bundleId: BUNDLE_ID, version: VERSION, buildNumber: '1', payloadBytes: 1_500_000 });
  await step(
    '1. publish — inline post-processing',
    'publish',
    {
      command: 'publish',
      path: 'build/*.ipa',
      'uses-non-exempt-encryption': 'false',
      'submit-beta-review': 'true',
      'beta-groups': GROUPS.join('\n'),
      'notify-testers': 'true',
      'poll-interval': '0.25',
    },
    { ...shared, env: gh.runEnv(101) },
    { postProcessing: 'completed' },
  );

  // 2. Build 2: upload, save the state, end the job at once.
  makeIpa({ path: ipa, bundleId: BUNDLE_ID, version: VERSION, buildNumber: '2', payloadBytes: 1_500_000 });
  const deferred = {
    command: 'publish',
    path: 'build/*.ipa',
    'post-processing': 'deferred',
    'uses-non-exempt-encryption': 'false',
    'submit-beta-review': 'true',
    'beta-groups': GROUPS.join('\n'),
    'notify-testers': 'true',
  };
  await step(
    '2. publish — deferred post-processing',
    'deferred publish',
    deferred,
    { ...shared, env: gh.runEnv(102) },
    { postProcessing: 'pending' },
  );

  // 3. The scheduled workflow, while Apple is still processing the build, then once it is valid.
  // Apple's processing is held until step 3 has looked, so a slow machine cannot make it finish early.
  const build2 = () => asc.resources('builds').find((b) => b.attributes.version === '2');
  await waitFor('build 2 to appear', () => build2() !== undefined, 20_000);
  asc.setBuildProcessingState(build2()!.id, 'PROCESSING');
  const resume = { command: 'resume' };
  await step(
    '3. resume — scheduled, while Apple processes build 2',
    'resume',
    resume,
    { ...shared, env: gh.runEnv(103) },
    { postProcessing: 'pending' },
  );
  asc.setBuildProcessingState(build2()!.id, 'VALID');
  console.log('\n(Apple finished processing build 2: VALID.)');
  await step(
    '4. resume — scheduled, after build 2 is valid',
    'resume',
    resume,
    { ...shared, env: gh.runEnv(104) },
    { postProcessing: 'completed' },
  );

  await appStoreDemo(asc, {
    appId: app.id,
    bundleId: BUNDLE_ID,
    ipa,
    step: (t, l, i, e) => step(t, l, i, { ...shared, env: gh.runEnv(105) }, e),
  });
  heading(`7. the commit ${DEMO_COMMIT.slice(0, 7)} on GitHub — one check run per published build`);
  console.log(checkRunsOnCommit(gh));

  // 5. A mistake, and its fix: what a failed run says is what to do.
  makeIpa({ path: ipa, bundleId: BUNDLE_ID, version: '1.2', buildNumber: '4', payloadBytes: 500_000 });
  const typo = { command: 'publish', path: 'build/*.ipa', 'uses-non-exempt-encryption': 'false', 'poll-interval': '0.25' };
  await step(
    '8. publish — a typo in `beta-groups` fails before the upload',
    'typo',
    { ...typo, 'beta-groups': 'QA\nBeta Tester' },
    { ...shared, env: gh.runEnv(106) },
    { code: 1 },
  );
  await step(
    '9. publish — the name fixed as the error says: the same build goes through',
    'fixed publish',
    { ...typo, 'beta-groups': GROUPS.join('\n') },
    { ...shared, env: gh.runEnv(107) },
    { postProcessing: 'completed' },
  );

  const left = gh.artifacts().filter((a) => !a.deleted);
  if (left.length) throw new Error(`state artifacts left behind: ${left.map((a) => a.name).join(', ')}`);
  expectNoViolations(asc);
}

let failed = false;
try {
  await main();
} catch (error) {
  failed = true;
  console.error(`\nDemo failed: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch {
      // Best effort: the rest still gets cleaned up.
    }
  }
}
const seconds = ((Date.now() - started) / 1000).toFixed(1);
if (failed) {
  console.log(`\nResult: FAILED after ${seconds} s.`);
  process.exitCode = 1;
} else {
  console.log(`\nResult: OK in ${seconds} s — ${results.join(', ')}.`);
}
