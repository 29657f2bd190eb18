// Issue 14's proof: the SDK's SecureMessenger on one side, a libsignal client (libsignal's own
// stores and session code over Parley's Messenger) on the other, through a real gateway with
// real WebSockets. Every case runs in both directions where the direction matters.
import * as signal from "@signalapp/libsignal-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Messenger, ParleyConnection, SecureMessenger, type ReceivedContent, type SecureMessengerEvents } from "../../client/index.ts";
import { generateIdentityKeyPair, generateRegistrationId, MemorySignalStore } from "../../client/e2ee/index.ts";
import { decodePreKeySignalMessage } from "../../client/signal/wire/index.ts";
import type { Content } from "../../protocol/content.ts";
import type { WireBundle } from "../../protocol/stanzas/index.ts";
import { enrollDevice, startDevGateway, type DevGateway, type NodeDevice } from "./dev-gateway.ts";
import { fromB64, LibsignalPeer, Mailbox, spqrEpochOf, type SentContent } from "./libsignal-peer.ts";

let gateway: DevGateway;
beforeAll(async () => {
  gateway = await startDevGateway();
}, 90_000);
afterAll(() => gateway?.stop());

interface SdkUser {
  readonly device: NodeDevice;
  readonly conn: ParleyConnection;
  readonly secure: SecureMessenger;
  readonly store: MemorySignalStore;
  readonly inbox: Mailbox<ReceivedContent>;
  readonly failures: Mailbox<SecureMessengerEvents["decryptFailed"]>;
  readonly identityChanges: string[];
}

/** An SDK device online with its keys published; pass `store` to go online again as the same install. */
async function sdkOnline(device?: NodeDevice, store?: MemorySignalStore): Promise<SdkUser> {
  const d = device ?? (await enrollDevice(gateway));
  const conn = new ParleyConnection({ gatewayUrl: gateway.base, ...d, rootKey: gateway.rootKey, keepaliveMs: 0, reconnect: false });
  const signalStore = store ?? new MemorySignalStore(generateIdentityKeyPair(), generateRegistrationId());
  // Handlers before connecting: a backlog is delivered as soon as the connection opens.
  const secure = new SecureMessenger(new Messenger(conn), signalStore, { networkId: d.networkId, deviceId: d.deviceId });
  const inbox = new Mailbox<ReceivedContent>();
  const failures = new Mailbox<SecureMessengerEvents["decryptFailed"]>();
  const identityChanges: string[] = [];
  secure.onContent((c) => inbox.push(c));
  secure.on("decryptFailed", (f) => failures.push(f));
  secure.on("identityChanged", ({ address }) => identityChanges.push(address));
  await conn.connect();
  if (!store) await secure.publishKeys();
  return { device: d, conn, secure, store: signalStore, inbox, failures, identityChanges };
}

async function peerOnline(keys = { preKeys: 5, kyberPreKeys: 3 }): Promise<{ peer: LibsignalPeer; keys: Awaited<ReturnType<LibsignalPeer["uploadKeys"]>> }> {
  const peer = await LibsignalPeer.online(gateway, await enrollDevice(gateway));
  return { peer, keys: await peer.uploadKeys(keys) };
}

const textOf = (c: Content): string => {
  if (c.body.type !== "text") throw new Error(`expected a text, got ${c.body.type}`);
  return c.body.text;
};
const addressOf = (d: NodeDevice) => `${d.networkId}.${d.deviceId}`;

interface Hop {
  readonly type: string;
  readonly epoch: bigint;
}

/** SDK → libsignal through the gateway; libsignal decrypts it at once. */
async function sdkToPeer(sdk: SdkUser, peer: LibsignalPeer, text: string): Promise<Hop> {
  await sdk.secure.send(peer.networkId, { type: "text", text });
  const m = await peer.inbox.next(`"${text}" at the libsignal peer`);
  expect(textOf(await peer.decrypt(m))).toBe(text);
  return { type: m.enc.type, epoch: spqrEpochOf(m.enc.type, fromB64(m.enc.payload)) };
}

