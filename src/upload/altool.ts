import { getExecOutput } from '@actions/exec';
import { rmSync } from 'node:fs';
import { rm, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Platform } from '../domain.js';
import { InputError, UserError } from '../errors.js';
import type { PackageInfo } from '../package/index.js';
import { runnerTempDir, type Logger } from '../runtime.js';
import type { UploadResult } from './types.js';

const ALTOOL_TYPE: Record<Platform, string> = { IOS: 'ios', MAC_OS: 'macos', TV_OS: 'appletvos', VISION_OS: 'visionos' };

export interface AltoolOptions {
  appId: string;
  keyId: string;
  issuerId?: string;
  /** PEM text of the key, already checked. */
  privateKeyPem: string;
  log: Logger;
  now?: () => number;
}

/**
 * `xcrun altool --upload-package`, with the key in a private directory under the runner's temp
 * dir (RUNNER_TEMP, which the runner empties after each job; else the OS temp dir). It is removed
 * afterwards, and also when the job is cancelled (SIGINT, then SIGTERM) or the process exits
 * during the upload: a self-hosted runner keeps its disk between jobs.
 */
export async function uploadWithAltool(pkg: PackageInfo, options: AltoolOptions): Promise<UploadResult> {
  const now = options.now ?? Date.now;
  const started = now();
  const dir = await runnerTempDir('asc-altool-');
  const release = removeOnExit(dir);
  try {
    // altool looks for AuthKey_<key id>.p8 in the directory named by API_PRIVATE_KEYS_DIR.
    const keysDir = join(dir, 'private_keys');
    await mkdir(keysDir, { mode: 0o700 });
    await writeFile(join(keysDir, `AuthKey_${options.keyId}.p8`), options.privateKeyPem, { mode: 0o600 });
    const args = altoolArguments(pkg, options);
    options.log.info(`Running xcrun ${args.join(' ')}`);
    const result = await getExecOutput('xcrun', args, {
      env: { ...(process.env as Record<string, string>), API_PRIVATE_KEYS_DIR: keysDir },
      ignoreReturnCode: true,
      silent: true,
    }).catch((error: unknown) => {
      // The runner has no Xcode command line tools: say so instead of "Unable to locate executable file".
      throw new UserError(
        `Could not run xcrun altool (${error instanceof Error ? error.message.split('. ')[0] : String(error)}). \`upload-method: altool\` needs Xcode on the runner (a macOS runner image, with \`xcode-select\` pointing at it); or use \`upload-method: api\`, which needs neither.`,
      );
    });
    const failure = altoolFailure(result.exitCode, result.stdout, result.stderr);
    if (failure) throw new UserError(failure);
    const uploadedAt = new Date(now());
    return { method: 'altool', uploadedAt, bytes: pkg.size, durationMs: uploadedAt.getTime() - started };
  } finally {
    release();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Removes `dir` if the process is interrupted or exits before the caller does. On SIGINT or SIGTERM
 * the signal is then raised again, so the process ends as Node ends it by default (unless another
 * part of the program listens for that signal). Returns the function that stops watching.
 */
function removeOnExit(dir: string): () => void {
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const onSignal = (signal: NodeJS.Signals) => {
    remove();
    release();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  const release = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', remove);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', remove);
  return release;
}

/** altool exists only on macOS: the publish's preflight checks it before any request. */
export function requireMacOS(osPlatform: NodeJS.Platform = process.platform): void {
  if (osPlatform !== 'darwin') {
    throw new InputError(
      'upload-method',
      '`altool` needs a macOS runner with Xcode (`xcrun altool`). Use `upload-method: api` (the default), which works on Linux runners too.',
    );
  }
}

export function altoolArguments(pkg: PackageInfo, options: Pick<AltoolOptions, 'appId' | 'keyId' | 'issuerId'>): string[] {
  return [
    'altool',
    '--upload-package',
    pkg.path,
    '--type',
    ALTOOL_TYPE[pkg.platform],
    '--apple-id',
    options.appId,
    '--bundle-id',
    pkg.bundleId,
    '--bundle-version',
    pkg.buildNumber,
    '--bundle-short-version-string',
    pkg.version,
    '--apiKey',
    options.keyId,
    ...(options.issuerId ? ['--apiIssuer', options.issuerId] : []),
    '--output-format',
    'json',
  ];
}

interface AltoolJson {
  'success-message'?: string;
  'product-errors'?: Array<{ code?: number; message?: string; userInfo?: Record<string, unknown> }>;
}

/** The error message for a failed altool run, or undefined when it succeeded. */
export function altoolFailure(exitCode: number, stdout: string, stderr: string): string | undefined {
  let json: AltoolJson | undefined;
  try {
    json = JSON.parse(stdout.slice(stdout.indexOf('{'))) as AltoolJson;
  } catch {
    json = undefined;
  }
  const errors = json?.['product-errors'] ?? [];
  if (exitCode === 0 && errors.length === 0) return undefined;
  const lines = errors.map((e) => {
    const info = e.userInfo ?? {};
    const reason = [info.NSLocalizedDescription, info.NSLocalizedFailureReason]
      .filter((v) => typeof v === 'string' && v !== e.message)
      .join(' ');
    return `- ${e.message ?? 'error'}${e.code !== undefined ? ` (code ${e.code})` : ''}${reason ? `: ${reason}` : ''}`;
  });
  if (lines.length === 0) lines.push(`- ${(stderr || stdout).trim().split('\n').slice(-5).join(' ') || `exit code ${exitCode}`}`);
  return `xcrun altool could not upload the package:\n${lines.join('\n')}`;
}
