import { afterEach, describe, expect, it, vi } from "vitest";
import { NackError } from "../../client/index.ts";
import { element } from "../../protocol/xml/index.ts";
import { newDevice } from "../helpers/gateway.ts";
import { TestProvider } from "../helpers/providers.ts";
import { encsFor, eventually, queued } from "../helpers/users.ts";
import { closeAll, create, groupIq, groupNoticesOf, logRows, online, received, type Member } from "./group-helpers.ts";

const invitesOf = (m: Member, group: string) => m.stanzas.filter((s) => s.name === "notification" && s.attrs.type === "group-invite" && s.attrs.group === group);

async function refusal(p: Promise<unknown>): Promise<NackError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(NackError);
  return err as NackError;
}

const setGroups = (m: Member, groups: string) => m.messenger.iq("set", element("privacy", { groups }));

afterEach(() => vi.useRealTimers());

describe("group consent and invitations (docs/groups.md, Consent)", () => {
  it("invites a user who never wrote to the adder; the invitation token makes them a member", async () => {
    const [alice, bob, carol] = [await online(await newDevice()), await online(await newDevice()), await online(await newDevice())];
    await carol.messenger.sendMessage(alice.device.networkId, encsFor([alice.device], "hi")); // Carol wrote to Alice: a contact
    const g = await create(alice, [bob, carol]);
    expect(g.el.children.map((c) => [c.name, c.attrs.user])).toEqual([
      ["member", alice.device.networkId],
      ["member", carol.device.networkId],
      ["invited", bob.device.networkId],
    ]);
    const [invite] = await received(bob, (m) => invitesOf(m, g.id), 1);
    expect(invite!.attrs).toMatchObject({ from: alice.device.networkId, group: g.id });
    expect(Number(invite!.attrs.expires) - Number(invite!.attrs.t)).toBe(7 * 86_400_000);
    expect((await refusal(groupIq(bob, "get", "group-get", { group: g.id }))).code).toBe("not-found");

    // Someone else's token, or a made-up one, is no invitation.
    const dave = await online(await newDevice());
    expect((await refusal(groupIq(dave, "set", "group-join", { group: g.id, invite: invite!.attrs.invite! }))).code).toBe("not-found");
    expect((await refusal(groupIq(bob, "set", "group-join", { group: g.id, invite: "A".repeat(22) }))).code).toBe("not-found");
    const joined = await groupIq(bob, "set", "group-join", { group: g.id, invite: invite!.attrs.invite! });
    expect(joined.attrs.epoch).toBe("2");
    for (const m of [alice, bob, carol]) {
      const notices = await received(m, (x) => groupNoticesOf(x, g.id).filter((n) => n.attrs.change === "joined"), 1);
      expect(notices[0]!.attrs).toMatchObject({ by: bob.device.networkId, user: bob.device.networkId, epoch: "2" });
    }
    expect((await groupIq(bob, "get", "group-list")).children.map((c) => c.attrs)).toEqual([{ id: g.id, epoch: "2", role: "member" }]);
    closeAll(alice, bob, carol, dave);
  });

  it("groups=everyone lets anyone add directly; groups=nobody invites even contacts", async () => {
    const [alice, bob, carol] = [await online(await newDevice()), await online(await newDevice()), await online(await newDevice())];
    expect((await setGroups(bob, "everyone")).children[0]!.attrs.groups).toBe("everyone");
    await carol.messenger.sendMessage(alice.device.networkId, encsFor([alice.device], "hi"));
    await setGroups(carol, "nobody");
    const g = await create(alice, [bob, carol]);
    expect(g.el.children.map((c) => [c.name, c.attrs.user])).toEqual([
      ["member", alice.device.networkId],
      ["member", bob.device.networkId],
      ["invited", carol.device.networkId],
    ]);
    await received(carol, (m) => invitesOf(m, g.id), 1);
    expect((await refusal(setGroups(bob, "some"))).code).toBe("malformed");
    closeAll(alice, bob, carol);
  });

  it("a blocked adder and a disallowed provider see an invitation that never comes", async () => {
    const acme = await TestProvider.create();
    const [alice, bob, carol] = [await online(await acme.enrollDevice("alice")), await online(await newDevice()), await online(await newDevice())];
    await setGroups(bob, "everyone");
    await setGroups(carol, "everyone");
    await bob.messenger.block(alice.device.networkId);
    await carol.messenger.setPrivacy({ allow: ["dev"] });
    const g = await create(alice, [bob, carol]);
    expect(g.el.children.map((c) => [c.name, c.attrs.user])).toEqual([
      ["member", alice.device.networkId],
      ["invited", bob.device.networkId],
      ["invited", carol.device.networkId],
    ]);
    // Everything the group logged has been delivered, and neither heard of it.
    await eventually(async () => (await logRows(g.id)) === 0);
    for (const m of [bob, carol]) {
      expect(m.stanzas.filter((s) => s.attrs.group === g.id)).toEqual([]);
      expect(await queued(m.device.networkId)).toEqual([]);
    }
    closeAll(alice, bob, carol);
  });

  it("an invitation expires after 7 days", async () => {
    const [alice, bob] = [await online(await newDevice()), await online(await newDevice())];
    const g = await create(alice, [bob]);
    const [invite] = await received(bob, (m) => invitesOf(m, g.id), 1);
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 7 * 86_400_000 + 1000 });
    expect((await refusal(groupIq(bob, "set", "group-join", { group: g.id, invite: invite!.attrs.invite! }))).code).toBe("not-found");
    vi.useRealTimers();
    closeAll(alice, bob);
  });
});

