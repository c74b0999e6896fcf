/** Messages between the benchmark and the process that runs the fakes. */
import type { LinkSpec } from '../../test-support/link.js';

export type FakeCommand =
  | { op: 'start'; partSize: number }
  | { op: 'partSize'; bytes: number }
  | { op: 'link'; spec: LinkSpec | null }
  /** Off: the fake skips checking requests and answers against Apple's schema (benchmarks only). */
  | { op: 'contractChecks'; on: boolean }
  | { op: 'counts' }
  | { op: 'requests'; from: number }
  | { op: 'seed'; count: number; firstBuildNumber: number; runId: number; tempDir: string }
  | { op: 'finishProcessing' }
  | { op: 'liveArtifacts' }
  | { op: 'runEnv'; runId: number }
  | { op: 'githubRoutes'; from: number }
  | { op: 'violations' }
  | { op: 'stop' };

export interface FakeReply {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

export interface Started {
  ascUrl: string;
  keyId: string;
  issuerId: string;
  privateKeyPem: string;
  ghToken: string;
}

export interface Counts {
  asc: number;
  github: number;
  githubBlob: number;
}

/** A request as the fake App Store Connect logged it: `at` is its arrival (ms since the epoch). */
export interface SlimRequest {
  method: string;
  path: string;
  at: number;
  status: number;
  bytes?: number;
}
