import { importJWK, type JWK } from "jose";
import { base64UrlToBytes, concatBytes } from "../../protocol/bytes.ts";

export const JWKS_TIMEOUT_MS = 5000;
export const JWKS_MAX_BYTES = 64 * 1024;
export const JWKS_MAX_KEYS = 32;

/** Signature algorithms a provider may use (DESIGN flow 2); RS256 keys must be >= 2048 bits (jose enforces it). */
export const ALLOWED_ALGS = ["EdDSA", "ES256", "RS256"] as const;
export type AllowedAlg = (typeof ALLOWED_ALGS)[number];

export type JwksFetchResult =
  | { readonly kind: "keys"; readonly keys: JWK[]; readonly etag: string | null; readonly dropped: string[] }
  | { readonly kind: "not-modified" }
  | { readonly kind: "error"; readonly error: string };

const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "k", "oth"];

/** The one algorithm a public JWK can verify, or a reason it cannot be used. */
export function algorithmFor(jwk: JWK): AllowedAlg | string {
  if (jwk.kty === "OKP" && jwk.crv === "Ed25519") return "EdDSA";
  if (jwk.kty === "EC" && jwk.crv === "P-256") return "ES256";
  if (jwk.kty === "RSA") return "RS256";
  return `unsupported key type ${jwk.kty}${jwk.crv ? `/${jwk.crv}` : ""}`;
}

const MIN_RSA_BITS = 2048;

function rsaModulusBits(jwk: JWK): number {
  try {
    const n = base64UrlToBytes(jwk.n ?? "");
    const first = n.findIndex((b) => b !== 0);
    return first < 0 ? 0 : (n.length - first) * 8 - Math.clz32(n[first]!) + 24;
  } catch {
    return 0;
  }
}

async function validateKey(value: unknown, index: number): Promise<JWK | string> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return `keys[${index}]: not an object`;
  const jwk = value as JWK;
  if (typeof jwk.kid !== "string" || jwk.kid.length === 0 || jwk.kid.length > 256) return `keys[${index}]: missing kid`;
  if (PRIVATE_MEMBERS.some((m) => m in jwk)) return `keys[${index}] (${jwk.kid}): private key material published`;
  if (jwk.use !== undefined && jwk.use !== "sig") return `keys[${index}] (${jwk.kid}): use is not sig`;
  const alg = algorithmFor(jwk);
  if (!(ALLOWED_ALGS as readonly string[]).includes(alg)) return `keys[${index}] (${jwk.kid}): ${alg}`;
  if (jwk.alg !== undefined && jwk.alg !== alg) return `keys[${index}] (${jwk.kid}): alg ${jwk.alg} not allowed for this key`;
  if (alg === "RS256" && rsaModulusBits(jwk) < MIN_RSA_BITS) return `keys[${index}] (${jwk.kid}): RSA keys must be at least ${MIN_RSA_BITS} bits`;
  try {
    await importJWK({ ...jwk, alg }, alg);
  } catch (err) {
    return `keys[${index}] (${jwk.kid}): ${(err as Error).message}`;
  }
  const { kty, crv, x, y, n, e, kid } = jwk;
  // Keep only public parameters, with the alg pinned so verification cannot be steered by the token header.
  return Object.fromEntries(Object.entries({ kty, crv, x, y, n, e, kid, alg }).filter(([, v]) => v !== undefined)) as JWK;
}

async function readCapped(body: ReadableStream<Uint8Array>, max: number): Promise<Uint8Array | null> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > max) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return concatBytes(...chunks);
}

/**
 * Fetches and validates a provider JWKS: bounded in time and size, no redirects (the admin
 * registered this exact URI), conditional on the last ETag, public signing keys only.
 */
export async function fetchJwks(uri: string, etag: string | null): Promise<JwksFetchResult> {
  let res: Response;
  try {
    const headers: Record<string, string> = { Accept: "application/json, application/jwk-set+json" };
    if (etag) headers["If-None-Match"] = etag;
    res = await fetch(uri, { headers, redirect: "manual", signal: AbortSignal.timeout(JWKS_TIMEOUT_MS) });
  } catch (err) {
    const name = (err as Error).name;
    return { kind: "error", error: name === "TimeoutError" || name === "AbortError" ? `timed out after ${JWKS_TIMEOUT_MS} ms` : `fetch failed: ${(err as Error).message}` };
  }
  if (res.status === 304) return { kind: "not-modified" };
  if (res.status !== 200) {
    await res.body?.cancel();
    return { kind: "error", error: `HTTP ${res.status}` };
  }
  const declared = Number(res.headers.get("Content-Length") ?? "0");
  if (declared > JWKS_MAX_BYTES || !res.body) {
    await res.body?.cancel();
    return { kind: "error", error: declared > JWKS_MAX_BYTES ? `larger than ${JWKS_MAX_BYTES} bytes` : "empty body" };
  }
  const bytes = await readCapped(res.body, JWKS_MAX_BYTES);
  if (!bytes) return { kind: "error", error: `larger than ${JWKS_MAX_BYTES} bytes` };
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return { kind: "error", error: "not JSON" };
  }
  const keys = (doc as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) return { kind: "error", error: "no keys array" };
  if (keys.length > JWKS_MAX_KEYS) return { kind: "error", error: `more than ${JWKS_MAX_KEYS} keys` };
  const results = await Promise.all(keys.map(validateKey));
  const valid = results.filter((r): r is JWK => typeof r !== "string");
  const dropped = results.filter((r): r is string => typeof r === "string");
  if (valid.length === 0) return { kind: "error", error: `no usable keys${dropped.length ? `: ${dropped.join("; ")}` : ""}` };
  return { kind: "keys", keys: valid, etag: res.headers.get("ETag"), dropped };
}
