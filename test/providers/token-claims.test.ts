import { env } from "cloudflare:test";
import type { JWTPayload } from "jose";
import { describe, expect, it } from "vitest";
import { networkIdFor } from "../../gateway/auth/identifiers.ts";
import { CloseCode } from "../../protocol/close-codes.ts";
import { newConnection, enrollWith, waitFor, type EnrollResponse } from "../helpers/gateway.ts";
import { TestProvider } from "../helpers/providers.ts";

const deviceKey = () => crypto.getRandomValues(new Uint8Array(32));

async function enrollReason(p: TestProvider, claims: JWTPayload, sub = "typed"): Promise<{ status: number; reason?: string }> {
  const res = await enrollWith(await p.token(sub, deviceKey(), { claims }));
  const body = await res.json<{ reason?: string }>();
  return { status: res.status, reason: body.reason };
}

describe("registered claims of the wrong JSON type (RFC 7519 §4.1)", () => {
  it("are refused as malformed at enrollment, each one", async () => {
    const p = await TestProvider.create();
    const now = Math.floor(Date.now() / 1000);
    const cases: [string, JWTPayload][] = [
      ["sub number", { sub: 12345 as unknown as string }],
      ["sub array", { sub: ["alice"] as unknown as string }],
      ["sub object", { sub: { id: "alice" } as unknown as string }],
      ["sub null", { sub: null as unknown as string }],
      ["jti number", { jti: 12345 as unknown as string }],
      ["jti object", { jti: {} as unknown as string }],
      ["iss array", { iss: [p.issuer] as unknown as string }],
      ["exp string", { exp: String(now + 300) as unknown as number }],
      ["exp null", { exp: null as unknown as number }],
      ["nbf string", { nbf: String(now) as unknown as number }],
      ["iat string", { iat: String(now) as unknown as number }],
      ["iat array", { iat: [now] as unknown as number }],
      ["aud number", { aud: 7 as unknown as string }],
      ["aud array with a non-string", { aud: [env.GATEWAY_AUDIENCE, 7] as unknown as string[] }],
      ["aud object", { aud: { aud: env.GATEWAY_AUDIENCE } as unknown as string }],
      ["identifier claim number", { preferred_username: 15550100 }],
      ["identifier claim array", { preferred_username: ["alice"] }],
      ["cnf string", { cnf: "key" }],
      ["cnf.jwk array", { cnf: { jwk: [] } }],
      ["cnf.jwk.x number", { cnf: { jwk: { kty: "OKP", crv: "X25519", x: 5 } } }],
      ["cnf.jwk.kty array", { cnf: { jwk: { kty: ["OKP"], crv: "X25519", x: "AA" } } }],
    ];
    const outcomes: Record<string, string> = {};
    for (const [name, claims] of cases) {
      const { status, reason } = await enrollReason(p, claims);
      outcomes[name] = `${status} ${reason}`;
    }
    expect(outcomes).toEqual(Object.fromEntries(cases.map(([name]) => [name, "401 malformed"])));
  });

  it("an array subject never maps to the string subject's user", async () => {
    const p = await TestProvider.create();
    expect(await enrollReason(p, { sub: ["alice"] as unknown as string })).toEqual({ status: 401, reason: "malformed" });
    // Nothing was enrolled for "alice": her first real enrollment creates her.
    const res = await enrollWith(await p.token("alice", deviceKey()));
    expect(res.status).toBe(201);
    expect(await res.json<EnrollResponse>()).toMatchObject({ networkId: await networkIdFor(env, p.id, "alice"), created: true });
  });

  it("a missing iat is a missing claim, as documented, not a token from the future", async () => {
    const p = await TestProvider.create();
    expect(await enrollReason(p, { iat: undefined })).toEqual({ status: 401, reason: "missing-claim" });
    expect(await enrollReason(p, { jti: undefined })).toEqual({ status: 401, reason: "missing-claim" });
  });

  it("well-typed optional forms still pass: aud as an array of strings, a numeric nbf", async () => {
    const p = await TestProvider.create();
    const now = Math.floor(Date.now() / 1000);
    expect((await enrollWith(await p.token("gil", deviceKey(), { claims: { aud: ["other", env.GATEWAY_AUDIENCE], nbf: now } }))).status).toBe(201);
  });

  it("are refused at the handshake too, with a token error", async () => {
    const p = await TestProvider.create();
    const device = await p.enrollDevice("hal");
    const conn = await newConnection({ ...device, token: () => p.token("hal", device.staticKey.publicKey, { claims: { sub: ["hal"] as unknown as string } }) });
    const closed = waitFor<{ code: number; reason: string }>((done) => conn.on("close", done));
    await conn.connect().catch(() => undefined);
    expect(await closed).toMatchObject({ code: CloseCode.HANDSHAKE_FAILED, reason: expect.stringMatching(/token malformed/) });
  });
});