/** libsignal → SDK through the gateway; the SDK decrypts it on arrival. */
async function peerToSdk(peer: LibsignalPeer, sdk: SdkUser, text: string): Promise<Hop> {
  const sent = await peer.sendText(sdk.device.networkId, sdk.device.deviceId, text);
  const got = await sdk.inbox.next(`"${text}" at the SDK`);
  expect(textOf(got.content)).toBe(text);
  expect(got).toMatchObject({ from: peer.networkId, fromDevice: peer.device.deviceId });
  return { type: sent.enc.type, epoch: spqrEpochOf(sent.enc.type, fromB64(sent.enc.payload)) };
}

/** First contact started by the SDK or by libsignal, then one reply and one more message each way. */
async function established(initiator: "sdk" | "libsignal"): Promise<{ sdk: SdkUser; peer: LibsignalPeer }> {
  const sdk = await sdkOnline();
  const { peer } = await peerOnline();
  if (initiator === "libsignal") {
    await peer.startSession(sdk.device.networkId, (await peer.fetchBundles(sdk.device.networkId))[0]!);
    expect((await peerToSdk(peer, sdk, "hello SDK")).type).toBe("pkmsg");
    expect((await sdkToPeer(sdk, peer, "hello libsignal")).type).toBe("msg");
  } else {
    expect((await sdkToPeer(sdk, peer, "hello libsignal")).type).toBe("pkmsg");
    expect((await peerToSdk(peer, sdk, "hello SDK")).type).toBe("msg");
  }
  expect((await sdkToPeer(sdk, peer, "settled?")).type).toBe("msg");
  expect((await peerToSdk(peer, sdk, "settled.")).type).toBe("msg");
  return { sdk, peer };
}

function close(...parties: { close(): void }[]): void {
  for (const p of parties) p.close();
}
const sdkClose = (sdk: SdkUser) => ({ close: () => sdk.conn.close() });

/** mulberry32: a small seeded PRNG in exact 32-bit integer arithmetic, so failures reproduce. */
function seeded(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * n | 0;
  };
}

/** A fixed-seed Fisher–Yates shuffle. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  const random = seeded(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = random(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** The SDK's own bundle as the gateway hands it to the peer, fetched until `accept` says yes; returns how many fetches it took. */
async function fetchUntil(peer: LibsignalPeer, user: string, accept: (b: WireBundle) => boolean, max: number): Promise<{ bundle: WireBundle; fetches: number }> {
  for (let fetches = 1; fetches <= max; fetches++) {
    const bundle = (await peer.fetchBundles(user))[0]!;
    if (accept(bundle)) return { bundle, fetches };
  }
  throw new Error(`no acceptable bundle in ${max} fetches`);
}

