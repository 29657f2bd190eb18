import { AutoRouter, json, type IRequest } from "itty-router";
import type { Env } from "../gateway/env.ts";
import { gatewayIdentity } from "../gateway/identity.ts";
import { ConfigurationError } from "../gateway/secrets.ts";
import { bytesToBase64Url, utf8 } from "../protocol/bytes.ts";
import { PROLOGUE, PROTOCOL } from "../protocol/pipes/index.ts";
import { adminRouter } from "./admin.ts";
import { connect, connectTarget } from "./connect.ts";
import { preflight, withCors } from "./cors.ts";
import { devProviderRouter } from "./dev-provider.ts";
import { removeDevice } from "./device-removal.ts";
import { enroll } from "./enroll.ts";
import { publishedKeys } from "./keys.ts";
import { mediaRouter } from "./media/media-router.ts";
import { fail, HttpError, noRoute } from "./http.ts";
import { refreshAllJwks } from "./jwks-cron.ts";

export { GroupObject } from "../durable-objects/group-object.ts";
export { ProviderLimiter } from "../durable-objects/provider-limiter.ts";
export { UserObject } from "../durable-objects/user-object.ts";

function failure(err: unknown): Response {
  if (err instanceof ConfigurationError) return fail(503, "misconfigured", err.message);
  if (err instanceof HttpError) return fail(err.status, err.code, err.message, {}, err.headers);
  console.error(err);
  return fail(500, "internal", "the gateway failed to handle this request; the operator's log has the cause");
}

const router = AutoRouter<IRequest, [Env, ExecutionContext]>({
  before: [preflight],
  finally: [withCors],
  catch: failure,
});

router
  .get("/health", () => json({ ok: true }))
  /**
   * Public gateway parameters. A client pins `rootKey` out of band in production (its provider
   * ships it); `staticKey` lets a client start with IK instead of XX.
   */
  .get("/v1/gateway", async (_req, env) => {
    const identity = await gatewayIdentity(env);
    return json({
      name: env.GATEWAY_NAME,
      protocols: PROTOCOL,
      prologue: utf8.decode(PROLOGUE),
      rootKey: bytesToBase64Url(identity.rootPublicKey),
      staticKey: bytesToBase64Url(identity.staticKey.publicKey),
      certificate: {
        details: bytesToBase64Url(identity.certificate.details),
        signature: bytesToBase64Url(identity.certificate.signature),
      },
    });
  })
  .post("/v1/enroll", enroll)
  .post("/v1/devices/remove", removeDevice)
  .get("/v1/keys/:networkId/:deviceId", publishedKeys)
  .all("/v1/media/*", mediaRouter.fetch)
  .all("/v1/admin/*", adminRouter.fetch)
  .all("/dev/provider/*", devProviderRouter.fetch)
  .all("*", noRoute);

export default {
  fetch: (request, env, ctx) => {
    const networkId = connectTarget(request);
    if (networkId !== null) return connect(request, env, networkId).catch(failure);
    return router.fetch(request, env, ctx);
  },
  // Awaited rather than left to waitUntil, so an invocation ends when its polling has (and a
  // local trigger answers once the keys are stored).
  scheduled: async (_controller, env, _ctx) => {
    const { refreshed, failed } = await refreshAllJwks(env);
    if (failed.length > 0) console.warn(`JWKS refresh: ${failed.length}/${refreshed} failed: ${failed.join(", ")}`);
  },
} satisfies ExportedHandler<Env>;
