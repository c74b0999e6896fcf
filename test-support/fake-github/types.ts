/** The fake GitHub's options, faults, request log and artifacts, as tests see them. */

export interface FakeGitHubOptions {
  /** The token REST calls must carry (`token X` or `Bearer X`). */
  token?: string;
  /** owner/name; default `octo/app`. */
  repository?: string;
  /**
   * The workflow file that runs `command: resume`, present and active from the start as in a repository
   * set up as the README says (default `post-processing.yml`); null starts with no workflow at all.
   */
  resumeWorkflow?: string | null;
}

/** `hang`: the request is read and never answered (until the fake closes). */
export type FaultKind = '500' | '503' | 'reset' | '429' | 'hang';

export interface FaultRule {
  /** HTTP method; any when omitted. */
  method?: string;
  /** A string matches the path (no query) exactly or as a prefix; a RegExp is tested against the path. */
  path?: string | RegExp;
  kind: FaultKind;
  /** How many matching requests fail before the rule is spent. */
  times: number;
  /** `Retry-After` sent with the answer; a 429 sends 1 unless told. */
  retryAfterSeconds?: number;
}

export interface FakeRequest {
  method: string;
  /** Path without the query. */
  path: string;
  query: string;
  /** 0 when the connection was reset. */
  status: number;
  /** `api` (REST and results service) or `blob` (storage). */
  host: 'api' | 'blob';
  /** Whether the request carried an Authorization header. */
  authorization: boolean;
}

export interface FakeArtifact {
  id: number;
  name: string;
  runId: number;
  createdAt: string;
  expiresAt: string;
  deleted: boolean;
  expired: boolean;
  sizeInBytes: number;
  /** `sha256:<hex>` of the stored blob. */
  digest: string;
  /** The unzipped content (the raw blob under the artifact's name when it is not a zip). */
  files: Record<string, Buffer>;
}

/** An artifact added directly, as if uploaded by an earlier run. */
export interface NewArtifact {
  name: string;
  runId: number;
  files: Record<string, Buffer | string>;
  createdAt?: Date | string;
  expired?: boolean;
  /** The run's head repository: another id makes it a run of a pull request from a fork. */
  headRepositoryId?: number;
  /** Stored as the blob instead of a zip of `files` (which then only describe it). */
  rawBlob?: Buffer;
}
