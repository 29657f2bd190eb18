import { env, SELF } from "cloudflare:test";
import { MediaClient } from "../../client/index.ts";
import { GATEWAY_URL } from "./gateway.ts";
import type { Online } from "./users.ts";

/** The SDK's media client for a connected device, speaking to the gateway Worker in-process. */
export function mediaClient(online: Online): MediaClient {
  return new MediaClient({ gatewayUrl: GATEWAY_URL, session: online.messenger, fetch: (input, init) => SELF.fetch(input, init) });
}

/** A raw request to /v1/media, for the cases the SDK would never send. */
export function mediaRequest(path: string, token: string | null, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token) headers.set("Authorization", `Bearer ${token}`);
  return SELF.fetch(`${GATEWAY_URL}/v1/media/${path}`, { ...init, headers });
}

/** Deterministic bytes that do not compress or repeat at chunk boundaries. */
export function testFile(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0;
  for (let i = 0; i < size; i++) out[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
  return out;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export function storedObject(hash: string): Promise<R2Object | null> {
  return env.MEDIA.head(`media/${hash}`);
}

/** Every request a virtual host (test/support/outbound.ts) has received. */
export async function hostHits(host: string): Promise<{ method: string; path: string }[]> {
  return (await fetch(`${env.PROVIDER_SERVER_URL}/hosts/${encodeURIComponent(host)}/hits`)).json();
}