describe("SDK and libsignal through a gateway: the first message", () => {
  it("libsignal → SDK with a one-time EC and a one-time Kyber prekey, both consumed", async () => {
    const sdk = await sdkOnline();
    const { peer } = await peerOnline();
    const [bundle] = await peer.fetchBundles(sdk.device.networkId);
    expect(bundle!.preKey).toBeDefined();
    expect(sdk.store.loadKyberPreKey(bundle!.kyberPreKey.id)?.lastResort).toBe(false);
    await peer.startSession(sdk.device.networkId, bundle!);
    const first = await peerToSdk(peer, sdk, "first from libsignal");
    expect(first.type).toBe("pkmsg");
    expect(first.epoch).toBe(1n);
    expect(sdk.store.loadPreKey(bundle!.preKey!.id)).toBeUndefined();
    expect(sdk.store.loadKyberPreKey(bundle!.kyberPreKey.id)).toBeUndefined();
    expect(sdk.identityChanges).toEqual([]);
    expect((await sdkToPeer(sdk, peer, "reply from the SDK")).type).toBe("msg");
    expect((await peerToSdk(peer, sdk, "and on")).type).toBe("msg");
    close(peer, sdkClose(sdk));
  });

  it("SDK → libsignal with a one-time EC and a one-time Kyber prekey, both consumed", async () => {
    const sdk = await sdkOnline();
    const { peer, keys } = await peerOnline({ preKeys: 3, kyberPreKeys: 2 });
    await sdk.secure.send(peer.networkId, { type: "text", text: "first from the SDK" });
    const m = await peer.inbox.next();
    expect(m.enc.type).toBe("pkmsg");
    const pk = decodePreKeySignalMessage(fromB64(m.enc.payload));
    expect(pk.preKeyId).toBe(keys.preKeyIds[0]);
    expect(pk.kyberPreKeyId).toBe(keys.kyberPreKeyIds[0]);
    expect(pk.signedPreKeyId).toBe(keys.signedPreKeyId);
    expect(textOf(await peer.decrypt(m))).toBe("first from the SDK");
    expect(peer.hasPreKey(keys.preKeyIds[0]!)).toBe(false);
    expect(peer.hasKyberPreKey(keys.kyberPreKeyIds[0]!)).toBe(false);
    expect((await peerToSdk(peer, sdk, "reply from libsignal")).type).toBe("msg");
    expect((await sdkToPeer(sdk, peer, "and on")).type).toBe("msg");
    close(peer, sdkClose(sdk));
  });

  it("libsignal → SDK with the last-resort Kyber key, once the one-time Kyber keys are drained; the key survives", async () => {
    const sdk = await sdkOnline();
    const { peer } = await peerOnline();
    // SecureMessenger publishes 10 one-time Kyber keys; the 11th fetch gets the last-resort one.
    const { bundle, fetches } = await fetchUntil(peer, sdk.device.networkId, (b) => sdk.store.loadKyberPreKey(b.kyberPreKey.id)?.lastResort === true, 20);
    expect(fetches).toBe(11);
    expect((await peer.fetchBundles(sdk.device.networkId))[0]!.kyberPreKey.id).toBe(bundle.kyberPreKey.id);
    await peer.startSession(sdk.device.networkId, bundle);
    expect((await peerToSdk(peer, sdk, "on the last-resort key")).type).toBe("pkmsg");
    expect(sdk.store.loadKyberPreKey(bundle.kyberPreKey.id)?.lastResort).toBe(true);
    expect((await sdkToPeer(sdk, peer, "fine")).type).toBe("msg");

    // A second libsignal client can use the same last-resort key.
    const { peer: second } = await peerOnline();
    await second.startSession(sdk.device.networkId, (await second.fetchBundles(sdk.device.networkId))[0]!);
    expect((await peerToSdk(second, sdk, "me too")).type).toBe("pkmsg");
    close(peer, second, sdkClose(sdk));
  });

  it("SDK → libsignal with the last-resort Kyber key, once the one-time Kyber keys are drained; the key survives", async () => {
    const sdk = await sdkOnline();
    const { peer, keys } = await peerOnline({ preKeys: 5, kyberPreKeys: 2 });
    const drained = [(await peer.fetchBundles(peer.networkId))[0]!, (await peer.fetchBundles(peer.networkId))[0]!];
    expect(drained.map((b) => b.kyberPreKey.id)).toEqual(keys.kyberPreKeyIds);
    await sdk.secure.send(peer.networkId, { type: "text", text: "on your last-resort key" });
    const m = await peer.inbox.next();
    expect(decodePreKeySignalMessage(fromB64(m.enc.payload)).kyberPreKeyId).toBe(keys.lastResortKyberId);
    expect(textOf(await peer.decrypt(m))).toBe("on your last-resort key");
    expect(peer.hasKyberPreKey(keys.lastResortKyberId)).toBe(true);
    expect((await peerToSdk(peer, sdk, "fine")).type).toBe("msg");
    close(peer, sdkClose(sdk));
  });

  it("libsignal → SDK without a one-time EC prekey (libsignal's bundle built without it)", async () => {
    const sdk = await sdkOnline();
    const { peer } = await peerOnline();
    const [bundle] = await peer.fetchBundles(sdk.device.networkId);
    await peer.startSession(sdk.device.networkId, bundle!, { withoutPreKey: true });
    const sent = await peer.sendText(sdk.device.networkId, sdk.device.deviceId, "no DH4");
    expect(decodePreKeySignalMessage(fromB64(sent.enc.payload)).preKeyId).toBeUndefined();
    expect(textOf((await sdk.inbox.next()).content)).toBe("no DH4");
    expect(sdk.store.loadPreKey(bundle!.preKey!.id)).toBeDefined();
    expect((await sdkToPeer(sdk, peer, "fine")).type).toBe("msg");
    expect((await peerToSdk(peer, sdk, "good")).type).toBe("msg");
    close(peer, sdkClose(sdk));
  });

  it("SDK → libsignal without a one-time EC prekey (the device published none)", async () => {
    const sdk = await sdkOnline();
    const { peer } = await peerOnline({ preKeys: 0, kyberPreKeys: 2 });
    await sdk.secure.send(peer.networkId, { type: "text", text: "no DH4" });
    const m = await peer.inbox.next();
    expect(decodePreKeySignalMessage(fromB64(m.enc.payload)).preKeyId).toBeUndefined();
    expect(textOf(await peer.decrypt(m))).toBe("no DH4");
    expect((await peerToSdk(peer, sdk, "fine")).type).toBe("msg");
    expect((await sdkToPeer(sdk, peer, "good")).type).toBe("msg");
    close(peer, sdkClose(sdk));
  });
});

