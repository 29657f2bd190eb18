import type { IRequest } from "itty-router";
import type { Env } from "../../gateway/env.ts";
import { mediaMaxBytes, objectKey } from "../../gateway/media/content-address.ts";
import { ProviderRegistry } from "../../gateway/providers/registry.ts";
import { enrolledProvider } from "../../gateway/user-index.ts";
import { isNetworkId } from "../../protocol/identifiers.ts";
import { HttpError } from "../http.ts";
import { hashParam, mediaGrant } from "./authorize.ts";
import { fetchProviderMedia } from "./provider-media.ts";
import { serveObject } from "./serve-object.ts";

/**
 * GET|HEAD /v1/media/:sha256[?src=<url>&sender=<networkId>]: an encrypted file by content
 * hash, with byte ranges. Files uploaded to the gateway, or fetched before, come from R2;
 * otherwise `src` (the URL in the media message) is fetched from the sender's provider,
 * verified against the hash and cached. HEAD never fetches.
 */
export async function downloadMedia(req: IRequest, env: Env): Promise<Response> {
  const grant = await mediaGrant(req, env);
  const sha256Hex = hashParam(req.params.sha256);
  const cached = await env.MEDIA.head(objectKey(sha256Hex));
  if (cached) return serveObject(env, req, sha256Hex, cached, "hit");
  const url = new URL(req.url);
  const src = url.searchParams.get("src");
  const sender = url.searchParams.get("sender");
  if (!src || req.method === "HEAD") {
    throw new HttpError(404, "not-found", "no media with this hash at the gateway; to fetch provider-hosted media pass src= and sender=");
  }
  if (!sender || !isNetworkId(sender)) throw new HttpError(400, "invalid-sender", "sender= must be the network ID of the user who sent the media");
  // From the enrollment index, not the sender's object: naming a stranger must not wake one.
  const providerId = await enrolledProvider(env.DIRECTORY, sender);
  if (!providerId) throw new HttpError(404, "unknown-sender", "no user with this network ID");
  const budget = await env.USERS.get(env.USERS.idFromName(grant.networkId)).takeMediaFetch();
  if (!budget.ok) {
    const seconds = Math.max(1, Math.ceil(budget.retryAfterMs / 1000));
    throw new HttpError(429, "rate-limited", `too many media fetches from provider hosts; retry in ${seconds} s`, { "Retry-After": String(seconds) });
  }
  const provider = await new ProviderRegistry(env.PROVIDERS).get(providerId);
  if (!provider) throw new HttpError(404, "unknown-sender", "the sender's provider is not registered");
  if (provider.status !== "active") throw new HttpError(403, "provider-suspended", "the sender's provider is suspended");
  const stored = await fetchProviderMedia(env, provider, src, sha256Hex, mediaMaxBytes(env));
  return serveObject(env, req, sha256Hex, stored, "miss");
}
