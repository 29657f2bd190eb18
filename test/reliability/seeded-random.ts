/**
 * A seeded PRNG for the chaos and fuzz suites: every random choice a run makes derives from
 * one printed seed, so a failure is reproduced by running again with that seed
 * (`VITE_PARLEY_CHAOS_SEED=<seed> npx vitest run --project workerd test/reliability/`; Vite
 * only hands `VITE_`-prefixed variables to code running inside workerd).
 */
export class SeededRandom {
  #state: number;

  constructor(readonly seed: number) {
    this.#state = seed >>> 0;
  }

  /** mulberry32: tiny and fast, and good enough to pick mutations and chaos actions. */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("pick from an empty list");
    return items[this.int(items.length)]!;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }

  /** An independent stream, so adding draws in one part of a run does not reshuffle another. */
  fork(label: string): SeededRandom {
    let h = this.seed ^ 0x9e3779b9;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
    return new SeededRandom(h >>> 0);
  }
}

/**
 * The run's seed: `VITE_PARLEY_CHAOS_SEED` when set, else a fresh one. Printed either way.
 * Read from `process.env`, which the pool fills per run: `import.meta.env` is baked in when
 * a module is transformed, and the transform is cached across runs.
 */
export function runSeed(suite: string): number {
  const configured = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.VITE_PARLEY_CHAOS_SEED;
  const seed = configured !== undefined && configured !== "" ? Number(configured) >>> 0 : crypto.getRandomValues(new Uint32Array(1))[0]!;
  console.log(`[${suite}] seed ${seed} (rerun with VITE_PARLEY_CHAOS_SEED=${seed})`);
  return seed;
}
