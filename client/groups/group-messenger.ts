// Group chats on sender keys (docs/groups.md, docs/e2ee.md): one SenderKeyMessage per group
// message for every member device, the sender key itself sent pairwise to each member device
// that does not have it yet, and a new sender key whenever a device that had the current one is
// no longer a member device (a member left or was removed, or a device was removed).
import type { Content, ContentBody, GroupInfo } from "../../protocol/content.ts";
import { encodeContent, decodeContent } from "../../protocol/content.ts";
import { base64UrlToBytes, bytesToBase64 } from "../../protocol/bytes.ts";
import { phashOf, type Enc, type GroupChange, type PairwiseEnc } from "../../protocol/stanzas/index.ts";
import {
  createSenderKey,
  decodeDistributionMessage,
  decodeSenderKeyMessage,
  distributionMessage,
  groupDecrypt,
  groupEncrypt,
  processDistributionMessage,
  SenderKeyError,
  DISTRIBUTION_ID_LENGTH,
  type SenderKeyRecord,
} from "../signal/sender-keys/index.ts";
import { DecryptError } from "../e2ee/index.ts";
import { Emitter } from "../events.ts";
import { NackError, newStanzaId, type IncomingMessage, type IncomingNotification, type Messenger } from "../messenger.ts";
import { addMembers, changeMember, createGroup, joinGroup, leaveGroup, listGroups, readGroup, type GroupSummary, type MembershipResult } from "./group-iqs.ts";
import type { GroupState, GroupStore, OwnSenderKey } from "./group-store.ts";

/** What groups need of the pairwise Signal sessions: SecureMessenger's own, not a second set. */
export interface PairwiseChannel {
  /** One pairwise enc per `user.device` address, starting sessions where there are none. */
  encryptFor(addresses: readonly string[], plaintext: Uint8Array): Promise<PairwiseEnc[]>;
  /** A 1:1 message to every device of `to` (this user: its other devices), served again on a retry request. */
  send(to: string, content: Content, freshSessionFor?: string): Promise<void>;
  decrypt(from: string, fromDevice: string, enc: Enc): Content;
  /** Whether a session with `user.device` exists (a first message is a larger pkmsg). */
  hasSession(address: string): boolean;
}

export interface GroupContent {
  readonly group: string;
  readonly from: string;
  readonly fromDevice: string;
  readonly content: Content;
}

export interface GroupEvents extends Record<string, unknown> {
  /** A membership or role change, in the group's order. */
  changed: { readonly group: string; readonly epoch: number; readonly change: GroupChange; readonly by: string; readonly users: readonly string[] };
  /** Someone invited this user: `join(group, invite)` accepts, ignoring it declines. */
  invited: { readonly group: string; readonly from: string; readonly invite: string; readonly expiresMs: number };
  /** The group's name or picture changed (also when this device first learns them). */
  info: { readonly group: string; readonly info: GroupInfo; readonly by: string };
  /** A group message could not be decrypted; its sender was asked to send it again. */
  decryptFailed: { readonly group: string; readonly from: string; readonly fromDevice: string; readonly id: string; readonly reason: string };
}

/**
 * Sender-key ciphertexts carried inline in a group message, estimated, before they go 1:1
 * instead: the stanza holds 60 KiB, and a first pkmsg with its Kyber ciphertext is ~2.4 KB of base64.
 */
export const INLINE_KEY_BUDGET = 40_000;
const PKMSG_ESTIMATE = 2_500;
const MSG_ESTIMATE = 400;
/** Tries of one send against a group that keeps changing under it. */
const SEND_ATTEMPTS = 4;
const RETRY_WINDOW_MS = 10 * 60_000;
/** Content IDs remembered to drop a group message that arrives twice (a 1:1 resend after a retry request). */
const SEEN_CONTENT = 5_000;

const addressOf = (user: string, device: string) => `${user}.${device}`;
const union = (a: readonly string[], b: readonly string[]): string[] => [...new Set([...a, ...b])];
const userOf = (address: string) => address.slice(0, address.lastIndexOf("."));

