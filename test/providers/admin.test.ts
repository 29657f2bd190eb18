import { createExecutionContext, createScheduledController, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { x25519 } from "@noble/curves/ed25519.js";
import { describe, expect, it } from "vitest";
import { newProvider, patchProvider, ValidationError } from "../../gateway/providers/provider.ts";
import { bytesToBase64Url } from "../../protocol/bytes.ts";
import worker from "../../workers/index.ts";
import { DEV_JWKS_URI } from "../../workers/dev-provider.ts";
import { GATEWAY_URL } from "../helpers/gateway.ts";
import { admin, TestProvider } from "../helpers/providers.ts";

const post = (path: string, body: unknown) => admin(path, { method: "POST", body: JSON.stringify(body) });

describe("admin API", () => {
  it("requires the bearer admin token", async () => {
    expect((await SELF.fetch(`${GATEWAY_URL}/v1/admin/providers`)).status).toBe(401);
    const wrong = await SELF.fetch(`${GATEWAY_URL}/v1/admin/providers`, { headers: { Authorization: "Bearer nope" } });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: "unauthorized" });
  });

  it("takes the Bearer scheme in any case (RFC 7235), and still only the right token", async () => {
    for (const scheme of ["bearer", "BEARER", "Bearer", "bEaReR"]) {
      const res = await SELF.fetch(`${GATEWAY_URL}/v1/admin/providers`, { headers: { Authorization: `${scheme} ${env.ADMIN_TOKEN}` } });
      expect(res.status, scheme).toBe(200);
    }
    for (const header of [`bearer ${env.ADMIN_TOKEN}x`, `Basic ${env.ADMIN_TOKEN}`, `bearer${env.ADMIN_TOKEN}`, env.ADMIN_TOKEN]) {
      const res = await SELF.fetch(`${GATEWAY_URL}/v1/admin/providers`, { headers: { Authorization: header } });
      expect(res.status, header.slice(0, 8)).toBe(401);
    }
  });

  it("refuses media hosts the media proxy would refuse, in every spelling, on create and on patch", async () => {
    const spellings = [
      "LOCALHOST",
      "localhost.",
      "Metadata.LocalHost",
      "0x7f000001", // hex 127.0.0.1
      "2130706433", // decimal 127.0.0.1
      "0177.0.0.1", // octal 127.0.0.1
      "127.1",
      "127.0.0.1.",
      "0xa9fea9fe", // 169.254.169.254
      "8.8.8.8", // public, but an address: never on an allowlist
      "[::1]",
      "[::ffff:127.0.0.1]",
      "[fe80::1]",
      "[2606:4700::1111]",
      "media.example:8443",
      "user@media.example",
      "media.example/path",
    ];
    const p = await TestProvider.create();
    for (const host of spellings) {
      const created = await post("/providers", { id: "hosts-probe", issuer: "https://hosts.example", jwksUri: p.jwksUri, mediaHosts: ["ok.example", host] });
      expect([host, created.status], host).toEqual([host, 400]);
      expect(await created.json(), host).toMatchObject({ error: "invalid-field", field: "mediaHosts[1]" });
      const patched = await admin(`/providers/${p.id}`, { method: "PATCH", body: JSON.stringify({ mediaHosts: [host] }) });
      expect([host, patched.status], host).toEqual([host, 400]);
    }
    expect((await admin("/providers/hosts-probe")).status).toBe(404);
    expect(await (await admin(`/providers/${p.id}`)).json()).toMatchObject({ mediaHosts: [] });
    // The spelling the proxy compares against is what is stored.
    const ok = await admin(`/providers/${p.id}`, { method: "PATCH", body: JSON.stringify({ mediaHosts: ["CDN.Example.NET."] }) });
    expect(await ok.json()).toMatchObject({ mediaHosts: ["cdn.example.net"] });
  });

  it("creates a provider, fetches its JWKS at once and reports health", async () => {
    const p = await TestProvider.create({ register: false });
    const res = await post("/providers", {
      id: p.id,
      issuer: p.issuer,
      jwksUri: p.jwksUri,
      pushWebhook: { url: "https://push.example/hook", secret: "s".repeat(40) },
      mediaHosts: ["Media.Example.com"],
      rateLimits: { enrollmentsPerMinute: 10 },
    });
    expect(res.status).toBe(201);
    const body = await res.json<Record<string, unknown>>();
    expect(body).toMatchObject({
      id: p.id,
      status: "active",
      mediaHosts: ["media.example.com"],
      rateLimits: { enrollmentsPerMinute: 10, messagesPerMinute: 60000 },
      pushWebhook: { url: "https://push.example/hook" },
      jwks: { ok: true, kids: [p.keys[0]!.kid], consecutiveFailures: 0 },
    });
    expect(JSON.stringify(body)).not.toContain("s".repeat(40));
    const list = await (await admin("/providers")).json<{ providers: { id: string; pushWebhook: unknown }[] }>();
    expect(list.providers.find((x) => x.id === p.id)?.pushWebhook).toEqual({ url: "https://push.example/hook" });
  });

  it("rejects bad input with the field at fault and stores nothing", async () => {
    const cases: [unknown, number, string][] = [
      [{ id: "Bad Id", issuer: "x", jwksUri: "https://x/j" }, 400, "id"],
      [{ id: "ok-id", issuer: "x", jwksUri: "not a url" }, 400, "jwksUri"],
      [{ id: "ok-id", issuer: "x", jwksUri: "ftp://x/j" }, 400, "jwksUri"],
      [{ id: "ok-id", issuer: "", jwksUri: "https://x/j" }, 400, "issuer"],
      [{ id: "ok-id", issuer: "x", jwksUri: "https://x/j", extra: 1 }, 400, "extra"],
      [{ id: "ok-id", issuer: "x", jwksUri: "https://x/j", mediaHosts: ["10.0.0.1:80/x"] }, 400, "mediaHosts[0]"],
      [{ id: "ok-id", issuer: "x", jwksUri: "https://x/j", mediaHosts: ["cdn.example", "169.254.169.254"] }, 400, "mediaHosts[1]"],
      [{ id: "ok-id", issuer: "x", jwksUri: "https://x/j", mediaHosts: ["localhost"] }, 400, "mediaHosts[0]"],
      [{ id: "ok-id", issuer: "x", jwksUri: "https://x/j", rateLimits: { messagesPerMinute: -1 } }, 400, "rateLimits.messagesPerMinute"],
      [{ id: "ok-id", issuer: "x", jwksUri: "https://x/j", pushWebhook: { url: "https://h", secret: "short" } }, 400, "pushWebhook.secret"],
      [[1, 2], 400, "body"],
    ];
    for (const [body, status, field] of cases) {
      const res = await post("/providers", body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(await res.json(), JSON.stringify(body)).toMatchObject({ error: "invalid-field", field });
    }
    expect((await admin("/providers/ok-id")).status).toBe(404);
    const notJson = await admin("/providers", { method: "POST", body: "{" });
    expect(notJson.status).toBe(400);
    const wrongType = await admin("/providers", { method: "POST", body: "{}", headers: { "Content-Type": "text/plain" } });
    expect(wrongType.status).toBe(415);
  });

  it("refuses a duplicate id or issuer", async () => {
    const p = await TestProvider.create();
    expect((await post("/providers", { id: p.id, issuer: "other", jwksUri: p.jwksUri })).status).toBe(409);
    const sameIssuer = await post("/providers", { id: `${p.id}-2`, issuer: p.issuer, jwksUri: p.jwksUri });
    expect(sameIssuer.status).toBe(409);
    expect(await sameIssuer.json()).toMatchObject({ error: "issuer-taken" });
    const other = await TestProvider.create();
    const steal = await admin(`/providers/${other.id}`, { method: "PATCH", body: JSON.stringify({ issuer: p.issuer }) });
    expect(steal.status).toBe(409);
    expect(await (await admin(`/providers/${other.id}`)).json()).toMatchObject({ issuer: other.issuer });
  });

  it("updates fields, keeps the rest, and leaves the entry untouched on a bad patch", async () => {
    const p = await TestProvider.create();
    const patch = (body: unknown) => admin(`/providers/${p.id}`, { method: "PATCH", body: JSON.stringify(body) });
    const ok = await patch({ name: "Renamed", mediaHosts: ["cdn.example.net"] });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ name: "Renamed", mediaHosts: ["cdn.example.net"], issuer: p.issuer });
    expect((await patch({ id: "other" })).status).toBe(400);
    expect((await patch({ jwksUri: "nope" })).status).toBe(400);
    expect(await (await admin(`/providers/${p.id}`)).json()).toMatchObject({ name: "Renamed", jwksUri: p.jwksUri });
    expect((await admin("/providers/does-not-exist", { method: "PATCH", body: "{}" })).status).toBe(404);
  });

  it("suspends and reactivates", async () => {
    const p = await TestProvider.create();
    expect(await (await post(`/providers/${p.id}/suspend`, {})).json()).toMatchObject({ status: "suspended" });
    expect(await (await post(`/providers/${p.id}/activate`, {})).json()).toMatchObject({ status: "active" });
  });

  it("validation is strict about URLs in production mode", () => {
    const input = { id: "prod", issuer: "https://prod.example", jwksUri: "http://prod.example/jwks" };
    expect(() => newProvider(input, { audience: "a" }, { allowHttp: false }, 0)).toThrow(ValidationError);
    const p = newProvider({ ...input, jwksUri: "https://prod.example/jwks" }, { audience: "a" }, { allowHttp: false }, 0);
    expect(() => patchProvider(p, { jwksUri: "https://user:pw@prod.example/j" }, { allowHttp: false }, 1)).toThrow(/credentials/);
    expect(p.audience).toBe("a");
  });
});

