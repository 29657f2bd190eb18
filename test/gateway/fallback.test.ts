import { gcm } from "@noble/ciphers/aes.js";
import { x25519 } from "@noble/curves/ed25519.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { concatBytes, utf8 } from "../../protocol/bytes.ts";
import { decodeControl, encodeControl } from "../../protocol/messages.ts";
import { webcryptoX25519 } from "../../protocol/noise/dh25519.ts";
import { Channel, FrameTag, PROLOGUE, PROTOCOL, SecureChannel } from "../../protocol/pipes/index.ts";
import { readServerStanza, type ServerStanza } from "../../protocol/stanzas/index.ts";
import { parseXml } from "../../protocol/xml/index.ts";
import { gatewayInfo, newDevice, nextMessage, openSocket, type TestDevice } from "../helpers/gateway.ts";
import { helloFor } from "../helpers/raw-client.ts";
import { encsFor, eventually, goOnline, queued, userStub } from "../helpers/users.ts";

const EMPTY = new Uint8Array(0);

/**
 * Noise rev 34 §5.2 for Noise_*_25519_AESGCM_SHA256, written here from the spec with noble
 * primitives only, so the client below shares no Noise code with the gateway.
 */
class Transcript {
  #ck: Uint8Array;
  #h: Uint8Array;
  #k: Uint8Array | null = null;
  #n = 0;

  constructor(protocolName: string, prologue: Uint8Array) {
    const name = utf8.encode(protocolName);
    this.#h = name.length > 32 ? sha256(name) : Uint8Array.from({ length: 32 }, (_, i) => name[i] ?? 0);
    this.#ck = this.#h;
    this.mixHash(prologue);
  }

  get h(): Uint8Array {
    return this.#h;
  }

  mixHash(data: Uint8Array): void {
    this.#h = sha256(concatBytes(this.#h, data));
  }

