// Short-lived TURN credentials in the TURN REST API scheme (draft-uberti-behave-turn-rest-00),
// which coturn checks with `use-auth-secret` + `static-auth-secret`: the username is the expiry
// (Unix seconds) and the user, the password the base64 HMAC-SHA1 of the username under the
// shared secret. The TURN server needs no call to the gateway and keeps no user list.
import { bytesToBase64 } from "../../protocol/bytes.ts";
import type { Env } from "../env.ts";

/** Long enough for a call: TURN servers check the expiry on every allocation refresh too. */
export const DEFAULT_TURN_TTL_SECONDS = 3600;
const MAX_TURN_TTL_SECONDS = 86_400;
const TURN_URL = /^turns?:[^\s]+$/;

export interface TurnCredentials {
  readonly urls: readonly string[];
  readonly username: string;
  readonly credential: string;
  readonly ttlSeconds: number;
  /** Unix seconds. */
  readonly expires: number;
}

export class TurnConfigError extends Error {
  override readonly name = "TurnConfigError";
}

/** The configured TURN servers, or null when the gateway has none (calls then go peer to peer only). */
export function turnServers(env: Env): { readonly urls: readonly string[]; readonly secret: string; readonly ttlSeconds: number } | null {
  const urls = (env.TURN_URLS ?? "").split(/\s+/).filter(Boolean);
  if (urls.length === 0 || !env.TURN_SECRET) return null;
  const bad = urls.find((u) => !TURN_URL.test(u));
  if (bad !== undefined) throw new TurnConfigError(`TURN_URLS: ${JSON.stringify(bad)} is not a turn: or turns: URI`);
  const ttl = env.TURN_TTL_SECONDS === undefined ? DEFAULT_TURN_TTL_SECONDS : Number(env.TURN_TTL_SECONDS);
  if (!Number.isInteger(ttl) || ttl < 60 || ttl > MAX_TURN_TTL_SECONDS) throw new TurnConfigError(`TURN_TTL_SECONDS: expected an integer in 60..${MAX_TURN_TTL_SECONDS}`);
  return { urls, secret: env.TURN_SECRET, ttlSeconds: ttl };
}

let cached: { secret: string; key: Promise<CryptoKey> } | undefined;

export async function turnCredentials(servers: NonNullable<ReturnType<typeof turnServers>>, networkId: string, nowMs: number): Promise<TurnCredentials> {
  if (cached?.secret !== servers.secret) {
    const raw = new TextEncoder().encode(servers.secret);
    cached = { secret: servers.secret, key: crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-1" }, false, ["sign"]) };
  }
  const expires = Math.floor(nowMs / 1000) + servers.ttlSeconds;
  const username = `${expires}:${networkId}`;
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await cached.key, new TextEncoder().encode(username)));
  return { urls: servers.urls, username, credential: bytesToBase64(mac), ttlSeconds: servers.ttlSeconds, expires };
}
