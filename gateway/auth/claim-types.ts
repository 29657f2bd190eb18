/**
 * RFC 7519 §4.1 gives each registered claim one JSON type. A claim of another type is
 * refused, never coerced: `["alice"]` must not become the subject "alice" (template strings
 * flatten arrays), nor `12345` the token ID "12345" past its length checks.
 */
const STRING_CLAIMS = ["iss", "sub", "jti"] as const;
const NUMERIC_DATE_CLAIMS = ["exp", "nbf", "iat"] as const;

export type Claims = Readonly<Record<string, unknown>>;

export const hasClaim = (claims: Claims, name: string): boolean => Object.hasOwn(claims, name);

/** Which registered claim has the wrong type, as a message, or null when every present one is typed as RFC 7519 says. */
export function registeredClaimTypeError(claims: Claims): string | null {
  for (const name of STRING_CLAIMS) {
    if (hasClaim(claims, name) && typeof claims[name] !== "string") return `${name} must be a string`;
  }
  for (const name of NUMERIC_DATE_CLAIMS) {
    const v = claims[name];
    // JSON.parse reads 1e999 as Infinity: a time no clock reaches is no NumericDate.
    if (hasClaim(claims, name) && (typeof v !== "number" || !Number.isFinite(v))) return `${name} must be a NumericDate (a finite number)`;
  }
  const aud = claims.aud;
  if (hasClaim(claims, "aud") && typeof aud !== "string" && !(Array.isArray(aud) && aud.every((a) => typeof a === "string"))) {
    return "aud must be a string or an array of strings";
  }
  return null;
}

export function isJsonObject(value: unknown): value is Claims {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
