import { describe, expect, it } from "vitest";
import type { SocketLike } from "../../client/socket.ts";
import { utf8 } from "../../protocol/bytes.ts";
import { CloseCode } from "../../protocol/close-codes.ts";
import { Channel, decodeBatch, encodeBatch, type SecureChannel } from "../../protocol/pipes/index.ts";
import { readServerStanza, type ServerStanza } from "../../protocol/stanzas/index.ts";
import { parseXml } from "../../protocol/xml/index.ts";
import { newConnection, newDevice, nextClose, nextMessage, workerSocketFactory } from "../helpers/gateway.ts";
import { rawSession, type RawSession } from "../helpers/raw-client.ts";
import { ciphertext, queued } from "../helpers/users.ts";
import { Messenger } from "../../client/index.ts";

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";
const strangerId = () => Array.from(crypto.getRandomValues(new Uint8Array(26)), (b) => BASE32[b & 31]).join("");

const message = (id: string, to: string, device: string) => `<message id="${id}" to="${to}" type="chat"><enc device="${device}" type="msg">${ciphertext(id)}</enc></message>`;

/** The next transport message on a raw session: its channel and the stanzas in it. */
async function nextStanzas(session: RawSession): Promise<{ channel: number; stanzas: ServerStanza[] }> {
  const { channel, payload } = await session.channel.open(await nextMessage(session.ws));
  const parts = channel === Channel.STANZAS ? decodeBatch(payload) : [payload];
  return { channel, stanzas: parts.map((p) => readServerStanza(parseXml(p))) };
}

function sendBatch(session: RawSession, stanzas: readonly string[]): Promise<void> {
  return sealAndSend(session.channel, session.ws, Channel.STANZAS, encodeBatch(stanzas.map((s) => utf8.encode(s))));
}

async function sealAndSend(channel: SecureChannel, ws: WebSocket, id: number, payload: Uint8Array): Promise<void> {
  ws.send(await channel.seal(id as 0, payload));
}

/** A real socket from the gateway, counting the transport messages each way. */
function countingFactory(counts: { sent: number; received: number }) {
  return async (url: string): Promise<SocketLike> => {
    const socket = await workerSocketFactory(url);
    socket.addEventListener("message", () => void counts.received++);
    const send = socket.send.bind(socket);
    socket.send = (data) => {
      counts.sent++;
      send(data);
    };
    return socket;
  };
}