describe("SDK and libsignal through a gateway: long conversations", () => {
  for (const initiator of ["sdk", "libsignal"] as const) {
    it(`220 alternating messages cross several SPQR epochs (${initiator} initiates)`, async () => {
      const { sdk, peer } = await established(initiator);
      const epochs = { sdk: [] as bigint[], libsignal: [] as bigint[] };
      for (let i = 0; i < 220; i++) {
        if (i % 2 === 0) epochs.sdk.push((await sdkToPeer(sdk, peer, `alternating ${i}`)).epoch);
        else epochs.libsignal.push((await peerToSdk(peer, sdk, `alternating ${i}`)).epoch);
      }
      // Each completed ML-KEM exchange moves the epoch on; both senders got past epoch 2.
      for (const seen of [epochs.sdk, epochs.libsignal]) {
        expect(seen.at(-1)! > 2n, `epochs ${seen.join(",")}`).toBe(true);
        for (let i = 1; i < seen.length; i++) expect(seen[i]! >= seen[i - 1]!).toBe(true);
      }
      close(peer, sdkClose(sdk));
    }, 180_000);

    it(`long one-sided runs: 160 one way, then 160 the other (${initiator} initiates)`, async () => {
      const { sdk, peer } = await established(initiator);
      const run = Array.from({ length: 160 }, (_, i) => `one-sided ${i}`);
      for (const text of run) await sdk.secure.send(peer.networkId, { type: "text", text });
      const atPeer = await peer.inbox.take(run.length, "the SDK's run");
      for (const [i, m] of atPeer.entries()) expect(textOf(await peer.decrypt(m))).toBe(run[i]);

      for (const text of run) await peer.sendText(sdk.device.networkId, sdk.device.deviceId, text);
      expect((await sdk.inbox.take(run.length, "libsignal's run")).map((c) => textOf(c.content))).toEqual(run);
      for (let i = 0; i < 4; i++) {
        await sdkToPeer(sdk, peer, `after the runs ${i}`);
        await peerToSdk(peer, sdk, `after the runs ${i}`);
      }
      close(peer, sdkClose(sdk));
    }, 180_000);
  }
});

