import { importJWK, type JWK } from "jose";
import { base64UrlToBytes, concatBytes } from "../../protocol/bytes.ts";
import { classifyFetchFailure, describeStatus, printable } from "./fetch-failure.ts";

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

/** Reads at most `max` bytes; "too-large" past it (the rest is cancelled). */
async function readCapped(body: ReadableStream<Uint8Array>, max: number): Promise<Uint8Array | "too-large"> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > max) {
      await reader.cancel();
      return "too-large";
    }
    chunks.push(value);
  }
  return concatBytes(...chunks);
}

/** What the operator reads in the provider's JWKS health (admin API `jwks.lastError`). */
const fail = (error: string): JwksFetchResult => ({ kind: "error", error });

/**
 * Fetches and validates a provider JWKS: bounded in time and size, no redirects (the admin
 * registered this exact URI), conditional on the last ETag, public signing keys only. Every
 * failure says which step failed, and for a network failure as much as the runtime tells
 * (fetch-failure.ts).
 */
export async function fetchJwks(uri: string, etag: string | null): Promise<JwksFetchResult> {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return fail("the registered jwksUri is not a URL");
  }
  // One deadline for the answer and its body: the signal also aborts a body still streaming.
  const signal = AbortSignal.timeout(JWKS_TIMEOUT_MS);
  let res: Response;
  try {
    const headers: Record<string, string> = { Accept: "application/json, application/jwk-set+json" };
    if (etag) headers["If-None-Match"] = etag;
    res = await fetch(url, { headers, redirect: "manual", signal });
  } catch (err) {
    return fail(classifyFetchFailure(err, url, JWKS_TIMEOUT_MS).message);
  }
  // A 304 is only an answer to our If-None-Match; without one there are no keys to keep.
  if (res.status === 304 && etag) return { kind: "not-modified" };
  if (res.status >= 300 && res.status < 400 && res.headers.has("Location")) {
    await res.body?.cancel();
    const location = printable(res.headers.get("Location") ?? "");
    return fail(`${url.host} answered HTTP ${res.status}, a redirect to ${location}: redirects are not followed, register the final URI as jwksUri`);
  }
  if (res.status !== 200) {
    await res.body?.cancel();
    return fail(describeStatus(url, res.status));
  }
  const declared = Number(res.headers.get("Content-Length") ?? "0");
  if (declared > JWKS_MAX_BYTES) {
    await res.body?.cancel();
    return fail(`the JWKS is too large: ${url.host} announced ${declared} bytes, the limit is ${JWKS_MAX_BYTES}`);
  }
  if (!res.body) return fail(`${url.host} answered HTTP 200 with an empty body`);
  let bytes: Uint8Array | "too-large";
  try {
    bytes = await readCapped(res.body, JWKS_MAX_BYTES);
  } catch (err) {
    return fail(`reading the JWKS body: ${classifyFetchFailure(err, url, JWKS_TIMEOUT_MS).message}`);
  }
  if (bytes === "too-large") return fail(`the JWKS is too large: more than ${JWKS_MAX_BYTES} bytes`);
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    const type = res.headers.get("Content-Type");
    return fail(`the JWKS is not JSON${type ? ` (Content-Type: ${printable(type, 100)})` : ""}`);
  }
  const keys = (doc as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) return fail('the JWKS has no "keys" array (RFC 7517 §5: a JWK Set is {"keys": [...]})');
  if (keys.length > JWKS_MAX_KEYS) return fail(`the JWKS has ${keys.length} keys, more than the ${JWKS_MAX_KEYS} allowed`);
  const results = await Promise.all(keys.map(validateKey));
  const valid = results.filter((r): r is JWK => typeof r !== "string");
  const dropped = results.filter((r): r is string => typeof r === "string");
  if (valid.length === 0) return fail(`no usable keys in the JWKS${dropped.length ? `: ${dropped.join("; ")}` : " (the keys array is empty)"}`);
  return { kind: "keys", keys: valid, etag: res.headers.get("ETag"), dropped };
}