describe("built-in development provider", () => {
  it("serves its JWKS and mints tokens only for well-formed requests", async () => {
    const jwks = await (await SELF.fetch(`${GATEWAY_URL}/dev/provider/jwks.json`)).json<{ keys: { kty: string; crv: string; d?: string }[] }>();
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519" });
    expect(jwks.keys[0]!.d).toBeUndefined();
    const mint = (body: unknown) =>
      SELF.fetch(`${GATEWAY_URL}/dev/provider/token`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    expect((await mint({ sub: "x", deviceKey: "short" })).status).toBe(400);
    expect((await mint({ deviceKey: "A".repeat(43) })).status).toBe(400);
    expect((await mint({ sub: "x", deviceKey: "A".repeat(43) })).status).toBe(400); // all zero: a low-order point
    expect((await mint({ sub: "x", deviceKey: bytesToBase64Url(x25519.getPublicKey(x25519.utils.randomSecretKey())) })).status).toBe(200);
    const dev = await (await admin("/providers/dev")).json<{ jwks: { ok: boolean; kids: string[] } }>();
    expect(dev.jwks).toMatchObject({ ok: true, kids: ["dev-1"] });
  });

  it("takes its JWKS address from configuration, never from the request, and the cron seeds rather than fetches it", async () => {
    // Whoever calls the token endpoint picks the Host; an address built from it would be a fetch the caller aims.
    const res = await SELF.fetch("http://attacker.example:6379/dev/provider/token", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sub: "host-probe", deviceKey: bytesToBase64Url(x25519.getPublicKey(x25519.utils.randomSecretKey())) }),
    });
    expect(res.status).toBe(200);
    const entry = await (await admin("/providers/dev")).json<{ jwksUri: string }>();
    expect(entry.jwksUri).toBe(DEV_JWKS_URI);
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "*/5 * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    const after = await (await admin("/providers/dev")).json<{ jwks: { ok: boolean; lastError: string | null } }>();
    expect(after.jwks).toMatchObject({ ok: true, lastError: null });
  });
});