describe("SDK and libsignal through a gateway: out of order, lost, duplicated", () => {
  it("SDK → libsignal: 50 messages decrypted in a shuffled order", async () => {
    const { sdk, peer } = await established("sdk");
    const texts = Array.from({ length: 50 }, (_, i) => `shuffled ${i}`);
    for (const text of texts) await sdk.secure.send(peer.networkId, { type: "text", text });
    const buffered = await peer.inbox.take(texts.length, "the SDK's 50");
    const inOrder = buffered.map((_, i) => i);
    const order = shuffled(inOrder, 14);
    expect(order).not.toEqual(inOrder);
    for (const i of order) expect(textOf(await peer.decrypt(buffered[i]!))).toBe(texts[i]);
    await peerToSdk(peer, sdk, "all 50 read");
    await sdkToPeer(sdk, peer, "good");
    close(peer, sdkClose(sdk));
  });

  it("libsignal → SDK: 50 messages delivered in a shuffled order", async () => {
    const { sdk, peer } = await established("libsignal");
    const contents = Array.from({ length: 50 }, (_, i) => LibsignalPeer.content({ type: "text", text: `shuffled ${i}` }));
    const encs = [];
    for (const c of contents) encs.push(await peer.encrypt(sdk.device.networkId, sdk.device.deviceId, c));
    const inOrder = contents.map((_, i) => i);
    const order = shuffled(inOrder, 41);
    expect(order).not.toEqual(inOrder);
    for (const i of order) await peer.sendEnc(sdk.device.networkId, encs[i]!, contents[i]!);
    const arrived = await sdk.inbox.take(contents.length, "libsignal's 50");
    expect(arrived.map((c) => c.content.id)).toEqual(order.map((i) => contents[i]!.id));
    expect(sdk.failures.size).toBe(0);
    await sdkToPeer(sdk, peer, "all 50 read");
    await peerToSdk(peer, sdk, "good");
    close(peer, sdkClose(sdk));
  });

  it("SDK → libsignal: lost messages, within a chain and across ratchet steps, do not stop later ones", async () => {
    const { sdk, peer } = await established("sdk");
    const lost = new Set([0, 3, 4, 11, 19]);
    for (let round = 0; round < 3; round++) {
      const texts = Array.from({ length: 20 }, (_, i) => `round ${round} message ${i}`);
      for (const text of texts) await sdk.secure.send(peer.networkId, { type: "text", text });
      const buffered = await peer.inbox.take(texts.length);
      for (const [i, m] of buffered.entries()) if (!lost.has(i)) expect(textOf(await peer.decrypt(m))).toBe(texts[i]);
      await peerToSdk(peer, sdk, `round ${round} read`);
    }
    close(peer, sdkClose(sdk));
  });

  it("libsignal → SDK: lost messages, within a chain and across ratchet steps, do not stop later ones", async () => {
    const { sdk, peer } = await established("libsignal");
    const lost = new Set([0, 3, 4, 11, 19]);
    for (let round = 0; round < 3; round++) {
      const kept: string[] = [];
      for (let i = 0; i < 20; i++) {
        const content = LibsignalPeer.content({ type: "text", text: `round ${round} message ${i}` });
        const enc = await peer.encrypt(sdk.device.networkId, sdk.device.deviceId, content);
        if (lost.has(i)) continue;
        await peer.sendEnc(sdk.device.networkId, enc, content);
        kept.push(textOf(content));
      }
      expect((await sdk.inbox.take(kept.length)).map((c) => textOf(c.content))).toEqual(kept);
      await sdkToPeer(sdk, peer, `round ${round} read`);
    }
    expect(sdk.failures.size).toBe(0);
    close(peer, sdkClose(sdk));
  });

  it("SDK → libsignal: libsignal refuses the second decryption of a message, pkmsg and msg alike", async () => {
    const sdk = await sdkOnline();
    const { peer } = await peerOnline();
    await sdk.secure.send(peer.networkId, { type: "text", text: "first" });
    const first = await peer.inbox.next();
    expect(textOf(await peer.decrypt(first))).toBe("first");
    await expect(peer.decrypt(first)).rejects.toMatchObject({ code: signal.ErrorCode.DuplicatedMessage });
    await peerToSdk(peer, sdk, "reply");
    await sdk.secure.send(peer.networkId, { type: "text", text: "second" });
    const second = await peer.inbox.next();
    expect(textOf(await peer.decrypt(second))).toBe("second");
    await expect(peer.decrypt(second)).rejects.toMatchObject({ code: signal.ErrorCode.DuplicatedMessage });
    expect((await sdkToPeer(sdk, peer, "still fine")).type).toBe("msg");
    close(peer, sdkClose(sdk));
  });

  it("libsignal → SDK: the SDK refuses a second copy as duplicate (decryptFailed), pkmsg and msg alike", async () => {
    const sdk = await sdkOnline();
    const { peer } = await peerOnline();
    await peer.startSession(sdk.device.networkId, (await peer.fetchBundles(sdk.device.networkId))[0]!);
    for (const text of ["first", "second"]) {
      const content = LibsignalPeer.content({ type: "text", text });
      const enc = await peer.encrypt(sdk.device.networkId, sdk.device.deviceId, content);
      expect(enc.type).toBe(text === "first" ? "pkmsg" : "msg");
      await peer.sendEnc(sdk.device.networkId, enc, content);
      expect(textOf((await sdk.inbox.next()).content)).toBe(text);
      // The same ciphertext again, under a new stanza ID so the gateway does not dedupe it.
      const copy = await peer.sendEnc(sdk.device.networkId, enc, content);
      expect(await sdk.failures.next()).toMatchObject({ id: copy.stanzaId, reason: "duplicate" });
      if (text === "first") await sdkToPeer(sdk, peer, "reply");
    }
    expect(sdk.inbox.size).toBe(0);
    expect((await peerToSdk(peer, sdk, "still fine")).type).toBe("msg");
    // A duplicate was decrypted once: the SDK does not ask for it again.
    expect(peer.receipts.size).toBe(0);
    close(peer, sdkClose(sdk));
  });
});

