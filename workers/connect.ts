import type { Env } from "../gateway/env.ts";
import { gatewayIdentity } from "../gateway/identity.ts";
import { enrolledProvider } from "../gateway/user-index.ts";
import { isNetworkId } from "../protocol/identifiers.ts";
import { fail } from "./http.ts";

const CONNECT = /^\/v1\/connect\/([^/]*)$/;

/** The network ID a WebSocket entry URL names, or null for any other path. */
export function connectTarget(request: Request): string | null {
  if (request.method !== "GET") return null;
  const match = CONNECT.exec(new URL(request.url).pathname);
  // Not percent-decoded: a network ID is plain base32, so an encoded one is no network ID anyway.
  return match ? match[1]! : null;
}

/**
 * WebSocket entry: the URL names the user; the handshake proves the claim inside their
 * Durable Object. Served before the router: every connection passes here, and the router's
 * request proxy and route matching cost more than the rest of this step.
 */
export async function connect(request: Request, env: Env, networkId: string): Promise<Response> {
  if (!isNetworkId(networkId)) return fail(400, "invalid-network-id", "not a network ID");
  if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
    return fail(426, "upgrade-required", "connect with a WebSocket");
  }
  // Waking the object for a name nobody enrolled would give that name an object, for free.
  if ((await enrolledProvider(env.DIRECTORY, networkId)) === null) return fail(404, "unknown-user", "no user is enrolled with this network ID");
  // Here, not only in the object: an error thrown there reaches this side as a plain Error,
  // and the client would get 500 instead of the 503 that says the operator must act.
  await gatewayIdentity(env);
  return env.USERS.get(env.USERS.idFromName(networkId)).fetch(request);
}
