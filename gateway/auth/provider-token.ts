import { decodeJwt, decodeProtectedHeader, errors, importJWK, jwtVerify, type JWK, type JWTPayload } from "jose";
import { base64UrlToBytes } from "../../protocol/bytes.ts";
import { MAX_PROVIDER_TOKEN } from "../../protocol/messages.ts";
import { isLowOrderX25519 } from "../../protocol/noise/index.ts";
import type { Env } from "../env.ts";
import { ALLOWED_ALGS } from "../providers/jwks-fetch.ts";
import { JwksStore, usableKeys } from "../providers/jwks-store.ts";
import type { Provider } from "../providers/provider.ts";
import { ProviderRegistry } from "../providers/registry.ts";
import { hasClaim, isJsonObject, registeredClaimTypeError, type Claims } from "./claim-types.ts";

/** Longest accepted token lifetime (exp - iat), DESIGN flow 2. */
export const MAX_TOKEN_LIFETIME_S = 600;
/** Clock skew tolerated on exp, nbf and iat. */
export const CLOCK_TOLERANCE_S = 60;

export type TokenFailure =
  | "malformed"
  | "too-large"
  | "unsupported-alg"
  | "unknown-issuer"
  | "provider-suspended"
  | "jwks-unavailable"
  | "unknown-kid"
  | "bad-signature"
  | "expired"
  | "not-yet-valid"
  | "wrong-audience"
  | "wrong-issuer"
  | "lifetime-too-long"
  | "missing-claim"
  | "device-key-mismatch"
  | "replayed";

export class TokenError extends Error {
  constructor(
    readonly reason: TokenFailure,
    message: string,
  ) {
    super(message);
    this.name = "TokenError";
  }
}

export interface VerifiedToken {
  readonly provider: Provider;
  readonly sub: string;
  readonly jti: string;
  readonly iatMs: number;
  readonly expMs: number;
  /** The device's Noise static key the token is bound to (`cnf.jwk`, RFC 7800). */
  readonly deviceKey: Uint8Array;
  /** The provider's user-visible identifier claim, if present. */
  readonly identifier: string | null;
}

// Imported verification keys per (provider, kid, key material), so a busy provider's
// tokens do not re-import the same public key on every handshake.
const importedKeys = new Map<string, CryptoKey | Uint8Array>();

async function verificationKey(provider: Provider, jwk: JWK): Promise<CryptoKey | Uint8Array> {
  const cacheKey = `${provider.id}|${jwk.kid}|${jwk.x ?? ""}|${jwk.y ?? ""}|${jwk.n ?? ""}`;
  let key = importedKeys.get(cacheKey);
  if (!key) {
    key = await importJWK(jwk, jwk.alg);
    if (importedKeys.size > 256) importedKeys.clear();
    importedKeys.set(cacheKey, key);
  }
  return key;
}

function deviceKeyOf(payload: Claims): Uint8Array {
  const binding = "cnf.jwk must be an X25519 OKP key (the device's Noise static key)";
  if (!hasClaim(payload, "cnf")) throw new TokenError("missing-claim", binding);
  const cnf = payload.cnf;
  if (!isJsonObject(cnf)) throw new TokenError("malformed", "cnf must be an object");
  if (!hasClaim(cnf, "jwk")) throw new TokenError("missing-claim", binding);
  const jwk = cnf.jwk;
  if (!isJsonObject(jwk)) throw new TokenError("malformed", "cnf.jwk must be an object");
  for (const member of ["kty", "crv", "x"]) {
    if (hasClaim(jwk, member) && typeof jwk[member] !== "string") throw new TokenError("malformed", `cnf.jwk.${member} must be a string`);
  }
  if (jwk.kty !== "OKP" || jwk.crv !== "X25519" || typeof jwk.x !== "string") throw new TokenError("missing-claim", binding);
  let key: Uint8Array;
  try {
    key = base64UrlToBytes(jwk.x);
  } catch {
    throw new TokenError("malformed", "cnf.jwk.x is not base64url");
  }
  if (key.length !== 32) throw new TokenError("malformed", "cnf.jwk.x must be 32 bytes");
  // Every key agreement with a low-order point has a public result: no device can hold such a key.
  if (isLowOrderX25519(key)) throw new TokenError("malformed", "cnf.jwk.x is a low-order X25519 point");
  return key;
}

/** The identifier claim: absent is null (enrollment then refuses); present, it must be a string. */
function identifierOf(payload: Claims, claim: string): string | null {
  if (!hasClaim(payload, claim)) return null;
  const value = payload[claim];
  if (typeof value !== "string") throw new TokenError("malformed", `${claim} (the identifier claim) must be a string`);
  return value.length <= 256 ? value : null;
}

