import { deliveredGroupMessage, groupInviteNotification, groupNotification, type GroupRole } from "../protocol/stanzas/index.ts";
import { serializeXml } from "../protocol/xml/index.ts";
import { noticeId, type Recipient } from "./delivery.ts";
import type { GroupConsent, GroupEntry } from "./group-types.ts";
import type { UserGroups } from "./group-user-state.ts";
import type { NewItem } from "./inbox.ts";

/**
 * What a user object does with its groups' log entries and consent questions: entries
 * become inbox rows (one per device, in log order, each exactly once), and change entries
 * about this user update its list of groups.
 */
export interface GroupRecipient extends Recipient {
  readonly groups: UserGroups;
}

/** May `adder` put this user in a group directly, only invite them, or not even that? */
export function groupConsent(r: GroupRecipient, group: string, adder: string, adderProvider: string, nowMs: number): GroupConsent {
  if (!r.devices.owner()) return { ok: false, code: "unknown-recipient" };
  r.groups.considered(group, nowMs);
  const devices = { version: r.groups.deviceVersion(), devices: r.devices.deviceIds() };
  // A blocked adder or a disallowed provider learns nothing: it sees an invitation that never comes.
  if (r.consent.admits(adder, adderProvider) !== "ok") return { ok: true, decision: "silent", devices };
  const setting = r.consent.privacy().groups;
  const direct = setting === "everyone" || (setting === "contacts" && r.groups.isContact(adder));
  return { ok: true, decision: direct ? "direct" : "invite", devices };
}

/**
 * Stores a batch of one group's entries; those at or below what was stored before are
 * repeats (the group retries until it hears back) and are skipped. Returns whether a message
 * was stored (offline devices are then pushed).
 */
export function storeGroupEntries(r: GroupRecipient, group: string, entries: readonly GroupEntry[], nowMs: number): { readonly message: boolean } {
  const me = r.devices.owner()!.networkId;
  const through = r.groups.through(group);
  const fresh = entries.filter((e) => e.seq > through).sort((a, b) => a.seq - b.seq);
  if (fresh.length === 0) return { message: false };
  const items: NewItem[] = [];
  for (const entry of fresh) {
    const item = itemOf(r, group, me, entry);
    if (item) items.push(item);
    if (entry.kind === "change") applyChange(r.groups, group, me, entry);
  }
  r.inbox.store(items, nowMs);
  r.groups.setThrough(group, fresh.at(-1)!.seq);
  return { message: items.some((i) => i.class === "message") };
}

function applyChange(groups: UserGroups, group: string, me: string, e: Extract<GroupEntry, { kind: "change" }>): void {
  const mine = e.users.includes(me) || (e.change === "created" && e.by === me);
  if (!mine) return groups.seeEpoch(group, e.epoch);
  const place: Record<typeof e.change, GroupRole | null> = {
    created: e.by === me ? "admin" : "member",
    added: "member",
    joined: "member",
    removed: null,
    left: null,
    promoted: "admin",
    demoted: "member",
  };
  groups.record(group, e.epoch, place[e.change]);
}

function itemOf(r: GroupRecipient, group: string, me: string, e: GroupEntry): NewItem | null {
  const devices = r.devices.deviceIds();
  switch (e.kind) {
    case "change": {
      const xml = serializeXml(groupNotification({ id: noticeId("group", group, String(e.seq)), group, epoch: e.epoch, change: e.change, by: e.by, users: e.users, t: e.t }));
      return { class: "notification", sender: group, key: noticeId("group", group, String(e.seq)), perDevice: new Map(devices.map((d) => [d, xml])), notifySender: false };
    }
    case "invite": {
      const id = noticeId("group-invite", group, String(e.seq));
      const xml = serializeXml(groupInviteNotification({ id, from: e.by, group, invite: e.invite, expires: e.expires, t: e.t }));
      return { class: "notification", sender: e.by, key: id, perDevice: new Map(devices.map((d) => [d, xml])), notifySender: false };
    }
    case "message": {
      // This user's block list and provider allowlist hold in groups too.
      if (e.from !== me && r.consent.admits(e.from, e.fromProvider) !== "ok") return null;
      // The devices the sender encrypted for, as the group checked them, that are still enrolled.
      const targets = e.devices.filter((d) => devices.includes(d) && !(e.from === me && d === e.fromDevice));
      if (targets.length === 0) return null;
      const pairwise = new Map(e.pairwise.map((p) => [p.device, p]));
      const perDevice = new Map(
        targets.map((d) => {
          const p = pairwise.get(d);
          const xml = deliveredGroupMessage({ id: e.id, from: e.from, fromDevice: e.fromDevice, group, epoch: e.epoch, t: e.t, skmsg: e.skmsg, pairwise: p && { type: p.type, payload: p.payload } });
          return [d, serializeXml(xml)] as const;
        }),
      );
      return { class: "message", sender: e.from, key: e.id, perDevice, notifySender: true };
    }
  }
}
