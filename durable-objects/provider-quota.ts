import type { Env } from "../gateway/env.ts";

/** Leased tokens are only good for this long, so idle leases cannot hoard a provider's budget. */
const LEASE_MS = 10_000;

/**
 * A user object's share of its provider's message budget: leases a batch from the
 * provider's ProviderLimiter and spends it locally, one RPC per batch instead of per message.
 */
export class ProviderQuota {
  #tokens = 0;
  #expiresMs = 0;

  async take(env: Env, providerId: string, perMinute: number, nowMs: number): Promise<{ ok: true } | { ok: false; retryAfterMs: number }> {
    if (nowMs >= this.#expiresMs) this.#tokens = 0;
    if (this.#tokens > 0) {
      this.#tokens--;
      return { ok: true };
    }
    // About one second of the provider's rate per lease, at least one message, at most 100.
    const want = Math.max(1, Math.min(100, Math.floor(perMinute / 60)));
    const limiter = env.PROVIDER_LIMITS.get(env.PROVIDER_LIMITS.idFromName(providerId));
    const { granted, retryAfterMs } = await limiter.lease(perMinute, want);
    if (granted === 0) return { ok: false, retryAfterMs };
    this.#tokens = granted - 1;
    this.#expiresMs = nowMs + LEASE_MS;
    return { ok: true };
  }
}
