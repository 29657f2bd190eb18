import type { Env } from "../gateway/env.ts";
import { DEFAULT_RATE_LIMITS } from "../gateway/providers/provider.ts";
import { ProviderRegistry } from "../gateway/providers/registry.ts";

/** Leased tokens are only good for this long, so idle leases cannot hoard a provider's budget. */
const LEASE_MS = 10_000;
/** How long a provider's configured limit is trusted before it is read from the registry again. */
const LIMIT_TTL_MS = 60_000;

/**
 * A user object's share of its provider's message budget: leases a batch from the
 * provider's ProviderLimiter and spends it locally, one RPC per batch instead of per message.
 */
export class ProviderQuota {
  #tokens = 0;
  #expiresMs = 0;
  #limit: { readonly perMinute: number; readonly readAtMs: number } | null = null;

  async take(env: Env, providerId: string, nowMs: number): Promise<{ ok: true } | { ok: false; retryAfterMs: number }> {
    if (nowMs >= this.#expiresMs) this.#tokens = 0;
    if (this.#tokens > 0) {
      this.#tokens--;
      return { ok: true };
    }
    const perMinute = await this.#perMinute(env, providerId, nowMs);
    // About one second of the provider's rate per lease, at least one message, at most 100.
    const want = Math.max(1, Math.min(100, Math.floor(perMinute / 60)));
    const limiter = env.PROVIDER_LIMITS.get(env.PROVIDER_LIMITS.idFromName(providerId));
    const { granted, retryAfterMs } = await limiter.lease(perMinute, want);
    if (granted === 0) return { ok: false, retryAfterMs };
    this.#tokens = granted - 1;
    this.#expiresMs = nowMs + LEASE_MS;
    return { ok: true };
  }

  /** Only read when a new lease is needed, and then at most once a minute: never a KV read per message. */
  async #perMinute(env: Env, providerId: string, nowMs: number): Promise<number> {
    if (!this.#limit || nowMs - this.#limit.readAtMs > LIMIT_TTL_MS) {
      const provider = await new ProviderRegistry(env.PROVIDERS).get(providerId);
      this.#limit = { perMinute: provider?.rateLimits.messagesPerMinute ?? DEFAULT_RATE_LIMITS.messagesPerMinute, readAtMs: nowMs };
    }
    return this.#limit.perMinute;
  }
}