export class GroupMessenger extends Emitter<GroupEvents> {
  #onContent: (c: GroupContent) => void | Promise<void> = () => undefined;
  /** By stanza ID: group messages this device sent, so a member's retry request can be served. */
  readonly #sent = new Map<string, { group: string; content: Content; at: number; served: Set<string> }>();
  readonly #seen = new Set<string>();
  /** Sends per group run one at a time: each one advances the same chain. */
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly messenger: Messenger,
    private readonly pairwise: PairwiseChannel,
    readonly store: GroupStore,
    private readonly self: { readonly networkId: string; readonly deviceId: string },
    private readonly inlineKeyBudget = INLINE_KEY_BUDGET,
  ) {
    super();
  }

  /** Group messages (text, media, reactions, info changes) from members, each once; awaited before the gateway is acked. */
  onContent(handler: (c: GroupContent) => void | Promise<void>): void {
    this.#onContent = handler;
  }

  // ---- membership --------------------------------------------------------------------------

  /** Creates a group with `members` (network IDs); its name and picture go to them encrypted. */
  async create(members: readonly string[], info?: Omit<GroupInfo, "updatedAtMs">): Promise<MembershipResult> {
    const result = await createGroup(this.messenger, members);
    this.#save({ id: result.id, epoch: result.epoch, members: [], stale: true, left: false });
    if (info) await this.setInfo(result.id, info);
    return result;
  }

  async add(group: string, users: readonly string[]): Promise<MembershipResult> {
    const result = await addMembers(this.messenger, group, users);
    this.#markStale(group, result.epoch);
    // New members learn the name now, not with whoever writes next.
    const info = this.store.group(group)?.info;
    if (result.members.length > 0 && info) await this.send(group, { type: "group-info", ...info });
    return result;
  }

  async remove(group: string, user: string): Promise<number> {
    const epoch = await changeMember(this.messenger, "remove", group, user);
    this.#markStale(group, epoch);
    return epoch;
  }

  async promote(group: string, user: string): Promise<number> {
    return changeMember(this.messenger, "promote", group, user);
  }

  async demote(group: string, user: string): Promise<number> {
    return changeMember(this.messenger, "demote", group, user);
  }

  async leave(group: string): Promise<number> {
    const epoch = await leaveGroup(this.messenger, group);
    this.#left(group, epoch);
    return epoch;
  }

  async join(group: string, invite: string): Promise<MembershipResult> {
    const result = await joinGroup(this.messenger, group, invite);
    this.#save({ ...(this.store.group(group) ?? { id: group, members: [] }), epoch: result.epoch, stale: true, left: false });
    return result;
  }

  /** The gateway's list of this user's groups. */
  list(): Promise<GroupSummary[]> {
    return listGroups(this.messenger);
  }

  /** Members and their devices, read from the gateway now. */
  async members(group: string): Promise<GroupState["members"]> {
    return (await this.#refresh(group)).members;
  }

  info(group: string): GroupInfo | undefined {
    return this.store.group(group)?.info;
  }

  /** Sets the group's name and picture: a group message, so only members ever see them. */
  async setInfo(group: string, info: Omit<GroupInfo, "updatedAtMs">): Promise<void> {
    const full: GroupInfo = { ...info, updatedAtMs: Date.now() };
    await this.send(group, { type: "group-info", ...full });
    // Kept only once sent, so a key going out with this very message carries the info members
    // had: the change then reaches each of them as the group content it is.
    const g = this.store.group(group);
    if (g && !(g.info && g.info.updatedAtMs >= full.updatedAtMs)) this.#save({ ...g, info: full });
  }

  // ---- sending -----------------------------------------------------------------------------

  /** Encrypts `body` once for every member device and sends it; resolves once the group logged it. */
  async send(group: string, body: ContentBody, replyTo?: Content["replyTo"]): Promise<Content> {
    const content: Content = { id: newStanzaId(), sentAtMs: Date.now(), body, replyTo };
    // Known before it leaves: a member's retry request can come back before the ack is handled.
    const now = Date.now();
    for (const [id, s] of this.#sent) if (now - s.at > RETRY_WINDOW_MS) this.#sent.delete(id);
    this.#sent.set(content.id, { group, content, at: now, served: new Set() });
    const previous = this.#queues.get(group) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => this.#sendContent(group, content));
    this.#queues.set(group, run);
    try {
      await run;
    } catch (err) {
      this.#sent.delete(content.id);
      throw err;
    } finally {
      if (this.#queues.get(group) === run) this.#queues.delete(group);
    }
    return content;
  }

  async #sendContent(groupId: string, content: Content): Promise<void> {
    const plaintext = encodeContent(content);
    for (let attempt = 1; ; attempt++) {
      let g = this.store.group(groupId);
      if (!g || g.stale || g.members.length === 0) g = await this.#refresh(groupId);
      if (g.left) throw new NackError("unknown-recipient", "this user is not a member of the group", {});
      const devices = this.#memberDevices(g);
      const key = this.#currentKey(g, devices);
      const needKey = devices.filter((d) => !key.sharedWith.includes(d));
      const { encs, inline, delivered } = await this.#distribute(g, key, needKey);
      // The chain moves on before the message leaves: an iteration is never used twice, even
      // when this one is refused.
      const { state, message } = groupEncrypt(key.state, plaintext);
      this.#save({ ...g, ownKey: { state, sharedWith: union(key.sharedWith, delivered) } });
      try {
        await this.messenger.sendGroupMessage({ id: groupId, epoch: g.epoch, phash: phashOf(devices) }, bytesToBase64(message), encs, content.id);
        const now = this.store.group(groupId) ?? g;
        if (now.ownKey) this.#save({ ...now, ownKey: { state: now.ownKey.state, sharedWith: union(now.ownKey.sharedWith, inline) } });
        return;
      } catch (err) {
        // The group changed since it was read: read it again (a nacked message was not stored,
        // so its ID is free) and, when a device left, send under a new key.
        const changed = err instanceof NackError && (err.code === "device-list-mismatch" || err.code === "stale-epoch");
        if (!changed || attempt >= SEND_ATTEMPTS) throw err;
        this.#markStale(groupId, 0);
      }
    }
  }

  /** Every member device but this one, as `user.device`: what the phash covers. */
  #memberDevices(g: GroupState): string[] {
    const own = addressOf(this.self.networkId, this.self.deviceId);
    return g.members.flatMap((m) => m.devices.map((d) => addressOf(m.user, d))).filter((a) => a !== own);
  }

  /** The current sending chain; a new one when a device that has the current one is no longer in the group. */
  #currentKey(g: GroupState, devices: readonly string[]): OwnSenderKey {
    const key = g.ownKey;
    if (key && key.sharedWith.every((d) => devices.includes(d))) return key;
    const distributionId = key?.state.distributionId ?? crypto.getRandomValues(new Uint8Array(DISTRIBUTION_ID_LENGTH));
    return { state: createSenderKey(distributionId), sharedWith: [] };
  }

  /**
   * Gets the current key to `needKey`: inline as pairwise encs when they fit one stanza (the
   * devices have it once the group message is accepted), else as 1:1 messages first (stored at
   * each recipient before the group message, so delivered before it; those devices have it now).
   */
  async #distribute(g: GroupState, key: OwnSenderKey, needKey: readonly string[]): Promise<{ encs: PairwiseEnc[]; inline: string[]; delivered: string[] }> {
    if (needKey.length === 0) return { encs: [], inline: [], delivered: [] };
    const keyContent: Content = {
      id: newStanzaId(),
      sentAtMs: Date.now(),
      group: g.id,
      body: { type: "group-key", distribution: distributionMessage(key.state), ...(g.info ? { info: g.info } : {}) },
    };
    const fresh = needKey.filter((d) => !this.pairwise.hasSession(d)).length;
    const estimate = needKey.length * MSG_ESTIMATE + fresh * (PKMSG_ESTIMATE - MSG_ESTIMATE);
    if (estimate <= this.inlineKeyBudget) return { encs: await this.pairwise.encryptFor(needKey, encodeContent(keyContent)), inline: needKey.slice(), delivered: [] };
    const users = new Set(needKey.map(userOf));
    for (const user of users) await this.pairwise.send(user, keyContent);
    return { encs: [], inline: [], delivered: this.#memberDevices(g).filter((d) => users.has(userOf(d))) };
  }

  // ---- receiving ---------------------------------------------------------------------------

  /** A delivered group message: the pairwise key first if there is one, then the skmsg. */
  async receive(m: IncomingMessage): Promise<void> {
    const group = m.group!;
    const address = addressOf(m.from, m.fromDevice);
    const fail = async (err: unknown) => {
      const reason = err instanceof SenderKeyError || err instanceof DecryptError ? err.reason : (err as Error).message;
      this.emit("decryptFailed", { group: group.id, from: m.from, fromDevice: m.fromDevice, id: m.id, reason });
      // A duplicate was handled once already; anything else the sender can repair by resending.
      if (reason !== "duplicate") await this.messenger.sendReceipt(m.from, m.id, "retry");
    };
    // A key that does not open (a broken session) need not cost the message if the skmsg
    // still decrypts: the retry then brings the key again on a fresh session.
    let keyFailure: unknown;
    try {
      if (group.pairwise) this.#acceptKey(group.id, m.from, m.fromDevice, this.pairwise.decrypt(m.from, m.fromDevice, group.pairwise));
    } catch (err) {
      keyFailure = err;
    }
    let content: Content;
    try {
      const skmsg = base64UrlToBytes(m.enc.payload);
      const { distributionId } = decodeSenderKeyMessage(skmsg);
      const result = groupDecrypt(this.store.senderKey(group.id, address, distributionId), skmsg);
      this.store.saveSenderKey(group.id, address, result.record);
      content = decodeContent(result.plaintext);
    } catch (err) {
      return fail(keyFailure ?? err);
    }
    if (keyFailure !== undefined) await fail(keyFailure);
    await this.#deliver(group.id, m.from, m.fromDevice, content);
  }

  /** Pairwise content that names a group (from SecureMessenger): a sender key, or a message resent 1:1. */
  async receivePairwise(from: string, fromDevice: string, content: Content): Promise<void> {
    const group = content.group!;
    // A key alone shows nothing, and only opens skmsgs the gateway delivers as from this sender
    // in this group, which only members can send.
    if (content.body.type === "group-key") return this.#acceptKey(group, from, fromDevice, content);
    // Anyone can send anyone a 1:1 message naming a group: shown only if its sender is a
    // member, by the gateway's current list.
    let g = this.store.group(group);
    if (!g || g.stale || !g.members.some((m) => m.user === from)) {
      try {
        g = await this.#refresh(group);
      } catch (err) {
        if (err instanceof NackError) return;
        throw err;
      }
    }
    if (!g.members.some((m) => m.user === from)) return;
    await this.#deliver(group, from, fromDevice, content);
  }

  #acceptKey(group: string, from: string, fromDevice: string, content: Content): void {
    if (content.body.type !== "group-key" || content.group !== group) throw new SenderKeyError("bad-state", "the pairwise enc of a group message is not this group's key");
    const address = addressOf(from, fromDevice);
    const { distribution, info } = content.body;
    const record = processDistributionMessage(this.#recordFor(group, address, distribution), distribution);
    this.store.saveSenderKey(group, address, record);
    if (info) this.#learnInfo(group, info, from);
  }

  #recordFor(group: string, address: string, skdm: Uint8Array): SenderKeyRecord | undefined {
    // Looked up by the distribution id the SKDM names; a malformed one fails in processDistributionMessage.
    let distributionId: Uint8Array;
    try {
      distributionId = decodeDistributionMessage(skdm).distributionId;
    } catch {
      return undefined;
    }
    return this.store.senderKey(group, address, distributionId);
  }

  async #deliver(group: string, from: string, fromDevice: string, content: Content): Promise<void> {
    const seenKey = `${group}|${from}|${content.id}`;
    if (this.#seen.has(seenKey)) return;
    if (content.body.type === "group-key") return;
    if (content.body.type === "group-info") {
      const { type: _type, ...info } = content.body;
      // The same info again (sent for new members) is no news to the others.
      if (!this.#learnInfo(group, info, from)) return;
    }
    await this.#onContent({ group, from, fromDevice, content });
    this.#seen.add(seenKey);
    if (this.#seen.size > SEEN_CONTENT) this.#seen.delete(this.#seen.values().next().value as string);
  }

  /** Keeps `info` if it is newer than what this device has; true when it was. */
  #learnInfo(group: string, info: GroupInfo, by: string): boolean {
    const g = this.store.group(group) ?? { id: group, epoch: 0, members: [], stale: true, left: false };
    if (g.info && g.info.updatedAtMs >= info.updatedAtMs) return false;
    this.#save({ ...g, info });
    this.emit("info", { group, info, by });
    return true;
  }

  /** A member could not decrypt one of our group messages: its key and the message again, 1:1, once per device. */
  async serveRetry(from: string, fromDevice: string, stanzaId: string): Promise<boolean> {
    const sent = this.#sent.get(stanzaId);
    if (!sent) return false;
    const address = addressOf(from, fromDevice);
    const g = this.store.group(sent.group);
    if (sent.served.has(address) || !g?.members.some((m) => m.user === from && m.devices.includes(fromDevice))) return true;
    sent.served.add(address);
    if (g.ownKey) {
      const keyContent: Content = { id: newStanzaId(), sentAtMs: Date.now(), group: g.id, body: { type: "group-key", distribution: distributionMessage(g.ownKey.state), ...(g.info ? { info: g.info } : {}) } };
      await this.pairwise.send(from, keyContent, fromDevice);
    }
    await this.pairwise.send(from, { ...sent.content, group: sent.group });
    return true;
  }

  // ---- notifications -----------------------------------------------------------------------

  /** Group notifications (from SecureMessenger's handler); false for other notifications. */
  async handleNotification(n: IncomingNotification): Promise<boolean> {
    if (n.type === "group-invite") {
      this.emit("invited", { group: n.attrs.group ?? "", from: n.attrs.from ?? "", invite: n.attrs.invite ?? "", expiresMs: Number(n.attrs.expires) });
      return true;
    }
    if (n.type !== "group") return false;
    const group = n.attrs.group ?? n.from;
    const epoch = Number(n.attrs.epoch);
    const change = n.attrs.change as GroupChange;
    const by = n.attrs.by ?? "";
    const users = (n.attrs.user ?? "").split(" ").filter(Boolean);
    const self = this.self.networkId;
    const welcomer = change === "joined" && by !== self && this.#welcomes(group);
    if ((change === "removed" || change === "left") && users.includes(self)) this.#left(group, epoch);
    else if ((change === "created" || change === "added" || change === "joined") && (users.includes(self) || by === self)) this.#rejoined(group, epoch);
    else this.#markStale(group, epoch);
    this.emit("changed", { group, epoch, change, by, users });
    // Someone who accepted an invitation was not a member when the name went out: one admin
    // device sends it again (the others have it, and ignore it).
    const info = this.store.group(group)?.info;
    if (welcomer && info) await this.send(group, { type: "group-info", ...info }).catch(() => undefined);
    return true;
  }

  /** Whether this device is the one that welcomes joiners: the first admin device, by address, as last read. */
  #welcomes(group: string): boolean {
    const admins = (this.store.group(group)?.members ?? []).filter((m) => m.role === "admin").flatMap((m) => m.devices.map((d) => addressOf(m.user, d)));
    return admins.sort()[0] === addressOf(this.self.networkId, this.self.deviceId);
  }

  // ---- state -------------------------------------------------------------------------------

  async #refresh(group: string): Promise<GroupState> {
    const prior = this.store.group(group) ?? { id: group, epoch: 0, members: [], stale: true, left: false };
    try {
      const { epoch, members } = await readGroup(this.messenger, group);
      const g: GroupState = { ...prior, epoch, members, stale: false, left: false };
      this.#save(g);
      return g;
    } catch (err) {
      if (err instanceof NackError && err.code === ("not-found" as NackError["code"])) this.#left(group, prior.epoch);
      throw err;
    }
  }

  /** Back in (added again after a removal, or joined): the group is read again before the next send. */
  #rejoined(group: string, epoch: number): void {
    const g = this.store.group(group) ?? { id: group, epoch: 0, members: [], stale: true, left: false };
    this.#save({ ...g, epoch: Math.max(g.epoch, epoch), stale: true, left: false });
  }

  #markStale(group: string, epoch: number): void {
    const g = this.store.group(group) ?? { id: group, epoch: 0, members: [], stale: true, left: false };
    this.#save({ ...g, epoch: Math.max(g.epoch, epoch), stale: true });
  }

  /** No longer a member: nothing to send with, and the old key must never be used again. */
  #left(group: string, epoch: number): void {
    const g = this.store.group(group) ?? { id: group, epoch: 0, members: [], stale: true, left: true };
    const { ownKey: _dropped, ...rest } = g;
    this.#save({ ...rest, epoch: Math.max(g.epoch, epoch), members: [], stale: true, left: true });
  }

  #save(g: GroupState): void {
    this.store.saveGroup(g);
  }
}
