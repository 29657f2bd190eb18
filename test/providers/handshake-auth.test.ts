import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { NackError } from "../../client/index.ts";
import { CloseCode } from "../../protocol/close-codes.ts";
import { webcryptoX25519 } from "../../protocol/noise/dh25519.ts";
import { newConnection, newDevice, waitFor, type TestDevice } from "../helpers/gateway.ts";
import { encsFor, goOnline, queued, userStub } from "../helpers/users.ts";
import { admin, TestProvider } from "../helpers/providers.ts";

async function closeOf(device: TestDevice): Promise<{ code: number; reason: string }> {
  const conn = await newConnection(device);
  const closed = waitFor<{ code: number; reason: string }>((done) => conn.on("close", done));
  await conn.connect().catch(() => undefined);
  return closed;
}

describe("handshake authorization with provider tokens", () => {
  it("an enrolled device with a fresh token connects, again and again (one token per handshake)", async () => {
    const p = await TestProvider.create();
    const device = await p.enrollDevice("alice");
    for (let i = 0; i < 3; i++) {
      const conn = await newConnection(device);
      await conn.connect();
      await conn.ping();
      conn.close();
    }
  });

  it("a token bound to another device key is forbidden", async () => {
    const p = await TestProvider.create();
    const device = await p.enrollDevice("bob");
    const otherKey = (await webcryptoX25519.generateKeyPair()).publicKey;
    const close = await closeOf({ ...device, token: () => p.token("bob", otherKey) });
    expect(close).toMatchObject({ code: CloseCode.FORBIDDEN, reason: expect.stringMatching(/different device key/) });
  });

  it("a valid token for a key that was never enrolled is forbidden", async () => {
    const p = await TestProvider.create();
    const device = await p.enrollDevice("carol");
    const stranger = await webcryptoX25519.generateKeyPair();
    const close = await closeOf({ ...device, staticKey: stranger, token: () => p.token("carol", stranger.publicKey) });
    expect(close).toMatchObject({ code: CloseCode.FORBIDDEN, reason: expect.stringMatching(/not enrolled/) });
  });

  it("provider A's token can never act for provider B's user, even with the same subject", async () => {
    const [a, b] = [await TestProvider.create(), await TestProvider.create()];
    const victim = await b.enrollDevice("dave");
    const attacker = await a.enrollDevice("dave");
    // Everything of the victim's except the token, which A signs for its own "dave" and the victim's key.
    const close = await closeOf({ ...victim, token: () => a.token("dave", victim.staticKey.publicKey) });
    expect(close).toMatchObject({ code: CloseCode.FORBIDDEN, reason: expect.stringMatching(/different user/) });
    expect(attacker.networkId).not.toBe(victim.networkId);
  });

  it("a reused token is refused at the handshake", async () => {
    const p = await TestProvider.create();
    const device = await p.enrollDevice("erin");
    const token = await device.token();
    const first = await newConnection({ ...device, token: async () => token });
    await first.connect();
    first.close();
    const close = await closeOf({ ...device, token: async () => token });
    expect(close).toMatchObject({ code: CloseCode.HANDSHAKE_FAILED, reason: expect.stringMatching(/token replayed/) });
  });

  it("expired tokens and suspended providers fail the handshake", async () => {
    const p = await TestProvider.create();
    const device = await p.enrollDevice("fay");
    const expired = await closeOf({ ...device, token: () => p.token("fay", device.staticKey.publicKey, { iatOffsetS: -1000 }) });
    expect(expired).toMatchObject({ code: CloseCode.HANDSHAKE_FAILED, reason: expect.stringMatching(/token expired/) });
    await admin(`/providers/${p.id}/suspend`, { method: "POST" });
    const suspended = await closeOf(device);
    expect(suspended).toMatchObject({ code: CloseCode.HANDSHAKE_FAILED, reason: expect.stringMatching(/provider-suspended/) });
  });

  it("a suspended provider's open sessions end at their next stanza, refused with a reason", async () => {
    const p = await TestProvider.create();
    const sender = await goOnline(await p.enrollDevice("carol"));
    const peer = await goOnline(await newDevice());
    await sender.messenger.sendMessage(peer.device.networkId, encsFor([peer.device], "before"));
    expect((await admin(`/providers/${p.id}/suspend`, { method: "POST" })).status).toBe(200);
    // An object reads its provider's entry at most once a minute; a woken one reads it afresh.
    await evictDurableObject(userStub(sender.device.networkId));
    const closed = waitFor<{ code: number; reconnectInMs: number | null }>((done) => sender.conn.on("close", done));
    const refused = await sender.messenger.sendMessage(peer.device.networkId, encsFor([peer.device], "after"), "after-suspension").catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(NackError);
    expect((refused as NackError).code).toBe("forbidden");
    expect(await closed).toMatchObject({ code: CloseCode.FORBIDDEN, reconnectInMs: null });
    // The refused message was never stored for the peer, nor delivered.
    expect((await queued(peer.device.networkId)).filter((row) => row.key === "after-suspension")).toEqual([]);
    expect(peer.received.map((m) => m.id)).not.toContain("after-suspension");
    peer.conn.close();
  });
});
