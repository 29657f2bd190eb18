import { env, runInDurableObject } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import type { SocketAttachment } from "../../durable-objects/socket-attachment.ts";
import { CloseCode } from "../../protocol/close-codes.ts";
import { concatBytes, utf8 } from "../../protocol/bytes.ts";
import { encodeControl } from "../../protocol/messages.ts";
import { HandshakeState } from "../../protocol/noise/index.ts";
import { Channel, FrameTag, PROTOCOL } from "../../protocol/pipes/index.ts";
import { gatewayInfo, GATEWAY_URL, newDevice, nextClose, nextMessage, openSocket, type TestDevice } from "../helpers/gateway.ts";
import { SELF } from "cloudflare:test";
import { rawSession, type RawSession } from "../helpers/raw-client.ts";

// getRandomValues is capped at 64 KiB per call.
const random = (n: number) => {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
};

/**
 * Every attack runs next to an established session of the same user: the attack must end
 * in a clean close of its own socket and leave the good session and its nonces untouched.
 */
describe("bad input is answered by a clean close and changes nothing", () => {
  let device: TestDevice;
  let good: RawSession;
  let pingId = 1;

  beforeEach(async () => {
    device = await newDevice();
    good = await rawSession(device);
  });

  async function goodSessionStillWorks(): Promise<void> {
    const before = await openSnapshots();
    const pong = nextMessage(good.ws);
    good.ws.send(await good.channel.seal(Channel.CONTROL, encodeControl({ kind: "ping", id: pingId++ })));
    await good.channel.open(await pong);
    const after = await openSnapshots();
    expect(after).toHaveLength(1);
    expect(after[0]!.receive).toBe(before[0]!.receive + 1);
  }

  /** Receive counters of the good device's open sessions, as the Durable Object stores them. */
  function openSnapshots(): Promise<{ receive: number }[]> {
    const key = device.staticKey.publicKey;
    return runInDurableObject(env.USERS.get(env.USERS.idFromName(device.networkId)), (_i, state) =>
      state
        .getWebSockets()
        .map((ws) => ws.deserializeAttachment() as SocketAttachment)
        .flatMap((a) =>
          a.phase === "open" && a.channel.remoteStatic.every((b, i) => b === key[i]) ? [{ receive: a.channel.receive.n }] : [],
        ),
    );
  }

  async function attack(frames: (string | Uint8Array)[], expected: number, reason?: RegExp): Promise<void> {
    const ws = await openSocket(`/v1/connect/${device.networkId}`);
    const closed = nextClose(ws);
    for (const f of frames) ws.send(f);
    const close = await closed;
    expect(close.code).toBe(expected);
    if (reason) expect(close.reason).toMatch(reason);
    await goodSessionStillWorks();
  }

  it("text frame", () => attack(["hello"], CloseCode.MALFORMED_FRAME, /text frames/));
  it("random bytes", () => attack([concatBytes(new Uint8Array([0x7f]), random(100))], CloseCode.MALFORMED_FRAME));
  it("empty frame", () => attack([new Uint8Array(0)], CloseCode.MALFORMED_FRAME));
  it("truncated XX message 1", () => attack([concatBytes(new Uint8Array([FrameTag.XX_1]), random(10))], CloseCode.HANDSHAKE_FAILED, /truncated/));
  it("truncated IK message 1", () => attack([concatBytes(new Uint8Array([FrameTag.IK_1]), random(20))], CloseCode.MALFORMED_FRAME, /truncated/));
  it("XX message 1 with a cleartext payload", () =>
    attack([concatBytes(new Uint8Array([FrameTag.XX_1]), random(32), utf8.encode("secret"))], CloseCode.MALFORMED_FRAME, /payload/));
  it("oversized frame", () => attack([random(70_000)], CloseCode.FRAME_TOO_LARGE));
  it("transport frame before any handshake", () => attack([random(64)], CloseCode.MALFORMED_FRAME));

  it("replayed message 1 on the same connection", async () => {
    const ws = await openSocket(`/v1/connect/${device.networkId}`);
    const first = concatBytes(new Uint8Array([FrameTag.XX_1]), (await HandshakeState.initialize({ protocolName: PROTOCOL.XX, initiator: true }).then((hs) => hs.writeMessage())));
    const reply = nextMessage(ws);
    ws.send(first);
    await reply;
    const closed = nextClose(ws);
    ws.send(first);
    expect((await closed).code).toBe(CloseCode.MALFORMED_FRAME);
    await goodSessionStillWorks();
  });

  it("replayed IK message 1 on a new connection", async () => {
    const ik = await rawSession(await newDevice(device.sub), (await gatewayInfo()).staticKey);
    await attack([ik.sent[0]!], CloseCode.HANDSHAKE_FAILED, /replayed/);
    ik.ws.close(1000);
  });

  it("wrong prologue: the gateway's reply cannot be read and the client's finish is refused", async () => {
    const ws = await openSocket(`/v1/connect/${device.networkId}`);
    const hs = await HandshakeState.initialize({
      protocolName: PROTOCOL.XX,
      initiator: true,
      prologue: utf8.encode("Some Other Protocol v9"),
      s: device.staticKey,
    });
    const reply = nextMessage(ws);
    ws.send(concatBytes(new Uint8Array([FrameTag.XX_1]), await hs.writeMessage()));
    await expect(hs.readMessage((await reply).subarray(1))).rejects.toThrow(/authentication failed/);
    const closed = nextClose(ws);
    ws.send(concatBytes(new Uint8Array([FrameTag.CLIENT_FINISH]), random(96)));
    expect((await closed).code).toBe(CloseCode.HANDSHAKE_FAILED);
    await goodSessionStillWorks();
  });

  it("tampered transport frame closes the session that received it", async () => {
    const victim = await rawSession(await newDevice(device.sub));
    const frame = await victim.channel.seal(Channel.CONTROL, encodeControl({ kind: "ping", id: 1 }));
    frame[frame.length - 1]! ^= 1;
    const closed = nextClose(victim.ws);
    victim.ws.send(frame);
    expect((await closed).code).toBe(CloseCode.DECRYPT_FAILED);
    await goodSessionStillWorks();
  });

  it("replayed transport frame closes the session", async () => {
    const victim = await rawSession(await newDevice(device.sub));
    const frame = await victim.channel.seal(Channel.CONTROL, encodeControl({ kind: "ping", id: 1 }));
    const pong = nextMessage(victim.ws);
    victim.ws.send(frame);
    await pong;
    const closed = nextClose(victim.ws);
    victim.ws.send(frame);
    expect((await closed).code).toBe(CloseCode.DECRYPT_FAILED);
    await goodSessionStillWorks();
  });

  it("garbage control payload inside a valid transport frame", async () => {
    const victim = await rawSession(await newDevice(device.sub));
    const closed = nextClose(victim.ws);
    victim.ws.send(await victim.channel.seal(Channel.CONTROL, new Uint8Array([0xff, 0xff, 0xff])));
    expect((await closed).code).toBe(CloseCode.MALFORMED_FRAME);
    await goodSessionStillWorks();
  });
});

describe("HTTP edge", () => {
  it("rejects a malformed network ID before any Durable Object", async () => {
    const res = await SELF.fetch(`${GATEWAY_URL}/v1/connect/NOT-AN-ID`, { headers: { Upgrade: "websocket" } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid-network-id" });
  });

  it("requires a WebSocket upgrade", async () => {
    const res = await SELF.fetch(`${GATEWAY_URL}/v1/connect/${(await newDevice()).networkId}`);
    expect(res.status).toBe(426);
  });

  it("answers unknown routes with a JSON 404", async () => {
    const res = await SELF.fetch(`${GATEWAY_URL}/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: "not-found" });
  });
});
