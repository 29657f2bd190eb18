import { describe, expect, it } from "vitest";
import { NackError } from "../../client/index.ts";
import { newDevice } from "../helpers/gateway.ts";
import { encsFor } from "../helpers/users.ts";
import { closeAll, create, groupIq, groupNoticesOf, online, received, type Member } from "./group-helpers.ts";

/** Users who may add each other directly: each wrote the other a 1:1 message (contacts). */
async function acquainted(admin: Member, ...others: Member[]): Promise<void> {
  for (const o of others) await o.messenger.sendMessage(admin.device.networkId, encsFor([admin.device], "hi"));
}

async function refusal(p: Promise<unknown>): Promise<NackError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(NackError);
  return err as NackError;
}

describe("group membership (docs/groups.md, Operations)", () => {
  it("creates a group with its creator as admin and lists it, get and list agreeing", async () => {
    const [alice, bob, carol] = [await online(await newDevice()), await online(await newDevice()), await online(await newDevice())];
    await acquainted(alice, bob, carol);
    const g = await create(alice, [bob, carol]);
    expect(g.id).toMatch(/^[a-z2-7]{26}$/);
    expect(g.epoch).toBe(1);
    expect(g.el.children.map((c) => [c.name, c.attrs.user, c.attrs.role])).toEqual([
      ["member", alice.device.networkId, "admin"],
      ["member", bob.device.networkId, "member"],
      ["member", carol.device.networkId, "member"],
    ]);

    const got = await groupIq(bob, "get", "group-get", { group: g.id });
    expect(got.attrs).toMatchObject({ id: g.id, epoch: "1" });
    const byUser = Object.fromEntries(got.children.map((m) => [m.attrs.user, m.attrs]));
    expect(byUser[alice.device.networkId]).toMatchObject({ role: "admin", devices: alice.device.deviceId });
    expect(byUser[carol.device.networkId]).toMatchObject({ role: "member", devices: carol.device.deviceId });

    // Every member is told, with the epoch; the notification is acked like any other.
    for (const m of [alice, bob, carol]) {
      const [n] = await received(m, (x) => groupNoticesOf(x, g.id), 1);
      expect(n!.attrs).toMatchObject({ change: "created", by: alice.device.networkId, epoch: "1", from: g.id });
      expect(n!.attrs.user!.split(" ").sort()).toEqual([bob.device.networkId, carol.device.networkId].sort());
    }
    const list = await groupIq(bob, "get", "group-list");
    expect(list.children.map((c) => c.attrs)).toEqual([{ id: g.id, epoch: "1", role: "member" }]);
    expect((await groupIq(alice, "get", "group-list")).children.map((c) => c.attrs.role)).toEqual(["admin"]);
    closeAll(alice, bob, carol);
  });

  it("raises the epoch with every change and tells every member present before or after it, in log order", async () => {
    const [alice, bob, carol, dave] = [await online(await newDevice()), await online(await newDevice()), await online(await newDevice()), await online(await newDevice())];
    await acquainted(alice, bob, carol, dave);
    const g = await create(alice, [bob]);
    expect((await groupIq(alice, "set", "group-add", { group: g.id, members: `${carol.device.networkId} ${dave.device.networkId}` })).attrs.epoch).toBe("2");
    expect((await groupIq(alice, "set", "group-promote", { group: g.id, user: bob.device.networkId })).attrs.epoch).toBe("3");
    expect((await groupIq(bob, "set", "group-demote", { group: g.id, user: alice.device.networkId })).attrs.epoch).toBe("4");
    expect((await groupIq(bob, "set", "group-remove", { group: g.id, user: carol.device.networkId })).attrs.epoch).toBe("5");
    expect((await groupIq(dave, "set", "group-leave", { group: g.id })).attrs.epoch).toBe("6");

    const changes = (m: Member) => groupNoticesOf(m, g.id).map((n) => `${n.attrs.epoch} ${n.attrs.change}`);
    const all = ["1 created", "2 added", "3 promoted", "4 demoted", "5 removed", "6 left"];
    await received(alice, (m) => groupNoticesOf(m, g.id), 6);
    await received(bob, (m) => groupNoticesOf(m, g.id), 6);
    expect(changes(alice)).toEqual(all);
    expect(changes(bob)).toEqual(all);
    // Carol joined at 2 and was removed at 5; her removal is the last thing she gets.
    await received(carol, (m) => groupNoticesOf(m, g.id), 4);
    await received(dave, (m) => groupNoticesOf(m, g.id), 5);
    expect(changes(carol)).toEqual(["2 added", "3 promoted", "4 demoted", "5 removed"]);
    expect(changes(dave)).toEqual(["2 added", "3 promoted", "4 demoted", "5 removed", "6 left"]);
    expect(groupNoticesOf(carol, g.id).at(-1)!.attrs).toMatchObject({ by: bob.device.networkId, user: carol.device.networkId });

    // Former members no longer see or list it.
    expect((await refusal(groupIq(carol, "get", "group-get", { group: g.id }))).code).toBe("not-found");
    expect((await groupIq(carol, "get", "group-list")).children).toHaveLength(0);
    const roles = Object.fromEntries((await groupIq(alice, "get", "group-get", { group: g.id })).children.map((m) => [m.attrs.user, m.attrs.role]));
    expect(roles).toEqual({ [alice.device.networkId]: "member", [bob.device.networkId]: "admin" });
    closeAll(alice, bob, carol, dave);
  });

  it("refuses what a member may not do, and changes nothing", async () => {
    const [alice, bob, carol] = [await online(await newDevice()), await online(await newDevice()), await online(await newDevice())];
    const stranger = await online(await newDevice());
    await acquainted(alice, bob, carol);
    const g = await create(alice, [bob]);
    const refused = async (m: Member, type: "get" | "set", name: string, attrs: Record<string, string>) => (await refusal(groupIq(m, type, name, attrs))).code;

    expect(await refused(bob, "set", "group-add", { group: g.id, members: carol.device.networkId })).toBe("forbidden");
    expect(await refused(bob, "set", "group-remove", { group: g.id, user: alice.device.networkId })).toBe("forbidden");
    expect(await refused(bob, "set", "group-promote", { group: g.id, user: bob.device.networkId })).toBe("forbidden");
    expect(await refused(alice, "set", "group-demote", { group: g.id, user: alice.device.networkId })).toBe("forbidden");
    expect(await refused(alice, "set", "group-promote", { group: g.id, user: carol.device.networkId })).toBe("not-found");
    // A non-member and a group that does not exist look the same.
    expect(await refused(stranger, "get", "group-get", { group: g.id })).toBe("not-found");
    expect(await refused(stranger, "get", "group-get", { group: "a".repeat(26) })).toBe("not-found");
    expect(await refused(stranger, "set", "group-leave", { group: g.id })).toBe("not-found");
    // One unknown user refuses the whole add.
    const nobody = "b".repeat(26);
    expect(await refused(alice, "set", "group-add", { group: g.id, members: `${carol.device.networkId} ${nobody}` })).toBe("unknown-recipient");
    expect(await refused(alice, "set", "group-create", { members: nobody })).toBe("unknown-recipient");
    // Malformed queries are nacked like any stanza.
    const malformed = [
      { members: "not-an-id" },
      { members: `${bob.device.networkId} ${bob.device.networkId}` },
    ];
    for (const attrs of malformed) expect(await refused(alice, "set", "group-create", attrs)).toBe("malformed");
    expect(await refused(alice, "set", "group-add", { group: "short", members: carol.device.networkId })).toBe("malformed");
    expect(await refused(alice, "set", "group-join", { group: g.id, invite: "x" })).toBe("malformed");

    const after = await groupIq(alice, "get", "group-get", { group: g.id });
    expect(after.attrs.epoch).toBe("1");
    expect(after.children.map((m) => [m.attrs.user, m.attrs.role])).toEqual(
      [
        [alice.device.networkId, "admin"],
        [bob.device.networkId, "member"],
      ].sort(),
    );
    closeAll(alice, bob, carol, stranger);
  });

  it("promotes the longest-standing member when the last admin leaves", async () => {
    const [alice, bob, carol] = [await online(await newDevice()), await online(await newDevice()), await online(await newDevice())];
    await acquainted(alice, bob, carol);
    const g = await create(alice, [bob]);
    await groupIq(alice, "set", "group-add", { group: g.id, members: carol.device.networkId });
    const left = await groupIq(alice, "set", "group-leave", { group: g.id });
    expect(left.attrs.epoch).toBe("4");
    const notices = await received(carol, (m) => groupNoticesOf(m, g.id), 3);
    expect(notices.map((n) => [n.attrs.change, n.attrs.user])).toEqual([
      ["added", carol.device.networkId],
      ["left", alice.device.networkId],
      ["promoted", bob.device.networkId],
    ]);
    const roles = (await groupIq(carol, "get", "group-get", { group: g.id })).children.map((m) => [m.attrs.user, m.attrs.role]);
    expect(Object.fromEntries(roles)).toEqual({ [bob.device.networkId]: "admin", [carol.device.networkId]: "member" });
    closeAll(alice, bob, carol);
  });

  it("a create resent with the same ID (its answer lost) makes no second group", async () => {
    const [alice, bob] = [await online(await newDevice()), await online(await newDevice())];
    await acquainted(alice, bob);
    const { element } = await import("../../protocol/xml/index.ts");
    const query = element("group-create", { members: bob.device.networkId });
    const first = await alice.messenger.iq("set", query);
    // The SDK resends an unanswered iq with its ID; here the same ID goes again by hand.
    const { serializeXml, parseXml } = await import("../../protocol/xml/index.ts");
    const id = first.attrs.id!;
    const again = await new Promise<string>((resolve) => {
      alice.conn.on("stanza", (bytes) => {
        const el = parseXml(bytes);
        if (el.name === "iq" && el.attrs.id === id) resolve(el.children[0]!.attrs.id!);
      });
      void alice.conn.send(serializeXml(element("iq", { id, type: "set" }, [query])));
    });
    expect(again).toBe(first.children[0]!.attrs.id);
    expect((await groupIq(alice, "get", "group-list")).children).toHaveLength(1);
    closeAll(alice, bob);
  });
});
