import type { Config } from '../config.js';
import type { Runtime } from '../runtime.js';
import { compareBuildNumbers, nextBuildNumber } from '../domain.js';
import { relatedId } from '../asc/types.js';
import { resolveApp } from './app.js';
import { connectFromConfig, type CommandDeps } from './context.js';

/**
 * Highest build number in TestFlight and the App Store (optionally for one version), and the next one.
 * macOS build numbers must rise across versions, so for MAC_OS the highest of every version counts.
 */
export async function latestBuildNumber(config: Config, runtime: Runtime, deps: CommandDeps): Promise<void> {
  const asc = connectFromConfig(config, runtime, deps);
  const app = await resolveApp(asc, config.appId, config.bundleId ?? '');
  const acrossVersions = config.platform === 'MAC_OS';
  const version = acrossVersions ? undefined : config.appVersion;
  const [testFlight, appStore] = await Promise.all([
    // Builds still processing hold their numbers too: Apple hides them unless asked for every state.
    asc.builds.list({ appId: app.id, version, platform: config.platform, anyState: true }),
    asc.appStore.versions.list(app.id, { versionString: version, platform: config.platform }),
  ]);
  // Apple's version filter matches 2.0.0 for 2.0: only the builds of versions with exactly that string.
  const attached = appStore.versions
    .filter((v) => version === undefined || v.attributes?.versionString === version)
    .map((v) => appStore.builds.get(relatedId(v, 'build') ?? ''))
    .filter((b) => b !== undefined);
  // A build attached to an App Store version is usually in TestFlight's list too: count it once.
  const builds = new Map([...testFlight.builds, ...attached].map((b) => [b.id, b]));
  const numbers = [...builds.values()].map((b) => b.attributes?.version).filter((v): v is string => !!v);
  const latest = numbers.sort(compareBuildNumbers).at(-1);
  const next = nextBuildNumber(latest);
  const scope = `${app.attributes?.bundleId ?? app.id}${version ? ` version ${version}` : acrossVersions && config.appVersion ? ' (every version: macOS build numbers rise across versions)' : ''}${config.platform ? ` (${config.platform})` : ''}`;
  runtime.log.info(latest ? `Latest build number of ${scope}: ${latest}; next: ${next}.` : `No build of ${scope} yet; next: ${next}.`);
  runtime.setOutput('app-id', app.id);
  runtime.setOutput('bundle-id', app.attributes?.bundleId ?? '');
  runtime.setOutput('latest-build-number', latest ?? '');
  runtime.setOutput('next-build-number', next);
  await runtime.appendSummary(
    `### Latest build number — ${scope}\n\n| Latest | Next | Builds seen |\n| --- | --- | --- |\n| ${latest ?? '—'} | ${next} | ${numbers.length} |\n`,
  );
}
