import type { JWK } from "jose";
import { fetchJwks } from "./jwks-fetch.ts";
import type { Provider } from "./provider.ts";

/** Last good keys are used at most this long after the last successful fetch. */
export const JWKS_MAX_STALE_MS = 24 * 3600_000;
/** An unknown kid triggers at most one on-demand refresh per provider per this period. */
export const ON_DEMAND_COOLDOWN_MS = 60_000;

export interface JwksHealth {
  readonly ok: boolean;
  readonly lastAttemptMs: number | null;
  readonly lastError: string | null;
  readonly consecutiveFailures: number;
  /** Keys the last fetch skipped, and why (private material, weak or unsupported keys). */
  readonly droppedKeys: readonly string[];
}

export interface JwksState {
  readonly keys: JWK[] | null;
  readonly etag: string | null;
  readonly fetchedAtMs: number | null;
  readonly lastOnDemandMs: number | null;
  readonly health: JwksHealth;
}

const EMPTY: JwksState = {
  keys: null,
  etag: null,
  fetchedAtMs: null,
  lastOnDemandMs: null,
  health: { ok: false, lastAttemptMs: null, lastError: "never fetched", consecutiveFailures: 0, droppedKeys: [] },
};

// Per-isolate memory of on-demand refreshes: KV writes take up to a minute to be seen
// elsewhere, so without this one isolate could refetch on every unknown-kid token.
const recentOnDemand = new Map<string, number>();

/** Same policy as the registry's issuer cache (registry.ts): reused for up to CACHE_MS, dropped on this isolate's writes. */
const CACHE_MS = 30_000;
const stateCache = new Map<string, { readonly atMs: number; readonly state: JwksState }>();

/** Cached provider JWKS in KV (`jwks:<id>`), refreshed by cron and on unknown kids. */
export class JwksStore {
  constructor(private readonly kv: KVNamespace) {}

  /** get, served from this isolate's memory for up to CACHE_MS (token verification's hot path). */
  async getCached(providerId: string, nowMs: number): Promise<JwksState> {
    const hit = stateCache.get(providerId);
    if (hit && nowMs - hit.atMs >= 0 && nowMs - hit.atMs < CACHE_MS) return hit.state;
    const state = await this.get(providerId);
    stateCache.set(providerId, { atMs: nowMs, state });
    return state;
  }

  async get(providerId: string): Promise<JwksState> {
    return (await this.kv.get<JwksState>(`jwks:${providerId}`, "json")) ?? EMPTY;
  }

  /** Seeds keys without fetching (the built-in development provider). */
  async seed(providerId: string, keys: JWK[], nowMs: number): Promise<void> {
    const state: JwksState = { ...EMPTY, keys, fetchedAtMs: nowMs, health: { ...EMPTY.health, ok: true, lastAttemptMs: nowMs, lastError: null } };
    await this.kv.put(`jwks:${providerId}`, JSON.stringify(state));
    stateCache.delete(providerId);
  }

  /** Fetches now; on failure keeps the last good keys and records the failure. */
  async refresh(provider: Provider, nowMs: number, onDemand = false): Promise<JwksState> {
    const current = await this.get(provider.id);
    const result = await fetchJwks(provider.jwksUri, current.keys ? current.etag : null);
    const lastOnDemandMs = onDemand ? nowMs : current.lastOnDemandMs;
    let next: JwksState;
    if (result.kind === "error") {
      next = {
        ...current,
        lastOnDemandMs,
        health: {
          ok: false,
          lastAttemptMs: nowMs,
          lastError: result.error,
          consecutiveFailures: current.health.consecutiveFailures + 1,
          droppedKeys: current.health.droppedKeys,
        },
      };
    } else {
      const fresh = result.kind === "keys";
      next = {
        keys: fresh ? result.keys : current.keys,
        etag: fresh ? result.etag : current.etag,
        fetchedAtMs: nowMs,
        lastOnDemandMs,
        health: { ok: true, lastAttemptMs: nowMs, lastError: null, consecutiveFailures: 0, droppedKeys: fresh ? result.dropped : current.health.droppedKeys },
      };
    }
    await this.kv.put(`jwks:${provider.id}`, JSON.stringify(next));
    stateCache.delete(provider.id);
    return next;
  }

  /** Refreshes for an unknown kid unless this provider was refreshed on demand within the cooldown. */
  async refreshOnDemand(provider: Provider, current: JwksState, nowMs: number): Promise<JwksState | null> {
    const last = Math.max(current.lastOnDemandMs ?? 0, recentOnDemand.get(provider.id) ?? 0);
    if (nowMs - last < ON_DEMAND_COOLDOWN_MS) return null;
    recentOnDemand.set(provider.id, nowMs);
    return this.refresh(provider, nowMs, true);
  }
}

/** Usable keys: the last good set, unless it is older than the staleness limit. */
export function usableKeys(state: JwksState, nowMs: number): JWK[] | null {
  if (!state.keys || state.fetchedAtMs === null) return null;
  return nowMs - state.fetchedAtMs <= JWKS_MAX_STALE_MS ? state.keys : null;
}