describe("SDK and libsignal through a gateway: a rough network across SPQR epochs", () => {
  for (const initiator of ["sdk", "libsignal"] as const) {
    it(`bursts each way, every burst shuffled and one in eight lost, until both are past SPQR epoch 2 (${initiator} initiates)`, async () => {
      const { sdk, peer } = await established(initiator);
      const random = seeded(initiator === "sdk" ? 7 : 8);
      const epochs = { sdk: 0n, libsignal: 0n };
      for (let burst = 0; burst < 120 && (epochs.sdk <= 2n || epochs.libsignal <= 2n); burst++) {
        const size = 1 + random(5);
        const lost = new Set(Array.from({ length: size }, (_, i) => i).filter(() => random(8) === 0));
        const order = shuffled(Array.from({ length: size }, (_, i) => i), 1 + random(1000));
        const texts = Array.from({ length: size }, (_, i) => `burst ${burst} message ${i}`);
        if (burst % 2 === 0) {
          for (const text of texts) await sdk.secure.send(peer.networkId, { type: "text", text });
          const buffered = await peer.inbox.take(size);
          for (const i of order) {
            if (lost.has(i)) continue;
            expect(textOf(await peer.decrypt(buffered[i]!))).toBe(texts[i]);
            epochs.sdk = spqrEpochOf(buffered[i]!.enc.type, fromB64(buffered[i]!.enc.payload));
          }
        } else {
          const contents = texts.map((text) => LibsignalPeer.content({ type: "text", text }));
          const encs = [];
          for (const c of contents) encs.push(await peer.encrypt(sdk.device.networkId, sdk.device.deviceId, c));
          const delivered = order.filter((i) => !lost.has(i));
          for (const i of delivered) {
            await peer.sendEnc(sdk.device.networkId, encs[i]!, contents[i]!);
            epochs.libsignal = spqrEpochOf(encs[i]!.type, fromB64(encs[i]!.payload));
          }
          expect((await sdk.inbox.take(delivered.length)).map((c) => c.content.id)).toEqual(delivered.map((i) => contents[i]!.id));
        }
      }
      expect(epochs.sdk > 2n && epochs.libsignal > 2n, `epochs reached: ${JSON.stringify({ sdk: `${epochs.sdk}`, libsignal: `${epochs.libsignal}` })}`).toBe(true);
      expect(sdk.failures.size).toBe(0);
      close(peer, sdkClose(sdk));
    }, 180_000);
  }
});

