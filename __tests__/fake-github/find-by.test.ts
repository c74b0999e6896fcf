import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { useFakeGitHub } from '../../test-support/fake-github/suite.js';

// @actions/github fixes its API base URL from GITHUB_API_URL when first imported, so the env comes first.
const gh = useFakeGitHub({ runId: 11 });

it('lets @actions/artifact download another run’s artifact through REST (findBy)', async () => {
  const { DefaultArtifactClient } = await import('@actions/artifact');
  const id = gh.addArtifact({ name: 'from-run-10', runId: 10, files: { 'doc.json': '{"ok":true}' } });
  const out = mkdtempSync(join(tmpdir(), 'fake-gh-out-'));
  await new DefaultArtifactClient().downloadArtifact(id, {
    path: out,
    findBy: { token: gh.token, workflowRunId: 10, repositoryOwner: 'octo', repositoryName: 'app' },
  });
  expect(readFileSync(join(out, 'doc.json'), 'utf8')).toBe('{"ok":true}');
  expect(gh.requests.map((r) => `${r.host} ${r.method} ${r.status}`)).toEqual(['api GET 302', 'blob GET 200']);
});
