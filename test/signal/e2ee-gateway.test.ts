import { describe, expect, it } from "vitest";
import type { ReceivedContent } from "../../client/secure-messenger.ts";
import { BundleError, generateIdentityKeyPair, generateRegistrationId, MemorySignalStore, processPreKeyBundle } from "../../client/e2ee/index.ts";
import { readBundle, type WireBundle } from "../../protocol/stanzas/index.ts";
import { element } from "../../protocol/xml/index.ts";
import { newDevice } from "../helpers/gateway.ts";
import { secureOnline } from "../helpers/secure.ts";
import { eventually, goOnline, type Online } from "../helpers/users.ts";

const text = (c: ReceivedContent | undefined) => (c?.content.body.type === "text" ? c.content.body.text : undefined);

async function bundlesOf(u: Online, user: string): Promise<WireBundle[]> {
  const result = await u.messenger.iq("get", element("bundles", { user }));
  return (result.children[0]?.children ?? []).map(readBundle);
}

describe("end-to-end encryption through the gateway", () => {
  it("first contact via a bundle, then a conversation both ways", async () => {
    const [alice, bob] = [await secureOnline(await newDevice()), await secureOnline(await newDevice())];
    const sent = await alice.secure.send(bob.device.networkId, { type: "text", text: "hi bob" });
    const got = await eventually(async () => bob.inbox[0]);
    expect(got).toMatchObject({ from: alice.device.networkId, fromDevice: alice.device.deviceId });
    expect(got.content.id).toBe(sent.id);
    expect(text(got)).toBe("hi bob");
    expect(bob.wire[0]!.type).toBe("pkmsg");
    // The gateway only ever saw ciphertext.
    expect(atob(bob.wire[0]!.payload)).not.toContain("hi bob");

    await bob.secure.send(alice.device.networkId, { type: "text", text: "hi alice" }, { targetId: sent.id, targetSender: alice.device.networkId, quotedText: "hi bob" });
    const reply = await eventually(async () => alice.inbox[0]);
    expect(text(reply)).toBe("hi alice");
    expect(reply.content.replyTo).toMatchObject({ targetId: sent.id });
    await alice.secure.send(bob.device.networkId, { type: "reaction", targetId: reply.content.id, targetSender: bob.device.networkId, emoji: "👍" });
    const reaction = await eventually(async () => bob.inbox[1]);
    expect(reaction.content.body).toMatchObject({ type: "reaction", emoji: "👍" });
    expect(bob.wire[1]!.type).toBe("msg");
    alice.conn.close();
    bob.conn.close();
  });

  it("offline first contact: the recipient decrypts its backlog when it comes online", async () => {
    const bobDevice = await newDevice();
    const bobFirst = await secureOnline(bobDevice);
    bobFirst.conn.close();
    const alice = await secureOnline(await newDevice());
    for (const t of ["one", "two", "three"]) await alice.secure.send(bobDevice.networkId, { type: "text", text: t });
    const bob = await secureOnline(bobDevice, bobFirst.store);
    await eventually(async () => bob.inbox.length === 3);
    expect(bob.inbox.map(text)).toEqual(["one", "two", "three"]);
    alice.conn.close();
    bob.conn.close();
  });

  it("a device added later is picked up: the gateway names it, the sender fetches its bundle", async () => {
    const alice = await secureOnline(await newDevice());
    const bob1 = await secureOnline(await newDevice());
    await alice.secure.send(bob1.device.networkId, { type: "text", text: "before" });
    await eventually(async () => bob1.inbox.length === 1);
    const bob2 = await secureOnline(await newDevice(bob1.device.sub));
    await alice.secure.send(bob1.device.networkId, { type: "text", text: "after" });
    await eventually(async () => bob1.inbox.length === 2 && bob2.inbox.length === 1);
    expect([text(bob1.inbox[1]), text(bob2.inbox[0])]).toEqual(["after", "after"]);
    for (const u of [alice, bob1, bob2]) u.conn.close();
  });

  it("when one-time prekeys run out, first contact falls back to the last-resort Kyber key", async () => {
    const bobDevice = await newDevice();
    const bobAway = await secureOnline(bobDevice);
    // Offline, so Bob's SDK cannot top up when told its keys run low.
    bobAway.conn.close();
    const drainer = await goOnline(await newDevice());
    let bundle: WireBundle | undefined;
    // 50 one-time EC keys and 10 one-time Kyber keys were published.
    for (let i = 0; i < 50; i++) bundle = (await bundlesOf(drainer, bobDevice.networkId))[0];
    expect(bundle!.preKey).toBeDefined();
    const exhausted = (await bundlesOf(drainer, bobDevice.networkId))[0]!;
    expect(exhausted.preKey).toBeUndefined();
    const lastResortId = exhausted.kyberPreKey.id;
    expect((await bundlesOf(drainer, bobDevice.networkId))[0]!.kyberPreKey.id).toBe(lastResortId);

    const alice = await secureOnline(await newDevice());
    await alice.secure.send(bobDevice.networkId, { type: "text", text: "last resort works" });
    // The last-resort key survives its use: a second newcomer can still start a session.
    const carol = await secureOnline(await newDevice());
    await carol.secure.send(bobDevice.networkId, { type: "text", text: "me too" });
    const bob = await secureOnline(bobDevice, bobAway.store);
    await eventually(async () => text(bob.inbox[0]) === "last resort works");
    // The low-prekey notices queued while Bob was away made his SDK top up on return.
    await eventually(async () => {
      const count = await bob.messenger.iq("get", element("count"));
      return Number(count.children[0]!.attrs.prekeys) >= 50;
    });
    await eventually(async () => text(bob.inbox[1]) === "me too");
    for (const u of [alice, bob, carol, drainer]) u.conn.close();
  });

  it("a bundle whose signature was tampered with is rejected by the client", async () => {
    const bob = await secureOnline(await newDevice());
    const alice = await goOnline(await newDevice());
    const [bundle] = await bundlesOf(alice, bob.device.networkId);
    const tampered = { ...bundle!, signedPreKey: { ...bundle!.signedPreKey, signature: bundle!.signedPreKey.signature.map((b, i) => (i === 0 ? b ^ 1 : b)) } };
    const store = new MemorySignalStore(generateIdentityKeyPair(), generateRegistrationId());
    expect(() => processPreKeyBundle(store, `${bob.device.networkId}.${bob.device.deviceId}`, tampered)).toThrow(BundleError);
    const kyberTampered = { ...bundle!, kyberPreKey: { ...bundle!.kyberPreKey, publicKey: bundle!.kyberPreKey.publicKey.map((b, i) => (i === 100 ? b ^ 1 : b)) } };
    expect(() => processPreKeyBundle(store, `${bob.device.networkId}.${bob.device.deviceId}`, kyberTampered)).toThrow(/signature/);
    alice.conn.close();
    bob.conn.close();
  });

  it("a device that lost its session asks for a retry and gets the message on a fresh session", async () => {
    const bobDevice = await newDevice();
    const bob = await secureOnline(bobDevice);
    const backup = bob.store.exportState(); // keys, but no session with Alice yet
    const alice = await secureOnline(await newDevice());
    await alice.secure.send(bobDevice.networkId, { type: "text", text: "first" });
    await eventually(async () => bob.inbox.length === 1);
    // Bob answers, so Alice's next message is a plain "msg" on the established session.
    await bob.secure.send(alice.device.networkId, { type: "text", text: "got it" });
    await eventually(async () => alice.inbox.length === 1);
    bob.conn.close();

    // Bob restores an older state: his session with Alice is gone, Alice's next message is a plain "msg".
    const restored = await secureOnline(bobDevice, MemorySignalStore.importState(backup));
    const failures: string[] = [];
    restored.secure.on("decryptFailed", ({ reason }) => failures.push(reason));
    await alice.secure.send(bobDevice.networkId, { type: "text", text: "second" });
    await eventually(async () => text(restored.inbox[0]) === "second");
    expect(failures).toEqual(["no-session"]);
    alice.conn.close();
    restored.conn.close();
  });
});
