// A libsignal client as a member of Parley groups (issue 15), as an app on
// @signalapp/libsignal-client would run one: libsignal's GroupCipher (SenderKeyDistributionMessage,
// processSenderKeyDistributionMessage, groupEncrypt, groupDecrypt) and its own sender key store,
// the pairwise sessions of a LibsignalPeer, and Parley only for what Parley defines: the Content
// protobuf, the group iqs and the group message stanza (docs/groups.md).
// Test oracle only (Node, AGPL): nothing under client/ may import this.
import * as signal from "@signalapp/libsignal-client";
import { NackError, newStanzaId, type GroupContent, type IncomingMessage } from "../../client/index.ts";
import { changeMember, createGroup, readGroup, type MembershipResult } from "../../client/groups/group-iqs.ts";
import { decodeContent, encodeContent, type Content, type ContentBody } from "../../protocol/content.ts";
import { phashOf, type PairwiseEnc } from "../../protocol/stanzas/index.ts";
import type { DevGateway, NodeDevice } from "./dev-gateway.ts";
import { fromB64, LibsignalPeer, Mailbox } from "./libsignal-peer.ts";

const copy = (b: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(b);
const b64 = (b: Uint8Array): string => Buffer.from(b).toString("base64");
const addressOf = (user: string, device: string) => `${user}.${device}`;
const userOf = (address: string) => address.slice(0, address.lastIndexOf("."));
const deviceOf = (address: string) => address.slice(address.lastIndexOf(".") + 1);
/** Tries of one send against a group that changed since it was read (as the SDK does). */
const SEND_ATTEMPTS = 4;

/** libsignal's sender key store, in memory: one record per (sender address, distribution id). */
class MemorySenderKeyStore extends signal.SenderKeyStore {
  readonly #records = new Map<string, signal.SenderKeyRecord>();

  async saveSenderKey(a: signal.ProtocolAddress, distributionId: signal.Uuid, record: signal.SenderKeyRecord): Promise<void> {
    this.#records.set(`${a.toString()}/${distributionId}`, record);
  }

  async getSenderKey(a: signal.ProtocolAddress, distributionId: signal.Uuid): Promise<signal.SenderKeyRecord | null> {
    return this.#records.get(`${a.toString()}/${distributionId}`) ?? null;
  }

  /** Every record gone, as after restoring an old backup. */
  clear(): void {
    this.#records.clear();
  }

  /** Drops a record: for our own address, the next create() starts a new chain. */
  forget(a: signal.ProtocolAddress, distributionId: signal.Uuid): void {
    this.#records.delete(`${a.toString()}/${distributionId}`);
  }
}

/** One group message as this peer sent it, for the test to look into. */
export interface SentGroupMessage {
  readonly group: string;
  readonly stanzaId: string;
  readonly content: Content;
  readonly epoch: number;
  readonly phash: string;
  /** The member devices (`user.device`) the phash covers. */
  readonly devices: readonly string[];
  readonly skmsg: signal.SenderKeyMessage;
  readonly pairwise: readonly PairwiseEnc[];
}

export type Rotation = "chain" | "distribution";

interface Membership {
  readonly epoch: number;
  /** Every member device but this one, as `user.device`. */
  readonly devices: readonly string[];
}

interface OwnKey {
  readonly distributionId: signal.Uuid;
  /** Member devices that were sent the current chain. */
  readonly sharedWith: Set<string>;
}

export class LibsignalGroupPeer {
  readonly #senderKeys = new MemorySenderKeyStore();
  readonly #memberships = new Map<string, Membership>();
  readonly #keys = new Map<string, OwnKey>();
  #holding = false;

  /** Group content (never `group-key`) in the order this peer opened it, exactly as often as it did. */
  readonly received = new Mailbox<GroupContent>();
  readonly receivedLog: GroupContent[] = [];
  /** 1:1 content that names no group. */
  readonly direct = new Mailbox<{ readonly from: string; readonly fromDevice: string; readonly content: Content }>();
  /** Every group message as the gateway delivered it. */
  readonly arrivals: IncomingMessage[] = [];
  /** Group messages kept unopened while holding (see hold()). */
  readonly held = new Mailbox<IncomingMessage>();
  /** Every SenderKeyDistributionMessage libsignal processed, with its sender. */
  readonly distributions: { readonly from: string; readonly skdm: signal.SenderKeyDistributionMessage; readonly how: "inline" | "1:1" }[] = [];
  readonly sent: SentGroupMessage[] = [];
  /** Group sends the gateway refused before the one it took (device-list-mismatch, stale-epoch). */
  readonly nacks: NackError[] = [];
  /** What libsignal (or the content layer) threw while opening a message. */
  readonly failures: string[] = [];

  private constructor(readonly peer: LibsignalPeer) {
    // Opened on arrival, before the gateway is acked, as an app's handler would (this replaces
    // the peer's own handler: its inbox stays empty).
    peer.messenger.onMessage(async (m) => {
      if (m.group) this.arrivals.push(m);
      if (m.group && this.#holding) this.held.push(m);
      else await this.open(m);
    });
    peer.messenger.onNotification((n) => {
      // A membership change: read the group again before the next send.
      if (n.type === "group") this.#memberships.delete(n.attrs.group ?? n.from);
    });
  }

  /** Online with libsignal's keys published, and addable to groups by anyone. */
  static async online(gateway: DevGateway, device: NodeDevice): Promise<LibsignalGroupPeer> {
    const peer = await LibsignalPeer.online(gateway, device);
    const member = new LibsignalGroupPeer(peer);
    await peer.uploadKeys({ preKeys: 20, kyberPreKeys: 10 });
    await peer.messenger.setPrivacy({ groups: "everyone" });
    return member;
  }

  get networkId(): string {
    return this.peer.networkId;
  }

  get deviceId(): string {
    return this.peer.device.deviceId;
  }

  get address(): string {
    return addressOf(this.networkId, this.deviceId);
  }

  /** libsignal addresses need a numeric device; Parley's device ID goes into the name, as LibsignalPeer does. */
  #protocolAddress(address: string): signal.ProtocolAddress {
    return signal.ProtocolAddress.new(address, 1);
  }

  // ---- group iqs ---------------------------------------------------------------------------

  create(members: readonly string[]): Promise<MembershipResult> {
    return createGroup(this.peer.messenger, members);
  }

  async remove(group: string, user: string): Promise<number> {
    const epoch = await changeMember(this.peer.messenger, "remove", group, user);
    this.#memberships.delete(group);
    return epoch;
  }

  async #membership(group: string): Promise<Membership> {
    const known = this.#memberships.get(group);
    if (known) return known;
    const { epoch, members } = await readGroup(this.peer.messenger, group);
    const devices = members.flatMap((m) => m.devices.map((d) => addressOf(m.user, d))).filter((a) => a !== this.address);
    const membership = { epoch, devices };
    this.#memberships.set(group, membership);
    return membership;
  }

  // ---- sending -----------------------------------------------------------------------------

  /** Starts a new sending chain for `group`: under the same distribution id, or a new one. */
  rotate(group: string, how: Rotation): void {
    const key = this.#keys.get(group);
    if (!key) return;
    this.#senderKeys.forget(this.#protocolAddress(this.address), key.distributionId);
    this.#keys.set(group, { distributionId: how === "distribution" ? crypto.randomUUID() : key.distributionId, sharedWith: new Set() });
  }

  /** The sending key; a new chain when a device that had the current one is no longer a member device. */
  #keyFor(group: string, devices: readonly string[]): OwnKey {
    const key = this.#keys.get(group);
    if (!key) {
      const fresh = { distributionId: crypto.randomUUID(), sharedWith: new Set<string>() };
      this.#keys.set(group, fresh);
      return fresh;
    }
    if ([...key.sharedWith].some((d) => !devices.includes(d))) this.rotate(group, "chain");
    return this.#keys.get(group)!;
  }

  /**
   * One group message: the SKDM pairwise (inline) to every member device that lacks the current
   * chain, the Content once under groupEncrypt, the phash over the device list it was encrypted
   * for. A refusal because the group changed reads it again and sends again.
   */
  async send(group: string, body: ContentBody): Promise<SentGroupMessage> {
    const content: Content = { id: newStanzaId(), sentAtMs: Date.now(), body };
    const self = this.#protocolAddress(this.address);
    for (let attempt = 1; ; attempt++) {
      const { epoch, devices } = await this.#membership(group);
      const key = this.#keyFor(group, devices);
      const skdm = await signal.SenderKeyDistributionMessage.create(self, key.distributionId, this.#senderKeys);
      const needKey = devices.filter((d) => !key.sharedWith.has(d));
      const pairwise = await this.#pairwise(group, needKey, skdm.serialize());
      const skmsg = signal.SenderKeyMessage.deserialize((await signal.groupEncrypt(self, key.distributionId, this.#senderKeys, copy(encodeContent(content)))).serialize());
      const phash = phashOf(devices);
      const stanzaId = newStanzaId();
      try {
        await this.peer.messenger.sendGroupMessage({ id: group, epoch, phash }, b64(skmsg.serialize()), pairwise, stanzaId);
      } catch (err) {
        const changed = err instanceof NackError && (err.code === "device-list-mismatch" || err.code === "stale-epoch");
        if (!changed || attempt >= SEND_ATTEMPTS) throw err;
        this.nacks.push(err);
        this.#memberships.delete(group);
        continue;
      }
      for (const d of needKey) key.sharedWith.add(d);
      const sent = { group, stanzaId, content, epoch, phash, devices, skmsg, pairwise };
      this.sent.push(sent);
      return sent;
    }
  }

  /** The SKDM as a pairwise `group-key` Content for each device, over libsignal sessions (started from bundles where missing). */
  async #pairwise(group: string, devices: readonly string[], skdm: Uint8Array): Promise<PairwiseEnc[]> {
    const keyContent: Content = { id: newStanzaId(), sentAtMs: Date.now(), group, body: { type: "group-key", distribution: skdm } };
    for (const user of new Set(devices.map(userOf))) {
      const missing = devices.filter((d) => userOf(d) === user && !this.peer.hasSession(user, deviceOf(d)));
      if (missing.length === 0) continue;
      for (const bundle of await this.peer.fetchBundles(user)) {
        if (missing.includes(addressOf(user, bundle.deviceId))) await this.peer.startSession(user, bundle);
      }
    }
    const encs: PairwiseEnc[] = [];
    for (const d of devices) {
      const enc = await this.peer.encrypt(userOf(d), deviceOf(d), keyContent);
      encs.push({ to: userOf(d), device: enc.device, type: enc.type === "pkmsg" ? "pkmsg" : "msg", payload: enc.payload });
    }
    return encs;
  }

  // ---- receiving ---------------------------------------------------------------------------

  /** Group messages stay unopened in `held` until release(): to open them in an order of the test's choosing. */
  hold(): void {
    this.#holding = true;
  }

  release(): void {
    this.#holding = false;
  }

  /** Every sender key received (and this peer's own chains) forgotten. */
  loseSenderKeys(): void {
    this.#senderKeys.clear();
    this.#keys.clear();
  }

  /**
   * Opens one delivered message with libsignal; what throws lands in `failures`, and a group
   * message that would not open is asked for again with a retry receipt, as the SDK does.
   */
  async open(m: IncomingMessage): Promise<void> {
    try {
      if (m.group) await this.#openGroupMessage(m);
      else await this.#openPairwise(m);
    } catch (err) {
      this.failures.push(`${m.id} from ${m.from}: ${(err as Error).message}`);
      if (m.group) await this.peer.requestRetry(m);
    }
  }

  async #openGroupMessage(m: IncomingMessage): Promise<void> {
    const group = m.group!;
    const from = addressOf(m.from, m.fromDevice);
    if (group.pairwise) {
      const key = await this.peer.decrypt({ ...m, enc: group.pairwise });
      if (key.group !== group.id || key.body.type !== "group-key") throw new Error(`the pairwise enc of a group message is not group ${group.id}'s key`);
      await this.#processDistribution(from, key.body.distribution, "inline");
    }
    const plaintext = await signal.groupDecrypt(this.#protocolAddress(from), this.#senderKeys, fromB64(m.enc.payload));
    this.#deliver(group.id, m, decodeContent(plaintext));
  }

  /** 1:1 content naming a group: a sender key sent ahead of the group message, or a group message resent. */
  async #openPairwise(m: IncomingMessage): Promise<void> {
    const content = await this.peer.decrypt(m);
    if (content.group === undefined) return this.direct.push({ from: m.from, fromDevice: m.fromDevice, content });
    if (content.body.type === "group-key") await this.#processDistribution(addressOf(m.from, m.fromDevice), content.body.distribution, "1:1");
    else this.#deliver(content.group, m, content);
  }

  async #processDistribution(from: string, distribution: Uint8Array, how: "inline" | "1:1"): Promise<void> {
    const skdm = signal.SenderKeyDistributionMessage.deserialize(copy(distribution));
    await signal.processSenderKeyDistributionMessage(this.#protocolAddress(from), skdm, this.#senderKeys);
    this.distributions.push({ from, skdm, how });
  }

  #deliver(group: string, m: IncomingMessage, content: Content): void {
    const c = { group, from: m.from, fromDevice: m.fromDevice, content };
    this.receivedLog.push(c);
    this.received.push(c);
  }

  close(): void {
    this.peer.close();
  }
}
