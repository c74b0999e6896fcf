import type { Logger } from './runtime.js';

/**
 * Masks the key input as given, and each of its lines, so no fragment of it shows in the log. Shared by
 * the action and the command line, and free of host libraries so the command line's bundle stays lean.
 */
export function maskKeyMaterial(value: string, log: Pick<Logger, 'mask'>): void {
  const trimmed = value.trim();
  if (!trimmed) return;
  log.mask(trimmed);
  for (const line of trimmed.split(/\r?\n/)) {
    const part = line.trim();
    if (part.length >= 8 && part !== trimmed && !part.startsWith('-----')) log.mask(part);
  }
}