describe("SDK and libsignal through a gateway: sessions that start over", () => {
  it("simultaneous initiation: both send a first message before receiving anything, then keep talking", async () => {
    const sdk = await sdkOnline();
    const { peer } = await peerOnline();
    await peer.startSession(sdk.device.networkId, (await peer.fetchBundles(sdk.device.networkId))[0]!);
    const fromPeer = LibsignalPeer.content({ type: "text", text: "hi, I start" });
    const enc = await peer.encrypt(sdk.device.networkId, sdk.device.deviceId, fromPeer);
    // The SDK sends its own first message; the peer only buffers it.
    await sdk.secure.send(peer.networkId, { type: "text", text: "no, I start" });
    const fromSdk = await peer.inbox.next();
    await peer.sendEnc(sdk.device.networkId, enc, fromPeer);
    expect([enc.type, fromSdk.enc.type]).toEqual(["pkmsg", "pkmsg"]);
    expect(textOf((await sdk.inbox.next()).content)).toBe("hi, I start");
    expect(textOf(await peer.decrypt(fromSdk))).toBe("no, I start");
    for (let i = 0; i < 5; i++) {
      await sdkToPeer(sdk, peer, `sdk ${i}`);
      await peerToSdk(peer, sdk, `libsignal ${i}`);
    }
    for (let i = 0; i < 3; i++) await peerToSdk(peer, sdk, `libsignal again ${i}`);
    expect((await sdkToPeer(sdk, peer, "settled")).type).toBe("msg");
    expect((await peerToSdk(peer, sdk, "settled")).type).toBe("msg");
    expect(sdk.failures.size).toBe(0);
    close(peer, sdkClose(sdk));
  });

  it("the libsignal peer reinstalls: the SDK reports identityChanged and the fresh session works", async () => {
    const { sdk, peer } = await established("libsignal");
    const oldIdentity = peer.identityKey;
    await peer.reinstall({ preKeys: 3, kyberPreKeys: 2 });
    expect(peer.identityKey).not.toEqual(oldIdentity);
    await peer.startSession(sdk.device.networkId, (await peer.fetchBundles(sdk.device.networkId))[0]!);
    expect((await peerToSdk(peer, sdk, "new phone")).type).toBe("pkmsg");
    expect(sdk.identityChanges).toEqual([addressOf(peer.device)]);
    expect(sdk.store.identityOf(addressOf(peer.device))).toEqual(peer.identityKey);
    expect((await sdkToPeer(sdk, peer, "welcome back")).type).toBe("msg");
    expect((await peerToSdk(peer, sdk, "thanks")).type).toBe("msg");
    close(peer, sdkClose(sdk));
  });

  it("the libsignal peer reinstalls and the SDK writes first: a retry receipt brings the message on a fresh session", async () => {
    const { sdk, peer } = await established("sdk");
    await peer.reinstall({ preKeys: 3, kyberPreKeys: 2 });
    // The SDK still has the old session: libsignal cannot decrypt that and asks for a retry.
    const sent = await sdk.secure.send(peer.networkId, { type: "text", text: "are you there?" });
    const undecryptable = await peer.inbox.next();
    expect(undecryptable.enc.type).toBe("msg");
    await expect(peer.decrypt(undecryptable)).rejects.toThrow();
    await peer.requestRetry(undecryptable);
    const again = await peer.inbox.next("the SDK's retry");
    expect(again.enc.type).toBe("pkmsg");
    const content = await peer.decrypt(again);
    expect(content).toMatchObject({ id: sent.id, body: { type: "text", text: "are you there?" } });
    expect(sdk.identityChanges).toEqual([addressOf(peer.device)]);
    expect((await peerToSdk(peer, sdk, "yes, new phone")).type).toBe("msg");
    close(peer, sdkClose(sdk));
  });

  it("the SDK reinstalls: libsignal's saveIdentity reports ReplacedExisting and the fresh session works", async () => {
    const { sdk, peer } = await established("libsignal");
    const sdkAddress = addressOf(sdk.device);
    expect(peer.identityChanges.filter((c) => c.address === `${sdkAddress}.1`).map((c) => c.change)).not.toContain(signal.IdentityChange.ReplacedExisting);
    sdk.conn.close();
    const reinstalled = await sdkOnline(sdk.device);
    expect(reinstalled.store.identity().publicKey).not.toEqual(sdk.store.identity().publicKey);
    expect((await sdkToPeer(reinstalled, peer, "new install")).type).toBe("pkmsg");
    expect(peer.identityChanges.at(-1)).toEqual({ address: `${sdkAddress}.1`, change: signal.IdentityChange.ReplacedExisting });
    expect((await peerToSdk(peer, reinstalled, "noted")).type).toBe("msg");
    expect((await sdkToPeer(reinstalled, peer, "good")).type).toBe("msg");
    close(peer, sdkClose(reinstalled));
  });
});

