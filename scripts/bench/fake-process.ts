/**
 * The fake App Store Connect and the fake GitHub in a process of their own (so the action under
 * measurement and the servers do not share a core), driven by the benchmark over IPC.
 */
import { makeTestKey, startFakeAsc, type FakeAsc, type TestKey } from '../../test-support/fake-asc/index.js';
import { applyEnv } from '../../test-support/fake-github/env.js';
import { startFakeGitHub, type FakeGitHub } from '../../test-support/fake-github/index.js';
import { setPartHostLink } from '../../test-support/link.js';
import { setContractChecks } from '../../test-support/fake-asc/server.js';
import { plannedState, sealedStore } from '../../test-support/deferred.js';
import type { FakeCommand, FakeReply, SlimRequest } from './protocol.js';

let key: TestKey;
let asc: FakeAsc;
let gh: FakeGitHub;
let appId = '';
const seeded: string[] = [];

async function handle(command: FakeCommand): Promise<unknown> {
  switch (command.op) {
    case 'start': {
      key = makeTestKey();
      asc = await startFakeAsc({
        keys: [key],
        storeUploadedBytes: false,
        partSize: command.partSize,
        // Builds stay in processing until the benchmark says otherwise.
        timing: { uploadProcessingMs: 0, buildAppearsAfterMs: 0, buildProcessingMs: 24 * 3_600_000, betaDetailProcessingMs: 0 },
      });
      gh = await startFakeGitHub();
      appId = asc.addApp({ bundleId: 'com.example.bench', name: 'Bench', primaryLocale: 'en-US' }).id;
      asc.addBetaGroup(appId, 'QA');
      asc.setBetaAppReviewDetailComplete(appId, true);
      return {
        ascUrl: asc.url,
        keyId: key.keyId,
        issuerId: key.issuerId!,
        privateKeyPem: key.privateKeyPem,
        ghToken: gh.token,
      };
    }
    case 'partSize':
      asc.partSize = command.bytes;
      return null;
    case 'link':
      setPartHostLink(asc.url, command.spec ?? undefined);
      return null;
    case 'contractChecks':
      setContractChecks(command.on);
      return null;
    case 'counts':
      return {
        asc: asc.requests.length,
        github: gh.requests.length,
        githubBlob: gh.requests.filter((r) => r.host === 'blob').length,
      };
    case 'requests':
      return asc.requests
        .slice(command.from)
        .map((r): SlimRequest => ({ method: r.method, path: r.path, at: r.at, status: r.status, bytes: r.partBytes }));
    case 'seed': {
      // Builds Apple knows about, and one saved state per build, as deferred publishes leave them.
      const restore = applyEnv({ ...gh.runEnv(command.runId), RUNNER_TEMP: command.tempDir });
      try {
        const store = sealedStore(gh, key.privateKeyPem);
        const states = [];
        for (let i = 0; i < command.count; i++) {
          const buildNumber = String(command.firstBuildNumber + i);
          seeded.push(asc.addBuild({ appId, version: '5.0', buildNumber, processingState: 'PROCESSING' }).id);
          states.push(
            plannedState({
              app: { id: appId, bundleId: 'com.example.bench', name: 'Bench' },
              build: { version: '5.0', buildNumber, platform: 'IOS', fileName: 'Bench.ipa' },
              request: {
                notes: [{ locale: 'en-US', text: `Build ${buildNumber}: try the new search` }],
                usesNonExemptEncryption: false,
                submitBetaReview: true,
                betaGroups: ['QA'],
              },
              skip: ['upload-state'],
              origin: { repository: gh.repository, runId: String(command.runId), workflow: 'Release' },
            }),
          );
        }
        // A few at a time: the artifact client is slow one by one and this is only the set-up.
        for (let i = 0; i < states.length; i += 5) await Promise.all(states.slice(i, i + 5).map((s) => store.save(s)));
        return { artifacts: gh.artifacts().filter((a) => !a.deleted).length };
      } finally {
        restore();
      }
    }
    case 'finishProcessing':
      for (const id of seeded) asc.setBuildProcessingState(id, 'VALID');
      return null;
    case 'githubRoutes': {
      // Requests per route (ids replaced), to see where a run's GitHub traffic goes.
      const routes: Record<string, number> = {};
      for (const r of gh.requests.slice(command.from)) {
        const route = `${r.method} ${r.host === 'blob' ? '(storage)' : r.path.replace(/\/\d+(?=\/|$)/g, '/:id').replace(/^.*ArtifactService\//, 'twirp ')}`;
        routes[route] = (routes[route] ?? 0) + 1;
      }
      return routes;
    }
    case 'runEnv':
      return gh.runEnv(command.runId);
    case 'liveArtifacts':
      return gh.artifacts().filter((a) => !a.deleted).length;
    case 'violations':
      return asc.violations.map((v) => `${v.method} ${v.path}: ${v.message}`);
    case 'stop':
      await asc.close();
      await gh.close();
      return null;
  }
}

process.on('message', (message: { id: number; command: FakeCommand }) => {
  handle(message.command).then(
    (value) => process.send!({ id: message.id, ok: true, value } satisfies FakeReply),
    (error: unknown) => process.send!({ id: message.id, ok: false, error: String((error as Error).stack ?? error) } satisfies FakeReply),
  );
});
process.send!({ id: 0, ok: true, value: 'ready' } satisfies FakeReply);
