import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToBase32, concatBytes, utf8 } from "../../protocol/bytes.ts";
import type { Env } from "../env.ts";
import { secretKey } from "../secrets.ts";

let hmacKey: { readonly secret: string; readonly key: Promise<CryptoKey> } | null = null;

function networkIdKey(env: Env): Promise<CryptoKey> {
  if (!hmacKey || hmacKey.secret !== env.NETWORK_ID_KEY) {
    const raw = secretKey(env, "NETWORK_ID_KEY");
    hmacKey = { secret: env.NETWORK_ID_KEY, key: crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]) };
  }
  return hmacKey.key;
}

/**
 * A user's network ID: HMAC(NETWORK_ID_KEY, provider || sub), 128 bits in base32. The same
 * (provider, subject) always maps to the same ID, so repeated or concurrent enrollments
 * never fork an identity, and subjects of different providers can never collide.
 */
export async function networkIdFor(env: Env, providerId: string, sub: string): Promise<string> {
  const input = utf8.encode(`parley-network-id-v1\0${providerId}\0${sub}`);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await networkIdKey(env), input));
  return bytesToBase32(mac.subarray(0, 16));
}

/** A device's ID, derived from its user and its Noise static key, so re-enrolling a device is idempotent. */
export function deviceIdFor(networkId: string, deviceKey: Uint8Array): string {
  return bytesToBase32(sha256(concatBytes(utf8.encode(`parley-device-id-v1\0${networkId}\0`), deviceKey)).subarray(0, 10));
}
