import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { readAttachment, writeAttachment, type SocketAttachment } from "../../durable-objects/socket-attachment.ts";
import { CloseCode } from "../../protocol/close-codes.ts";
import { decodeControl, encodeControl } from "../../protocol/messages.ts";
import { Channel, PipesInitiator } from "../../protocol/pipes/index.ts";
import { newConnection, newDevice, nextClose, nextMessage, openSocket } from "../helpers/gateway.ts";
import { helloFor } from "../helpers/raw-client.ts";

const stubFor = (networkId: string) => env.USERS.get(env.USERS.idFromName(networkId));

function attachments(networkId: string): Promise<SocketAttachment[]> {
  return runInDurableObject(stubFor(networkId), (_instance, state) =>
    state.getWebSockets().map((ws) => ws.deserializeAttachment() as SocketAttachment),
  );
}

describe("transport state across hibernation and eviction", () => {
  it("an open session keeps working after its Durable Object is evicted, nonces intact", async () => {
    const device = await newDevice();
    const conn = await newConnection(device);
    await conn.connect();
    await conn.ping();
    await conn.ping();
    await evictDurableObject(stubFor(device.networkId));
    // The woken object rebuilds the channel from the attachment: both directions must line up.
    for (let i = 0; i < 3; i++) await conn.ping();
    await evictDurableObject(stubFor(device.networkId));
    await conn.ping();
    const [attachment] = await attachments(device.networkId);
    expect(attachment?.phase).toBe("open");
    if (attachment?.phase !== "open") return;
    // 6 pings received; ready, end-of-backlog marker and 6 pongs sent.
    expect(attachment.channel.receive.n).toBe(6);
    expect(attachment.channel.send.n).toBe(8);
    conn.close();
  });

  it("a frame that gets no answer still reaches the attachment the object wakes with", async () => {
    const device = await newDevice();
    const conn = await newConnection(device);
    await conn.connect();
    // Acks are never answered: nothing is sent that would carry the new receive nonce along.
    await conn.send(`<ack class="message" id="never-delivered" from="${device.networkId}"/>`);
    await conn.send(`<ack class="message" id="never-delivered-2" from="${device.networkId}"/>`);
    await expect.poll(async () => {
      const [a] = await attachments(device.networkId);
      return a?.phase === "open" ? a.channel.receive.n : -1;
    }).toBe(2);
    await evictDurableObject(stubFor(device.networkId));
    expect(await conn.ping()).toBeGreaterThanOrEqual(0);
    conn.close();
  });

  it("a handshake interrupted by eviction between messages 2 and 3 completes", async () => {
    const device = await newDevice();
    const ws = await openSocket(`/v1/connect/${device.networkId}`);
    const initiator = new PipesInitiator({ staticKey: device.staticKey });
    const reply = nextMessage(ws);
    ws.send(await initiator.begin(await helloFor(device)));
    await initiator.receive(await reply);
    expect((await attachments(device.networkId))[0]?.phase).toBe("handshaking");
    await evictDurableObject(stubFor(device.networkId));
    const ready = nextMessage(ws);
    const { frame, channel } = await initiator.finish();
    ws.send(frame!);
    const first = await channel.open(await ready);
    expect(first.channel).toBe(Channel.CONTROL);
    expect(decodeControl(first.payload).kind).toBe("ready");
    expect((await channel.open(await nextMessage(ws))).channel).toBe(Channel.STANZA); // end of backlog
    const pong = nextMessage(ws);
    ws.send(await channel.seal(Channel.CONTROL, encodeControl({ kind: "ping", id: 42 })));
    expect(decodeControl((await channel.open(await pong)).payload)).toEqual({ kind: "pong", id: 42 });
    ws.close(1000);
  });

  it("a handshake not finished in time is closed by the alarm; a finished one is left alone", async () => {
    const device = await newDevice();
    const conn = await newConnection(device);
    await conn.connect();
    const idle = await openSocket(`/v1/connect/${device.networkId}`);
    const closed = nextClose(idle);
    const stub = stubFor(device.networkId);
    // Age every connection past the deadline instead of waiting 30 s.
    await runInDurableObject(stub, (_instance, state) => {
      for (const ws of state.getWebSockets()) {
        writeAttachment(ws, { ...readAttachment(ws)!, openedAtMs: 0 });
      }
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await closed).code).toBe(CloseCode.HANDSHAKE_TIMEOUT);
    expect(await conn.ping()).toBeGreaterThanOrEqual(0);
    conn.close();
  });
});
