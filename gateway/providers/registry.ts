import type { Provider } from "./provider.ts";

/** KV refuses keys over 512 bytes, and every issuer is indexed as `issuer:<iss>`. */
const MAX_KV_KEY_BYTES = 512;

export function issuerFitsIndex(issuer: string): boolean {
  return new TextEncoder().encode(`issuer:${issuer}`).length <= MAX_KV_KEY_BYTES;
}

/**
 * How long this isolate reuses a provider looked up by issuer. Every handshake verifies a
 * token, and KV reads cost latency (and, locally, CPU). KV already serves values up to 60 s
 * old; this adds at most CACHE_MS in other isolates, and nothing in the isolate that wrote.
 */
const CACHE_MS = 30_000;
const byIssuerCache = new Map<string, { readonly atMs: number; readonly provider: Provider }>();

/**
 * Provider registry in KV. `issuer:<iss>` indexes providers by token issuer, the only thing
 * a presented token tells us before verification. KV is eventually consistent (~60 s);
 * admin writes are rare, and a stale read only delays a change, never mixes two providers.
 */
export class ProviderRegistry {
  constructor(private readonly kv: KVNamespace) {}

  /** byIssuer, served from this isolate's memory for up to CACHE_MS (token verification's hot path). */
  async byIssuerCached(issuer: string, nowMs: number): Promise<Provider | null> {
    const hit = byIssuerCache.get(issuer);
    if (hit && nowMs - hit.atMs >= 0 && nowMs - hit.atMs < CACHE_MS) return hit.provider;
    const provider = await this.byIssuer(issuer);
    if (provider) byIssuerCache.set(issuer, { atMs: nowMs, provider });
    else byIssuerCache.delete(issuer);
    return provider;
  }

  get(id: string): Promise<Provider | null> {
    return this.kv.get<Provider>(`provider:${id}`, "json");
  }

  async byIssuer(issuer: string): Promise<Provider | null> {
    // `iss` comes from an unverified token: one too long for a KV key cannot name a provider.
    if (!issuerFitsIndex(issuer)) return null;
    const id = await this.kv.get(`issuer:${issuer}`);
    if (!id) return null;
    const provider = await this.get(id);
    // A stale index entry (issuer changed) must not resolve to a provider with another issuer.
    return provider && provider.issuer === issuer ? provider : null;
  }

  async list(): Promise<Provider[]> {
    const providers: Provider[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.kv.list({ prefix: "provider:", cursor });
      const loaded = await Promise.all(page.keys.map((k) => this.kv.get<Provider>(k.name, "json")));
      for (const p of loaded) if (p) providers.push(p);
      cursor = page.list_complete ? undefined : page.cursor;
    } while (cursor);
    return providers.sort((a, b) => a.id.localeCompare(b.id));
  }

  async put(provider: Provider, previous: Provider | null): Promise<void> {
    byIssuerCache.clear();
    await this.kv.put(`provider:${provider.id}`, JSON.stringify(provider));
    await this.kv.put(`issuer:${provider.issuer}`, provider.id);
    if (previous && previous.issuer !== provider.issuer) await this.kv.delete(`issuer:${previous.issuer}`);
    // Again after the writes: a lookup that raced them may have cached the old entry.
    byIssuerCache.clear();
  }
}
