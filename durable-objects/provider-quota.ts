import type { Env } from "../gateway/env.ts";
import { DEFAULT_RATE_LIMITS } from "../gateway/providers/provider.ts";
import { ProviderRegistry } from "../gateway/providers/registry.ts";

/** Leased tokens are only good for this long, so idle leases cannot hoard a provider's budget. */
const LEASE_MS = 10_000;
/** How long a provider's entry (limit and status) is trusted before it is read from the registry again. */
const ENTRY_TTL_MS = 60_000;

/**
 * A user object's share of its provider's message budget: leases a batch from the
 * provider's ProviderLimiter and spends it locally, one RPC per batch instead of per message.
 */
export class ProviderQuota {
  #tokens = 0;
  #expiresMs = 0;
  #entry: { readonly perMinute: number; readonly active: boolean; readonly readAtMs: number } | null = null;

  /**
   * Whether the provider is still active, from an entry read at most once a minute: a
   * suspension reaches sessions that are already open within a minute (and at once in an
   * object that was evicted in between), without a KV read per stanza.
   */
  async active(env: Env, providerId: string, nowMs: number): Promise<boolean> {
    return (await this.#read(env, providerId, nowMs)).active;
  }

  async take(env: Env, providerId: string, nowMs: number): Promise<{ ok: true } | { ok: false; retryAfterMs: number }> {
    if (nowMs >= this.#expiresMs) this.#tokens = 0;
    if (this.#tokens > 0) {
      this.#tokens--;
      return { ok: true };
    }
    const { perMinute } = await this.#read(env, providerId, nowMs);
    // About one second of the provider's rate per lease, at least one message, at most 100.
    const want = Math.max(1, Math.min(100, Math.floor(perMinute / 60)));
    const limiter = env.PROVIDER_LIMITS.get(env.PROVIDER_LIMITS.idFromName(providerId));
    const { granted, retryAfterMs } = await limiter.lease(perMinute, want);
    if (granted === 0) return { ok: false, retryAfterMs };
    this.#tokens = granted - 1;
    this.#expiresMs = nowMs + LEASE_MS;
    return { ok: true };
  }

  /** At most one registry read a minute: never a KV read per message. */
  async #read(env: Env, providerId: string, nowMs: number): Promise<{ readonly perMinute: number; readonly active: boolean }> {
    if (!this.#entry || nowMs - this.#entry.readAtMs > ENTRY_TTL_MS) {
      const provider = await new ProviderRegistry(env.PROVIDERS).get(providerId);
      this.#entry = {
        perMinute: provider?.rateLimits.messagesPerMinute ?? DEFAULT_RATE_LIMITS.messagesPerMinute,
        // A provider removed from the registry is treated like a suspended one.
        active: provider?.status === "active",
        readAtMs: nowMs,
      };
    }
    return this.#entry;
  }
}
