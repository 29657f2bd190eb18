import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { TokenError, verifyProviderToken } from "../../gateway/auth/provider-token.ts";
import { JWKS_MAX_STALE_MS, JwksStore } from "../../gateway/providers/jwks-store.ts";
import worker from "../../workers/index.ts";
import { admin, TestProvider } from "../helpers/providers.ts";

const deviceKey = () => crypto.getRandomValues(new Uint8Array(32));

async function runCron(): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: "*/5 * * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
}

async function health(id: string): Promise<{ ok: boolean; lastError: string | null; consecutiveFailures: number; kids: string[]; droppedKeys: string[] }> {
  return (await (await admin(`/providers/${id}`)).json<{ jwks: never }>()).jwks;
}

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "accepted";
  } catch (err) {
    if (err instanceof TokenError) return err.reason;
    throw err;
  }
}

describe("JWKS polling", () => {
  it("the cron trigger picks up a rotated key; unchanged sets come back 304 via ETag", async () => {
    const p = await TestProvider.create();
    await p.rotate();
    await runCron();
    expect((await health(p.id)).kids).toEqual([p.keys[0]!.kid, p.keys[1]!.kid]);
    const before = await p.stats();
    await runCron();
    expect((await p.stats()).notModified).toBe(before.notModified + 1);
    expect((await health(p.id)).kids).toHaveLength(2);
    const token = await p.token("alice", deviceKey());
    expect((await verifyProviderToken(env, token)).sub).toBe("alice");
  });

  it("an outage keeps the last good keys working and shows in health", async () => {
    const p = await TestProvider.create();
    await p.setMode("down");
    await runCron();
    const h = await health(p.id);
    expect(h).toMatchObject({ ok: false, lastError: `${new URL(p.jwksUri).host} answered HTTP 503`, consecutiveFailures: 1, kids: [p.keys[0]!.kid] });
    expect(await reason(verifyProviderToken(env, await p.token("bob", deviceKey())))).toBe("accepted");
    await runCron();
    expect((await health(p.id)).consecutiveFailures).toBe(2);
  });

  it("last good keys stop working once they are older than the staleness limit", async () => {
    const p = await TestProvider.create();
    await p.setMode("down");
    const later = Date.now() + JWKS_MAX_STALE_MS + 60_000;
    const token = await p.token("carol", deviceKey(), { iatOffsetS: Math.floor((later - Date.now()) / 1000) });
    expect(await reason(verifyProviderToken(env, token, later))).toBe("jwks-unavailable");
  });

  it("bad JWKS responses are refused with a clear health error and keep the last good keys", async () => {
    const p = await TestProvider.create();
    const host = new URL(p.jwksUri).host;
    const cases: [Parameters<TestProvider["setMode"]>[0], string][] = [
      ["garbage", "the JWKS is not JSON (Content-Type: application/json)"],
      ["huge", "the JWKS is too large: more than 65536 bytes"],
      ["redirect", `${host} answered HTTP 302, a redirect to http://169.254.169.254/latest: redirects are not followed, register the final URI as jwksUri`],
      ["slow", `${host} did not answer within 5 s`],
    ];
    for (const [mode, error] of cases) {
      await p.setMode(mode);
      const res = await admin(`/providers/${p.id}/jwks/refresh`, { method: "POST" });
      const body = await res.json<{ ok: boolean; lastError: string; kids: string[] }>();
      expect(body.ok, mode).toBe(false);
      expect(body.lastError, mode).toBe(error);
      expect(body.kids, mode).toEqual([p.keys[0]!.kid]);
    }
    await p.setMode("ok"); // later cron runs in this file poll every registered provider
  });

  describe("the operator's health says which step failed", () => {
    /** Points the provider at `jwksUri` and returns what the admin API then shows as the last error. */
    async function lastErrorAt(p: TestProvider, jwksUri: string): Promise<string | null> {
      await admin(`/providers/${p.id}`, { method: "PATCH", body: JSON.stringify({ jwksUri }) });
      return (await health(p.id)).lastError;
    }

    /** Registers a provider serving `doc` (or at `jwksUri`) and returns the error its first fetch shows. */
    async function lastErrorFor(doc: unknown, jwksUri?: string): Promise<string | null> {
      const p = await TestProvider.create({ register: false });
      await p.publish(doc);
      const res = await admin("/providers", { method: "POST", body: JSON.stringify({ id: p.id, issuer: p.issuer, jwksUri: jwksUri ?? p.jwksUri }) });
      return (await res.json<{ jwks: { lastError: string | null } }>()).jwks.lastError;
    }

    it("an HTTP status, with what it usually means", async () => {
      const p = await TestProvider.create();
      const missing = `${p.jwksBase}/jwks-typo.json`;
      expect(await lastErrorAt(p, missing)).toBe(`${new URL(missing).host} answered HTTP 404 (check the registered jwksUri)`);
      // Cloudflare's edge codes name the step that failed in front of the host.
      expect(await lastErrorAt(p, "https://jwks-behind-cloudflare.example/status/525")).toBe(
        "jwks-behind-cloudflare.example answered HTTP 525 (Cloudflare: the TLS handshake with the origin failed)",
      );
    });

    it("a size announced over the limit, refused before reading", async () => {
      const p = await TestProvider.create();
      expect(await lastErrorAt(p, "https://jwks-huge.example/huge")).toBe(
        `the JWKS is too large: jwks-huge.example announced ${1024 ** 3} bytes, the limit is 65536`,
      );
    });

    it("JSON that is not a JWK Set", async () => {
      expect(await lastErrorFor({ kids: [] })).toBe('the JWKS has no "keys" array (RFC 7517 §5: a JWK Set is {"keys": [...]})');
      expect(await lastErrorFor([1, 2])).toBe('the JWKS has no "keys" array (RFC 7517 §5: a JWK Set is {"keys": [...]})');
    });

    it("no usable keys, with each key's reason", async () => {
      expect(await lastErrorFor({ keys: [] })).toBe("no usable keys in the JWKS (the keys array is empty)");
      const leaked = { kty: "OKP", crv: "Ed25519", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", d: "AAAA", kid: "leaked" };
      expect(await lastErrorFor({ keys: [leaked, { kty: "EC", crv: "P-521", x: "AA", y: "AA", kid: "p521" }] })).toBe(
        "no usable keys in the JWKS: keys[0] (leaked): private key material published; keys[1] (p521): unsupported key type EC/P-521",
      );
    });

    it("a 304 the gateway did not ask for is not taken as 'unchanged'", async () => {
      expect(await lastErrorFor(null, "https://jwks-confused.example/status/304")).toBe("jwks-confused.example answered HTTP 304");
    });
  });

  it("drops unusable keys: private material, weak RSA, unsupported curves", async () => {
    const p = await TestProvider.create();
    const weak = await TestProvider.signingKey("RS256", "weak", 1024);
    const leaked = { ...p.keys[0]!.publicJwk, kid: "leaked", d: "AAAA" };
    await p.publish({ keys: [p.keys[0]!.publicJwk, weak.publicJwk, leaked, { kty: "EC", crv: "P-521", x: "AA", y: "AA", kid: "p521" }] });
    const res = await admin(`/providers/${p.id}/jwks/refresh`, { method: "POST" });
    const body = await res.json<{ ok: boolean; kids: string[]; droppedKeys: string[] }>();
    expect(body.ok).toBe(true);
    expect(body.kids).toEqual([p.keys[0]!.kid]);
    expect(body.droppedKeys.join("\n")).toMatch(/weak.*2048/);
    expect(body.droppedKeys.join("\n")).toMatch(/leaked.*private/);
    expect(body.droppedKeys.join("\n")).toMatch(/p521.*unsupported/);
  });

  it("an unknown kid triggers one on-demand refresh, then waits out the cooldown", async () => {
    const p = await TestProvider.create();
    await p.rotate();
    const fetchesBefore = (await p.stats()).requests;
    expect(await reason(verifyProviderToken(env, await p.token("dave", deviceKey())))).toBe("accepted");
    expect((await p.stats()).requests).toBe(fetchesBefore + 1);
    await p.rotate();
    expect(await reason(verifyProviderToken(env, await p.token("dave", deviceKey())))).toBe("unknown-kid");
    expect((await p.stats()).requests).toBe(fetchesBefore + 1);
    const state = await new JwksStore(env.PROVIDERS).get(p.id);
    expect(state.lastOnDemandMs).not.toBeNull();
  });

  it("suspended providers are not polled", async () => {
    const p = await TestProvider.create();
    await admin(`/providers/${p.id}/suspend`, { method: "POST" });
    const before = (await p.stats()).requests;
    await runCron();
    expect((await p.stats()).requests).toBe(before);
  });
});
