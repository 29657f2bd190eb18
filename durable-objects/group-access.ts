import type { Env } from "../gateway/env.ts";
import { setting } from "../gateway/settings.ts";
import { bytesToBase32 } from "../protocol/bytes.ts";
import { GROUP_PAGE, groupElement, groupIqError, groupsElement, iqResult, StanzaError, type GroupMessageStanza, type GroupQuery } from "../protocol/stanzas/index.ts";
import type { XmlElement } from "../protocol/xml/index.ts";
import type { DeviceRegistry } from "./device-registry.ts";
import type { Actor, GroupOpResult, PostResult } from "./group-types.ts";
import type { UserGroups } from "./group-user-state.ts";
import { TokenBucket } from "./token-bucket.ts";

/** 130 random bits in the network ID format (docs/groups.md, "Model"). */
function newGroupId(): string {
  return bytesToBase32(crypto.getRandomValues(new Uint8Array(17))).slice(0, 26);
}

/** The asking device, as its session established it. */
export interface GroupAsker {
  readonly networkId: string;
  readonly deviceId: string;
  readonly nowMs: number;
}

/**
 * A user object's way into its groups: the group iqs and messages its devices send, with
 * this user's group budgets, and the pushes of its device list to every group it is in.
 */
export class GroupAccess {
  readonly #creates: TokenBucket;
  readonly #adds: TokenBucket;

  constructor(
    private readonly env: Env,
    private readonly groups: UserGroups,
    private readonly devices: DeviceRegistry,
  ) {
    this.#creates = new TokenBucket(setting(env.GROUPS_CREATED_PER_MINUTE, 5));
    this.#adds = new TokenBucket(setting(env.GROUP_ADDS_PER_MINUTE, 100));
  }

  #stub(group: string) {
    return this.env.GROUPS.get(this.env.GROUPS.idFromName(group));
  }

  #actor(): Actor {
    const owner = this.devices.owner();
    if (!owner) throw new StanzaError("internal", "sender has no owner record");
    return { networkId: owner.networkId, provider: owner.providerId, devices: { version: this.groups.deviceVersion(), devices: this.devices.deviceIds() } };
  }

  /** Answers one group iq: a result, or an iq error; budgets refused as a `rate-limited` nack (thrown). */
  async query(asker: GroupAsker, id: string, q: GroupQuery): Promise<XmlElement> {
    const actor = this.#actor();
    switch (q.op) {
      case "list": {
        const page = this.groups.list(q.after ?? "", GROUP_PAGE + 1);
        return iqResult(id, [groupsElement(page.slice(0, GROUP_PAGE), page.length > GROUP_PAGE)]);
      }
      case "get":
        return this.#answer(id, await this.#stub(q.group).view(actor.networkId, q.after, GROUP_PAGE));
      case "create": {
        // A resent create (its answer was lost) reaches the same group, and costs nothing again.
        let group = this.groups.requested(id);
        if (!group) {
          this.#spend([this.#creates, 1, "too many groups created by this user"], [this.#adds, q.members.length, "too many members added by this user"]);
          group = newGroupId();
          this.groups.rememberRequest(id, group, asker.nowMs);
        }
        const result = await this.#stub(group).create(group, actor, q.members);
        if (result.ok) this.groups.record(group, result.epoch, "admin");
        return this.#answer(id, result);
      }
      case "add":
        this.#spend([this.#adds, q.members.length, "too many members added by this user"]);
        return this.#answer(id, await this.#stub(q.group).apply(actor, { op: "add", members: q.members }));
      case "join": {
        const result = await this.#stub(q.group).apply(actor, { op: "join", invite: q.invite });
        if (result.ok) this.groups.record(q.group, result.epoch, "member");
        return this.#answer(id, result);
      }
      case "leave":
      case "remove": {
        const result = await this.#stub(q.group).apply(actor, q.op === "leave" ? { op: "leave" } : { op: "remove", user: q.user });
        if (result.ok && (q.op === "leave" || q.user === actor.networkId)) this.groups.record(q.group, result.epoch, null);
        return this.#answer(id, result);
      }
      case "promote":
      case "demote":
        return this.#answer(id, await this.#stub(q.group).apply(actor, { op: q.op, user: q.user }));
    }
  }

  /** A group message from one of this user's devices, to its group's log. */
  post(asker: GroupAsker, s: GroupMessageStanza): Promise<PostResult> {
    const actor = this.#actor();
    const message = { from: actor.networkId, fromDevice: asker.deviceId, fromProvider: actor.provider, id: s.id, t: asker.nowMs, epoch: s.epoch, phash: s.phash, skmsg: s.skmsg, pairwise: s.pairwise };
    return this.#stub(s.group).post(message, actor.devices);
  }

  /** Tells every group with a pending device-list push this user's current devices; failures wait for the next alarm. */
  async pushDevices(nowMs: number): Promise<void> {
    const due = this.groups.dueSyncs(nowMs);
    if (due.length === 0) return;
    const actor = this.#actor();
    await Promise.all(
      due.map(async ({ group, attempts }) => {
        try {
          await this.#stub(group).devicesChanged(actor.networkId, actor.devices);
          this.groups.synced(group);
        } catch (err) {
          console.warn("device list push to a group failed; retrying", err);
          this.groups.syncFailed(group, attempts, Date.now());
        }
      }),
    );
  }

  /** Takes from every bucket, or (when one falls short) from none. */
  #spend(...costs: readonly (readonly [TokenBucket, number, string])[]): void {
    const now = Date.now();
    for (const [bucket, want, text] of costs) {
      const waitMs = bucket.retryAfterMs(now, want);
      if (waitMs > 0) throw new StanzaError("rate-limited", text, { retry_ms: String(waitMs) });
    }
    for (const [bucket, want] of costs) bucket.takeAll(want, now);
  }

  #answer(id: string, result: GroupOpResult): XmlElement {
    if (!result.ok) return groupIqError(id, result.code, result.text);
    return iqResult(id, [groupElement(result)]);
  }
}
