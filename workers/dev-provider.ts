import { ed25519 } from "@noble/curves/ed25519.js";
import { AutoRouter, json, type IRequest } from "itty-router";
import { importJWK, SignJWT, type JWK } from "jose";
import type { Env } from "../gateway/env.ts";
import { JwksStore } from "../gateway/providers/jwks-store.ts";
import { newProvider } from "../gateway/providers/provider.ts";
import { ProviderRegistry } from "../gateway/providers/registry.ts";
import { secretKey } from "../gateway/secrets.ts";
import { base64UrlToBytes, bytesToBase64Url } from "../protocol/bytes.ts";
import { isLowOrderX25519 } from "../protocol/noise/index.ts";
import { fail, HttpError, noRoute, readJson } from "./http.ts";

/**
 * A built-in provider for local development, so a newcomer can enroll and connect with no
 * setup: it registers itself and mints tokens for any subject. It exists only where
 * DEV_PROVIDER_KEY is set (`npm start` sets it); production deployments leave it unset.
 */
export const DEV_PROVIDER_ID = "dev";
export const DEV_ISSUER = "https://dev-provider.parley.invalid";
const KID = "dev-1";
const TOKEN_LIFETIME_S = 300;

function devJwk(env: Env): { publicJwk: JWK; privateJwk: JWK } {
  const seed = secretKey(env, "DEV_PROVIDER_KEY");
  const x = bytesToBase64Url(ed25519.getPublicKey(seed));
  const publicJwk: JWK = { kty: "OKP", crv: "Ed25519", x, kid: KID, alg: "EdDSA", use: "sig" };
  return { publicJwk, privateJwk: { ...publicJwk, d: bytesToBase64Url(seed) } };
}

/**
 * Where the registry says the dev provider's keys live. Nothing fetches it: the keys derive
 * from DEV_PROVIDER_KEY and are seeded directly (here and by the cron), so no request can
 * steer the gateway's own fetches (a Host-derived address would let anyone pick the target).
 */
export const DEV_JWKS_URI = `${DEV_ISSUER}/jwks.json`;

/** Registers the dev provider (idempotent) and seeds its keys, so no JWKS fetch is needed. */
export async function ensureDevProvider(env: Env, now = Date.now()): Promise<void> {
  const { publicJwk } = devJwk(env);
  const registry = new ProviderRegistry(env.PROVIDERS);
  const store = new JwksStore(env.PROVIDERS);
  const existing = await registry.get(DEV_PROVIDER_ID);
  if (!existing) {
    const provider = newProvider(
      // Generous budgets: a local tool, and test suites enroll many devices through it.
      { id: DEV_PROVIDER_ID, name: "Parley development provider", issuer: DEV_ISSUER, jwksUri: DEV_JWKS_URI, rateLimits: { enrollmentsPerMinute: 100_000 } },
      { audience: env.GATEWAY_AUDIENCE },
      { allowHttp: false },
      now,
    );
    await registry.put(provider, null);
  } else if (existing.jwksUri !== DEV_JWKS_URI) {
    // Written by an older gateway, which took the address from the request.
    await registry.put({ ...existing, jwksUri: DEV_JWKS_URI, updatedAtMs: now }, existing);
  }
  const state = await store.get(DEV_PROVIDER_ID);
  const current = state.keys?.some((k) => k.x === publicJwk.x) && state.fetchedAtMs !== null && now - state.fetchedAtMs < 3600_000;
  if (!current) await store.seed(DEV_PROVIDER_ID, [publicJwk], now);
}

export const devProviderRouter = AutoRouter<IRequest, [Env, ExecutionContext]>({
  base: "/dev/provider",
  before: [(_req, env: Env) => (env.DEV_PROVIDER_KEY ? undefined : fail(404, "not-found", "the development provider is disabled"))],
  catch: (err) => {
    if (err instanceof HttpError) return fail(err.status, err.code, err.message, {}, err.headers);
    throw err;
  },
});

devProviderRouter
  .get("/jwks.json", (_req, env) => json({ keys: [devJwk(env).publicJwk] }))
  /** POST {sub, identifier?, deviceKey}: a token for `sub` bound to the device's base64url X25519 key. */
  .post("/token", async (req, env) => {
    const body = (await readJson(req)) as { sub?: unknown; identifier?: unknown; deviceKey?: unknown } | null;
    const sub = body?.sub;
    if (typeof sub !== "string" || sub.length === 0 || sub.length > 256) throw new HttpError(400, "invalid-field", "sub: must be a string of 1-256 characters");
    let deviceKey: Uint8Array;
    try {
      deviceKey = base64UrlToBytes(String(body?.deviceKey ?? ""));
    } catch {
      deviceKey = new Uint8Array(0);
    }
    if (deviceKey.length !== 32) throw new HttpError(400, "invalid-field", "deviceKey: must be a base64url X25519 public key");
    if (isLowOrderX25519(deviceKey)) throw new HttpError(400, "invalid-field", "deviceKey: is a low-order X25519 point, unusable as a device key");
    const identifier = typeof body?.identifier === "string" ? body.identifier : sub;
    const { privateJwk } = devJwk(env);
    await ensureDevProvider(env);
    const token = await new SignJWT({ preferred_username: identifier, cnf: { jwk: { kty: "OKP", crv: "X25519", x: bytesToBase64Url(deviceKey) } } })
      .setProtectedHeader({ alg: "EdDSA", kid: KID, typ: "JWT" })
      .setIssuer(DEV_ISSUER)
      .setSubject(sub)
      .setAudience(env.GATEWAY_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${TOKEN_LIFETIME_S}s`)
      .setJti(crypto.randomUUID())
      .sign(await importJWK(privateJwk, "EdDSA"));
    return json({ token, expiresIn: TOKEN_LIFETIME_S });
  })
  // Without this, AutoRouter's own 404 answers: {"status":404,"error":"Not Found"}.
  .all("*", noRoute);
