import { describe, expect, it } from "vitest";
import { phashOf } from "../../protocol/stanzas/index.ts";
import { newDevice } from "../helpers/gateway.ts";
import { ciphertext, encsFor, eventually, queued } from "../helpers/users.ts";
import { closeAll, create, groupIq, groupMessage, groupMessagesOf, groupNoticesOf, logRows, memberDevices, online, received, sendRaw, sendToGroup, userWith, type Member } from "./group-helpers.ts";

/** Users who may add each other directly: each wrote the admin (all of `admin`, its devices) a 1:1 message. */
async function acquainted(admin: Member | Member[], ...others: Member[]): Promise<void> {
  const devices = [admin].flat().map((m) => m.device);
  for (const o of others) await o.messenger.sendMessage(devices[0]!.networkId, encsFor(devices, "hi"));
}

const lineOf = (m: Member) => `${m.device.networkId}.${m.device.deviceId}`;

describe("group messages (docs/groups.md, Messages)", () => {
  it("fans one message out to every member device but the sending one, each with its own pairwise enc", async () => {
    const alice = await userWith(2);
    const bob = await userWith(2);
    const carol = await userWith(3);
    await acquainted(alice, bob[0]!, carol[0]!);
    const g = await create(alice[0]!, [bob[0]!, carol[0]!]);
    const everyone = [...alice, ...bob, ...carol];
    const receivers = everyone.slice(1);
    const lines = receivers.map(lineOf);
    expect((await memberDevices(alice[0]!, g.id)).sort()).toEqual([...lines].sort());

    // First message: the sender key goes to every other device pairwise.
    const first = await sendToGroup(alice[0]!, g.id, 1, { pairwise: lines, skmsg: ciphertext("first") });
    expect(first.name).toBe("ack");
    expect(Number(first.attrs.t)).toBeGreaterThan(0);
    // Second: the skmsg alone.
    const second = await sendToGroup(alice[0]!, g.id, 1, { skmsg: ciphertext("second") });
    expect(second.name).toBe("ack");

    for (const m of receivers) {
      const got = await received(m, (x) => groupMessagesOf(x, g.id), 2);
      expect(got).toHaveLength(2);
      expect(got[0]!.attrs).toMatchObject({ id: first.attrs.id, from: alice[0]!.device.networkId, from_device: alice[0]!.device.deviceId, group: g.id, epoch: "1", type: "group" });
      expect(got[0]!.children.map((e) => [e.attrs.type, atob(e.text)])).toEqual([
        ["skmsg", "first"],
        ["pkmsg", `skdm for ${lineOf(m)}`],
      ]);
      expect(got[1]!.children.map((e) => [e.attrs.type, atob(e.text)])).toEqual([["skmsg", "second"]]);
    }
    expect(groupMessagesOf(alice[0]!, g.id)).toHaveLength(0);
    // Everything acked by the devices: no rows left anywhere, and the group's log is pruned.
    for (const u of [alice, bob, carol]) await eventually(async () => (await queued(u[0]!.device.networkId)).length === 0);
    await eventually(async () => (await logRows(g.id)) === 0);
    closeAll(...everyone);
  });

  it("refuses a message for another device list, a stale epoch, a stranger, and acks a resend once", async () => {
    const [alice, bob, carol] = [await online(await newDevice()), await online(await newDevice()), await online(await newDevice())];
    const stranger = await online(await newDevice());
    await acquainted(alice, bob, carol);
    const g = await create(alice, [bob]);
    const send = (m: Member, attrs: { phash?: string; epoch?: number; pairwise?: string[]; id?: string }) =>
      sendRaw(m, groupMessage({ group: g.id, epoch: attrs.epoch ?? 1, phash: attrs.phash ?? phashOf([lineOf(bob)]), pairwise: attrs.pairwise, id: attrs.id }));

    // phash over a list without Bob's device.
    const wrong = await send(alice, { phash: phashOf([]) });
    expect(wrong.attrs).toMatchObject({ code: "device-list-mismatch", devices: lineOf(bob) });
    // A pairwise enc for a device that is not a member's.
    expect((await send(alice, { pairwise: [lineOf(carol)] })).attrs).toMatchObject({ code: "device-list-mismatch", devices: lineOf(bob) });
    expect((await send(alice, { pairwise: [lineOf(alice)] })).attrs.code).toBe("device-list-mismatch");

    // After a change the old epoch is refused, with the current one.
    await groupIq(alice, "set", "group-add", { group: g.id, members: carol.device.networkId });
    const stale = await send(alice, { phash: phashOf([lineOf(bob), lineOf(carol)]) });
    expect(stale.attrs).toMatchObject({ code: "stale-epoch", epoch: "2" });
    // The old list at the new epoch: the list changed too.
    expect((await send(alice, { epoch: 2 })).attrs).toMatchObject({ code: "device-list-mismatch", devices: [lineOf(bob), lineOf(carol)].sort().join(" ") });
    expect((await send(stranger, {})).attrs.code).toBe("unknown-recipient");

    const ok = await send(alice, { epoch: 2, phash: phashOf([lineOf(bob), lineOf(carol)]), id: "m-1" });
    expect(ok.name).toBe("ack");
    const again = await send(alice, { epoch: 2, phash: phashOf([lineOf(bob), lineOf(carol)]), id: "m-1" });
    expect(again.attrs).toMatchObject({ class: "message", id: "m-1", duplicate: "true" });
    // Even after another change (a resend after a lost ack is still the same message).
    await groupIq(alice, "set", "group-remove", { group: g.id, user: carol.device.networkId });
    expect((await send(alice, { id: "m-1" })).attrs.duplicate).toBe("true");

    await received(bob, (m) => groupMessagesOf(m, g.id), 1);
    await received(bob, (m) => groupNoticesOf(m, g.id), 3);
    expect(groupMessagesOf(bob, g.id).map((m) => m.attrs.id)).toEqual(["m-1"]);
    expect(groupMessagesOf(carol, g.id).map((m) => m.attrs.id)).toEqual(["m-1"]);
    expect(stranger.stanzas.filter((s) => s.name === "message")).toHaveLength(0);
    closeAll(alice, bob, carol, stranger);
  });

  it("a member's new device joins the group's device list as soon as it is enrolled", async () => {
    const [alice, bob] = [await online(await newDevice()), await online(await newDevice())];
    await acquainted(alice, bob);
    const g = await create(alice, [bob]);
    const before = phashOf([lineOf(bob)]);
    const bob2 = await online(await newDevice(bob.device.sub));
    expect((await memberDevices(alice, g.id)).sort()).toEqual([lineOf(bob), lineOf(bob2)].sort());
    const refused = await sendRaw(alice, groupMessage({ group: g.id, epoch: 1, phash: before }));
    expect(refused.attrs).toMatchObject({ code: "device-list-mismatch", devices: [lineOf(bob), lineOf(bob2)].sort().join(" ") });
    expect((await sendToGroup(alice, g.id, 1, { pairwise: [lineOf(bob2)] })).name).toBe("ack");
    const [got] = await received(bob2, (m) => groupMessagesOf(m, g.id), 1);
    expect(got!.children.map((e) => e.attrs.type)).toEqual(["skmsg", "pkmsg"]);
    closeAll(alice, bob, bob2);
  });

  it("an offline member gets the group's backlog, changes and messages in log order, when it comes back", async () => {
    const [alice, bob, carol] = [await online(await newDevice()), await online(await newDevice()), await online(await newDevice())];
    await acquainted(alice, bob, carol);
    const g = await create(alice, [bob]);
    await received(bob, (m) => groupNoticesOf(m, g.id), 1);
    await eventually(async () => (await queued(bob.device.networkId)).length === 0);
    bob.conn.close();
    await sendToGroup(alice, g.id, 1, { id: "before-add" });
    await groupIq(alice, "set", "group-add", { group: g.id, members: carol.device.networkId });
    await sendToGroup(alice, g.id, 2, { id: "after-add" });
    const back = await online(bob.device);
    const stream = () => back.stanzas.filter((s) => s.attrs.group === g.id).map((s) => (s.name === "message" ? s.attrs.id : s.attrs.change));
    await eventually(async () => stream().length >= 3);
    // "created" was delivered (and acked) before Bob went away.
    expect(stream()).toEqual(["before-add", "added", "after-add"]);
    closeAll(alice, back, carol);
  });

  it("a removed member gets nothing logged after its removal", async () => {
    const [alice, bob, carol] = [await online(await newDevice()), await online(await newDevice()), await online(await newDevice())];
    await acquainted(alice, bob, carol);
    const g = await create(alice, [bob, carol]);
    await sendToGroup(alice, g.id, 1, { id: "to-all" });
    const removed = await groupIq(alice, "set", "group-remove", { group: g.id, user: carol.device.networkId });
    await sendToGroup(alice, g.id, Number(removed.attrs.epoch), { id: "after-removal" });
    await groupIq(alice, "set", "group-promote", { group: g.id, user: bob.device.networkId });
    await received(bob, (m) => groupNoticesOf(m, g.id), 3);
    await received(bob, (m) => groupMessagesOf(m, g.id), 2);
    await eventually(async () => (await logRows(g.id)) === 0);
    const seen = carol.stanzas.filter((s) => s.attrs.group === g.id).map((s) => (s.name === "message" ? s.attrs.id : s.attrs.change));
    expect(seen).toEqual(["created", "to-all", "removed"]);
    closeAll(alice, bob, carol);
  });
});
