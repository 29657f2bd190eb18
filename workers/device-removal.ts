import { json, type IRequest } from "itty-router";
import { networkIdFor } from "../gateway/auth/identifiers.ts";
import type { Env } from "../gateway/env.ts";
import { enrolledProvider } from "../gateway/user-index.ts";
import { DEVICE_ID_PATTERN } from "../protocol/identifiers.ts";
import { MAX_PROVIDER_TOKEN } from "../protocol/messages.ts";
import { spendEnrollment, verifiedToken } from "./enroll.ts";
import { fail, HttpError, readJson } from "./http.ts";

/**
 * POST /v1/devices/remove {token, deviceId}: a provider removes a device of one of its users
 * when no device is left to ask (a lost phone). The token is a fresh provider JWT for that
 * user: the network ID derives from its provider and subject, so a provider reaches only its
 * own users; its cnf.jwk need not be the removed device's key. The removal is the one a
 * device asks for with `<device-remove/>` (docs/stanzas.md).
 */
export async function removeDevice(req: IRequest, env: Env): Promise<Response> {
  const body = (await readJson(req, MAX_PROVIDER_TOKEN + 1024)) as { token?: unknown; deviceId?: unknown } | null;
  const token = body?.token;
  const deviceId = body?.deviceId;
  if (typeof token !== "string") throw new HttpError(400, "invalid-field", "token: must be a string");
  if (typeof deviceId !== "string" || !DEVICE_ID_PATTERN.test(deviceId)) throw new HttpError(400, "invalid-field", "deviceId: must be a device ID");
  const verified = await verifiedToken(env, token, Date.now());
  if (verified instanceof Response) return verified;
  const spent = await spendEnrollment(env, verified.provider);
  if (spent) return spent;
  const networkId = await networkIdFor(env, verified.provider.id, verified.sub);
  const unknown = () => fail(404, "unknown-device", "this user has no such device");
  // Asked first: a subject nobody enrolled must not get an object (and storage) for being named.
  if ((await enrolledProvider(env.DIRECTORY, networkId)) === null) return unknown();
  const result = await env.USERS.get(env.USERS.idFromName(networkId)).removeDevice({ deviceId, jti: verified.jti, expMs: verified.expMs });
  if (!result.ok && result.reason === "replayed") return fail(401, "invalid-token", "provider token replayed", { reason: "replayed" });
  if (!result.ok) return unknown();
  return json({ networkId, deviceId, devices: result.devices });
}
