/** A positive numeric setting from a wrangler var, or its default when unset or invalid. */
export function setting(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}
