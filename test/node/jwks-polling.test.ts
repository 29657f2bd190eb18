import { createServer, type Server } from "node:http";
import { exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytesToBase64Url } from "../../protocol/bytes.ts";
import { nobleX25519 } from "../../protocol/noise/dh25519.ts";
import { startDevGateway, type DevGateway } from "./dev-gateway.ts";

// The local gateway polls provider JWKS on its cron, as a deployment does: a provider that
// rotates its keys is picked up without anyone presenting a token or calling the admin API.

interface Key {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

async function newKey(kid: string): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair("EdDSA", { extractable: true });
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: "EdDSA", use: "sig" } };
}

let gateway: DevGateway;
let jwksServer: Server;
let jwksUrl: string;
let published: Key[] = [];
let jwksRequests = 0;

beforeAll(async () => {
  jwksServer = createServer((_req, res) => {
    jwksRequests++;
    res.setHeader("Content-Type", "application/json");
    res.end(JSON.stringify({ keys: published.map((k) => k.publicJwk) }));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, "127.0.0.1", resolve));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as { port: number }).port}/jwks.json`;
  gateway = await startDevGateway({ cronEverySeconds: 1 });
});

afterAll(() => {
  gateway?.stop();
  jwksServer?.close();
});

const admin = (path: string, init: RequestInit = {}) =>
  fetch(`${gateway.base}/v1/admin${path}`, { ...init, headers: { Authorization: `Bearer ${gateway.adminToken}`, "Content-Type": "application/json" } });

async function kidsOf(id: string): Promise<string[]> {
  const entry = (await (await admin(`/providers/${id}`)).json()) as { jwks: { kids: string[] } };
  return entry.jwks.kids;
}

async function enrollWith(key: Key, issuer: string): Promise<number> {
  const device = await nobleX25519.generateKeyPair();
  const token = await new SignJWT({ preferred_username: "rotating", cnf: { jwk: { kty: "OKP", crv: "X25519", x: bytesToBase64Url(device.publicKey) } } })
    .setProtectedHeader({ alg: "EdDSA", kid: key.kid, typ: "JWT" })
    .setIssuer(issuer)
    .setSubject("rotating")
    .setAudience("parley-gateway")
    .setIssuedAt()
    .setExpirationTime("5m")
    .setJti(crypto.randomUUID())
    .sign(key.privateKey);
  const res = await fetch(`${gateway.base}/v1/enroll`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ token }) });
  await res.body?.cancel();
  return res.status;
}

/** Waits, boundedly, for the gateway's view of a provider's keys to become `kids`. */
async function waitForKids(id: string, kids: string[]): Promise<string[]> {
  let seen: string[] = [];
  for (let i = 0; i < 150; i++) {
    seen = await kidsOf(id);
    if (JSON.stringify(seen) === JSON.stringify(kids)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return seen;
}

describe("JWKS polling in the local gateway (npm start's cron driver)", () => {
  it("picks up a provider's key rotation on its own, and refuses the retired key afterwards", async () => {
    const [first, second] = [await newKey("k1"), await newKey("k2")];
    published = [first];
    const id = `rot-${Date.now().toString(36)}`;
    const issuer = `https://${id}.example`;
    const created = await admin("/providers", { method: "POST", body: JSON.stringify({ id, issuer, jwksUri: jwksUrl }) });
    expect(created.status).toBe(201);
    expect(await enrollWith(first, issuer)).toBe(201);

    // Rotate at the provider only: no token names the new kid, so only polling can notice.
    const before = jwksRequests;
    published = [second];
    expect(await waitForKids(id, ["k2"])).toEqual(["k2"]);
    expect(jwksRequests).toBeGreaterThan(before);
    expect(await enrollWith(first, issuer)).toBe(401);
    expect(await enrollWith(second, issuer)).toBe(201);
  });

  // workerd's own fetch errors (not Miniflare's test outbound, which answers 500 instead):
  // what the operator reads for failures only a real network stack produces.
  it("says which network step failed, as far as the runtime tells", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const closedPort = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const jwksPort = new URL(jwksUrl).port;
    const cases: [string, string][] = [
      [`http://127.0.0.1:${closedPort}/jwks.json`, `connection to 127.0.0.1:${closedPort} refused, or closed before it answered`],
      ["http://jwks.parley.invalid/jwks.json", "could not connect to jwks.parley.invalid (DNS or a response that is not HTTP: the runtime does not say which)"],
      [`https://127.0.0.1:${jwksPort}/jwks.json`, `could not connect to 127.0.0.1:${jwksPort} (DNS, TLS or a response that is not HTTP: the runtime does not say which)`],
    ];
    for (const [jwksUri, lastError] of cases) {
      const id = `net-${crypto.randomUUID().slice(0, 8)}`;
      const res = await admin("/providers", { method: "POST", body: JSON.stringify({ id, issuer: `https://${id}.example`, jwksUri }) });
      expect(res.status, jwksUri).toBe(201);
      expect(((await res.json()) as { jwks: { lastError: string } }).jwks.lastError, jwksUri).toBe(lastError);
    }
  });

  it("starts without reaching out to the network or warning about untriggered crons", () => {
    const output = gateway.output();
    expect(output).not.toMatch(/Request\.cf|ENOTFOUND|getaddrinfo|not automatically triggered/);
  });
});