describe("SDK and libsignal through a gateway: retry receipts", () => {
  it("libsignal lost its session and reuses a consumed prekey: the SDK asks for a retry and gets the content on a fresh session", async () => {
    const sdk = await sdkOnline();
    const { peer } = await peerOnline();
    const [oldBundle] = await peer.fetchBundles(sdk.device.networkId);
    await peer.startSession(sdk.device.networkId, oldBundle!);
    await peerToSdk(peer, sdk, "hello");
    await sdkToPeer(sdk, peer, "hi");

    peer.loseSession(sdk.device.networkId, sdk.device.deviceId);
    await peer.startSession(sdk.device.networkId, oldBundle!);
    const failed: SentContent = await peer.sendText(sdk.device.networkId, sdk.device.deviceId, "after my restore");
    expect(failed.enc.type).toBe("pkmsg");
    expect(await sdk.failures.next()).toMatchObject({ id: failed.stanzaId, reason: "unknown-prekey" });
    const receipt = await peer.receipts.next("the SDK's retry receipt");
    expect(receipt).toMatchObject({ id: failed.stanzaId, type: "retry", fromDevice: sdk.device.deviceId });
    const retried = await peer.answerRetry(receipt);
    expect(retried.enc.type).toBe("pkmsg");
    const got = await sdk.inbox.next("the retried content");
    expect(got.content).toMatchObject({ id: failed.content.id, body: { type: "text", text: "after my restore" } });
    expect((await sdkToPeer(sdk, peer, "got it")).type).toBe("msg");
    expect((await peerToSdk(peer, sdk, "good")).type).toBe("msg");
    close(peer, sdkClose(sdk));
  });

  it("a corrupted ciphertext: the SDK reports auth-failed, asks for a retry, and gets the content", async () => {
    const { sdk, peer } = await established("libsignal");
    const content = LibsignalPeer.content({ type: "text", text: "bits flipped in transit" });
    const enc = await peer.encrypt(sdk.device.networkId, sdk.device.deviceId, content);
    const body = fromB64(enc.payload);
    body[body.length - 1]! ^= 0x01; // in the MAC, so nothing but the MAC check can notice
    const failed = await peer.sendEnc(sdk.device.networkId, { ...enc, payload: Buffer.from(body).toString("base64") }, content);
    expect(await sdk.failures.next()).toMatchObject({ id: failed.stanzaId, reason: "auth-failed" });
    await peer.answerRetry(await peer.receipts.next("the SDK's retry receipt"));
    expect((await sdk.inbox.next()).content).toMatchObject({ id: content.id, body: { type: "text", text: "bits flipped in transit" } });
    expect((await sdkToPeer(sdk, peer, "got it")).type).toBe("msg");
    expect((await peerToSdk(peer, sdk, "good")).type).toBe("msg");
    close(peer, sdkClose(sdk));
  });

  it("libsignal lost its session: it asks the SDK for a retry and gets the content on a fresh session", async () => {
    const { sdk, peer } = await established("libsignal");
    peer.loseSession(sdk.device.networkId, sdk.device.deviceId);
    const sent = await sdk.secure.send(peer.networkId, { type: "text", text: "you forgot me" });
    const undecryptable = await peer.inbox.next();
    await expect(peer.decrypt(undecryptable)).rejects.toThrow();
    await peer.requestRetry(undecryptable);
    const again = await peer.inbox.next("the SDK's retry");
    expect(again.enc.type).toBe("pkmsg");
    expect(await peer.decrypt(again)).toMatchObject({ id: sent.id, body: { type: "text", text: "you forgot me" } });
    expect(sdk.identityChanges).toEqual([]);
    expect((await peerToSdk(peer, sdk, "back")).type).toBe("msg");
    expect((await sdkToPeer(sdk, peer, "good")).type).toBe("msg");
    close(peer, sdkClose(sdk));
  });
});
