import { DurableObject } from "cloudflare:workers";
import type { Env } from "../gateway/env.ts";
import { TokenBucket } from "./token-bucket.ts";

/**
 * One per provider: the provider-wide message and enrollment budgets. User objects lease small batches of
 * tokens from it (ProviderQuota) instead of asking once per message.
 */
export type ProviderBudget = "messages" | "enrollments";

export class ProviderLimiter extends DurableObject<Env> {
  readonly #buckets = new Map<ProviderBudget, { readonly perMinute: number; readonly bucket: TokenBucket }>();

  async lease(perMinute: number, want: number, budget: ProviderBudget = "messages"): Promise<{ granted: number; retryAfterMs: number }> {
    const now = Date.now();
    let entry = this.#buckets.get(budget);
    if (!entry || entry.perMinute !== perMinute) {
      entry = { perMinute, bucket: new TokenBucket(perMinute, perMinute, now) };
      this.#buckets.set(budget, entry);
    }
    const granted = entry.bucket.take(want, now);
    return { granted, retryAfterMs: granted > 0 ? 0 : entry.bucket.retryAfterMs(now) };
  }
}
