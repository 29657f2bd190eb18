export interface BackoffOptions {
  /** First retry delay ceiling in ms. */
  readonly baseMs: number;
  /** Largest delay ceiling in ms. */
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 30_000 };

/**
 * Exponential backoff with full jitter: a uniformly random delay below min(max, base * 2^attempt).
 * Full jitter spreads a crowd of clients that lost the gateway at the same moment, so their
 * reconnects do not arrive as one synchronized wave.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random = Math.random): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
