import type { Env } from "../gateway/env.ts";
import { JwksStore } from "../gateway/providers/jwks-store.ts";
import { ProviderRegistry } from "../gateway/providers/registry.ts";
import { DEV_PROVIDER_ID, ensureDevProvider } from "./dev-provider.ts";

/**
 * Cron trigger: refreshes every active provider's JWKS. Each refresh is independent; one
 * provider's outage keeps its last good keys and shows in its health, never blocks others.
 * The built-in development provider has no JWKS to fetch: while it is switched on its keys
 * are seeded again from DEV_PROVIDER_KEY; switched off, they age out like a dead provider's.
 */
export async function refreshAllJwks(env: Env, nowMs = Date.now()): Promise<{ refreshed: number; failed: string[] }> {
  const store = new JwksStore(env.PROVIDERS);
  if (env.DEV_PROVIDER_KEY) await ensureDevProvider(env, nowMs);
  const providers = (await new ProviderRegistry(env.PROVIDERS).list()).filter((p) => p.status === "active" && p.id !== DEV_PROVIDER_ID);
  const results = await Promise.all(providers.map((p) => store.refresh(p, nowMs).then((s) => ({ id: p.id, ok: s.health.ok }))));
  return { refreshed: results.length, failed: results.filter((r) => !r.ok).map((r) => r.id) };
}