  mixKey(ikm: Uint8Array): void {
    const out = hkdf(sha256, ikm, this.#ck, EMPTY, 64);
    [this.#ck, this.#k, this.#n] = [out.slice(0, 32), out.slice(32), 0];
  }

  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const ciphertext = this.#k ? gcm(this.#k, this.#nonce(), this.#h).encrypt(plaintext) : plaintext;
    this.mixHash(ciphertext);
    return ciphertext;
  }

  decryptAndHash(ciphertext: Uint8Array): Uint8Array {
    const plaintext = this.#k ? gcm(this.#k, this.#nonce(), this.#h).decrypt(ciphertext) : ciphertext;
    this.mixHash(ciphertext);
    return plaintext;
  }

  /** §5.2 Split: (c1, c2), c1 for the initiator's transport messages. */
  split(): [Uint8Array, Uint8Array] {
    const out = hkdf(sha256, EMPTY, this.#ck, EMPTY, 64);
    return [out.slice(0, 32), out.slice(32)];
  }

  /** §12.4: 32 zero bits, then the 64-bit big-endian counter. */
  #nonce(): Uint8Array {
    const nonce = new Uint8Array(12);
    new DataView(nonce.buffer).setBigUint64(4, BigInt(this.#n++));
    return nonce;
  }
}

interface SpecSession {
  readonly ws: WebSocket;
  readonly channel: SecureChannel;
  readonly serverStaticKey: Uint8Array;
}

/**
 * A client that follows the spec, not Parley's Noise code: IK to `staleKey`, then, as
 * Alice, XXfallback as its responder (Bob, the gateway, sends first and so initiates it:
 * §10.1, §10.2), sending transport messages with c2 and reading the gateway's with c1.
 */
async function specFallbackSession(device: TestDevice, staleKey: Uint8Array, beforeFinish?: () => Promise<void>): Promise<SpecSession> {
  const ws = await openSocket(`/v1/connect/${device.networkId}`);
  const [s, e] = [device.staticKey, x25519.utils.randomSecretKey()];
  const sPrivate = await webcryptoX25519.exportPrivateKey(s);
  const ePublic = x25519.getPublicKey(e);

  const ik = new Transcript(PROTOCOL.IK, PROLOGUE);
  ik.mixHash(staleKey);
  ik.mixHash(ePublic);
  ik.mixKey(x25519.getSharedSecret(e, staleKey));
  const encryptedStatic = ik.encryptAndHash(s.publicKey);
  ik.mixKey(x25519.getSharedSecret(sPrivate, staleKey));
  const ik1 = concatBytes(ePublic, encryptedStatic, ik.encryptAndHash(await helloFor(device)));
  const reply = nextMessage(ws);
  ws.send(concatBytes(new Uint8Array([FrameTag.IK_1]), ik1));

  const frame = await reply;
  expect(frame[0], "the gateway answers a stale-key IK with XXfallback").toBe(FrameTag.FALLBACK_2);
  const fb = new Transcript(PROTOCOL.FALLBACK, concatBytes(PROLOGUE, ik1));
  fb.mixHash(ePublic); // Alice's pre-message: the ephemeral her IK message carried
  const message = frame.subarray(1);
  const re = message.slice(0, 32);
  fb.mixHash(re);
  fb.mixKey(x25519.getSharedSecret(e, re));
  const rs = fb.decryptAndHash(message.subarray(32, 80));
  fb.mixKey(x25519.getSharedSecret(e, rs));
  fb.decryptAndHash(message.subarray(80)); // the ServerHello
  const encryptedOwnStatic = fb.encryptAndHash(s.publicKey);
  fb.mixKey(x25519.getSharedSecret(sPrivate, re));
  const finish = concatBytes(new Uint8Array([FrameTag.CLIENT_FINISH]), encryptedOwnStatic, fb.encryptAndHash(await helloFor(device)));

  const [c1, c2] = fb.split();
  const channel = await SecureChannel.restore({ send: { k: c2, n: 0 }, receive: { k: c1, n: 0 }, handshakeHash: fb.h, remoteStatic: rs });
  await beforeFinish?.();
  const ready = nextMessage(ws);
  ws.send(finish);
  const first = await channel.open(await ready);
  expect(first.channel).toBe(Channel.CONTROL);
  expect(decodeControl(first.payload).kind).toBe("ready");
  return { ws, channel, serverStaticKey: rs };
}

async function nextStanza(session: SpecSession): Promise<ServerStanza> {
  const opened = await session.channel.open(await nextMessage(session.ws));
  expect(opened.channel).toBe(Channel.STANZA);
  return readServerStanza(parseXml(opened.payload));
}

function sendStanza(session: SpecSession, xml: string): Promise<void> {
  return session.channel.seal(Channel.STANZA, utf8.encode(xml)).then((frame) => session.ws.send(frame));
}

describe("XXfallback against a spec-following client (Noise rev 34 §10.1, §10.2)", () => {
  it("completes after a stale-key IK attempt and carries stanzas both ways", async () => {
    const device = await newDevice();
    const peer = await goOnline(await newDevice());
    const stale = x25519.getPublicKey(x25519.utils.randomSecretKey());
    const session = await specFallbackSession(device, stale);
    expect(session.serverStaticKey).toEqual((await gatewayInfo()).staticKey);
    expect(await nextStanza(session)).toEqual({ kind: "offline", count: 0 });

    // Client to gateway (c2): a message to the peer is stored and acked.
    const [enc] = encsFor([peer.device], "over fallback");
    await sendStanza(
      session,
      `<message id="fb-1" to="${peer.device.networkId}" type="chat"><enc device="${enc!.device}" type="msg">${enc!.payload}</enc></message>`,
    );
    expect(await nextStanza(session)).toMatchObject({ kind: "ack", class: "message", id: "fb-1" });
    const got = await eventually(async () => peer.received[0]);
    expect(got).toMatchObject({ id: "fb-1", from: device.networkId, fromDevice: device.deviceId });

    // Gateway to client (c1): the peer's reply is delivered; the client's ack clears its queue.
    const sent = peer.messenger.sendMessage(device.networkId, encsFor([device], "reply"), "fb-2");
    const delivered = await nextStanza(session);
    expect(delivered).toMatchObject({ kind: "message", id: "fb-2", from: peer.device.networkId, enc: { device: device.deviceId } });
    expect((await sent).duplicate).toBe(false);
    await sendStanza(session, `<ack class="message" id="fb-2" from="${peer.device.networkId}"/>`);
    await eventually(async () => (await queued(device.networkId)).length === 0);

    session.ws.close(1000);
    peer.conn.close();
  });

  it("keeps the gateway's initiator role across hibernation between the fallback reply and the client's finish", async () => {
    const device = await newDevice();
    const stale = x25519.getPublicKey(x25519.utils.randomSecretKey());
    const session = await specFallbackSession(device, stale, () => evictDurableObject(userStub(device.networkId)));
    expect(await nextStanza(session)).toEqual({ kind: "offline", count: 0 });
    const pong = nextMessage(session.ws);
    session.ws.send(await session.channel.seal(Channel.CONTROL, encodeControl({ kind: "ping", id: 7 })));
    expect(decodeControl((await session.channel.open(await pong)).payload)).toEqual({ kind: "pong", id: 7 });
    session.ws.close(1000);
  });
});
