import { env } from "cloudflare:test";
import { SignJWT, base64url } from "jose";
import { describe, expect, it } from "vitest";
import { networkIdFor } from "../../gateway/auth/identifiers.ts";
import { isNetworkId } from "../../protocol/identifiers.ts";
import { enrollWith, type EnrollResponse } from "../helpers/gateway.ts";
import { admin, TestProvider } from "../helpers/providers.ts";

const deviceKey = () => crypto.getRandomValues(new Uint8Array(32));

async function refused(token: string): Promise<{ status: number; reason?: string; error: string }> {
  const res = await enrollWith(token);
  const body = await res.json<{ error: string; reason?: string }>();
  return { status: res.status, ...body };
}

describe("enrollment", () => {
  it("issues a deterministic network ID per (provider, subject) and a device ID per key", async () => {
    const p = await TestProvider.create({ alg: "EdDSA" });
    const k1 = deviceKey();
    const first = await enrollWith(await p.token("alice", k1));
    expect(first.status).toBe(201);
    const a = await first.json<EnrollResponse & { gateway: { rootKey: string }; identifier: string }>();
    expect(isNetworkId(a.networkId)).toBe(true);
    expect(a.networkId).toBe(await networkIdFor(env, p.id, "alice"));
    expect(a.identifier).toBe(`alice@${p.id}`);
    expect(a.gateway.rootKey).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const again = await enrollWith(await p.token("alice", k1));
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ networkId: a.networkId, deviceId: a.deviceId, created: false });

    const second = await (await enrollWith(await p.token("alice", deviceKey()))).json<EnrollResponse>();
    expect(second.networkId).toBe(a.networkId);
    expect(second.deviceId).not.toBe(a.deviceId);
  });

  it("concurrent enrollments of one subject never fork the identity", async () => {
    const p = await TestProvider.create();
    const tokens = await Promise.all(Array.from({ length: 8 }, () => p.token("bob", deviceKey())));
    const results = await Promise.all(tokens.map(async (t) => (await enrollWith(t)).json<EnrollResponse>()));
    expect(new Set(results.map((r) => r.networkId)).size).toBe(1);
    expect(new Set(results.map((r) => r.deviceId)).size).toBe(8);
  });

  it("the same subject at two providers gets two different users", async () => {
    const [a, b] = [await TestProvider.create(), await TestProvider.create()];
    const ra = await (await enrollWith(await a.token("carol", deviceKey()))).json<EnrollResponse>();
    const rb = await (await enrollWith(await b.token("carol", deviceKey()))).json<EnrollResponse>();
    expect(ra.networkId).not.toBe(rb.networkId);
  });

  it("accepts each allowed algorithm: EdDSA, ES256, RS256 (2048)", async () => {
    for (const alg of ["EdDSA", "ES256", "RS256"] as const) {
      const p = await TestProvider.create({ alg });
      expect((await enrollWith(await p.token("dora", deviceKey()))).status, alg).toBe(201);
    }
  });

  describe("refuses, with a reason and no enrollment", () => {
    it("alg none", async () => {
      const p = await TestProvider.create();
      const header = base64url.encode(JSON.stringify({ alg: "none", kid: p.keys[0]!.kid }));
      const payload = base64url.encode(JSON.stringify({ iss: p.issuer, sub: "x", aud: env.GATEWAY_AUDIENCE, exp: 9e9, iat: 1, jti: "n" }));
      expect(await refused(`${header}.${payload}.`)).toMatchObject({ status: 401, reason: "unsupported-alg" });
    });

    it("HS256 signed with the provider's public key", async () => {
      const p = await TestProvider.create({ alg: "EdDSA" });
      const secret = new TextEncoder().encode(JSON.stringify(p.keys[0]!.publicJwk));
      const token = await new SignJWT({ cnf: { jwk: { kty: "OKP", crv: "X25519", x: base64url.encode(deviceKey()) } } })
        .setProtectedHeader({ alg: "HS256", kid: p.keys[0]!.kid })
        .setIssuer(p.issuer)
        .setSubject("eve")
        .setAudience(env.GATEWAY_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime("5m")
        .setJti("h")
        .sign(secret);
      expect(await refused(token)).toMatchObject({ status: 401, reason: "unsupported-alg" });
    });

    it("a kid the provider never published", async () => {
      const p = await TestProvider.create();
      expect(await refused(await p.token("x", deviceKey(), { kid: "nope" }))).toMatchObject({ status: 401, reason: "unknown-kid" });
    });

    it("a token signed by another provider's key under this provider's kid", async () => {
      const [a, b] = [await TestProvider.create(), await TestProvider.create()];
      const forged = await a.token("x", deviceKey(), { key: b.keys[0]!, kid: a.keys[0]!.kid });
      expect(await refused(forged)).toMatchObject({ status: 401, reason: "bad-signature" });
    });

    it("expired, not yet valid, too long-lived", async () => {
      const p = await TestProvider.create();
      expect(await refused(await p.token("x", deviceKey(), { iatOffsetS: -1000 }))).toMatchObject({ reason: "expired" });
      expect(await refused(await p.token("x", deviceKey(), { claims: { nbf: Math.floor(Date.now() / 1000) + 600 } }))).toMatchObject({
        reason: "not-yet-valid",
      });
      expect(await refused(await p.token("x", deviceKey(), { lifetimeS: 3600 }))).toMatchObject({ reason: "lifetime-too-long" });
    });

    it("wrong audience, unknown issuer", async () => {
      const p = await TestProvider.create();
      expect(await refused(await p.token("x", deviceKey(), { claims: { aud: "someone-else" } }))).toMatchObject({ reason: "wrong-audience" });
      expect(await refused(await p.token("x", deviceKey(), { claims: { iss: "https://nobody.example" } }))).toMatchObject({
        reason: "unknown-issuer",
      });
    });

    it("a replayed token (same jti)", async () => {
      const p = await TestProvider.create();
      const token = await p.token("frank", deviceKey());
      expect((await enrollWith(token)).status).toBe(201);
      expect(await refused(token)).toMatchObject({ status: 401, reason: "replayed" });
    });

    it("missing device binding or identifier", async () => {
      const p = await TestProvider.create();
      expect(await refused(await p.token("x", deviceKey(), { claims: { cnf: undefined } }))).toMatchObject({ reason: "missing-claim" });
      expect(await refused(await p.token("x", deviceKey(), { claims: { cnf: { jwk: { kty: "OKP", crv: "Ed25519", x: "AA" } } } }))).toMatchObject({
        reason: "missing-claim",
      });
      expect(await refused(await p.token("x", deviceKey(), { claims: { preferred_username: undefined } }))).toMatchObject({
        reason: "missing-claim",
      });
    });

    it("an oversized token", async () => {
      const p = await TestProvider.create();
      const token = await p.token("x", deviceKey(), { claims: { padding: "x".repeat(9000) } });
      expect(await refused(token)).toMatchObject({ status: 413, error: "too-large" });
    });

    it("garbage and malformed bodies", async () => {
      expect(await refused("not.a.jwt")).toMatchObject({ status: 401, reason: "malformed" });
      expect(await refused("")).toMatchObject({ status: 401, reason: "malformed" });
      const res = await enrollWith(undefined as unknown as string);
      expect(res.status).toBe(400);
    });

    it("a suspended provider", async () => {
      const p = await TestProvider.create();
      await admin(`/providers/${p.id}/suspend`, { method: "POST" });
      expect(await refused(await p.token("x", deviceKey()))).toMatchObject({ status: 403, error: "provider-suspended" });
    });
  });
});

describe("enrollment budget", () => {
  it("enforces a provider's enrollmentsPerMinute with 429 and Retry-After", async () => {
    const p = await TestProvider.create();
    await admin(`/providers/${p.id}`, { method: "PATCH", body: JSON.stringify({ rateLimits: { enrollmentsPerMinute: 2 } }) });
    expect((await enrollWith(await p.token("e1", deviceKey()))).status).toBe(201);
    expect((await enrollWith(await p.token("e2", deviceKey()))).status).toBe(201);
    const third = await enrollWith(await p.token("e3", deviceKey()));
    expect(third.status).toBe(429);
    expect(Number(third.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(await third.json()).toMatchObject({ error: "rate-limited" });
  });
});
