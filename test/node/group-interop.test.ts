// Issue 15's proof for groups: a libsignal client (libsignal's own stores, sessions and group
// cipher; test/node/libsignal-group-peer.ts) and SDK clients (SecureMessenger's groups) in one
// group, through a real gateway with real WebSockets. Sender keys both ways, inline in the group
// message under the phash the gateway checks, rotation after a removal both ways, and a long
// mixed conversation that every member reads exactly once.
import * as signal from "@signalapp/libsignal-client";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devProviderToken, enroll, Messenger, ParleyConnection, SecureMessenger, NackError, type GroupContent, type IncomingMessage, type ReceivedContent } from "../../client/index.ts";
import { generateIdentityKeyPair, generateRegistrationId, MemorySignalStore } from "../../client/e2ee/index.ts";
import { decodeSenderKeyMessage } from "../../client/signal/sender-keys/index.ts";
import type { Content } from "../../protocol/content.ts";
import { nobleX25519 } from "../../protocol/noise/dh25519.ts";
import { phashOf } from "../../protocol/stanzas/index.ts";
import { startDevGateway, type DevGateway, type NodeDevice } from "./dev-gateway.ts";
import { LibsignalGroupPeer } from "./libsignal-group-peer.ts";
import { fromB64, Mailbox } from "./libsignal-peer.ts";

// Every member generates and publishes its Signal keys (Kyber included) in pure TypeScript: on a
// loaded 2-core machine one test's setup alone can take tens of seconds.
const TEST_MS = 180_000;
/** How long one awaited delivery may take before the wait fails, naming what it waited for. */
const WAIT_MS = 60_000;

let gateway: DevGateway;
beforeAll(async () => {
  gateway = await startDevGateway();
}, 90_000);
afterAll(() => gateway?.stop());

/** A device of user `sub` (a new user unless named), enrolled with the development provider. */
async function enrollAs(sub = `node-${randomBytes(4).toString("hex")}`): Promise<NodeDevice & { sub: string }> {
  const staticKey = await nobleX25519.generateKeyPair();
  const token = () => devProviderToken(gateway.base, { sub, deviceKey: staticKey.publicKey });
  const enrolled = await enroll(gateway.base, await token());
  return { sub, networkId: enrolled.networkId, deviceId: enrolled.deviceId, staticKey, providerToken: token };
}

interface SdkMember {
  readonly device: NodeDevice & { sub: string };
  readonly conn: ParleyConnection;
  readonly secure: SecureMessenger;
  readonly address: string;
  /** Group content in the order the SDK handed it over, as often as it did. */
  readonly received: Mailbox<GroupContent>;
  readonly receivedLog: GroupContent[];
  /** Every group message as the gateway delivered it. */
  readonly arrivals: IncomingMessage[];
  readonly failures: string[];
  /** 1:1 content that names no group. */
  readonly direct: Mailbox<ReceivedContent>;
}

async function sdkMember(sub?: string, options: ConstructorParameters<typeof SecureMessenger>[3] = {}): Promise<SdkMember> {
  const device = await enrollAs(sub);
  const conn = new ParleyConnection({ gatewayUrl: gateway.base, ...device, rootKey: gateway.rootKey, keepaliveMs: 0, reconnect: false });
  const secure = new SecureMessenger(new Messenger(conn), new MemorySignalStore(generateIdentityKeyPair(), generateRegistrationId()), device, options);
  const received = new Mailbox<GroupContent>();
  const receivedLog: GroupContent[] = [];
  const arrivals: IncomingMessage[] = [];
  const failures: string[] = [];
  const direct = new Mailbox<ReceivedContent>();
  secure.onContent((c) => direct.push(c));
  secure.groups.onContent((c) => {
    receivedLog.push(c);
    received.push(c);
  });
  secure.groups.on("decryptFailed", (f) => failures.push(`${f.id} from ${f.from}: ${f.reason}`));
  const receive = secure.groups.receive.bind(secure.groups);
  secure.groups.receive = (m) => {
    arrivals.push(m);
    return receive(m);
  };
  await conn.connect();
  await secure.publishKeys();
  await secure.messenger.setPrivacy({ groups: "everyone" });
  return { device, conn, secure, address: `${device.networkId}.${device.deviceId}`, received, receivedLog, arrivals, failures, direct };
}

