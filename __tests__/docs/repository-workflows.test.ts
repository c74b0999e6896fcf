import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readYaml, ROOT } from './action-metadata.js';

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  uses?: string;
  needs?: string | string[];
  permissions?: Record<string, string>;
  strategy?: { matrix: Record<string, unknown[]> };
  env?: Record<string, string>;
  steps?: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const workflow = (file: string) => readYaml(join(ROOT, '.github', 'workflows', file)) as Workflow;
const FILES = ['ci.yml', 'check-dist.yml', 'release.yml'];
const steps = (wf: Workflow) => Object.values(wf.jobs).flatMap((job) => job.steps ?? []);
const runs = (job: Job) => (job.steps ?? []).flatMap((s) => (s.run ? [s.run.trim()] : []));
const stepNamed = (wf: Workflow, name: string) => steps(wf).find((s) => s.name === name)!;
const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

describe("the repository's workflows", () => {
  it.each(FILES)('%s pins every action to a major version and reads only by default', (file) => {
    const wf = workflow(file);
    expect(wf.permissions).toEqual({ contents: 'read' });
    for (const step of steps(wf).filter((s) => s.uses)) expect(step.uses).toMatch(/^[\w.-]+\/[\w.-]+@v\d+$/);
    for (const [name, job] of Object.entries(wf.jobs)) {
      if (job.uses) expect(job.uses).toMatch(/^\.\/\.github\/workflows\/[\w-]+\.yml$/);
      // Only the release job writes: it creates the release and moves the major tag.
      const writes = Object.entries(job.permissions ?? {}).filter(([, level]) => level === 'write');
      expect(writes, `${file} ${name}`).toEqual(file === 'release.yml' && name === 'release' ? [['contents', 'write']] : []);
    }
  });

  it("ci.yml runs the README's test command on Node 20 and 24, then lint, types, format and actionlint", () => {
    const wf = workflow('ci.yml');
    expect(Object.keys(wf.on).sort()).toEqual(['pull_request', 'push']);
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('npm ci && npm test');
    const test = wf.jobs.test!;
    expect(test.strategy?.matrix.node).toEqual([20, 24]);
    expect(runs(test)).toEqual(['npm ci --no-audit --no-fund', 'npm test']);
    expect(runs(wf.jobs.check!)).toEqual([
      'npm ci --no-audit --no-fund',
      'npm run lint',
      'npm run typecheck',
      'npm run format:check',
      'npm run lint:workflows',
    ]);
    for (const script of ['test', 'lint', 'typecheck', 'format:check', 'lint:workflows']) expect(scripts[script], script).toBeDefined();
    expect(scripts['lint:workflows']).toContain('{.github/workflows,examples/workflows}/*.yml');
  });

  it('check-dist.yml rebuilds dist/, fails on a difference and uploads it; the release reuses it', () => {
    const wf = workflow('check-dist.yml');
    expect(Object.keys(wf.on).sort()).toEqual(['pull_request', 'push', 'workflow_call']);
    const job = wf.jobs['check-dist']!;
    expect(runs(job).slice(0, 2)).toEqual(['npm ci --no-audit --no-fund', 'npm run build']);
    const upload = steps(wf).find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
    expect(upload.if).toContain("steps.diff.outcome == 'failure'");
    expect(String(upload.with?.path)).toContain('dist.diff');
    expect(scripts.build).toBe('node scripts/build.mjs');
  });

  describe('release.yml', () => {
    const wf = workflow('release.yml');
    const dirs: string[] = [];
    const tempDir = () => {
      const dir = mkdtempSync(join(tmpdir(), 'ascp-release-'));
      dirs.push(dir);
      return dir;
    };
    afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

    /** Runs one step's script with bash, as the runner does, in `cwd`. */
    const runStep = (name: string, cwd: string, env: Record<string, string>) =>
      spawnSync('bash', ['-e', '-c', stepNamed(wf, name).run!], {
        cwd,
        env: { PATH: process.env.PATH ?? '', HOME: cwd, GIT_CONFIG_NOSYSTEM: '1', ...env },
        encoding: 'utf8',
      });

    it('runs on version tags only, after check-dist, and names the tag for every step', () => {
      expect(wf.on).toEqual({ push: { tags: ['v[0-9]+.[0-9]+.[0-9]+'] } });
      expect(wf.jobs['check-dist']!.uses).toBe('./.github/workflows/check-dist.yml');
      expect(wf.jobs.release!.needs).toBe('check-dist');
      expect(wf.jobs.release!.env).toEqual({ TAG: '${{ github.ref_name }}' });
      expect(stepNamed(wf, 'Create the GitHub release').run).toContain('gh release create "$TAG" --verify-tag');
    });

    it('attaches the packed command line, named as npm pack names it, as docs/cli.md promises', () => {
      expect(stepNamed(wf, 'Pack the command line').run).toBe('npm pack --ignore-scripts');
      const name = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).name as string;
      expect(stepNamed(wf, 'Create the GitHub release').run).toContain(`"${name}-\${TAG#v}.tgz"`);
      expect(readFileSync(join(ROOT, 'docs', 'cli.md'), 'utf8')).toContain(`npm install -g ./${name}-*.tgz`);
    });

    it("takes the release notes from the tag's CHANGELOG.md section, and refuses a tag without one", () => {
      const dir = tempDir();
      copyFileSync(join(ROOT, 'CHANGELOG.md'), join(dir, 'CHANGELOG.md'));
      const ok = runStep('Release notes from CHANGELOG.md', dir, { TAG: 'v0.1.0' });
      expect(ok.status, ok.stderr).toBe(0);
      const notes = readFileSync(join(dir, 'release-notes.md'), 'utf8');
      expect(notes).toContain('### Added');
      expect(notes).toContain('`command: publish`');
      expect(notes).not.toContain('## [');
      expect(notes).not.toContain('App Store release'); // the Unreleased section stays out

      const missing = runStep('Release notes from CHANGELOG.md', dir, { TAG: 'v9.9.9' });
      expect(missing.status).not.toBe(0);
      expect(missing.stdout).toContain('::error::CHANGELOG.md has no section "## [9.9.9]"');
    });

    it('checks the tag against package.json', () => {
      const dir = tempDir();
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ version: '1.2.3' }));
      expect(runStep('Check the tag against package.json', dir, { TAG: 'v1.2.3' }).status).toBe(0);
      const other = runStep('Check the tag against package.json', dir, { TAG: 'v1.2.4' });
      expect(other.status).not.toBe(0);
      expect(other.stdout).toContain('package.json has version 1.2.3 but the tag is v1.2.4');
      const odd = runStep('Check the tag against package.json', dir, { TAG: 'v1.2.3-rc.1' });
      expect(odd.stdout).toContain('is not a version tag');
    });

    it('moves the major tag to each release, force-pushed', () => {
      const dir = tempDir();
      const origin = join(dir, 'origin.git');
      const work = join(dir, 'work');
      const git = (cwd: string, ...args: string[]) =>
        execFileSync('git', ['-c', 'user.name=Release', '-c', 'user.email=release@example.com', ...args], {
          cwd,
          encoding: 'utf8',
          // git says "You appear to have cloned an empty repository" on stderr: expected here, not shown.
          stdio: ['ignore', 'pipe', 'pipe'],
        }).trim();
      git(dir, 'init', '--quiet', '--bare', origin);
      git(dir, 'clone', '--quiet', origin, work);
      const release = (version: string) => {
        git(work, 'commit', '--quiet', '--allow-empty', '-m', version);
        const sha = git(work, 'rev-parse', 'HEAD');
        const run = runStep('Move the major tag', work, { TAG: version, GITHUB_SHA: sha });
        expect(run.status, run.stderr).toBe(0);
        expect(run.stdout).toContain(`v1 now points at ${version} (${sha}).`);
        return sha;
      };
      const first = release('v1.0.0');
      expect(git(origin, 'rev-parse', 'refs/tags/v1')).toBe(first);
      const second = release('v1.1.0');
      expect(second).not.toBe(first);
      expect(git(origin, 'rev-parse', 'refs/tags/v1')).toBe(second);
    });
  });

  it('dependabot updates npm and GitHub Actions weekly, minor and patch versions grouped', () => {
    const config = readYaml(join(ROOT, '.github', 'dependabot.yml')) as {
      version: number;
      updates: Array<{ 'package-ecosystem': string; schedule: { interval: string }; groups: Record<string, { 'update-types': string[] }> }>;
    };
    expect(config.version).toBe(2);
    expect(config.updates.map((u) => u['package-ecosystem']).sort()).toEqual(['github-actions', 'npm']);
    for (const update of config.updates) {
      expect(update.schedule.interval).toBe('weekly');
      const groups = Object.values(update.groups);
      expect(groups.length).toBeGreaterThan(0);
      for (const group of groups) expect(group['update-types']).toEqual(['minor', 'patch']);
    }
  });
});
