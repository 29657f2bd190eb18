// TURN credentials over the Noise session (issue 16): the TURN REST API scheme coturn checks
// with use-auth-secret, recomputed here with noble from the shared secret alone.
import { env } from "cloudflare:test";
import { hmac } from "@noble/hashes/hmac.js";
import { sha1 } from "@noble/hashes/legacy.js";
import { describe, expect, it } from "vitest";
import { element } from "../../protocol/xml/index.ts";
import { newDevice } from "../helpers/gateway.ts";
import { goOnline } from "../helpers/users.ts";
import { NackError } from "../../client/messenger.ts";
import { TurnConfigError, turnServers } from "../../gateway/calls/turn-credentials.ts";

const expectedCredential = (username: string) => btoa(String.fromCharCode(...hmac(sha1, new TextEncoder().encode(env.TURN_SECRET!), new TextEncoder().encode(username))));

describe("TURN credentials (docs/calls.md)", () => {
  it("a device gets the configured servers and a credential only the shared secret makes, for its own user, expiring after the TTL", async () => {
    const alice = await goOnline(await newDevice());
    const before = Math.floor(Date.now() / 1000);
    const c = (await alice.messenger.turnCredentials())!;
    const after = Math.floor(Date.now() / 1000);
    expect(c.urls).toEqual(["turn:127.0.0.1:3478?transport=udp", "turns:turn.parley.test:5349"]);
    expect(c.ttlSeconds).toBe(3600);
    const [expires, user] = c.username.split(":");
    expect(user).toBe(alice.device.networkId);
    expect(Number(expires)).toBeGreaterThanOrEqual(before + 3600);
    expect(Number(expires)).toBeLessThanOrEqual(after + 3600);
    expect(c.expiresMs).toBe(Number(expires) * 1000);
    expect(c.credential).toBe(expectedCredential(c.username));
    // Another user's credentials name that user: a TURN server's logs tell them apart.
    const bob = await goOnline(await newDevice());
    const other = (await bob.messenger.turnCredentials())!;
    expect(other.username.split(":")[1]).toBe(bob.device.networkId);
    expect(other.credential).not.toBe(c.credential);
    alice.conn.close();
    bob.conn.close();
  });

  it("a turn query of the wrong type or with content is refused as malformed, and the session carries on", async () => {
    const alice = await goOnline(await newDevice());
    await expect(alice.messenger.iq("set", element("turn"))).rejects.toThrow(NackError);
    await alice.messenger.ping();
    expect(await alice.messenger.turnCredentials()).not.toBeNull();
    alice.conn.close();
  });

  it("configuration: none without URLs or secret, and a clear error for what no TURN server could use", () => {
    expect(turnServers({ ...env, TURN_URLS: undefined })).toBeNull();
    expect(turnServers({ ...env, TURN_SECRET: "" })).toBeNull();
    expect(() => turnServers({ ...env, TURN_URLS: "turn:ok.example https://nope.example" })).toThrow(TurnConfigError);
    expect(() => turnServers({ ...env, TURN_TTL_SECONDS: "5" })).toThrow(/TURN_TTL_SECONDS/);
    expect(turnServers({ ...env, TURN_TTL_SECONDS: "600" })?.ttlSeconds).toBe(600);
  });
});