function joseFailure(err: unknown): TokenError {
  if (err instanceof TokenError) return err;
  if (err instanceof errors.JWTExpired) return new TokenError("expired", "token expired");
  if (err instanceof errors.JWTClaimValidationFailed) {
    // Before the per-claim cases: a missing iat is a missing claim, not a token from the future.
    if (err.reason === "missing") return new TokenError("missing-claim", `token has no ${err.claim}`);
    if (err.reason === "invalid") return new TokenError("malformed", err.message);
    if (err.claim === "aud") return new TokenError("wrong-audience", "token is not for this gateway");
    if (err.claim === "iss") return new TokenError("wrong-issuer", "token issuer does not match");
    if (err.claim === "nbf") return new TokenError("not-yet-valid", "token not yet valid");
    if (err.claim === "iat") return new TokenError("not-yet-valid", `iat check failed: ${err.message}`);
    return new TokenError("missing-claim", err.message);
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return new TokenError("bad-signature", "signature does not verify");
  if (err instanceof errors.JOSEAlgNotAllowed) return new TokenError("unsupported-alg", err.message);
  return new TokenError("malformed", err instanceof Error ? err.message : "invalid token");
}

/**
 * Verifies a provider-signed JWT (DESIGN flow 2): the issuer names a registered, active
 * provider; the kid names a key of its cached JWKS (one rate-limited refresh if unknown);
 * the alg is the one pinned to that key; every registered claim has its RFC 7519 type; aud,
 * exp, nbf, iat and lifetime hold; and the token binds a device key that is not low-order. Single use (jti) is enforced by the user's Durable Object.
 */
export async function verifyProviderToken(env: Env, token: string, nowMs = Date.now()): Promise<VerifiedToken> {
  if (token.length > MAX_PROVIDER_TOKEN) throw new TokenError("too-large", `token larger than ${MAX_PROVIDER_TOKEN} bytes`);
  let header: ReturnType<typeof decodeProtectedHeader>;
  let claims: JWTPayload;
  try {
    header = decodeProtectedHeader(token);
    claims = decodeJwt(token);
  } catch {
    throw new TokenError("malformed", "not a compact JWS");
  }
  if (!header.alg || !(ALLOWED_ALGS as readonly string[]).includes(header.alg)) {
    throw new TokenError("unsupported-alg", `alg ${header.alg ?? "(none)"} is not accepted`);
  }
  if (typeof header.kid !== "string") throw new TokenError("unknown-kid", "token header has no kid");
  const typeError = registeredClaimTypeError(claims);
  if (typeError) throw new TokenError("malformed", typeError);
  if (typeof claims.iss !== "string") throw new TokenError("missing-claim", "token has no iss");

  const provider = await new ProviderRegistry(env.PROVIDERS).byIssuerCached(claims.iss, nowMs);
  if (!provider) throw new TokenError("unknown-issuer", "issuer is not a registered provider");
  if (provider.status !== "active") throw new TokenError("provider-suspended", "provider is suspended");

  const store = new JwksStore(env.PROVIDERS);
  let state = await store.getCached(provider.id, nowMs);
  let jwk = usableKeys(state, nowMs)?.find((k) => k.kid === header.kid);
  if (!jwk) {
    // An unknown kid may be a rotation this isolate has not seen: decide on fresh state.
    state = await store.get(provider.id);
    const refreshed = await store.refreshOnDemand(provider, state, nowMs);
    if (refreshed) state = refreshed;
    const keys = usableKeys(state, nowMs);
    if (!keys) throw new TokenError("jwks-unavailable", "no current keys for this provider");
    jwk = keys.find((k) => k.kid === header.kid);
    if (!jwk) throw new TokenError("unknown-kid", "kid is not in the provider's key set");
  }
  if (jwk.alg !== header.alg) throw new TokenError("unsupported-alg", `key ${jwk.kid} only verifies ${jwk.alg}`);

  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, await verificationKey(provider, jwk), {
      algorithms: [jwk.alg],
      issuer: provider.issuer,
      audience: provider.audience,
      clockTolerance: CLOCK_TOLERANCE_S,
      maxTokenAge: MAX_TOKEN_LIFETIME_S + CLOCK_TOLERANCE_S,
      currentDate: new Date(nowMs),
      requiredClaims: ["exp", "iat", "jti", "sub"],
    }));
  } catch (err) {
    throw joseFailure(err);
  }
  const { sub, jti, iat, exp } = payload as Required<Pick<JWTPayload, "sub" | "jti" | "iat" | "exp">>;
  if (exp - iat > MAX_TOKEN_LIFETIME_S) throw new TokenError("lifetime-too-long", `tokens may live at most ${MAX_TOKEN_LIFETIME_S} s`);
  if (sub.length === 0 || sub.length > 256) throw new TokenError("missing-claim", "sub must be 1-256 characters");
  if (jti.length === 0 || jti.length > 128) throw new TokenError("missing-claim", "jti must be 1-128 characters");
  return {
    provider,
    sub,
    jti,
    iatMs: iat * 1000,
    expMs: exp * 1000,
    deviceKey: deviceKeyOf(payload),
    identifier: identifierOf(payload, provider.identifierClaim),
  };
}
