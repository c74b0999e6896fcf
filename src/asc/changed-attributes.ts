/**
 * The fields of `wanted` that a resource's attributes do not hold yet: what a write sends, so nothing that
 * already matches is written again. Undefined means "leave as it is"; a field Apple left empty counts as
 * '' (or false for a flag).
 */
export function changedAttributes<T extends Record<string, unknown>>(
  attributes: Record<string, unknown> | undefined,
  wanted: T,
): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(wanted)) {
    if (value === undefined) continue;
    const now = attributes?.[key] ?? (typeof value === 'boolean' ? false : '');
    if (now !== value) out[key] = value;
  }
  return out as Partial<T>;
}
