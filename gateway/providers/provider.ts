import { allowlistHost } from "../../workers/media/target-policy.ts";
import { issuerFitsIndex } from "./registry.ts";

/**
 * A messaging provider that signed the interop agreement. Stored in KV as `provider:<id>`.
 * Validation lives here so the admin API, the dev provider and tests share one definition.
 */
export interface Provider {
  readonly id: string;
  readonly name: string;
  readonly status: "active" | "suspended";
  /** Exact `iss` of the provider's tokens; unique across providers. */
  readonly issuer: string;
  readonly jwksUri: string;
  /** The `aud` the provider's tokens carry for this gateway. */
  readonly audience: string;
  /** Token claim holding the user-visible identifier (e.g. phone number, username). */
  readonly identifierClaim: string;
  readonly pushWebhook: { readonly url: string; readonly secret: string } | null;
  /** Hosts the gateway's media proxy may fetch this provider's media from. */
  readonly mediaHosts: readonly string[];
  readonly rateLimits: RateLimits;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
}

export interface RateLimits {
  readonly enrollmentsPerMinute: number;
  readonly messagesPerMinute: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = { enrollmentsPerMinute: 600, messagesPerMinute: 60_000 };
export const DEFAULT_IDENTIFIER_CLAIM = "preferred_username";

/** A rejected admin input: `field` names what to fix. */
export class ValidationError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = "ValidationError";
  }
}

export interface UrlPolicy {
  /** Allow http:// (development and tests); production demands https://. */
  readonly allowHttp: boolean;
}

const ID = /^[a-z0-9][a-z0-9-]{1,62}$/;
const HOST = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const CLAIM = /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/;

type Input = Record<string, unknown>;

function str(input: Input, field: string, max: number, required: boolean): string | undefined {
  const v = input[field];
  if (v === undefined && !required) return undefined;
  if (typeof v !== "string" || v.length === 0) throw new ValidationError(field, "must be a non-empty string");
  if (v.length > max) throw new ValidationError(field, `must be at most ${max} characters`);
  return v;
}

function url(input: Input, field: string, policy: UrlPolicy, required: boolean): string | undefined {
  const v = str(input, field, 2048, required);
  if (v === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(v);
  } catch {
    throw new ValidationError(field, "must be an absolute URL");
  }
  const ok = parsed.protocol === "https:" || (policy.allowHttp && parsed.protocol === "http:");
  if (!ok) throw new ValidationError(field, policy.allowHttp ? "must be http(s)" : "must be https");
  if (parsed.username || parsed.password) throw new ValidationError(field, "must not carry credentials");
  return parsed.toString();
}

function positiveInt(value: unknown, field: string, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max) {
    throw new ValidationError(field, `must be an integer from 1 to ${max}`);
  }
  return value;
}

function rateLimits(value: unknown, base: RateLimits): RateLimits {
  if (value === undefined) return base;
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ValidationError("rateLimits", "must be an object");
  const v = value as Input;
  for (const key of Object.keys(v)) {
    if (!(key in DEFAULT_RATE_LIMITS)) throw new ValidationError(`rateLimits.${key}`, "unknown field");
  }
  return {
    enrollmentsPerMinute:
      v.enrollmentsPerMinute === undefined ? base.enrollmentsPerMinute : positiveInt(v.enrollmentsPerMinute, "rateLimits.enrollmentsPerMinute", 1_000_000),
    messagesPerMinute:
      v.messagesPerMinute === undefined ? base.messagesPerMinute : positiveInt(v.messagesPerMinute, "rateLimits.messagesPerMinute", 100_000_000),
  };
}

function mediaHosts(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length > 32) throw new ValidationError("mediaHosts", "must be an array of at most 32 host names");
  return value.map((h, i) => {
    if (typeof h !== "string") throw new ValidationError(`mediaHosts[${i}]`, "must be a DNS host name");
    // The proxy's own policy, so nothing is allowlisted that the proxy would refuse to fetch.
    const entry = allowlistHost(h);
    if (!entry.ok) throw new ValidationError(`mediaHosts[${i}]`, entry.code === "invalid-source" ? "must be a DNS host name" : `must be a public DNS host name (${entry.message})`);
    if (!HOST.test(entry.host)) throw new ValidationError(`mediaHosts[${i}]`, "must be a DNS host name");
    return entry.host;
  });
}

