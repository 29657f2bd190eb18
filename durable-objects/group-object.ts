import { DurableObject } from "cloudflare:workers";
import type { Env } from "../gateway/env.ts";
import { setting } from "../gateway/settings.ts";
import { enrolledProvider } from "../gateway/user-index.ts";
import { bytesToBase64Url } from "../protocol/bytes.ts";
import { phashOf, type GroupChange, type GroupMemberView, type GroupRole } from "../protocol/stanzas/index.ts";
import { fanOut, GROUP_FANOUT_TABLES, GroupCursors } from "./group-fanout.ts";
import { GROUP_LOG_TABLES, GroupLog } from "./group-log.ts";
import { GROUP_MEMBERSHIP_TABLES, GroupMembership, INVITE_TTL_MS } from "./group-membership.ts";
import type { Actor, DeviceList, GroupConsent, GroupEntry, GroupOp, GroupOpResult, GroupPost, GroupRefusal, PostResult } from "./group-types.ts";

const TABLES = [...GROUP_MEMBERSHIP_TABLES, ...GROUP_LOG_TABLES, ...GROUP_FANOUT_TABLES];
export const DEFAULT_GROUP_MAX_MEMBERS = 1024;
/** Longest a `devices=` attribute may be: what one XML attribute carries. */
const MAX_DEVICES_ATTR = 1024;

const NOT_FOUND: GroupRefusal = { ok: false, code: "not-found", text: "no such group, or not a member" };
const refuse = (code: GroupRefusal["code"], text: string): GroupRefusal => ({ ok: false, code, text });

/** What the adder's consent checks decided for each user named. */
type Decisions = Map<string, Extract<GroupConsent, { ok: true }>>;

/**
 * One per group (binding GROUPS, named by group ID): membership and roles, the epoch, and
 * the ordered log every change and message is committed to before it is acknowledged, then
 * fanned out to members' user objects from the alarm (docs/groups.md). Called only by user
 * objects, which vouch for who is asking.
 */
