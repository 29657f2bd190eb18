// The group iqs of docs/groups.md as typed calls. An iq error rejects with a NackError whose
// code is the group error (not-found, forbidden, too-many, unknown-recipient).
import { MAX_MEMBERS_PER_CHANGE, type GroupRole } from "../../protocol/stanzas/index.ts";
import { element, type XmlElement } from "../../protocol/xml/index.ts";
import type { Messenger } from "../messenger.ts";
import type { GroupMember } from "./group-store.ts";

export interface MembershipResult {
  readonly id: string;
  readonly epoch: number;
  /** Members added directly (create: with the creator). */
  readonly members: readonly { readonly user: string; readonly role: GroupRole }[];
  /** Users whose consent asked for an invitation instead (or who silently got none). */
  readonly invited: readonly string[];
}

export interface GroupSummary {
  readonly id: string;
  readonly epoch: number;
  readonly role: GroupRole;
}

const role = (v: string | undefined): GroupRole => (v === "admin" ? "admin" : "member");

async function query(messenger: Messenger, type: "get" | "set", name: string, attrs: Record<string, string | undefined>): Promise<XmlElement> {
  const result = await messenger.iq(type, element(name, attrs));
  const child = result.children[0];
  if (!child) throw new Error(`<${name}> answered without a result element`);
  return child;
}

function membership(el: XmlElement): MembershipResult {
  return {
    id: el.attrs.id ?? "",
    epoch: Number(el.attrs.epoch),
    members: el.children.filter((c) => c.name === "member").map((c) => ({ user: c.attrs.user ?? "", role: role(c.attrs.role) })),
    invited: el.children.filter((c) => c.name === "invited").map((c) => c.attrs.user ?? ""),
  };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Creates a group of this user and `members`; more than one iq carries are added right after. */
export async function createGroup(messenger: Messenger, members: readonly string[]): Promise<MembershipResult> {
  const [first = [], ...rest] = chunks(members, MAX_MEMBERS_PER_CHANGE);
  let result = membership(await query(messenger, "set", "group-create", { members: first.join(" ") }));
  for (const chunk of rest) {
    const added = await addMembers(messenger, result.id, chunk);
    result = { ...added, members: [...result.members, ...added.members], invited: [...result.invited, ...added.invited] };
  }
  return result;
}

export async function addMembers(messenger: Messenger, group: string, users: readonly string[]): Promise<MembershipResult> {
  let result: MembershipResult = { id: group, epoch: 0, members: [], invited: [] };
  for (const chunk of chunks(users, MAX_MEMBERS_PER_CHANGE)) {
    const added = membership(await query(messenger, "set", "group-add", { group, members: chunk.join(" ") }));
    result = { ...added, members: [...result.members, ...added.members], invited: [...result.invited, ...added.invited] };
  }
  return result;
}

/** remove, promote, demote: one user, the new epoch. */
export async function changeMember(messenger: Messenger, op: "remove" | "promote" | "demote", group: string, user: string): Promise<number> {
  return Number((await query(messenger, "set", `group-${op}`, { group, user })).attrs.epoch);
}

export async function leaveGroup(messenger: Messenger, group: string): Promise<number> {
  return Number((await query(messenger, "set", "group-leave", { group })).attrs.epoch);
}

export async function joinGroup(messenger: Messenger, group: string, invite: string): Promise<MembershipResult> {
  return membership(await query(messenger, "set", "group-join", { group, invite }));
}

/** Every member with its devices, all pages, and the epoch they are current for. */
export async function readGroup(messenger: Messenger, group: string): Promise<{ epoch: number; members: GroupMember[] }> {
  const members: GroupMember[] = [];
  let epoch = 0;
  for (let after: string | undefined; ; ) {
    const page = await query(messenger, "get", "group-get", { group, after });
    // A change between two pages shows as a new epoch: start over rather than mix two lists.
    if (epoch !== 0 && Number(page.attrs.epoch) !== epoch) return readGroup(messenger, group);
    epoch = Number(page.attrs.epoch);
    for (const m of page.children) {
      members.push({ user: m.attrs.user ?? "", role: role(m.attrs.role), devices: (m.attrs.devices ?? "").split(" ").filter(Boolean) });
    }
    if (page.attrs.more !== "true" || members.length === 0) return { epoch, members };
    after = members[members.length - 1]!.user;
  }
}

export async function listGroups(messenger: Messenger): Promise<GroupSummary[]> {
  const groups: GroupSummary[] = [];
  for (let after: string | undefined; ; ) {
    const page = await query(messenger, "get", "group-list", { after });
    for (const g of page.children) groups.push({ id: g.attrs.id ?? "", epoch: Number(g.attrs.epoch), role: role(g.attrs.role) });
    if (page.attrs.more !== "true" || groups.length === 0) return groups;
    after = groups[groups.length - 1]!.id;
  }
}
