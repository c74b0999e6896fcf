import { createHash } from 'node:crypto';
import type { FakeGitHub } from '../../test-support/fake-github/index.js';

/** The commit the demo's workflow runs are for (`GITHUB_SHA`): each published build's check run goes there. */
export const DEMO_COMMIT = createHash('sha1').update('app-store-connect-publish demo').digest('hex');

/** What the action sends in a create or update (GitHub's request body). */
interface CheckRunBody {
  name?: string;
  head_sha?: string;
  status?: string;
  conclusion?: string;
  details_url?: string;
  output?: { title?: string };
}

const ICON: Record<string, string> = { success: '✅', failure: '❌', in_progress: '🟡', queued: '⏸️' };

/**
 * What the fake GitHub holds on the demo's commit: each check run, what every workflow run changed in it
 * (from the request log), and its final output as the Checks tab shows it. Throws unless every check run
 * concluded `success`, so the demo fails when the status on the commit is wrong.
 */
export function checkRunsOnCommit(gh: FakeGitHub): string {
  const runs = gh.checks.runs().filter((r) => r.headSha === DEMO_COMMIT);
  if (runs.length === 0) throw new Error(`no check run on commit ${DEMO_COMMIT.slice(0, 7)}`);
  const lines: string[] = [];
  for (const run of runs) {
    const state = run.conclusion ?? run.status;
    lines.push(`${ICON[state] ?? '•'} ${run.name} — ${state}   https://github.com/${gh.repository}/runs/${run.id}`);
    for (const request of gh.checks.requests) {
      const body = (request.body ?? {}) as CheckRunBody;
      const mine =
        request.method === 'POST'
          ? body.name === run.name && body.head_sha === run.headSha
          : request.path.endsWith(`/check-runs/${run.id}`);
      if (!mine || request.status >= 300) continue;
      const by = /\/runs\/(\d+)$/.exec(body.details_url ?? '')?.[1] ?? '?';
      const verb = request.method === 'POST' ? 'created' : 'updated';
      lines.push(`    workflow run ${by}: ${verb}, ${body.conclusion ?? body.status} — “${body.output?.title ?? ''}”`);
    }
    lines.push('', `    Output (Markdown, as the Checks tab renders it):`, '', `    ## ${run.output.title ?? ''}`, '');
    lines.push(...(run.output.summary ?? '').split('\n').map((l) => `    ${l}`.trimEnd()), '');
  }
  const unfinished = runs.filter((r) => r.conclusion !== 'success');
  if (unfinished.length) throw new Error(`check runs not concluded with success: ${unfinished.map((r) => r.name).join(', ')}`);
  return lines.join('\n');
}