const textOf = (c: Content): string => {
  if (c.body.type !== "text") throw new Error(`expected a text, got ${c.body.type}`);
  return c.body.text;
};

/** The next text a member reads in `group` (group-info updates on the way are passed over). */
async function nextText(member: { received: Mailbox<GroupContent> }, group: string, what: string): Promise<GroupContent> {
  for (;;) {
    const c = await member.received.next(what, WAIT_MS);
    if (c.group === group && c.content.body.type === "text") return c;
  }
}

async function readTexts(member: { received: Mailbox<GroupContent> }, group: string, count: number, what: string): Promise<string[]> {
  const out: string[] = [];
  while (out.length < count) out.push(textOf((await nextText(member, group, `${what} (${out.length + 1} of ${count})`)).content));
  return out;
}

const textsIn = (log: readonly GroupContent[], group: string) => log.filter((c) => c.group === group && c.content.body.type === "text").map((c) => textOf(c.content));
/** The skmsg of a group message as libsignal parses it. */
const skmsgOf = (m: IncomingMessage) => signal.SenderKeyMessage.deserialize(fromB64(m.enc.payload));
const lastFrom = (arrivals: readonly IncomingMessage[], from: string) => arrivals.filter((m) => m.from === from).at(-1)!;

function closeAll(...parties: ({ close(): void } | SdkMember)[]): void {
  for (const p of parties) ("conn" in p ? p.conn : p).close();
}