function pushWebhook(value: unknown, policy: UrlPolicy): Provider["pushWebhook"] | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  if (typeof value !== "object" || Array.isArray(value)) throw new ValidationError("pushWebhook", "must be an object or null");
  const v = value as Input;
  const secret = str(v, "secret", 256, true)!;
  if (secret.length < 32) throw new ValidationError("pushWebhook.secret", "must be at least 32 characters");
  return { url: url(v, "url", policy, true)!, secret };
}

const FIELDS = new Set(["id", "name", "issuer", "jwksUri", "audience", "identifierClaim", "pushWebhook", "mediaHosts", "rateLimits"]);

function object(body: unknown): Input {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new ValidationError("body", "must be a JSON object");
  for (const key of Object.keys(body)) if (!FIELDS.has(key)) throw new ValidationError(key, "unknown field");
  return body as Input;
}

function issuer(input: Input, required: boolean): string | undefined {
  const v = str(input, "issuer", 512, required);
  // Tokens find their provider through a KV index keyed by issuer, and KV keys are bytes-limited.
  if (v !== undefined && !issuerFitsIndex(v)) throw new ValidationError("issuer", "must be at most 505 bytes of UTF-8");
  return v;
}

function identifierClaim(input: Input): string | undefined {
  const v = str(input, "identifierClaim", 64, false);
  if (v !== undefined && !CLAIM.test(v)) throw new ValidationError("identifierClaim", "must be a claim name");
  return v;
}

/** Validates a create request. */
export function newProvider(body: unknown, defaults: { audience: string }, policy: UrlPolicy, nowMs: number): Provider {
  const input = object(body);
  const id = str(input, "id", 63, true)!;
  if (!ID.test(id)) throw new ValidationError("id", "must be 2-63 characters of a-z, 0-9 and -, starting with a letter or digit");
  return {
    id,
    name: str(input, "name", 200, false) ?? id,
    status: "active",
    issuer: issuer(input, true)!,
    jwksUri: url(input, "jwksUri", policy, true)!,
    audience: str(input, "audience", 512, false) ?? defaults.audience,
    identifierClaim: identifierClaim(input) ?? DEFAULT_IDENTIFIER_CLAIM,
    pushWebhook: pushWebhook(input.pushWebhook, policy) ?? null,
    mediaHosts: mediaHosts(input.mediaHosts) ?? [],
    rateLimits: rateLimits(input.rateLimits, DEFAULT_RATE_LIMITS),
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
  };
}

/** Validates a partial update; `id` and status cannot change here. */
export function patchProvider(current: Provider, body: unknown, policy: UrlPolicy, nowMs: number): Provider {
  const input = object(body);
  if (input.id !== undefined && input.id !== current.id) throw new ValidationError("id", "cannot be changed");
  const webhook = pushWebhook(input.pushWebhook, policy);
  return {
    ...current,
    name: str(input, "name", 200, false) ?? current.name,
    issuer: issuer(input, false) ?? current.issuer,
    jwksUri: url(input, "jwksUri", policy, false) ?? current.jwksUri,
    audience: str(input, "audience", 512, false) ?? current.audience,
    identifierClaim: identifierClaim(input) ?? current.identifierClaim,
    pushWebhook: webhook === undefined ? current.pushWebhook : webhook,
    mediaHosts: mediaHosts(input.mediaHosts) ?? current.mediaHosts,
    rateLimits: rateLimits(input.rateLimits, current.rateLimits),
    updatedAtMs: nowMs,
  };
}

/** The admin view: the webhook secret never leaves the gateway. */
export function redactProvider(p: Provider): Omit<Provider, "pushWebhook"> & { pushWebhook: { url: string } | null } {
  return { ...p, pushWebhook: p.pushWebhook ? { url: p.pushWebhook.url } : null };
}
