import type { Fakes } from './fakes.js';
import { runAction } from './measure.js';

export interface ResumeResult {
  label: string;
  wallMs: number;
  peakRssMb: number;
  ascRequests: number;
  githubRequests: number;
  githubStorageRequests: number;
  githubRoutes: Record<string, number>;
  outcome: string;
  artifactsLeft: number;
}

/**
 * 50 pending builds, as 50 deferred publishes leave them (their states saved in workflow artifacts,
 * the builds processing at Apple), then two scheduled resume runs of dist/index.js: one while the
 * builds are still processing (each gets one status check and its progress saved), one once they
 * are VALID (each runs its remaining steps and its state is deleted).
 */
export async function measureResume(
  fakes: Fakes,
  tempDir: string,
  count: number,
  entry?: string,
): Promise<{ seedMs: number; runs: ResumeResult[] }> {
  const t0 = performance.now();
  await fakes.call({ op: 'seed', count, firstBuildNumber: 1000, runId: 9000, tempDir });
  const seedMs = performance.now() - t0;
  const runs: ResumeResult[] = [];
  for (const [label, runId] of [
    [`${count} builds still processing`, 9001],
    [`${count} builds processed`, 9002],
  ] as const) {
    if (runId === 9002) await fakes.call({ op: 'finishProcessing' });
    const env = await fakes.call<Record<string, string>>({ op: 'runEnv', runId });
    const before = await fakes.counts();
    const run = await runAction(fakes, { command: 'resume', 'github-token': fakes.started.ghToken }, { env, entry });
    const after = await fakes.counts();
    runs.push({
      label,
      wallMs: run.wallMs,
      peakRssMb: run.peakRssMb,
      ascRequests: after.asc - before.asc,
      githubRequests: after.github - before.github,
      githubStorageRequests: after.githubBlob - before.githubBlob,
      githubRoutes: await fakes.call({ op: 'githubRoutes', from: before.github }),
      outcome: run.outputs['post-processing'] ?? '?',
      artifactsLeft: await fakes.call<number>({ op: 'liveArtifacts' }),
    });
  }
  return { seedMs, runs };
}
