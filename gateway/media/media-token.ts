import { base64UrlToBytes, bytesToBase64Url, utf8 } from "../../protocol/bytes.ts";
import type { Env } from "../env.ts";
import { secretKey } from "../secrets.ts";

/**
 * Media tokens: what a device shows at /v1/media. A device obtains one over its
 * authenticated socket (`<iq type="get"><media/></iq>`), so holding one proves a live
 * session without a JWT or a Noise handshake on the HTTP path. Stateless: an HMAC over a
 * small claim set, checked at the edge with no storage read.
 *
 * Format: `pm1.<base64url JSON claims>.<base64url HMAC-SHA256("pm1." + claims)>`.
 */
export interface MediaGrant {
  /** The device's user, provider and device: who uploaded, for logs and future quotas. */
  readonly networkId: string;
  readonly deviceId: string;
  readonly providerId: string;
  readonly expMs: number;
}

/** Long enough to upload or download a large file on a slow link; short enough that a leaked token soon dies. */
export const MEDIA_TOKEN_TTL_MS = 10 * 60_000;
const PREFIX = "pm1.";

let cached: { readonly secret: string; readonly key: Promise<CryptoKey> } | undefined;

function hmacKey(env: Env): Promise<CryptoKey> {
  if (cached?.secret !== env.MEDIA_TOKEN_KEY) {
    const raw = secretKey(env, "MEDIA_TOKEN_KEY");
    cached = { secret: env.MEDIA_TOKEN_KEY, key: crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]) };
  }
  return cached.key;
}

export async function issueMediaToken(env: Env, grant: MediaGrant): Promise<string> {
  const claims = PREFIX + bytesToBase64Url(utf8.encode(JSON.stringify({ u: grant.networkId, d: grant.deviceId, p: grant.providerId, exp: grant.expMs })));
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(env), utf8.encode(claims));
  return `${claims}.${bytesToBase64Url(new Uint8Array(mac))}`;
}

/** The grant a token carries, or null when it is malformed, forged or expired. */
export async function verifyMediaToken(env: Env, token: string, nowMs: number): Promise<MediaGrant | null> {
  if (token.length > 1024 || !token.startsWith(PREFIX)) return null;
  const dot = token.lastIndexOf(".");
  if (dot <= PREFIX.length) return null;
  let mac: Uint8Array;
  let claims: unknown;
  try {
    mac = base64UrlToBytes(token.slice(dot + 1));
    // WebCrypto's verify compares in constant time; a forged MAC learns nothing from timing.
    if (!(await crypto.subtle.verify("HMAC", await hmacKey(env), mac, utf8.encode(token.slice(0, dot))))) return null;
    claims = JSON.parse(utf8.decode(base64UrlToBytes(token.slice(PREFIX.length, dot))));
  } catch {
    return null;
  }
  if (typeof claims !== "object" || claims === null) return null;
  const { u, d, p, exp } = claims as Record<string, unknown>;
  if (typeof u !== "string" || typeof d !== "string" || typeof p !== "string" || typeof exp !== "number") return null;
  if (exp <= nowMs) return null;
  return { networkId: u, deviceId: d, providerId: p, expMs: exp };
}
