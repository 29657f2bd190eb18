import { json, type IRequest } from "itty-router";
import { deviceIdFor, networkIdFor } from "../gateway/auth/identifiers.ts";
import { TokenError, verifyProviderToken, type VerifiedToken } from "../gateway/auth/provider-token.ts";
import type { Env } from "../gateway/env.ts";
import { gatewayIdentity } from "../gateway/identity.ts";
import type { Provider } from "../gateway/providers/provider.ts";
import { recordEnrolled } from "../gateway/user-index.ts";
import { bytesToBase64Url } from "../protocol/bytes.ts";
import { MAX_PROVIDER_TOKEN } from "../protocol/messages.ts";
import { fail, HttpError, readJson } from "./http.ts";

/**
 * POST /v1/enroll {token}: a provider-signed JWT naming the user (sub) and binding the
 * device's Noise static key (cnf.jwk). Returns the user's network ID, the device ID and the
 * gateway keys a client needs to connect. Re-enrolling the same key is idempotent.
 */
export async function enroll(req: IRequest, env: Env): Promise<Response> {
  const body = await readJson(req, MAX_PROVIDER_TOKEN + 1024);
  const token = (body as { token?: unknown } | null)?.token;
  if (typeof token !== "string") throw new HttpError(400, "invalid-field", "token: must be a string");
  const now = Date.now();
  const verified = await verifiedToken(env, token, now);
  if (verified instanceof Response) return verified;
  if (verified.identifier === null) {
    return fail(401, "invalid-token", `enrollment tokens must carry the ${verified.provider.identifierClaim} claim`, { reason: "missing-claim" });
  }
  const spent = await spendEnrollment(env, verified.provider);
  if (spent) return spent;
  const networkId = await networkIdFor(env, verified.provider.id, verified.sub);
  const deviceId = deviceIdFor(networkId, verified.deviceKey);
  const result = await env.USERS.get(env.USERS.idFromName(networkId)).enroll({
    networkId,
    providerId: verified.provider.id,
    sub: verified.sub,
    identifier: verified.identifier,
    deviceId,
    deviceKey: verified.deviceKey,
    jti: verified.jti,
    expMs: verified.expMs,
  });
  if (!result.ok && result.reason === "too-many-devices") return fail(409, "too-many-devices", "this user has the maximum number of devices");
  if (!result.ok) return fail(401, "invalid-token", "provider token replayed", { reason: "replayed" });
  // Only now does the user exist: from here on, connects and stanzas naming it may wake its object.
  await recordEnrolled(env.DIRECTORY, networkId, verified.provider.id);
  const identity = await gatewayIdentity(env, now);
  return json(
    {
      networkId,
      deviceId,
      provider: verified.provider.id,
      identifier: verified.identifier,
      created: result.created,
      gateway: {
        rootKey: bytesToBase64Url(identity.rootPublicKey),
        staticKey: bytesToBase64Url(identity.staticKey.publicKey),
      },
    },
    { status: result.created ? 201 : 200 },
  );
}

/** A verified provider token, or the answer saying why it is refused (401, 403 or 413). */
export async function verifiedToken(env: Env, token: string, nowMs: number): Promise<VerifiedToken | Response> {
  try {
    return await verifyProviderToken(env, token, nowMs);
  } catch (err) {
    if (!(err instanceof TokenError)) throw err;
    if (err.reason === "provider-suspended") return fail(403, "provider-suspended", err.message);
    if (err.reason === "too-large") return fail(413, "too-large", err.message);
    return fail(401, "invalid-token", err.message, { reason: err.reason });
  }
}

/** Takes one of the provider's `enrollmentsPerMinute` (enrollments and device removals); a 429 when none is left. */
export async function spendEnrollment(env: Env, provider: Provider): Promise<Response | null> {
  const limiter = env.PROVIDER_LIMITS.get(env.PROVIDER_LIMITS.idFromName(provider.id));
  const { granted, retryAfterMs } = await limiter.lease(provider.rateLimits.enrollmentsPerMinute, 1, "enrollments");
  if (granted > 0) return null;
  return fail(429, "rate-limited", "this provider's enrollment budget is spent", { retryAfterMs }, { "Retry-After": String(Math.ceil(retryAfterMs / 1000)) });
}
