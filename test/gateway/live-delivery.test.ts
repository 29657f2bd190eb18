import { describe, expect, it } from "vitest";
import { Messenger } from "../../client/index.ts";
import type { Envelope } from "../../durable-objects/delivery.ts";
import { newConnection, newDevice, type TestDevice } from "../helpers/gateway.ts";
import { ciphertext, goOnline, queued, userStub } from "../helpers/users.ts";
import { rawSession } from "../helpers/raw-client.ts";
import { Channel, decodeBatch } from "../../protocol/pipes/index.ts";
import { readServerStanza } from "../../protocol/stanzas/index.ts";
import { parseXml } from "../../protocol/xml/index.ts";
import { nextMessage } from "../helpers/gateway.ts";

// Live delivery sends rows stored while a session is caught up from memory, without reading
// the inbox back (durable-objects/backlog.ts). These bursts cross each of its limits: rows
// stored during the backlog replay, more than a feed holds (256), more than the inbox keeps
// for the next fan-out (1024). Each must still reach the device once, in order.

const notices = (device: TestDevice, prefix: string, n: number): Envelope[] =>
  Array.from({ length: n }, (_, i) => ({ kind: "notice", from: device.networkId, type: "identity-changed", id: `${prefix}${i}`, t: Date.now(), attrs: { device: device.deviceId } }));

async function connected(device: TestDevice) {
  const conn = await newConnection(device);
  const messenger = new Messenger(conn);
  const ids: string[] = [];
  messenger.onNotification((n) => {
    ids.push(n.id);
  });
  const backlog = new Promise<number>((resolve) => messenger.on("backlogDone", ({ count }) => resolve(count)));
  return { conn, ids, backlog };
}

const until = async (ids: string[], n: number) => {
  await expect.poll(() => ids.length, { timeout: 20_000, interval: 20 }).toBeGreaterThanOrEqual(n);
};

describe("live delivery from memory", () => {
  it("rows stored while the backlog is replayed arrive after it, once each, in order", async () => {
    const device = await newDevice();
    const stub = userStub(device.networkId);
    await stub.deliverMany(notices(device, "old", 150));
    const c = await connected(device);
    const connecting = c.conn.connect();
    const during = stub.deliverMany(notices(device, "new", 150));
    await connecting;
    await during;
    await until(c.ids, 300);
    expect(c.ids).toEqual([...notices(device, "old", 150), ...notices(device, "new", 150)].map((n) => (n as { id: string }).id));
    await expect.poll(() => queued(device.networkId), { timeout: 10_000 }).toEqual([]);
    c.conn.close();
  });

  it.each([
    ["more than a live feed holds", 600],
    ["more than the inbox keeps for the next fan-out", 1100],
  ])("a burst of %s (%i rows) still arrives once each, in order", async (_what, n) => {
    const device = await newDevice();
    const c = await connected(device);
    await c.conn.connect();
    await c.backlog;
    const burst = notices(device, "b", n);
    const results = await userStub(device.networkId).deliverMany(burst);
    expect(results.every((r) => r.ok)).toBe(true);
    await until(c.ids, n);
    expect(c.ids).toEqual(burst.map((b) => (b as { id: string }).id));
    await expect.poll(() => queued(device.networkId), { timeout: 10_000 }).toEqual([]);
    c.conn.close();
  });

  it("rows held for a device's ack still reach a device that never acks", async () => {
    const [alice, bob] = [await newDevice(), await newDevice()];
    const sender = await goOnline(alice);
    const b = await rawSession(bob, undefined, { stanzaBatches: true }); // reads, never acks
    const ids: string[] = [];
    const next = async () => {
      const { channel, payload } = await b.channel.open(await nextMessage(b.ws));
      for (const p of channel === Channel.STANZAS ? decodeBatch(payload) : [payload]) {
        const s = readServerStanza(parseXml(p));
        if (s.kind === "message") ids.push(s.id);
      }
    };
    const send = (id: string) => sender.messenger.sendMessage(bob.networkId, [{ device: bob.deviceId, type: "msg", payload: ciphertext(id) }], id);
    await send("h1");
    await send("h2");
    while (ids.length < 2) await next();
    // Two rows unacked make a stream: these wait for an ack that never comes, then go out anyway.
    await Promise.all([send("h3"), send("h4")]);
    while (ids.length < 4) await next();
    expect(ids).toEqual(["h1", "h2", "h3", "h4"]);
    sender.conn.close();
    b.ws.close();
  });
});