describe("several stanzas per transport message (channel 0x02)", () => {
  it("the gateway says in Ready that it reads batches", async () => {
    const session = await rawSession(await newDevice(), undefined, { stanzaBatches: true });
    expect(session.ready).toMatchObject({ kind: "ready", stanzaBatches: true });
    session.ws.close();
  });

  it("answers every stanza of a batch, in order, in one batch; deliveries keep their order", async () => {
    const [alice, bob] = [await newDevice(), await newDevice()];
    const a = await rawSession(alice, undefined, { stanzaBatches: true });
    const b = await rawSession(bob, undefined, { stanzaBatches: true });
    await sendBatch(a, [
      message("m1", bob.networkId, bob.deviceId),
      "<message id='broken'",
      message("m2", strangerId(), "somedevice"),
      `<ack class="message" id="nothing" from="${bob.networkId}"/>`,
      `<iq id="q1" type="get"><ping/></iq>`,
      message("m3", bob.networkId, bob.deviceId),
      message("m4", bob.networkId, "not-bobs-device"),
    ]);
    const answers = await nextStanzas(a);
    expect(answers.channel).toBe(Channel.STANZAS);
    expect(answers.stanzas.map((s) => [s.kind, "id" in s ? s.id : undefined, s.kind === "nack" ? s.code : undefined])).toEqual([
      ["ack", "m1", undefined],
      ["nack", undefined, "malformed"],
      ["nack", "m2", "unknown-recipient"],
      ["iq", "q1", undefined],
      ["ack", "m3", undefined],
      ["nack", "m4", "device-list-mismatch"],
    ]);
    const delivered: string[] = [];
    while (delivered.length < 2) {
      for (const s of (await nextStanzas(b)).stanzas) if (s.kind === "message") delivered.push(s.id);
    }
    expect(delivered).toEqual(["m1", "m3"]);
    a.ws.close();
    b.ws.close();
  });

  it("a device that did not ask for batches gets one stanza per transport message", async () => {
    const [alice, bob] = [await newDevice(), await newDevice()];
    const a = await rawSession(alice); // sends a batch, never said it reads them
    const b = await rawSession(bob);
    await sendBatch(a, ["m1", "m2", "m3"].map((id) => message(id, bob.networkId, bob.deviceId)));
    const acks = [await nextStanzas(a), await nextStanzas(a), await nextStanzas(a)];
    expect(acks.map((f) => [f.channel, f.stanzas.length, f.stanzas[0]!.kind])).toEqual(Array(3).fill([Channel.STANZA, 1, "ack"]));
    const deliveries = [await nextStanzas(b), await nextStanzas(b), await nextStanzas(b)];
    expect(deliveries.map((f) => [f.channel, f.stanzas.map((s) => ("id" in s ? s.id : ""))])).toEqual([
      [Channel.STANZA, ["m1"]],
      [Channel.STANZA, ["m2"]],
      [Channel.STANZA, ["m3"]],
    ]);
    a.ws.close();
    b.ws.close();
  });

  it("a malformed batch closes the session and none of it is acted on", async () => {
    const [alice, bob] = [await newDevice(), await newDevice()];
    const a = await rawSession(alice, undefined, { stanzaBatches: true });
    const good = encodeBatch([utf8.encode(message("m1", bob.networkId, bob.deviceId))]);
    const truncated = new Uint8Array([...good, 0x00, 0x40, 0x3c]); // a second entry claiming 64 bytes, holding 1
    const closed = nextClose(a.ws);
    await sealAndSend(a.channel, a.ws, Channel.STANZAS, truncated);
    expect(await closed).toMatchObject({ code: CloseCode.MALFORMED_FRAME, reason: expect.stringContaining("runs past the frame") });
    expect(await queued(bob.networkId)).toEqual([]);
  });

  it("the SDK sends what queues up meanwhile as one batch, and receives batches", async () => {
    const [alice, bob] = [await newDevice(), await newDevice()];
    const aliceFrames = { sent: 0, received: 0 };
    const bobFrames = { sent: 0, received: 0 };
    const conn = await newConnection(alice, { socketFactory: countingFactory(aliceFrames) });
    const sender = new Messenger(conn);
    await conn.connect();
    const bobConn = await newConnection(bob, { socketFactory: countingFactory(bobFrames) });
    const receiver = new Messenger(bobConn);
    const received: string[] = [];
    const all = new Promise<void>((resolve) =>
      receiver.onMessage((m) => {
        received.push(m.id);
        if (received.length === 40) resolve();
      }),
    );
    await bobConn.connect();
    const [sentBefore, receivedBefore] = [aliceFrames.sent, bobFrames.received];
    const ids = Array.from({ length: 40 }, (_, i) => `b${i}`);
    const acks = await Promise.all(ids.map((id) => sender.sendMessage(bob.networkId, [{ device: bob.deviceId, type: "msg", payload: ciphertext(id) }], id)));
    await all;
    expect(acks.map((a) => a.id)).toEqual(ids);
    expect(received).toEqual(ids);
    // The first message leaves alone (nothing waits for a frame being sealed); the rest together.
    expect(aliceFrames.sent - sentBefore).toBe(2);
    expect(bobFrames.received - receivedBefore).toBeLessThan(40);
    // Every ack bob's SDK sent was processed: nothing stays queued for him.
    await expect.poll(() => queued(bob.networkId)).toEqual([]);
    conn.close();
    bobConn.close();
  });
});
