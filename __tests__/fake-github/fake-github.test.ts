import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultArtifactClient } from '@actions/artifact';
import { Octokit } from '@octokit/rest';
import { afterEach, describe, expect, it } from 'vitest';
import { applyEnv } from '../../test-support/fake-github/env.js';
import { startFakeGitHub } from '../../test-support/fake-github/index.js';
import { useFakeGitHub } from '../../test-support/fake-github/suite.js';
import { writeZip } from '../../test-support/fake-github/zip-writer.js';
import { readZip } from '../../src/stores/zip.js';

const gh = useFakeGitHub({ token: 'ghs_testToken' });
let restore: (() => void) | undefined;

afterEach(() => {
  restore?.();
  restore = undefined;
});

function asRun(runId: number): void {
  restore?.();
  restore = applyEnv(gh.runEnv(runId));
}

function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'fake-gh-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function octokit(token = 'ghs_testToken'): Octokit {
  return new Octokit({ auth: token, baseUrl: gh.apiUrl });
}

describe('fake GitHub: the @actions/artifact v6 upload protocol', () => {
  it('takes an upload from run 1 through CreateArtifact, block blob and FinalizeArtifact, and keeps the zip', async () => {
    asRun(1);
    const dir = workspace({ 'state.json': '{"build":"42"}', 'notes.txt': 'hello' });
    const before = gh.requests.length;
    const result = await new DefaultArtifactClient().uploadArtifact('upload-one', [join(dir, 'state.json'), join(dir, 'notes.txt')], dir);

    const stored = gh.artifacts().find((a) => a.id === result.id);
    expect(stored).toMatchObject({ name: 'upload-one', runId: 1, deleted: false, expired: false, sizeInBytes: result.size });
    expect(stored!.files['state.json']!.toString()).toBe('{"build":"42"}');
    expect(stored!.files['notes.txt']!.toString()).toBe('hello');
    expect(stored!.digest).toBe(`sha256:${result.digest}`);

    const calls = gh.requests
      .slice(before)
      .map(
        (r) =>
          `${r.host} ${r.method} ${r.path.replace(/\/actions-results\/.*/, '/<blob>')}${r.query.match(/comp=\w+/)?.[0] ?? ''} ${r.status}`,
      );
    expect(calls).toEqual([
      'api POST /twirp/github.actions.results.api.v1.ArtifactService/CreateArtifact 200',
      'blob PUT /<blob>comp=block 201',
      'blob PUT /<blob>comp=blocklist 201',
      'api POST /twirp/github.actions.results.api.v1.ArtifactService/FinalizeArtifact 200',
    ]);
    // Storage never sees a GitHub credential: the upload URL is pre-signed.
    expect(gh.requests.slice(before).filter((r) => r.host === 'blob' && r.authorization)).toEqual([]);
  });

  it('refuses a second artifact with the same name in one run, as GitHub does', async () => {
    asRun(7);
    const dir = workspace({ 'a.json': '1' });
    await new DefaultArtifactClient().uploadArtifact('dup', [join(dir, 'a.json')], dir);
    await expect(new DefaultArtifactClient().uploadArtifact('dup', [join(dir, 'a.json')], dir)).rejects.toThrow(/409.*already exists/);
    asRun(8);
    await expect(new DefaultArtifactClient().uploadArtifact('dup', [join(dir, 'a.json')], dir)).resolves.toMatchObject({
      id: expect.any(Number),
    });
  });

  it('serves ListArtifacts, GetSignedArtifactURL and DeleteArtifact scoped to the run in the runtime token', async () => {
    asRun(3);
    const dir = workspace({ 'x.json': '{"x":1}' });
    const { id } = await new DefaultArtifactClient().uploadArtifact('run3-thing', [join(dir, 'x.json')], dir);
    const listed = await new DefaultArtifactClient().listArtifacts();
    expect(listed.artifacts.map((a) => [a.id, a.name])).toContainEqual([id, 'run3-thing']);

    const out = mkdtempSync(join(tmpdir(), 'fake-gh-out-'));
    await new DefaultArtifactClient().downloadArtifact(id!, { path: out });
    expect(readFileSync(join(out, 'x.json'), 'utf8')).toBe('{"x":1}');

    asRun(4);
    expect((await new DefaultArtifactClient().listArtifacts()).artifacts.map((a) => a.id)).not.toContain(id);

    asRun(3);
    await expect(new DefaultArtifactClient().deleteArtifact('run3-thing')).resolves.toEqual({ id });
    expect(gh.artifacts().find((a) => a.id === id)?.deleted).toBe(true);
  });

  it('retries a results-service 503 the way the library does, and the upload still lands once', async () => {
    asRun(20);
    gh.faults.inject({ path: /CreateArtifact$/, kind: '503', times: 1 });
    const dir = workspace({ 's.json': '{}' });
    const before = gh.requests.length;
    const { id } = await new DefaultArtifactClient().uploadArtifact('after-fault', [join(dir, 's.json')], dir);
    const creates = gh.requests.slice(before).filter((r) => r.path.endsWith('/CreateArtifact'));
    expect(creates.map((r) => r.status)).toEqual([503, 200]);
    expect(
      gh
        .artifacts()
        .filter((a) => a.name === 'after-fault' && a.runId === 20)
        .map((a) => a.id),
    ).toEqual([id]);
  });
});

