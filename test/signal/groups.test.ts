// The SDK's group chats (issue 15) through the real gateway: sender keys distributed pairwise,
// one skmsg per message, the name as encrypted content, a new key whenever a device that had
// the current one leaves the group, and repair through retry requests.
import { describe, expect, it } from "vitest";
import { MemoryGroupStore } from "../../client/groups/group-store.ts";
import { NackError } from "../../client/messenger.ts";
import { randomSub } from "../helpers/gateway.ts";
import { eventually } from "../helpers/users.ts";
import { closeAll, groupDevice, groupTexts, untilTexts } from "./group-helpers.ts";

describe("SDK groups", () => {
  it("three people: the name reaches every member encrypted, and each message reaches every member device once", async () => {
    const alice = await groupDevice();
    const aliceLaptop = await groupDevice(alice.device.sub);
    const bob = await groupDevice();
    const carol = await groupDevice();
    const g = await alice.secure.groups.create([bob.device.networkId, carol.device.networkId], { name: "Climbing" });
    expect(g.invited).toEqual([]);

    for (const d of [aliceLaptop, bob, carol]) {
      await eventually(async () => d.secure.groups.info(g.id)?.name === "Climbing");
      expect(d.infos.map((i) => [i.group, i.info.name, i.by])).toEqual([[g.id, "Climbing", alice.device.networkId]]);
    }
    await alice.secure.groups.send(g.id, { type: "text", text: "saturday?" });
    await bob.secure.groups.send(g.id, { type: "text", text: "yes" });
    await carol.secure.groups.send(g.id, { type: "text", text: "me too" });

    // Each device sees everything but its own sends, once; the laptop sees what the phone sent.
    expect(await untilTexts(aliceLaptop, g.id, 3)).toEqual(["saturday?", "yes", "me too"]);
    expect(await untilTexts(alice, g.id, 2)).toEqual(["yes", "me too"]);
    expect(await untilTexts(bob, g.id, 2)).toEqual(["saturday?", "me too"]);
    expect(await untilTexts(carol, g.id, 2)).toEqual(["saturday?", "yes"]);
    expect(bob.groupInbox.find((c) => c.content.body.type === "text")).toMatchObject({ group: g.id, from: alice.device.networkId, fromDevice: alice.device.deviceId });
    // One chain per sender: the key went out once, with the first message.
    const alicesChains = new Set(bob.chains.filter((c) => c.from === alice.device.networkId).map((c) => c.chainId));
    expect(alicesChains.size).toBe(1);
    for (const d of [alice, aliceLaptop, bob, carol]) expect(d.failures).toEqual([]);
    closeAll(alice, aliceLaptop, bob, carol);
  });

  it("after a removal the sender uses a new key, the removed member gets nothing more, the others read on", async () => {
    const alice = await groupDevice();
    const bob = await groupDevice();
    const carol = await groupDevice();
    const g = await alice.secure.groups.create([bob.device.networkId, carol.device.networkId], { name: "Plans" });
    await alice.secure.groups.send(g.id, { type: "text", text: "before" });
    await untilTexts(carol, g.id, 1);
    await untilTexts(bob, g.id, 1);

    await alice.secure.groups.remove(g.id, carol.device.networkId);
    await alice.secure.groups.send(g.id, { type: "text", text: "after" });
    expect(await untilTexts(bob, g.id, 2)).toEqual(["before", "after"]);
    const chains = bob.chains.filter((c) => c.from === alice.device.networkId).map((c) => c.chainId);
    // Three skmsgs from Alice (the name, "before", "after"): the last on a new chain.
    expect(chains).toHaveLength(3);
    expect(chains[2]).not.toBe(chains[1]);
    expect(chains[0]).toBe(chains[1]);

    // Carol sees her removal and nothing sent after it; sending to the group is refused.
    await eventually(async () => carol.secure.groups.store.group(g.id)?.left === true);
    expect(groupTexts(carol, g.id)).toEqual(["before"]);
    await expect(carol.secure.groups.send(g.id, { type: "text", text: "hello?" })).rejects.toThrow(NackError);

    // Bob, who never learned of the removal before sending, still reaches Alice only.
    await bob.secure.groups.send(g.id, { type: "text", text: "ok" });
    expect(await untilTexts(alice, g.id, 1)).toEqual(["ok"]);
    expect(groupTexts(carol, g.id)).toEqual(["before"]);
    closeAll(alice, bob, carol);
  });

  it("a member who leaves makes every sender rotate; one added later gets the key and the name with the next message only", async () => {
    const alice = await groupDevice();
    const bob = await groupDevice();
    const carol = await groupDevice();
    const g = await alice.secure.groups.create([bob.device.networkId, carol.device.networkId], { name: "Book club" });
    await bob.secure.groups.send(g.id, { type: "text", text: "one" });
    await untilTexts(carol, g.id, 1);
    await carol.secure.groups.leave(g.id);
    await bob.secure.groups.send(g.id, { type: "text", text: "two" });
    expect(await untilTexts(alice, g.id, 2)).toEqual(["one", "two"]);
    const bobChains = alice.chains.filter((c) => c.from === bob.device.networkId).map((c) => c.chainId);
    expect(new Set(bobChains).size).toBe(2);

    const dave = await groupDevice();
    await alice.secure.groups.add(g.id, [dave.device.networkId]);
    await eventually(async () => dave.secure.groups.info(g.id)?.name === "Book club");
    await bob.secure.groups.send(g.id, { type: "text", text: "three" });
    expect(await untilTexts(dave, g.id, 1)).toEqual(["three"]);
    expect(groupTexts(carol, g.id)).toEqual(["one"]);
    closeAll(alice, bob, carol, dave);
  });

  it("a removed device makes every sender rotate, and the removed device gets nothing more", async () => {
    const alice = await groupDevice();
    const bob = await groupDevice();
    const bobTablet = await groupDevice(bob.device.sub);
    const g = await alice.secure.groups.create([bob.device.networkId], { name: "Devices" });
    await alice.secure.groups.send(g.id, { type: "text", text: "to both" });
    await untilTexts(bobTablet, g.id, 1);
    await untilTexts(bob, g.id, 1);
    expect(await bob.messenger.removeDevice(bobTablet.device.deviceId)).toEqual([bob.device.deviceId]);
    // Alice was told nothing: her next send is refused for the old device list, and she rotates.
    await alice.secure.groups.send(g.id, { type: "text", text: "phone only" });
    expect(await untilTexts(bob, g.id, 2)).toEqual(["to both", "phone only"]);
    const chains = bob.chains.filter((c) => c.from === alice.device.networkId).map((c) => c.chainId);
    expect(chains.at(-1)).not.toBe(chains.at(-2));
    expect(groupTexts(bobTablet, g.id)).toEqual(["to both"]);
    closeAll(alice, bob, bobTablet);
  });

  it("an invited user joins and learns the name from an admin; one removed and added again sends again", async () => {
    const alice = await groupDevice();
    const bob = await groupDevice();
    const carol = await groupDevice();
    await carol.messenger.setPrivacy({ groups: "contacts" });
    const invited = new Promise<{ group: string; invite: string }>((resolve) => carol.secure.groups.on("invited", resolve));
    const g = await alice.secure.groups.create([bob.device.networkId, carol.device.networkId], { name: "Invite only" });
    expect(g.invited).toEqual([carol.device.networkId]);
    const invitation = await invited;
    expect(invitation.group).toBe(g.id);
    await carol.secure.groups.join(g.id, invitation.invite);
    await eventually(async () => carol.secure.groups.info(g.id)?.name === "Invite only");
    await carol.secure.groups.send(g.id, { type: "text", text: "thanks" });
    expect(await untilTexts(bob, g.id, 1)).toEqual(["thanks"]);

    await alice.secure.groups.remove(g.id, bob.device.networkId);
    await eventually(async () => bob.secure.groups.store.group(g.id)?.left === true);
    await bob.messenger.setPrivacy({ groups: "everyone" });
    await alice.secure.groups.add(g.id, [bob.device.networkId]);
    await eventually(async () => bob.secure.groups.store.group(g.id)?.left === false);
    await bob.secure.groups.send(g.id, { type: "text", text: "back" });
    expect(await untilTexts(carol, g.id, 1)).toEqual(["back"]);
    closeAll(alice, bob, carol);
  });

  it("sender keys go 1:1 first when they would not fit the group message", async () => {
    const alice = await groupDevice(randomSub(), { inlineKeyBudget: 0 });
    const bob = await groupDevice();
    const bobTablet = await groupDevice(bob.device.sub);
    const g = await alice.secure.groups.create([bob.device.networkId], { name: "Big" });
    await alice.secure.groups.send(g.id, { type: "text", text: "hi" });
    for (const d of [bob, bobTablet]) {
      expect(await untilTexts(d, g.id, 1)).toEqual(["hi"]);
      expect(d.failures).toEqual([]);
      // Delivered without any pairwise enc inside the group messages.
      expect(d.wire.some((w) => w.type === "pkmsg")).toBe(true);
    }
    closeAll(alice, bob, bobTablet);
  });

  it("a device that lost its sender keys asks again and gets the message 1:1, once", async () => {
    const alice = await groupDevice();
    const bob = await groupDevice();
    const g = await alice.secure.groups.create([bob.device.networkId], { name: "Repair" });
    await alice.secure.groups.send(g.id, { type: "text", text: "first" });
    await untilTexts(bob, g.id, 1);
    // Bob's group state is gone (a restore from an old backup): Alice's next skmsg cannot decrypt.
    const fresh = new MemoryGroupStore();
    for (const s of bob.secure.groups.store.groups()) fresh.saveGroup(s);
    Object.defineProperty(bob.secure.groups, "store", { value: fresh });
    await alice.secure.groups.send(g.id, { type: "text", text: "second" });
    expect(await untilTexts(bob, g.id, 2)).toEqual(["first", "second"]);
    expect(bob.failures).toEqual(["no-sender-key"]);
    await alice.secure.groups.send(g.id, { type: "text", text: "third" });
    expect(await untilTexts(bob, g.id, 3)).toEqual(["first", "second", "third"]);
    closeAll(alice, bob);
  });

  it("a group's sender key never opens another group's messages (a gateway replaying an skmsg elsewhere)", async () => {
    const alice = await groupDevice();
    const bob = await groupDevice();
    const one = await alice.secure.groups.create([bob.device.networkId], { name: "One" });
    const two = await alice.secure.groups.create([bob.device.networkId], { name: "Two" });
    await alice.secure.groups.send(one.id, { type: "text", text: "only for one" });
    await untilTexts(bob, one.id, 1);
    const delivered = bob.delivered.find((m) => m.group?.id === one.id && m.group.pairwise === undefined)!;
    await bob.secure.groups.receive({ ...delivered, id: "replayed", group: { id: two.id, epoch: 1 } });
    expect(groupTexts(bob, two.id)).toEqual([]);
    expect(bob.failures).toContain("no-sender-key");
    closeAll(alice, bob);
  });

  it("a 1:1 message naming a group is shown in it only when its sender is a member", async () => {
    const alice = await groupDevice();
    const bob = await groupDevice();
    const mallory = await groupDevice();
    const g = await alice.secure.groups.create([bob.device.networkId], { name: "Private" });
    await alice.secure.groups.send(g.id, { type: "text", text: "real" });
    await untilTexts(bob, g.id, 1);
    // Mallory knows the group's ID and sends Bob pairwise content claiming to belong to it.
    const smuggle = (from: typeof alice, text: string) =>
      from.secure.groups["pairwise"].send(bob.device.networkId, { id: `x${text}`, sentAtMs: Date.now(), group: g.id, body: { type: "text", text } });
    await smuggle(mallory, "fake");
    await smuggle(alice, "resent by a member");
    expect(await untilTexts(bob, g.id, 2)).toEqual(["real", "resent by a member"]);
    expect(groupTexts(bob, g.id)).not.toContain("fake");
    closeAll(alice, bob, mallory);
  });

  it("a new name and picture reach every member, the newest change winning everywhere", async () => {
    const alice = await groupDevice();
    const bob = await groupDevice();
    const g = await alice.secure.groups.create([bob.device.networkId], { name: "Old" });
    await eventually(async () => bob.secure.groups.info(g.id)?.name === "Old");
    const picture = {
      kind: "image" as const,
      url: "",
      mediaKey: new Uint8Array(32).fill(7),
      fileSha256: new Uint8Array(32).fill(1),
      encryptedSha256: new Uint8Array(32).fill(2),
      size: 1234,
      mimeType: "image/jpeg",
      width: 64,
      height: 64,
    };
    await bob.secure.groups.setInfo(g.id, { name: "New", picture });
    const seen = await eventually(async () => (alice.secure.groups.info(g.id)?.name === "New" ? alice.secure.groups.info(g.id) : undefined));
    expect(seen.picture).toMatchObject({ size: 1234, mimeType: "image/jpeg", width: 64, mediaKey: picture.mediaKey });
    expect(alice.infos.at(-1)).toMatchObject({ group: g.id, by: bob.device.networkId });
    // The change also reached Alice's application as group content, once.
    expect(alice.groupInbox.filter((c) => c.content.body.type === "group-info")).toHaveLength(1);
    // An older change arriving late changes nothing.
    await alice.secure.groups.send(g.id, { type: "group-info", name: "Stale", updatedAtMs: 1 });
    await alice.secure.groups.send(g.id, { type: "text", text: "after" });
    await untilTexts(bob, g.id, 1);
    expect(bob.secure.groups.info(g.id)?.name).toBe("New");
    closeAll(alice, bob);
  });

  it("group state survives export and import, keys included", async () => {
    const alice = await groupDevice();
    const bob = await groupDevice();
    const g = await alice.secure.groups.create([bob.device.networkId], { name: "Kept" });
    await alice.secure.groups.send(g.id, { type: "text", text: "a" });
    await untilTexts(bob, g.id, 1);
    const exported = JSON.parse(JSON.stringify((alice.secure.groups.store as MemoryGroupStore).exportState()));
    const restored = MemoryGroupStore.importState(exported);
    expect(restored.group(g.id)?.info?.name).toBe("Kept");
    expect(restored.group(g.id)?.ownKey?.state.iteration).toBe(alice.secure.groups.store.group(g.id)?.ownKey?.state.iteration);
    expect(() => MemoryGroupStore.importState({ ...exported, version: 99 })).toThrow(/version/);
    closeAll(alice, bob);
  });
});