describe("group limits (docs/groups.md)", () => {
  it("a group holds at most GROUP_MAX_MEMBERS (4 in the tests), invitations accepted included", async () => {
    const alice = await online(await newDevice());
    const users = await Promise.all(Array.from({ length: 4 }, async () => online(await newDevice())));
    for (const u of users) await setGroups(u, "everyone");
    expect((await refusal(create(alice, users))).code).toBe("too-many");
    expect((await groupIq(alice, "get", "group-list")).children).toHaveLength(0);
    const g = await create(alice, users.slice(0, 3));
    expect(g.el.children).toHaveLength(4);
    expect((await refusal(groupIq(alice, "set", "group-add", { group: g.id, members: users[3]!.device.networkId }))).code).toBe("too-many");
    // An invitation cannot go past it either.
    await setGroups(users[3]!, "nobody");
    await groupIq(alice, "set", "group-add", { group: g.id, members: users[3]!.device.networkId });
    const [invite] = await received(users[3]!, (m) => invitesOf(m, g.id), 1);
    expect((await refusal(groupIq(users[3]!, "set", "group-join", { group: g.id, invite: invite!.attrs.invite! }))).code).toBe("too-many");
    closeAll(alice, ...users);
  });

  it("rate-limits groups created and members added per user, with retry_ms", async () => {
    const alice = await online(await newDevice(), { retries: 0 });
    const users = await Promise.all(Array.from({ length: 3 }, async () => online(await newDevice())));
    vi.useFakeTimers({ toFake: ["Date"] });
    // GROUPS_CREATED_PER_MINUTE: 5 by default.
    for (let i = 0; i < 5; i++) await create(alice, []);
    const created = await refusal(create(alice, []));
    expect(created.code).toBe("rate-limited");
    expect(Number(created.attrs.retry_ms)).toBe(12_000);
    // GROUP_ADDS_PER_MINUTE: 10 in the tests; an add over what is left is refused whole.
    vi.setSystemTime(Date.now() + 60_000);
    const g = await create(alice, users.slice(0, 3));
    for (let i = 0; i < 2; i++) {
      await groupIq(alice, "set", "group-remove", { group: g.id, user: users[0]!.device.networkId });
      await groupIq(alice, "set", "group-add", { group: g.id, members: `${users[0]!.device.networkId} ${users[1]!.device.networkId} ${users[2]!.device.networkId}` });
    }
    const added = await refusal(groupIq(alice, "set", "group-add", { group: g.id, members: `${users[0]!.device.networkId} ${users[1]!.device.networkId}` }));
    expect(added.code).toBe("rate-limited");
    expect(Number(added.attrs.retry_ms)).toBe(6_000);
    vi.useRealTimers();
    closeAll(alice, ...users);
  });
});
