import { issueCertificate, rootPublicKey } from "../protocol/certificate.ts";
import type { ServerCertificate } from "../protocol/messages.ts";
import { webcryptoX25519 } from "../protocol/noise/dh25519.ts";
import type { KeyPair } from "../protocol/noise/index.ts";
import type { Env } from "./env.ts";
import { secretKey } from "./secrets.ts";

export interface GatewayIdentity {
  readonly staticKey: KeyPair;
  readonly rootPublicKey: Uint8Array;
  readonly certificate: ServerCertificate;
  readonly certificateExpiresMs: number;
}

const CERT_LIFETIME_MS = 30 * 24 * 3600_000;
// Issued an hour in the past so clients with slow clocks still accept it.
const CLOCK_SKEW_MS = 3600_000;
const RENEW_BEFORE_MS = 24 * 3600_000;

// Per isolate: importing the key and signing the certificate once, not per connection.
let cached: { readonly fingerprint: string; readonly env: Env; readonly identity: GatewayIdentity } | null = null;

/** The gateway's Noise static key and its root-signed certificate, from the configured secrets. */
export async function gatewayIdentity(env: Env, nowMs = Date.now()): Promise<GatewayIdentity> {
  // Asked on every frame: the same env object (a Durable Object keeps its own) skips building the fingerprint.
  if (cached && cached.env === env && cached.identity.certificateExpiresMs - RENEW_BEFORE_MS > nowMs) return cached.identity;
  const fingerprint = `${env.NOISE_STATIC_KEY}|${env.ROOT_SIGNING_KEY}|${env.GATEWAY_NAME}`;
  if (cached && cached.fingerprint === fingerprint && cached.identity.certificateExpiresMs - RENEW_BEFORE_MS > nowMs) {
    cached = { ...cached, env };
    return cached.identity;
  }
  const staticKey = await webcryptoX25519.keyPairFromPrivate(secretKey(env, "NOISE_STATIC_KEY"));
  const rootSeed = secretKey(env, "ROOT_SIGNING_KEY");
  const notAfterMs = nowMs + CERT_LIFETIME_MS;
  const certificate = issueCertificate(rootSeed, {
    staticKey: staticKey.publicKey,
    issuer: env.GATEWAY_NAME || "parley",
    notBeforeMs: nowMs - CLOCK_SKEW_MS,
    notAfterMs,
  });
  const identity = { staticKey, rootPublicKey: rootPublicKey(rootSeed), certificate, certificateExpiresMs: notAfterMs };
  cached = { fingerprint, env, identity };
  return identity;
}