describe("a libsignal client and SDK clients in one group (issue 15)", () => {
  it("SDK → libsignal: each SDK sender's key arrives pairwise inside its first group message, libsignal's session opens it and groupDecrypt reads every skmsg", async () => {
    const peer = await LibsignalGroupPeer.online(gateway, await enrollAs());
    const alice = await sdkMember();
    const bob = await sdkMember();
    const g = await alice.secure.groups.create([peer.networkId, bob.device.networkId], { name: "Interop" });
    expect(g.invited).toEqual([]);

    // The name is Alice's first group message: her SenderKeyDistributionMessage rides with it as
    // a pkmsg (the first contact), a `group-key` Content in Parley's content layer.
    const info = await peer.received.next("the group's name at libsignal", WAIT_MS);
    expect(info).toMatchObject({ group: g.id, from: alice.device.networkId, fromDevice: alice.device.deviceId, content: { body: { type: "group-info", name: "Interop" } } });
    const first = peer.arrivals[0]!;
    expect(first.group).toMatchObject({ id: g.id, epoch: g.epoch, pairwise: { type: "pkmsg" } });
    expect(peer.distributions).toHaveLength(1);
    const skdm = peer.distributions[0]!;
    expect(skdm).toMatchObject({ from: alice.address, how: "inline" });
    expect(skmsgOf(first).distributionId()).toBe(skdm.skdm.distributionId());
    expect(skmsgOf(first).chainId()).toBe(skdm.skdm.chainId());

    await alice.secure.groups.send(g.id, { type: "text", text: "hello from the SDK" });
    await bob.secure.groups.send(g.id, { type: "text", text: "and from another SDK" });
    await alice.secure.groups.send(g.id, { type: "text", text: "alice again" });
    expect(await readTexts(peer, g.id, 3, "SDK texts at libsignal")).toEqual(["hello from the SDK", "and from another SDK", "alice again"]);
    // Alice's key went once; Bob's came with his first message; later messages carry none.
    const [, aliceText, bobText, aliceAgain] = peer.arrivals;
    expect([aliceText, bobText, aliceAgain].map((m) => m!.group!.pairwise?.type)).toEqual([undefined, "pkmsg", undefined]);
    expect(peer.distributions.map((d) => d.from)).toEqual([alice.address, bob.address]);
    expect([skmsgOf(aliceText!).iteration(), skmsgOf(aliceAgain!).iteration()]).toEqual([1, 2]);
    expect(await readTexts(bob, g.id, 2, "Alice's texts at Bob")).toEqual(["hello from the SDK", "alice again"]);
    expect(peer.failures).toEqual([]);
    expect([alice.failures, bob.failures]).toEqual([[], []]);
    closeAll(peer, alice, bob);
  }, TEST_MS);

  it("libsignal → SDK: a group libsignal made, its key inline per SDK device under the phash the gateway checks, read by every SDK device; a new device is caught by device-list-mismatch", async () => {
    const peer = await LibsignalGroupPeer.online(gateway, await enrollAs());
    const alice = await sdkMember();
    const bob = await sdkMember();
    const carol = await sdkMember();
    const g = await peer.create([alice.device.networkId, bob.device.networkId, carol.device.networkId]);
    expect(g.members.map((m) => m.user).sort()).toEqual([peer.networkId, alice.device.networkId, bob.device.networkId, carol.device.networkId].sort());

    const named = await peer.send(g.id, { type: "group-info", name: "From libsignal", updatedAtMs: Date.now() });
    expect([...named.devices].sort()).toEqual([alice.address, bob.address, carol.address].sort());
    expect(named.phash).toBe(phashOf([carol.address, alice.address, bob.address]));
    expect(named.pairwise.map((e) => [`${e.to}.${e.device}`, e.type]).sort()).toEqual([alice.address, bob.address, carol.address].sort().map((a) => [a, "pkmsg"]));
    for (const sdk of [alice, bob, carol]) {
      const c = await sdk.received.next("libsignal's group-info at the SDK", WAIT_MS);
      expect(c).toMatchObject({ group: g.id, from: peer.networkId, fromDevice: peer.deviceId, content: { body: { type: "group-info", name: "From libsignal" } } });
      expect(sdk.secure.groups.info(g.id)?.name).toBe("From libsignal");
    }

    const hello = await peer.send(g.id, { type: "text", text: "hello from libsignal" });
    expect(hello.pairwise).toEqual([]);
    for (const sdk of [alice, bob, carol]) {
      const c = await nextText(sdk, g.id, "libsignal's text at the SDK");
      expect(textOf(c.content)).toBe("hello from libsignal");
      // The SDK's own parser reads libsignal's SenderKeyMessage as the same chain at the next iteration.
      const wire = decodeSenderKeyMessage(fromB64(lastFrom(sdk.arrivals, peer.networkId).enc.payload));
      expect([wire.chainId, wire.iteration]).toEqual([hello.skmsg.chainId(), 1]);
    }

    // Bob adds a tablet: the group knows the new device, the peer's list does not yet.
    const bobTablet = await sdkMember(bob.device.sub);
    const again = await peer.send(g.id, { type: "text", text: "now to the tablet too" });
    expect(peer.nacks.map((n) => n.code)).toEqual(["device-list-mismatch"]);
    expect(peer.nacks[0]!.attrs.devices?.split(" ").sort()).toEqual([alice.address, bob.address, bobTablet.address, carol.address].sort());
    expect(again.pairwise.map((e) => `${e.to}.${e.device}`)).toEqual([bobTablet.address]);
    expect(again.skmsg.chainId()).toBe(hello.skmsg.chainId());
    for (const sdk of [alice, bob, carol, bobTablet]) expect(textOf((await nextText(sdk, g.id, "the text after the new device")).content)).toBe("now to the tablet too");

    // And the tablet, which has libsignal's key now, reads on like the rest; so does libsignal.
    await bobTablet.secure.groups.send(g.id, { type: "text", text: "tablet here" });
    expect(await readTexts(peer, g.id, 1, "the tablet at libsignal")).toEqual(["tablet here"]);
    for (const sdk of [alice, bob, carol, bobTablet]) expect(sdk.failures).toEqual([]);
    expect(peer.failures).toEqual([]);
    closeAll(peer, alice, bob, carol, bobTablet);
  }, TEST_MS);

  it("rotation after a removal: libsignal takes the SDK's new chain and its old chain still opens a late message; the SDK takes libsignal's new chain, then its new distribution id", async () => {
    const peer = await LibsignalGroupPeer.online(gateway, await enrollAs());
    const alice = await sdkMember();
    const bob = await sdkMember();
    const carol = await sdkMember();
    const g = await alice.secure.groups.create([peer.networkId, bob.device.networkId, carol.device.networkId], { name: "Rotation" });
    await alice.secure.groups.send(g.id, { type: "text", text: "a1" });
    await bob.secure.groups.send(g.id, { type: "text", text: "b1" });
    const p1 = await peer.send(g.id, { type: "text", text: "p1" });
    expect(await readTexts(peer, g.id, 2, "before the removal, at libsignal")).toEqual(["a1", "b1"]);
    for (const sdk of [alice, bob, carol]) await readTexts(sdk, g.id, sdk === carol ? 3 : 2, "before the removal");

    // A message on Alice's old chain, held unopened at libsignal until after her new chain arrived.
    peer.hold();
    await alice.secure.groups.send(g.id, { type: "text", text: "late, on the old chain" });
    const late = await peer.held.next("the late message", WAIT_MS);
    expect(await readTexts(carol, g.id, 1, "Carol's last message")).toEqual(["late, on the old chain"]);

    await alice.secure.groups.remove(g.id, carol.device.networkId);
    await alice.secure.groups.send(g.id, { type: "text", text: "a2, on a new chain" });
    const rotated = await peer.held.next("Alice's first message after the removal", WAIT_MS);
    expect(rotated.group!.pairwise).toBeDefined();
    expect(skmsgOf(rotated).chainId()).not.toBe(skmsgOf(late).chainId());
    expect(skmsgOf(rotated).distributionId()).toBe(skmsgOf(late).distributionId());
    peer.release();
    await peer.open(rotated);
    await peer.open(late);
    expect(await readTexts(peer, g.id, 2, "the held messages, opened newest first")).toEqual(["a2, on a new chain", "late, on the old chain"]);
    expect(peer.distributions.filter((d) => d.from === alice.address).map((d) => d.skdm.chainId())).toEqual([skmsgOf(late).chainId(), skmsgOf(rotated).chainId()]);

    // Bob learned of the removal from its notification: he rotates too, and libsignal follows.
    await bob.secure.groups.send(g.id, { type: "text", text: "b2" });
    expect(await readTexts(peer, g.id, 1, "Bob after the removal")).toEqual(["b2"]);
    const bobChains = peer.arrivals.filter((m) => m.from === bob.device.networkId).map((m) => skmsgOf(m).chainId());
    expect(new Set(bobChains).size).toBe(2);

    // libsignal's own turn: Carol's device had its chain, so it starts a new one under the same
    // distribution id (libsignal's record for it dropped, SenderKeyDistributionMessage.create again).
    const p2 = await peer.send(g.id, { type: "text", text: "p2, libsignal's new chain" });
    expect(p2.devices).not.toContain(carol.address);
    expect(p2.skmsg.distributionId()).toBe(p1.skmsg.distributionId());
    expect(p2.skmsg.chainId()).not.toBe(p1.skmsg.chainId());
    expect(p2.pairwise.map((e) => `${e.to}.${e.device}`).sort()).toEqual([alice.address, bob.address].sort());
    // And then a new distribution id altogether, as a client that resets its sender key does.
    peer.rotate(g.id, "distribution");
    const p3 = await peer.send(g.id, { type: "text", text: "p3, a new distribution id" });
    expect(p3.skmsg.distributionId()).not.toBe(p2.skmsg.distributionId());
    expect(p3.pairwise.map((e) => `${e.to}.${e.device}`).sort()).toEqual([alice.address, bob.address].sort());

    expect(await readTexts(alice, g.id, 3, "after the removal, at Alice")).toEqual(["b2", "p2, libsignal's new chain", "p3, a new distribution id"]);
    expect(await readTexts(bob, g.id, 4, "after the removal, at Bob")).toEqual(["late, on the old chain", "a2, on a new chain", "p2, libsignal's new chain", "p3, a new distribution id"]);
    const fromPeer = alice.arrivals.filter((m) => m.from === peer.networkId).map((m) => decodeSenderKeyMessage(fromB64(m.enc.payload)));
    expect(fromPeer.map((w) => w.chainId).slice(-3)).toEqual([p1.skmsg.chainId(), p2.skmsg.chainId(), p3.skmsg.chainId()]);
    // Carol's removal notice was the last thing she got from the group.
    expect(textsIn(carol.receivedLog, g.id)).toEqual(["a1", "b1", "p1", "late, on the old chain"]);
    for (const sdk of [alice, bob, carol]) expect(sdk.failures).toEqual([]);
    expect(peer.failures).toEqual([]);
    closeAll(peer, alice, bob, carol);
  }, TEST_MS);
  it("libsignal removed: the SDK's next message is on a chain libsignal cannot open even given the ciphertext, and its retry receipt gets nothing", async () => {
    const peer = await LibsignalGroupPeer.online(gateway, await enrollAs());
    const alice = await sdkMember();
    const bob = await sdkMember();
    const g = await alice.secure.groups.create([peer.networkId, bob.device.networkId]);
    await alice.secure.groups.send(g.id, { type: "text", text: "before" });
    expect(await readTexts(peer, g.id, 1, "before, at libsignal")).toEqual(["before"]);
    await peer.send(g.id, { type: "text", text: "libsignal was here" });
    expect(await readTexts(alice, g.id, 1, "libsignal at Alice")).toEqual(["libsignal was here"]);

    await alice.secure.groups.remove(g.id, peer.networkId);
    await alice.secure.groups.send(g.id, { type: "text", text: "after" });
    expect(await readTexts(bob, g.id, 3, "at Bob")).toEqual(["before", "libsignal was here", "after"]);
    // What Bob was delivered, without his own pairwise enc, handed to libsignal: its record has only the old chain.
    const after = lastFrom(bob.arrivals, alice.device.networkId);
    await peer.open({ ...after, group: { id: after.group!.id, epoch: after.group!.epoch } });
    expect(peer.failures).toHaveLength(1);
    expect(textsIn(peer.receivedLog, g.id)).toEqual(["before"]);
    await expect(peer.send(g.id, { type: "text", text: "still here?" })).rejects.toThrow(NackError);

    // The retry receipt went to Alice before this ping; her pong to libsignal follows anything she
    // would have resent, so by the pong it is known she resent nothing to a non-member.
    await peer.peer.sendText(alice.device.networkId, alice.device.deviceId, "ping");
    expect(textOf((await alice.direct.next("the ping", WAIT_MS)).content)).toBe("ping");
    await alice.secure.send(peer.networkId, { type: "text", text: "pong" });
    expect(textOf((await peer.direct.next("the pong", WAIT_MS)).content)).toBe("pong");
    expect(peer.receivedLog.map((c) => c.content.id)).toHaveLength(1);
    expect(peer.distributions.map((d) => d.from)).toEqual([alice.address]);
    closeAll(peer, alice, bob);
  }, TEST_MS);

  it("the SDK's 1:1 paths to libsignal: its key sent ahead 1:1 when it would not fit inline, and a message libsignal could not open sent again 1:1 on its retry receipt", async () => {
    const peer = await LibsignalGroupPeer.online(gateway, await enrollAs());
    const alice = await sdkMember(undefined, { inlineKeyBudget: 0 });
    const bob = await sdkMember();
    const g = await alice.secure.groups.create([peer.networkId, bob.device.networkId]);
    await alice.secure.groups.send(g.id, { type: "text", text: "key went first" });
    expect(await readTexts(peer, g.id, 1, "Alice's text at libsignal")).toEqual(["key went first"]);
    expect(peer.distributions.map((d) => [d.from, d.how])).toEqual([[alice.address, "1:1"]]);
    expect(peer.arrivals[0]!.group!.pairwise).toBeUndefined();

    // Bob's key comes inline; then libsignal loses every sender key (an old backup restored).
    await bob.secure.groups.send(g.id, { type: "text", text: "inline" });
    expect(await readTexts(peer, g.id, 1, "Bob's text at libsignal")).toEqual(["inline"]);
    peer.loseSenderKeys();
    const lost = await bob.secure.groups.send(g.id, { type: "text", text: "lost, then resent" });
    // libsignal cannot open the skmsg and asks again; Bob answers 1:1 with his key and the message, on a fresh session.
    const resent = await nextText(peer, g.id, "Bob's message again, 1:1");
    expect(resent.content).toMatchObject({ id: lost.id, group: g.id, body: { type: "text", text: "lost, then resent" } });
    expect(peer.failures).toHaveLength(1);
    expect(peer.failures[0]).toMatch(/missing sender key state/);
    expect(peer.distributions.at(-1)).toMatchObject({ from: bob.address, how: "1:1" });
    // From there Bob's group messages open again, on the chain he sent 1:1.
    await bob.secure.groups.send(g.id, { type: "text", text: "back to normal" });
    expect(await readTexts(peer, g.id, 1, "Bob's next text at libsignal")).toEqual(["back to normal"]);
    expect(peer.failures).toHaveLength(1);
    expect([alice.failures, bob.failures]).toEqual([[], []]);
    closeAll(peer, alice, bob);
  }, TEST_MS);

  it("60 messages from five senders at once, libsignal among them and no session set up beforehand: every member device reads each once, each sender's in order", async () => {
    const peer = await LibsignalGroupPeer.online(gateway, await enrollAs());
    const alice = await sdkMember();
    const bob = await sdkMember();
    const bobTablet = await sdkMember(bob.device.sub);
    const carol = await sdkMember();
    const g = await alice.secure.groups.create([peer.networkId, bob.device.networkId, carol.device.networkId]);
    const sdks = [alice, bob, bobTablet, carol];
    const senders: { name: string; address: string; send: (text: string) => Promise<unknown> }[] = [
      ...sdks.map((m, i) => ({ name: ["alice", "bob", "bob's tablet", "carol"][i]!, address: m.address, send: (text: string) => m.secure.groups.send(g.id, { type: "text", text }) })),
      { name: "libsignal", address: peer.address, send: (text: string) => peer.send(g.id, { type: "text", text }) },
    ];
    const PER_SENDER = 12;
    const scripts = new Map(senders.map((s) => [s.address, Array.from({ length: PER_SENDER }, (_, i) => `${s.name} #${i}`)]));
    // Everyone at once, each sender one message after another (each acked, so logged, before the next).
    await Promise.all(senders.map(async (s) => {
      for (const text of scripts.get(s.address)!) await s.send(text);
    }));
    const readers = [...sdks.map((m) => ({ address: m.address, member: m as { received: Mailbox<GroupContent>; receivedLog: GroupContent[] } })), { address: peer.address, member: peer }];
    const expected = senders.length * PER_SENDER - PER_SENDER;
    await Promise.all(readers.map((r) => readTexts(r.member, g.id, expected, `the mix at ${r.address}`)));

    // A last message, logged after everything else: once it is read, anything delivered twice would have shown.
    await alice.secure.groups.send(g.id, { type: "text", text: "that's all" });
    await Promise.all(readers.filter((r) => r.address !== alice.address).map(async (r) => expect(await readTexts(r.member, g.id, 1, `the end at ${r.address}`)).toEqual(["that's all"])));
    for (const r of readers) {
      const log = r.member.receivedLog.filter((c) => c.group === g.id && c.content.body.type === "text");
      const bySender = (address: string) => log.filter((c) => `${c.from}.${c.fromDevice}` === address).map((c) => textOf(c.content));
      for (const s of senders) {
        const want = s.address === r.address ? [] : scripts.get(s.address)!;
        expect(bySender(s.address), `${s.name}'s messages at ${r.address}`).toEqual(s.address === alice.address && r.address !== alice.address ? [...want, "that's all"] : want);
      }
      expect(new Set(log.map((c) => c.content.id)).size).toBe(log.length);
      expect(r.member.received.size).toBe(0);
    }
    for (const sdk of sdks) expect(sdk.failures).toEqual([]);
    expect(peer.failures).toEqual([]);
    closeAll(peer, ...sdks);
  }, 2 * TEST_MS);

});
