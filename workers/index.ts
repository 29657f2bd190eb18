import { AutoRouter, json, type IRequest } from "itty-router";
import type { Env } from "../gateway/env.ts";
import { gatewayIdentity } from "../gateway/identity.ts";
import { ConfigurationError } from "../gateway/secrets.ts";
import { enrolledProvider } from "../gateway/user-index.ts";
import { bytesToBase64Url, utf8 } from "../protocol/bytes.ts";
import { isNetworkId } from "../protocol/identifiers.ts";
import { PROLOGUE, PROTOCOL } from "../protocol/pipes/index.ts";
import { adminRouter } from "./admin.ts";
import { preflight, withCors } from "./cors.ts";
import { devProviderRouter } from "./dev-provider.ts";
import { enroll } from "./enroll.ts";
import { publishedKeys } from "./keys.ts";
import { mediaRouter } from "./media/media-router.ts";
import { fail, HttpError, noRoute } from "./http.ts";
import { refreshAllJwks } from "./jwks-cron.ts";

export { ProviderLimiter } from "../durable-objects/provider-limiter.ts";
export { UserObject } from "../durable-objects/user-object.ts";

const router = AutoRouter<IRequest, [Env, ExecutionContext]>({
  before: [preflight],
  finally: [withCors],
  catch: (err) => {
    if (err instanceof ConfigurationError) return fail(503, "misconfigured", err.message);
    if (err instanceof HttpError) return fail(err.status, err.code, err.message, {}, err.headers);
    console.error(err);
    return fail(500, "internal", "the gateway failed to handle this request; the operator's log has the cause");
  },
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
  /** WebSocket entry: the URL names the user; the handshake proves the claim inside their Durable Object. */
  .get("/v1/connect/:networkId", async (req, env) => {
    const { networkId } = req.params;
    if (!networkId || !isNetworkId(networkId)) return fail(400, "invalid-network-id", "not a network ID");
    if (req.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return fail(426, "upgrade-required", "connect with a WebSocket");
    }
    // Waking the object for a name nobody enrolled would give that name an object, for free.
    if ((await enrolledProvider(env.DIRECTORY, networkId)) === null) return fail(404, "unknown-user", "no user is enrolled with this network ID");
    // itty hands us a proxied Request that the stub cannot serialize; rebuild a plain one.
    return env.USERS.get(env.USERS.idFromName(networkId)).fetch(new Request(req.url, { headers: req.headers }));
  })
  .post("/v1/enroll", enroll)
  .get("/v1/keys/:networkId/:deviceId", publishedKeys)
  .all("/v1/media/*", mediaRouter.fetch)
  .all("/v1/admin/*", adminRouter.fetch)
  .all("/dev/provider/*", devProviderRouter.fetch)
  .all("*", noRoute);

export default {
  fetch: (request, env, ctx) => router.fetch(request, env, ctx),
  // Awaited rather than left to waitUntil, so an invocation ends when its polling has (and a
  // local trigger answers once the keys are stored).
  scheduled: async (_controller, env, _ctx) => {
    const { refreshed, failed } = await refreshAllJwks(env);
    if (failed.length > 0) console.warn(`JWKS refresh: ${failed.length}/${refreshed} failed: ${failed.join(", ")}`);
  },
} satisfies ExportedHandler<Env>;