export class GroupObject extends DurableObject<Env> {
  readonly #membership: GroupMembership;
  readonly #log: GroupLog;
  readonly #cursors: GroupCursors;
  readonly #maxMembers: number;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // No table is created here: only create() does, so a group ID nobody created leaves no storage.
    this.#membership = new GroupMembership(ctx.storage);
    this.#log = new GroupLog(ctx.storage.sql, setting(env.MESSAGE_TTL_SECONDS, 30 * 86_400) * 1000);
    this.#cursors = new GroupCursors(ctx.storage.sql);
    this.#maxMembers = setting(env.GROUP_MAX_MEMBERS, DEFAULT_GROUP_MAX_MEMBERS);
  }

  /** A new group, `id` chosen by the creator's object; the creator is its first admin. */
  async create(id: string, creator: Actor, members: readonly string[]): Promise<GroupOpResult> {
    const named = members.filter((m) => m !== creator.networkId);
    // A retried create (its answer was lost) is answered again.
    if (this.#membership.exists()) return this.#membership.info().id === id && this.#membership.member(creator.networkId) ? this.#summary([creator.networkId, ...named]) : NOT_FOUND;
    const decisions = await this.#consents(id, creator, named);
    if ("ok" in decisions) return decisions;
    // Two creates of one ID cannot both get here with the tables missing: the loser of the race sees them.
    if (this.#membership.exists()) return NOT_FOUND;
    const direct = named.filter((m) => decisions.get(m)!.decision === "direct");
    if (1 + direct.length > this.#maxMembers) return refuse("too-many", `a group has at most ${this.#maxMembers} members`);
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      this.#membership.create(TABLES, id, now);
      const seq = this.#change("created", creator.networkId, direct, now);
      this.#membership.add(creator.networkId, "admin", seq, now, creator.devices);
      this.#cursors.open(creator.networkId, seq - 1, now);
      for (const m of direct) this.#join(m, "member", seq, now, decisions.get(m)!.devices);
      this.#invite(creator.networkId, named, decisions, now);
    });
    await this.#kick();
    return this.#summary([creator.networkId, ...named]);
  }

  /** A membership or role change asked for by `actor` (docs/groups.md, "Operations"). */
  async apply(actor: Actor, op: GroupOp): Promise<GroupOpResult> {
    if (!this.#membership.exists()) return NOT_FOUND;
    if (op.op === "join") return this.#acceptInvite(actor, op.invite);
    const me = this.#membership.member(actor.networkId);
    if (!me) return NOT_FOUND;
    this.#membership.setDevices(actor.networkId, actor.devices);
    switch (op.op) {
      case "add":
        return this.#add(actor, op.members);
      case "leave":
        return this.#leave(actor.networkId, actor.networkId);
      case "remove":
        if (op.user === actor.networkId) return this.#leave(actor.networkId, actor.networkId);
        if (me.role !== "admin") return refuse("forbidden", "only admins remove members");
        return this.#leave(op.user, actor.networkId);
      case "promote":
      case "demote":
        return this.#setRole(actor.networkId, op.user, op.op === "promote" ? "admin" : "member");
    }
  }

  /** The group as a member sees it: members with their roles and devices, a page at a time. */
  async view(asker: string, after?: string, pageSize = 200): Promise<GroupOpResult> {
    if (!this.#membership.exists()) return NOT_FOUND;
    const me = this.#membership.member(asker);
    if (!me) return NOT_FOUND;
    const page = this.#membership.members(after ?? "", pageSize + 1);
    const members: GroupMemberView[] = page.slice(0, pageSize).map((m) => ({ user: m.user, role: m.role, devices: this.#membership.devicesOf(m.user) }));
    return { ok: true, id: this.#membership.info().id, epoch: this.#membership.info().epoch, role: me.role, members, more: page.length > pageSize };
  }

  /**
   * A group message from a member's object: checked against the epoch and the member device
   * list, then committed to the log, and only then acknowledged.
   */
  async post(message: GroupPost, sender: DeviceList): Promise<PostResult> {
    const refused = { ok: false, code: "unknown-recipient", text: "no such group, or not a member" } as const;
    if (!this.#membership.exists()) return refused;
    // A retry after a lost ack is acknowledged again, whatever changed since: the sender's
    // leaving included (a nack would say it was not sent, while the members have it).
    if (this.#log.posted(message.from, message.id)) return { ok: true, duplicate: true };
    if (!this.#membership.member(message.from)) return refused;
    this.#membership.setDevices(message.from, sender);
    const { epoch, devrev } = this.#membership.info();
    if (message.epoch !== epoch) return { ok: false, code: "stale-epoch", text: "the group changed: fetch it and rotate the sender key", attrs: { epoch: String(epoch) } };
    const own = `${message.from}.${message.fromDevice}`;
    const lines = this.#membership.deviceLines().filter((l) => l !== own);
    const known = new Set(lines);
    if (phashOf(lines) !== message.phash || message.pairwise.some((p) => !known.has(`${p.to}.${p.device}`))) {
      const devices = lines.join(" ");
      const attrs: Record<string, string> = devices.length <= MAX_DEVICES_ATTR ? { devices } : { refetch: "true" };
      return { ok: false, code: "device-list-mismatch", text: "encrypt for exactly the group's member devices", attrs };
    }
    this.ctx.storage.transactionSync(() => {
      const body = {
        kind: "message" as const,
        id: message.id,
        from: message.from,
        fromDevice: message.fromDevice,
        fromProvider: message.fromProvider,
        skmsg: message.skmsg,
        pairwise: message.pairwise.map((p) => [p.to, p.device, p.type, p.payload] as const),
      };
      const seq = this.#log.append(epoch, message.t, devrev, body);
      this.#log.recordPosted(message.from, message.id, seq, message.t);
    });
    await this.#kick();
    return { ok: true, duplicate: false };
  }

  /** A member's object tells the group its devices changed. */
  async devicesChanged(user: string, devices: DeviceList): Promise<void> {
    if (this.#membership.exists()) this.#membership.setDevices(user, devices);
  }

  /** Fan-out: runs at least once after every commit, and again for each retry. */
  override async alarm(): Promise<void> {
    if (!this.#membership.exists()) return;
    await fanOut({
      log: this.#log,
      membership: this.#membership,
      cursors: this.#cursors,
      deliver: (user, entries) => this.#deliver(user, entries),
      now: Date.now,
    });
    const next = this.#cursors.nextAt(this.#log.lastSeq());
    if (next !== null) await this.ctx.storage.setAlarm(Math.max(next, Date.now()));
  }

  #deliver(user: string, entries: readonly GroupEntry[]) {
    return this.env.USERS.get(this.env.USERS.idFromName(user)).groupDeliver(this.#membership.info().id, entries);
  }

  /** Logs a change at the next epoch; returns its sequence. */
  #change(change: GroupChange, by: string, users: readonly string[], nowMs: number): number {
    const epoch = this.#membership.bumpEpoch();
    return this.#log.append(epoch, nowMs, this.#membership.info().devrev, { kind: "change", change, by, users });
  }

  #join(user: string, role: GroupRole, seq: number, nowMs: number, devices: DeviceList): void {
    this.#membership.add(user, role, seq, nowMs, devices);
    // The entry of their addition is the first they get.
    this.#cursors.open(user, seq - 1, nowMs);
  }

  /** Invitations for those whose consent asks for one; an open one is not sent again. */
  #invite(by: string, named: readonly string[], decisions: Decisions, nowMs: number): void {
    for (const user of named) {
      if (decisions.get(user)!.decision !== "invite" || this.#membership.invitation(user, nowMs)) continue;
      const token = bytesToBase64Url(crypto.getRandomValues(new Uint8Array(16)));
      const expires = nowMs + INVITE_TTL_MS;
      this.#membership.invite(user, by, token, expires);
      const seq = this.#log.append(this.#membership.info().epoch, nowMs, this.#membership.info().devrev, { kind: "invite", by, invite: token, expires }, user);
      this.#cursors.open(user, seq - 1, nowMs);
    }
  }

  /** Each named user's consent, asked of their own object; one unknown user refuses the whole change. */
  async #consents(group: string, adder: Actor, users: readonly string[]): Promise<Decisions | GroupRefusal> {
    const answers = await Promise.all(
      users.map(async (user): Promise<GroupConsent> => {
        // Asked before the stub is called: calling it would give a never-enrolled name an object.
        if ((await enrolledProvider(this.env.DIRECTORY, user)) === null) return { ok: false, code: "unknown-recipient" };
        return this.env.USERS.get(this.env.USERS.idFromName(user)).groupConsent({ adder: adder.networkId, adderProvider: adder.provider, group });
      }),
    );
    const decisions = new Map<string, Extract<GroupConsent, { ok: true }>>();
    for (const [i, answer] of answers.entries()) {
      if (!answer.ok) return refuse("unknown-recipient", `${users[i]} is not a user`);
      decisions.set(users[i]!, answer);
    }
    return decisions;
  }

  async #add(actor: Actor, members: readonly string[]): Promise<GroupOpResult> {
    if (this.#membership.member(actor.networkId)?.role !== "admin") return refuse("forbidden", "only admins add members");
    const named = members.filter((m) => !this.#membership.member(m));
    const decisions = await this.#consents(this.#membership.info().id, actor, named);
    if ("ok" in decisions) return decisions;
    // Things may have changed while the consents were asked: decide on the state as it is now.
    if (this.#membership.member(actor.networkId)?.role !== "admin") return refuse("forbidden", "only admins add members");
    const direct = named.filter((m) => decisions.get(m)!.decision === "direct" && !this.#membership.member(m));
    if (this.#membership.count() + direct.length > this.#maxMembers) return refuse("too-many", `a group has at most ${this.#maxMembers} members`);
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      if (direct.length > 0) {
        const seq = this.#change("added", actor.networkId, direct, now);
        for (const m of direct) this.#join(m, "member", seq, now, decisions.get(m)!.devices);
      }
      this.#invite(actor.networkId, named, decisions, now);
    });
    await this.#kick();
    return this.#summary(members);
  }

  /** `user` leaves (or is removed by `by`); the longest-standing member becomes admin if no admin is left. */
  async #leave(user: string, by: string): Promise<GroupOpResult> {
    if (!this.#membership.member(user)) return this.#summary([]);
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      const seq = this.#change(user === by ? "left" : "removed", by, [user], now);
      this.#membership.remove(user, seq);
      const heir = this.#membership.adminCount() === 0 ? this.#membership.longestStanding() : null;
      if (heir) {
        this.#membership.setRole(heir, "admin");
        this.#change("promoted", by, [heir], now);
      }
    });
    await this.#kick();
    return this.#summary([]);
  }

  async #setRole(actor: string, user: string, role: GroupRole): Promise<GroupOpResult> {
    if (this.#membership.member(actor)?.role !== "admin") return refuse("forbidden", `only admins ${role === "admin" ? "promote" : "demote"} members`);
    const target = this.#membership.member(user);
    if (!target) return refuse("not-found", "not a member of this group");
    if (target.role === role) return this.#summary([]);
    if (role === "member" && this.#membership.adminCount() === 1) return refuse("forbidden", "the last admin cannot be demoted");
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      this.#membership.setRole(user, role);
      this.#change(role === "admin" ? "promoted" : "demoted", actor, [user], now);
    });
    await this.#kick();
    return this.#summary([]);
  }

  async #acceptInvite(actor: Actor, token: string): Promise<GroupOpResult> {
    const user = actor.networkId;
    if (this.#membership.member(user)) return this.#summary([user]);
    const now = Date.now();
    const invitation = this.#membership.invitation(user, now);
    if (!invitation || invitation.token !== token) return NOT_FOUND;
    if (this.#membership.count() >= this.#maxMembers) return refuse("too-many", `a group has at most ${this.#maxMembers} members`);
    this.ctx.storage.transactionSync(() => {
      const seq = this.#change("joined", user, [user], now);
      this.#join(user, "member", seq, now, actor.devices);
    });
    await this.#kick();
    return this.#summary([user]);
  }

  /** The result of a change: the epoch now, and of the users named, who is in (with role) and who is not. */
  #summary(named: readonly string[]): GroupOpResult {
    const members: GroupMemberView[] = [];
    const invited: string[] = [];
    for (const user of named) {
      const m = this.#membership.member(user);
      if (m) members.push({ user, role: m.role });
      else invited.push(user);
    }
    const { id, epoch } = this.#membership.info();
    return { ok: true, id, epoch, members, invited };
  }

  /** Fan-out starts now; the alarm also carries every retry. */
  async #kick(): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    const now = Date.now();
    if (current === null || current > now) await this.ctx.storage.setAlarm(now);
  }
}
