/**
 * A token bucket: `capacity` tokens, refilled continuously at `perMinute`. In memory on
 * purpose: an evicted object forgets its buckets, which only ever errs toward allowing.
 */
export class TokenBucket {
  #tokens: number;
  #updatedMs: number;

  constructor(
    private readonly perMinute: number,
    private readonly capacity = perMinute,
    nowMs = Date.now(),
  ) {
    this.#tokens = capacity;
    this.#updatedMs = nowMs;
  }

  #refill(nowMs: number): void {
    const elapsed = Math.max(0, nowMs - this.#updatedMs);
    this.#tokens = Math.min(this.capacity, this.#tokens + (elapsed * this.perMinute) / 60_000);
    this.#updatedMs = nowMs;
  }

  /** Takes up to `want` tokens; returns how many were granted. */
  take(want: number, nowMs: number): number {
    this.#refill(nowMs);
    const granted = Math.min(want, Math.floor(this.#tokens));
    this.#tokens -= granted;
    return granted;
  }

  /** Takes `want` tokens if there are that many, else none. */
  takeAll(want: number, nowMs: number): boolean {
    this.#refill(nowMs);
    if (this.#tokens < want) return false;
    this.#tokens -= want;
    return true;
  }

  /** Milliseconds until `want` tokens (one by default) are available. */
  retryAfterMs(nowMs: number, want = 1): number {
    this.#refill(nowMs);
    return this.#tokens >= want ? 0 : Math.ceil(((want - this.#tokens) * 60_000) / this.perMinute);
  }
}
