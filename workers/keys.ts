import { json, type IRequest } from "itty-router";
import type { Env } from "../gateway/env.ts";
import type { PublishedBundleJson } from "../gateway/keys/published-bundle.ts";
import { DEVICE_ID_PATTERN, isNetworkId } from "../protocol/identifiers.ts";
import { fail } from "./http.ts";

/**
 * GET /v1/keys/:networkId/:deviceId: a device's published identity, signed prekey and
 * last-resort Kyber prekey, read from KV at the edge (no Durable Object involved). For key
 * verification and for starting a session when one-time prekeys are not needed.
 */
export async function publishedKeys(req: IRequest, env: Env): Promise<Response> {
  const { networkId, deviceId } = req.params as { networkId?: string; deviceId?: string };
  if (!networkId || !isNetworkId(networkId) || !deviceId || !DEVICE_ID_PATTERN.test(deviceId)) {
    return fail(400, "invalid-id", "not a network ID and device ID");
  }
  const bundle = await env.BUNDLES.get<PublishedBundleJson>(`bundle:${networkId}:${deviceId}`, { type: "json", cacheTtl: 60 });
  return bundle ? json(bundle, { headers: { "Cache-Control": "public, max-age=60" } }) : fail(404, "not-found", "no published keys for this device");
}
