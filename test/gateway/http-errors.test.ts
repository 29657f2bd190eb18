import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { Env } from "../../gateway/env.ts";
import { issueMediaToken } from "../../gateway/media/media-token.ts";
import worker from "../../workers/index.ts";
import { enrollWith, GATEWAY_URL, newDevice } from "../helpers/gateway.ts";
import { admin, TestProvider } from "../helpers/providers.ts";

// Issue 11 §3: every HTTP error, from every router, is {"error", "message", ...extra} with
// no "status" field (docs/wire.md), and an unmatched route says the same thing everywhere.

const deviceKey = () => crypto.getRandomValues(new Uint8Array(32));
const HASH = "ab".repeat(32);
const UNENROLLED = "a".repeat(26);
const jsonPost = (body: string): RequestInit => ({ method: "POST", headers: { "Content-Type": "application/json" }, body });
/** A body of unknown length, sent chunked (a Blob's stream would get a Content-Length). */
const oneChunk = () =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new Uint8Array([1]));
      controller.close();
    },
  });
const get = (path: string, init: RequestInit = {}) => SELF.fetch(`${GATEWAY_URL}${path}`, init);

/** Through the Worker's own fetch handler with some bindings replaced: misconfigured or broken deployments. */
async function withEnv(overrides: Partial<Env>, path: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  // An incoming request's `cf` is the runtime's to fill; none of these routes reads it.
  const request = new Request(`${GATEWAY_URL}${path}`, init) as Request<unknown, IncomingRequestCfProperties>;
  const res = await worker.fetch(request, { ...env, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

interface Case {
  readonly name: string;
  readonly send: () => Promise<Response>;
  readonly status: number;
  readonly error: string;
  /** Keys beyond "error" and "message". */
  readonly extra?: readonly string[];
}

let suspended: TestProvider;
let limited: TestProvider;
let mediaToken: string;

beforeAll(async () => {
  suspended = await TestProvider.create();
  await admin(`/providers/${suspended.id}/suspend`, { method: "POST" });
  limited = await TestProvider.create();
  await admin(`/providers/${limited.id}`, { method: "PATCH", body: JSON.stringify({ rateLimits: { enrollmentsPerMinute: 1 } }) });
  mediaToken = await issueMediaToken(env, { networkId: UNENROLLED, deviceId: "d1", providerId: "dev", expMs: Date.now() + 60_000 });
});

const media = (path: string, init: RequestInit = {}) =>
  get(`/v1/media/${path}`, { ...init, headers: { Authorization: `Bearer ${mediaToken}`, ...init.headers } });

const cases: Case[] = [
  // main router
  { name: "unknown route", send: () => get("/nope"), status: 404, error: "not-found" },
  { name: "known path, other method (404, not 405)", send: () => get("/v1/enroll"), status: 404, error: "not-found" },
  { name: "malformed network ID", send: () => get("/v1/connect/NOT-AN-ID", { headers: { Upgrade: "websocket" } }), status: 400, error: "invalid-network-id" },
  { name: "connect without upgrade", send: () => get(`/v1/connect/${UNENROLLED}`), status: 426, error: "upgrade-required" },
  { name: "connect to nobody", send: () => get(`/v1/connect/${UNENROLLED}`, { headers: { Upgrade: "websocket" } }), status: 404, error: "unknown-user" },
  { name: "misconfigured gateway", send: () => withEnv({ NOISE_STATIC_KEY: "" }, "/v1/gateway"), status: 503, error: "misconfigured" },
  // enrollment
  { name: "enroll without JSON content type", send: () => get("/v1/enroll", { method: "POST", body: "{}" }), status: 415, error: "unsupported-media-type" },
  { name: "enroll with broken JSON", send: () => get("/v1/enroll", jsonPost("{")), status: 400, error: "invalid-json" },
  { name: "enroll with a huge body", send: () => get("/v1/enroll", jsonPost(JSON.stringify({ token: "x".repeat(64 * 1024) }))), status: 413, error: "too-large" },
  { name: "enroll without token", send: () => get("/v1/enroll", jsonPost("{}")), status: 400, error: "invalid-field" },
  { name: "enroll with a bad token", send: () => enrollWith("not.a.jwt"), status: 401, error: "invalid-token", extra: ["reason"] },
  { name: "enroll at a suspended provider", send: async () => enrollWith(await suspended.token("s", deviceKey())), status: 403, error: "provider-suspended" },
  {
    name: "enroll over the provider's budget",
    send: async () => {
      await enrollWith(await limited.token("l1", deviceKey()));
      return enrollWith(await limited.token("l2", deviceKey()));
    },
    status: 429,
    error: "rate-limited",
    extra: ["retryAfterMs"],
  },
  // published keys
  { name: "keys for a malformed ID", send: () => get("/v1/keys/nope/d1"), status: 400, error: "invalid-id" },
  { name: "keys nobody published", send: () => get(`/v1/keys/${UNENROLLED}/d1`), status: 404, error: "not-found" },
  // admin
  { name: "admin without token", send: () => get("/v1/admin/providers"), status: 401, error: "unauthorized" },
  { name: "admin unknown route", send: () => admin("/nope"), status: 404, error: "not-found" },
  { name: "admin known path, other method", send: () => admin("/providers", { method: "DELETE" }), status: 404, error: "not-found" },
  { name: "admin unknown provider", send: () => admin("/providers/nobody-here"), status: 404, error: "unknown-provider" },
  { name: "admin invalid field", send: () => admin("/providers", { method: "POST", body: JSON.stringify({ id: "x" }) }), status: 400, error: "invalid-field", extra: ["field"] },
  { name: "admin duplicate provider", send: () => admin("/providers", { method: "POST", body: JSON.stringify({ id: limited.id, issuer: "https://other.example", jwksUri: limited.jwksUri }) }), status: 409, error: "provider-exists" },
  { name: "admin without ADMIN_TOKEN", send: () => withEnv({ ADMIN_TOKEN: "" }, "/v1/admin/providers"), status: 503, error: "misconfigured" },
  {
    name: "admin on a broken binding (unexpected exception)",
    send: () => withEnv({ PROVIDERS: {} as KVNamespace }, "/v1/admin/providers", { headers: { Authorization: `Bearer ${env.ADMIN_TOKEN}` } }),
    status: 500,
    error: "internal",
  },
  // media
  { name: "media without token", send: () => get(`/v1/media/${HASH}`), status: 401, error: "unauthorized" },
  { name: "media with a bad hash", send: () => media("nothex"), status: 400, error: "invalid-hash" },
  { name: "media nobody stored", send: () => media(HASH), status: 404, error: "not-found" },
  { name: "media upload without length", send: () => media(HASH, { method: "PUT", body: oneChunk() }), status: 411, error: "length-required" },
  { name: "media upload under another name", send: () => media(HASH, { method: "PUT", body: "x" }), status: 400, error: "hash-mismatch" },
  { name: "media upload over the limit", send: () => media(HASH, { method: "PUT", headers: { "Content-Length": String(1024 ** 3) }, body: "x" }), status: 413, error: "too-large" },
  { name: "media unknown method", send: () => media(HASH, { method: "POST" }), status: 404, error: "not-found" },
  // development provider
  { name: "dev provider, known path, other method", send: () => get("/dev/provider/token"), status: 404, error: "not-found" },
  { name: "dev provider unknown route", send: () => get("/dev/provider/nope", jsonPost("{}")), status: 404, error: "not-found" },
  { name: "dev provider invalid field", send: () => get("/dev/provider/token", jsonPost("{}")), status: 400, error: "invalid-field" },
  { name: "dev provider without JSON content type", send: () => get("/dev/provider/token", { method: "POST", body: "{}" }), status: 415, error: "unsupported-media-type" },
  { name: "dev provider disabled", send: () => withEnv({ DEV_PROVIDER_KEY: "" }, "/dev/provider/jwks.json"), status: 404, error: "not-found" },
  { name: "dev provider misconfigured", send: () => withEnv({ DEV_PROVIDER_KEY: "not base64url!" }, "/dev/provider/jwks.json"), status: 503, error: "misconfigured" },
];

describe("HTTP errors have one shape", () => {
  it.each(cases)("$name: $status $error", async ({ send, status, error, extra = [] }) => {
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
    const body = await res.json<Record<string, unknown>>();
    expect(Object.keys(body).sort()).toEqual(["error", "message", ...extra].sort());
    expect(body.error).toBe(error);
    expect(typeof body.message).toBe("string");
    expect((body.message as string).length).toBeGreaterThan(0);
  });

  it("an unmatched route answers the same body from every router", async () => {
    const bodies = await Promise.all(
      [get("/nope"), admin("/nope"), media(HASH, { method: "POST" }), get("/dev/provider/token"), get("/dev/provider/nope")].map(async (r) => (await r).json()),
    );
    for (const body of bodies) expect(body).toEqual(bodies[0]);
  });

  it("a connect to a misconfigured gateway is refused before any socket: 503 misconfigured", async () => {
    const device = await newDevice();
    const res = await withEnv({ NOISE_STATIC_KEY: "" }, `/v1/connect/${device.networkId}`, { headers: { Upgrade: "websocket" } });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: "misconfigured" });
  });

  it("Retry-After still accompanies a 429", async () => {
    await enrollWith(await limited.token("r1", deviceKey()));
    const res = await enrollWith(await limited.token("r2", deviceKey()));
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("Retry-After"))).toBeGreaterThan(0);
  });
});