describe('fake GitHub: REST artifacts API', () => {
  it('pages newest first with Link headers that Octokit follows', async () => {
    const fresh = await startFakeGitHub({ repository: 'acme/widgets', token: 't1' });
    try {
      const t0 = Date.parse('2025-01-01T00:00:00Z');
      for (let i = 0; i < 205; i++) {
        fresh.addArtifact({ name: `a-${i}`, runId: 1 + (i % 5), files: { 'f.json': String(i) }, createdAt: new Date(t0 + i * 60_000) });
      }
      const kit = new Octokit({ auth: 't1', baseUrl: fresh.apiUrl });
      const first = await kit.rest.actions.listArtifactsForRepo({ owner: 'acme', repo: 'widgets', per_page: 100 });
      expect(first.data.total_count).toBe(205);
      expect(first.data.artifacts[0]).toMatchObject({ name: 'a-204', expired: false, workflow_run: { id: 5 } });
      expect(first.data.artifacts[0]!.archive_download_url).toBe(
        `${fresh.apiUrl}/repos/acme/widgets/actions/artifacts/${first.data.artifacts[0]!.id}/zip`,
      );
      expect(first.headers.link).toMatch(/\/repositories\/\d+\/actions\/artifacts\?per_page=100&page=2>; rel="next"/);

      const all = await kit.paginate(kit.rest.actions.listArtifactsForRepo, { owner: 'acme', repo: 'widgets', per_page: 100 });
      expect(all.map((a) => a.name)).toEqual(Array.from({ length: 205 }, (_, i) => `a-${204 - i}`));
      const listCalls = fresh.requests.filter((r) => r.path.endsWith('/actions/artifacts'));
      expect(listCalls.map((r) => r.status)).toEqual([200, 200, 200, 200]);

      const byName = await kit.rest.actions.listArtifactsForRepo({ owner: 'acme', repo: 'widgets', name: 'a-7' });
      expect(byName.data.artifacts.map((a) => a.name)).toEqual(['a-7']);

      const ofRun = await kit.paginate(kit.rest.actions.listWorkflowRunArtifacts, {
        owner: 'acme',
        repo: 'widgets',
        run_id: 3,
        per_page: 100,
      });
      expect(ofRun).toHaveLength(41);
      expect(ofRun.every((a) => a.workflow_run?.id === 3)).toBe(true);
    } finally {
      await fresh.close();
    }
  });

  it('redirects a zip download to pre-signed storage that serves the stored bytes', async () => {
    const id = gh.addArtifact({ name: 'zip-me', runId: 30, files: { 'a.json': '[1,2]', 'b.txt': 'bee' } });
    const res = await fetch(`${gh.apiUrl}/repos/octo/app/actions/artifacts/${id}/zip`, {
      headers: { authorization: `Bearer ${gh.token}` },
      redirect: 'manual',
    });
    expect(res.status).toBe(302);
    const location = res.headers.get('location')!;
    expect(location.startsWith(gh.blobUrl)).toBe(true);
    const blob = await fetch(location);
    expect(blob.headers.get('content-type')).toBe('application/zip');
    const bytes = Buffer.from(await blob.arrayBuffer());
    expect(Object.fromEntries([...(await readZip(bytes))].map(([k, v]) => [k, v.toString()]))).toEqual({
      'a.json': '[1,2]',
      'b.txt': 'bee',
    });
    expect(`sha256:${createHash('sha256').update(bytes).digest('hex')}`).toBe(gh.artifacts().find((a) => a.id === id)!.digest);

    // Storage rejects a tampered signature and a request that carries a GitHub token.
    expect((await fetch(location.replace(/sig=[^&]+/, 'sig=forged'))).status).toBe(403);
    expect((await fetch(location, { headers: { authorization: `token ${gh.token}` } })).status).toBe(400);
  });

  it('answers 401, 403, 404 and 410 the way GitHub does', async () => {
    const id = gh.addArtifact({ name: 'codes', runId: 31, files: { 'a.json': '{}' } });
    await expect(octokit('wrong').rest.actions.getArtifact({ owner: 'octo', repo: 'app', artifact_id: id })).rejects.toMatchObject({
      status: 401,
      message: expect.stringContaining('Bad credentials'),
    });
    await expect(octokit().rest.actions.getArtifact({ owner: 'octo', repo: 'other', artifact_id: id })).rejects.toMatchObject({
      status: 404,
    });

    gh.denyPermissions(true);
    await expect(octokit().rest.actions.listArtifactsForRepo({ owner: 'octo', repo: 'app' })).rejects.toMatchObject({
      status: 403,
      message: expect.stringContaining('Resource not accessible by integration'),
    });
    gh.denyPermissions('write');
    await expect(octokit().rest.actions.getArtifact({ owner: 'octo', repo: 'app', artifact_id: id })).resolves.toMatchObject({
      status: 200,
    });
    await expect(octokit().rest.actions.deleteArtifact({ owner: 'octo', repo: 'app', artifact_id: id })).rejects.toMatchObject({
      status: 403,
    });
    gh.denyPermissions(false);

    gh.expire(id);
    const listed = await octokit().rest.actions.getArtifact({ owner: 'octo', repo: 'app', artifact_id: id });
    expect(listed.data.expired).toBe(true);
    await expect(
      octokit().rest.actions.downloadArtifact({
        owner: 'octo',
        repo: 'app',
        artifact_id: id,
        archive_format: 'zip',
        request: { redirect: 'manual' },
      }),
    ).rejects.toMatchObject({ status: 410 });

    await expect(octokit().rest.actions.deleteArtifact({ owner: 'octo', repo: 'app', artifact_id: id })).resolves.toMatchObject({
      status: 204,
    });
    await expect(octokit().rest.actions.deleteArtifact({ owner: 'octo', repo: 'app', artifact_id: id })).rejects.toMatchObject({
      status: 404,
    });
    expect(gh.artifacts().find((a) => a.id === id)).toMatchObject({ deleted: true, expired: true });
  });

  it('injects faults by method and path, a given number of times, and logs every request', async () => {
    gh.faults.inject({ method: 'GET', path: '/repos/octo/app/actions/artifacts', kind: '500', times: 1 });
    gh.faults.inject({ method: 'GET', path: '/repos/octo/app/actions/artifacts', kind: 'reset', times: 1 });
    gh.faults.inject({ method: 'GET', path: '/repos/octo/app/actions/artifacts', kind: '429', times: 1, retryAfterSeconds: 2 });
    const url = `${gh.apiUrl}/repos/octo/app/actions/artifacts`;
    const headers = { authorization: `token ${gh.token}` };
    expect((await fetch(url, { headers })).status).toBe(500);
    await expect(fetch(url, { headers })).rejects.toThrow();
    const limited = await fetch(url, { headers });
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '2']);
    expect((await fetch(url, { headers })).status).toBe(200);
    expect(gh.requests.slice(-4).map((r) => r.status)).toEqual([500, 0, 429, 200]);
  });
});

describe('zip reader', () => {
  it('reads what the fake writes and rejects corruption', async () => {
    const zip = writeZip({ 'a.json': '{"a":1}', 'dir/b.bin': Buffer.alloc(5000, 7) });
    const files = await readZip(zip);
    expect(files.get('a.json')!.toString()).toBe('{"a":1}');
    expect(files.get('dir/b.bin')!.equals(Buffer.alloc(5000, 7))).toBe(true);
    const broken = Buffer.from(zip);
    broken[40] = broken[40]! ^ 0xff;
    await expect(readZip(broken)).rejects.toThrow(/Invalid zip/);
    await expect(readZip(Buffer.from('not a zip at all, not even close'))).rejects.toThrow(/Invalid zip: end of central directory/i);
    await expect(readZip(zip, { maxBytes: 100 })).rejects.toThrow(/larger than 100 bytes/);
    await expect(readZip(zip, { maxEntries: 1 })).rejects.toThrow(/2 entries/);
  });
});
