import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MemorySeenStore, NackError } from "../../client/index.ts";
import { newDevice } from "../helpers/gateway.ts";
import { ciphertext, encsFor, eventually, goOnline, queued, userStub } from "../helpers/users.ts";

describe("1:1 exchange through two user objects", () => {
  it("delivers a message, acks the sender only after storage, and removes it on the device's ack", async () => {
    const [alice, bob] = [await goOnline(await newDevice()), await goOnline(await newDevice())];
    const sent = await alice.messenger.sendMessage(bob.device.networkId, encsFor([bob.device], "hello bob"));
    expect(sent.duplicate).toBe(false);
    expect(sent.t).toBeGreaterThan(0);
    const got = await eventually(async () => bob.received[0]);
    expect(got).toMatchObject({ id: sent.id, from: alice.device.networkId, fromDevice: alice.device.deviceId, type: "chat" });
    expect(atob(got.enc.payload)).toBe(`hello bob for ${bob.device.deviceId}`);
    await eventually(async () => (await queued(bob.device.networkId)).length === 0);

    // Receipts travel back the same way, durably, to every device of the sender.
    const receipt = new Promise<{ id: string; type: string; from: string }>((resolve) => alice.messenger.onReceipt(resolve));
    await bob.messenger.sendReceipt(alice.device.networkId, sent.id, "read");
    expect(await receipt).toMatchObject({ id: sent.id, type: "read", from: bob.device.networkId });
    await eventually(async () => (await queued(alice.device.networkId)).length === 0);
    alice.conn.close();
    bob.conn.close();
  });

  it("keeps messages for an offline device and replays them in order, then marks the end of the backlog", async () => {
    const alice = await goOnline(await newDevice());
    const bobDevice = await newDevice();
    await goOnline(bobDevice).then((b) => b.conn.close()); // enrolled, seen once, now offline
    for (let i = 0; i < 5; i++) await alice.messenger.sendMessage(bobDevice.networkId, encsFor([bobDevice], `m${i}`), `msg-${i}`);
    expect(await queued(bobDevice.networkId)).toHaveLength(5);
    const bob = await goOnline(bobDevice);
    expect(await bob.backlog).toBe(5);
    expect(bob.received.map((m) => m.id)).toEqual(["msg-0", "msg-1", "msg-2", "msg-3", "msg-4"]);
    await eventually(async () => (await queued(bobDevice.networkId)).length === 0);
    alice.conn.close();
    bob.conn.close();
  });

  it("fans out per device and refuses an enc list that does not match the recipient's devices", async () => {
    const alice = await goOnline(await newDevice());
    const bob1 = await newDevice();
    const bob2 = await newDevice(bob1.sub);
    const err = await alice.messenger.sendMessage(bob1.networkId, encsFor([bob1], "only one")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NackError);
    expect(err).toMatchObject({ code: "device-list-mismatch" });
    expect((err as NackError).attrs.devices!.split(" ").sort()).toEqual([bob1.deviceId, bob2.deviceId].sort());
    expect(await queued(bob1.networkId)).toHaveLength(0);

    await alice.messenger.sendMessage(bob1.networkId, encsFor([bob1, bob2], "both"));
    const [b1, b2] = [await goOnline(bob1), await goOnline(bob2)];
    const [m1, m2] = [await eventually(async () => b1.received[0]), await eventually(async () => b2.received[0])];
    expect(m1.enc.device).toBe(bob1.deviceId);
    expect(m2.enc.device).toBe(bob2.deviceId);
    expect(atob(m2.enc.payload)).toBe(`both for ${bob2.deviceId}`);
    for (const o of [alice, b1, b2]) o.conn.close();
  });

  it("suppresses a resent message ID: acked again, stored once", async () => {
    const alice = await goOnline(await newDevice());
    const bob = await newDevice();
    const first = await alice.messenger.sendMessage(bob.networkId, encsFor([bob], "once"), "same-id");
    const again = await alice.messenger.sendMessage(bob.networkId, encsFor([bob], "once"), "same-id");
    expect([first.duplicate, again.duplicate]).toEqual([false, true]);
    expect(await queued(bob.networkId)).toHaveLength(1);
    alice.conn.close();
  });

  it("a device that disconnects before acking gets the message again; the application sees it once", async () => {
    const alice = await goOnline(await newDevice());
    const bobDevice = await newDevice();
    const seen = new MemorySeenStore();
    // First session: the application handles the message, but the link dies before the ack goes out.
    const first = await goOnline(bobDevice, { seen });
    const handled: string[] = [];
    first.messenger.onMessage(async (m) => {
      handled.push(m.id);
      first.conn.close();
    });
    await alice.messenger.sendMessage(bobDevice.networkId, encsFor([bobDevice], "fragile"), "fragile-1");
    await eventually(async () => handled.length === 1);
    expect(await queued(bobDevice.networkId)).toHaveLength(1);

    // Second session: redelivered, acked, but not handed to the application again.
    const second = await goOnline(bobDevice, { seen });
    const replaced = new Promise<{ code: number }>((resolve) => second.conn.on("close", resolve));
    second.messenger.onMessage((m) => {
      handled.push(m.id);
    });
    expect(await second.backlog).toBe(1);
    await eventually(async () => (await queued(bobDevice.networkId)).length === 0);
    expect(handled).toEqual(["fragile-1"]);

    // And a handler that fails does not ack: the message comes back until it succeeds.
    // (The third session replaces the second: one live session per device.)
    const third = await goOnline(bobDevice, { seen });
    expect((await replaced).code).toBe(4409);
    let attempts = 0;
    third.messenger.onMessage(() => {
      attempts++;
      throw new Error("app crashed");
    });
    await alice.messenger.sendMessage(bobDevice.networkId, encsFor([bobDevice], "retry me"), "crash-1");
    await eventually(async () => attempts === 1);
    third.conn.close();
    expect(await queued(bobDevice.networkId)).toHaveLength(1);
    alice.conn.close();
  });

  it("survives evictions of both user objects mid-stream without loss or duplication", async () => {
    const alice = await goOnline(await newDevice());
    const bob = await goOnline(await newDevice());
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      ids.push((await alice.messenger.sendMessage(bob.device.networkId, encsFor([bob.device], `n${i}`), `evict-${i}`)).id);
      if (i % 3 === 1) await evictDurableObject(userStub(bob.device.networkId));
      if (i % 4 === 2) await evictDurableObject(userStub(alice.device.networkId));
    }
    await eventually(async () => bob.received.length === 12);
    expect(bob.received.map((m) => m.id)).toEqual(ids);
    await eventually(async () => (await queued(bob.device.networkId)).length === 0);
    alice.conn.close();
    bob.conn.close();
  });

  it("delivers to oneself across one's own other devices (the sending one is left out)", async () => {
    const d1 = await newDevice();
    const d2 = await newDevice(d1.sub);
    const d3 = await newDevice(d1.sub);
    const [a, b, c] = [await goOnline(d1), await goOnline(d2), await goOnline(d3)];
    await a.messenger.sendMessage(d1.networkId, encsFor([d2, d3], "note to self"));
    await eventually(async () => b.received.length === 1 && c.received.length === 1);
    expect(a.received).toHaveLength(0);
    for (const u of [a, b, c]) u.conn.close();
  });

  it("passes presence and chat states to online devices without storing them", async () => {
    const [alice, bob] = [await goOnline(await newDevice()), await goOnline(await newDevice())];
    const presence = new Promise((resolve) => bob.messenger.on("presence", resolve));
    const state = new Promise((resolve) => bob.messenger.on("chatstate", resolve));
    await alice.messenger.sendPresence(bob.device.networkId, "available");
    await alice.messenger.sendChatState(bob.device.networkId, "composing");
    expect(await presence).toEqual({ from: alice.device.networkId, type: "available" });
    expect(await state).toEqual({ from: alice.device.networkId, state: "composing" });
    expect(await queued(bob.device.networkId)).toHaveLength(0);
    alice.conn.close();
    bob.conn.close();
  });

  it("refuses messages to nobody", async () => {
    const alice = await goOnline(await newDevice());
    const nobody = "a".repeat(26);
    await expect(alice.messenger.sendMessage(nobody, [{ device: "x", type: "msg", payload: ciphertext("x") }])).rejects.toMatchObject({
      code: "unknown-recipient",
    });
    alice.conn.close();
  });
});
