import { DurableObject } from "cloudflare:workers";
import type { Env } from "../gateway/env.ts";
import { TokenBucket } from "./token-bucket.ts";

/**
 * One per provider: the provider-wide message budget. User objects lease small batches of
 * tokens from it (ProviderQuota) instead of asking once per message.
 */
export class ProviderLimiter extends DurableObject<Env> {
  #bucket: { readonly perMinute: number; readonly bucket: TokenBucket } | null = null;

  async lease(perMinute: number, want: number): Promise<{ granted: number; retryAfterMs: number }> {
    const now = Date.now();
    if (!this.#bucket || this.#bucket.perMinute !== perMinute) {
      this.#bucket = { perMinute, bucket: new TokenBucket(perMinute, perMinute, now) };
    }
    const granted = this.#bucket.bucket.take(want, now);
    return { granted, retryAfterMs: granted > 0 ? 0 : this.#bucket.bucket.retryAfterMs(now) };
  }
}
