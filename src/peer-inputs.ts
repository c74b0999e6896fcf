/**
 * Inputs named as the best-known peer (Apple-Actions/upload-testflight-build) names them. GitHub only
 * warns about an input the action does not declare, so a swapped `uses:` line would otherwise fail with
 * "`key-id` is required" and no hint. The runner sets `INPUT_<NAME>` for every `with:` key (uppercased,
 * spaces → `_`, hyphens kept), declared or not: that is where they are seen. The Action host only.
 */
import type { InputName } from './action-inputs.js';
import { InputError } from './errors.js';

interface PeerInput {
  /** The peer's input name. */
  name: string;
  /** This action's input that does the same, if any. */
  ours?: InputName;
  /** What to write instead: our input, and how values map. */
  how: string;
}

/** Apple-Actions/upload-testflight-build's inputs (action.yml, May 2026) that differ from ours; `issuer-id` and `uses-non-exempt-encryption` are shared. */
export const PEER_INPUTS: readonly PeerInput[] = [
  { name: 'api-key-id', ours: 'key-id', how: '`key-id`' },
  { name: 'api-private-key', ours: 'private-key', how: '`private-key` (the .p8 text, or its base64)' },
  { name: 'app-path', ours: 'path', how: '`path` (globs and several packages allowed)' },
  {
    name: 'app-type',
    ours: 'platform',
    how: '`platform` (`ios` → `IOS`, `macos`/`osx` → `MAC_OS`, `appletvos` → `TV_OS`, `visionos` → `VISION_OS`), or nothing: the package says its platform',
  },
  {
    name: 'backend',
    ours: 'upload-method',
    how: '`upload-method` (`appstore-api` → `api`, the default; `altool` → `altool`; `transporter` → `api`)',
  },
  {
    name: 'wait-for-processing',
    ours: 'post-processing',
    how: '`post-processing` (`true` → `inline`, the default; `false` → `deferred`, or `off` to stop once the file is accepted)',
  },
  { name: 'transporter-executable-path', how: 'nothing: remove it, the API upload needs no Transporter (`upload-method: api`)' },
];

/** `INPUT_` variable the runner sets for a `with:` key, as @actions/core reads it. */
function envName(input: string): string {
  return `INPUT_${input.replace(/ /g, '_').toUpperCase()}`;
}

/** Throws an InputError naming this action's input for every peer input given; before anything else. */
export function refusePeerInputs(env: NodeJS.ProcessEnv = process.env): void {
  const given = PEER_INPUTS.filter((p) => env[envName(p.name)] !== undefined);
  if (!given.length) return;
  const lines = given.map((p) => `- \`${p.name}\` → ${p.how}`);
  throw new InputError(
    given[0]!.name,
    `this action does not read ${given.length > 1 ? 'these inputs' : 'this input'}, named as Apple-Actions/upload-testflight-build names ${given.length > 1 ? 'them' : 'it'}; nothing was sent:\n${lines.join('\n')}\nSee docs/migrating.md.`,
  );
}
