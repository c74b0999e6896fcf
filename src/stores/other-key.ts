/**
 * What a resume says about a state sealed with another App Store Connect key: most often the key was
 * rotated after the publish, which strands the build until it is finished with the new key.
 */

/** A plain identifier from an unverified state, or nothing: shown to a reader, never acted on. */
const PLAIN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** The build an unverified state names (bundle ID, version, build number), when each is a plain identifier. */
function claimedBuild(state: unknown): { bundleId: string; version: string; buildNumber: string } | undefined {
  const s = state as { app?: { bundleId?: unknown }; build?: { version?: unknown; buildNumber?: unknown } } | null;
  const [bundleId, version, buildNumber] = [s?.app?.bundleId, s?.build?.version, s?.build?.buildNumber];
  if (![bundleId, version, buildNumber].every((v) => typeof v === 'string' && PLAIN.test(v))) return undefined;
  return { bundleId: bundleId as string, version: version as string, buildNumber: buildNumber as string };
}

/** Why the state is not used, which build it is for, and what to do: distribute with the new key, then delete it. */
export function otherKeyReason(state: unknown, theirs: string, ours: string): string {
  const build = claimedBuild(state);
  const which = build
    ? `build ${build.bundleId} ${build.version} (${build.buildNumber}), as the artifact says`
    : 'a build this key cannot read';
  const finish = build
    ? `\`command: distribute\` with the new key, \`app-version: ${build.version}\` and \`build-number: ${build.buildNumber}\``
    : '`command: distribute` with the new key for that build';
  return (
    `it was written with another App Store Connect key (public key ${theirs.slice(0, 23)}…, this run's is ${ours.slice(0, 23)}…): ` +
    `its state was sealed with that key, so this run cannot finish ${which}. ` +
    `If you rotated the key, finish it with ${finish}, then delete this artifact; ` +
    `if another key publishes from this repository, the resume that holds that key finishes it. It is kept`
  );
}
