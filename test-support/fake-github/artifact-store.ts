/** The fake GitHub's workflow runs and their artifacts, shared by the results service, blob storage and REST routes. */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readZip } from '../../src/stores/zip.js';
import { base64url } from './http.js';
import type { FakeArtifact, NewArtifact } from './types.js';
import { writeZip } from './zip-writer.js';

export interface Run {
  runId: number;
  runBackendId: string;
  jobBackendId: string;
  runtimeToken: string;
}

export interface StoredArtifact {
  id: number;
  name: string;
  run: Run;
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date;
  finalized: boolean;
  deleted: boolean;
  expiredFlag: boolean;
  blobKey: string;
  uploadSig: string;
  downloadSig: string;
  blocks: Map<string, Buffer>;
  blob?: Buffer;
  digest?: string;
  contentType: string;
  /** The unzipped content, read once when the artifact is finalized. */
  files?: Record<string, Buffer>;
  /** The repository the making run's code came from (a fork's for a pull request from a fork). */
  headRepositoryId: number;
}

export const REPOSITORY_ID = 700_001;
const DEFAULT_RETENTION_DAYS = 90;

export class ArtifactStore {
  /** Whether the artifact list's `Link: rel="next"` points to the page itself (a broken proxy or server). */
  selfLinkingPages = false;
  readonly runs = new Map<number, Run>();
  readonly runsByToken = new Map<string, Run>();
  readonly byId = new Map<number, StoredArtifact>();
  readonly byBlobKey = new Map<string, StoredArtifact>();
  private nextId = 4_000_001;

  /** `blobUrl`: the storage host that signed URLs point at. */
  constructor(private readonly blobUrl: string) {}

  runFor(runId: number): Run {
    let run = this.runs.get(runId);
    if (!run) {
      const runBackendId = randomUUID();
      const jobBackendId = randomUUID();
      // Unsigned: @actions/artifact only decodes the claims to find the backend IDs.
      const runtimeToken = [
        base64url(JSON.stringify({ typ: 'JWT', alg: 'none' })),
        base64url(
          JSON.stringify({
            iss: 'fake-github',
            exp: Math.floor(Date.now() / 1000) + 6 * 3600,
            ac: '[]',
            scp: `Actions.ExampleScope Actions.Results:${runBackendId}:${jobBackendId}`,
          }),
        ),
        base64url(randomBytes(16)),
      ].join('.');
      run = { runId, runBackendId, jobBackendId, runtimeToken };
      this.runs.set(runId, run);
      this.runsByToken.set(runtimeToken, run);
    }
    return run;
  }

  all(): StoredArtifact[] {
    return [...this.byId.values()];
  }

  newArtifact(run: Run, name: string, expiresAt: Date | undefined): StoredArtifact {
    const now = new Date();
    const artifact: StoredArtifact = {
      id: this.nextId++,
      name,
      run,
      createdAt: now,
      updatedAt: now,
      expiresAt: expiresAt ?? new Date(now.getTime() + DEFAULT_RETENTION_DAYS * 86_400_000),
      finalized: false,
      deleted: false,
      expiredFlag: false,
      blobKey: randomBytes(12).toString('hex'),
      uploadSig: randomBytes(18).toString('base64'),
      downloadSig: randomBytes(18).toString('base64'),
      blocks: new Map(),
      contentType: 'application/zip',
      headRepositoryId: REPOSITORY_ID,
    };
    this.byId.set(artifact.id, artifact);
    this.byBlobKey.set(artifact.blobKey, artifact);
    return artifact;
  }

  signedUrl(a: StoredArtifact, sig: string, permissions: string, ttlMs: number): string {
    const url = new URL(`${this.blobUrl}/actions-results/${a.blobKey}/${encodeURIComponent(a.name)}.zip`);
    url.searchParams.set('sv', '2023-11-03');
    url.searchParams.set('se', new Date(Date.now() + ttlMs).toISOString());
    url.searchParams.set('sr', 'b');
    url.searchParams.set('sp', permissions);
    url.searchParams.set('sig', sig);
    return url.toString();
  }

  /** Adds a finalized artifact directly (as if uploaded by an earlier run). */
  add(input: NewArtifact): number {
    const artifact = this.newArtifact(this.runFor(input.runId), input.name, undefined);
    if (input.createdAt !== undefined) artifact.createdAt = artifact.updatedAt = new Date(input.createdAt);
    artifact.blob = input.rawBlob ?? writeZip(input.files);
    artifact.files = Object.fromEntries(Object.entries(input.files).map(([k, v]) => [k, Buffer.from(v)]));
    if (input.headRepositoryId !== undefined) artifact.headRepositoryId = input.headRepositoryId;
    artifact.digest = `sha256:${createHash('sha256').update(artifact.blob).digest('hex')}`;
    artifact.finalized = true;
    artifact.expiredFlag = input.expired ?? false;
    return artifact.id;
  }

  /** Every finalized artifact, deleted ones included, oldest first. */
  list(): FakeArtifact[] {
    return this.all()
      .filter((a) => a.finalized)
      .sort((a, b) => a.id - b.id)
      .map((a) => ({
        id: a.id,
        name: a.name,
        runId: a.run.runId,
        createdAt: a.createdAt.toISOString(),
        expiresAt: a.expiresAt.toISOString(),
        deleted: a.deleted,
        expired: isExpired(a),
        sizeInBytes: a.blob?.length ?? 0,
        digest: a.digest ?? '',
        files: a.files ?? {},
      }));
  }

  expire(id: number): void {
    const artifact = this.byId.get(id);
    if (!artifact) throw new Error(`fake GitHub: no artifact ${id}`);
    artifact.expiredFlag = true;
  }
}

export function isExpired(a: StoredArtifact): boolean {
  return a.expiredFlag || a.expiresAt.getTime() <= Date.now();
}

export function live(a: StoredArtifact): boolean {
  return a.finalized && !a.deleted;
}

export async function unzipped(blob: Buffer, name: string, contentType: string): Promise<Record<string, Buffer>> {
  if (contentType !== 'application/zip') return { [name]: blob };
  return Object.fromEntries(await readZip(blob));
}
