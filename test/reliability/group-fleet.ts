import { NackError, type IncomingMessage, type IncomingNotification } from "../../client/index.ts";
import { phashOf, type GroupChange, type PairwiseEnc } from "../../protocol/stanzas/index.ts";
import { element, type XmlElement } from "../../protocol/xml/index.ts";
import { newDevice } from "../helpers/gateway.ts";
import { ciphertext } from "../helpers/users.ts";
import { Fleet, FleetDevice, sleep, type FleetUser, type Session } from "./chaos.ts";

/** `networkId.deviceId`: how phash= and device-list-mismatch name a member device. */
export const lineOf = (d: FleetDevice) => `${d.user.networkId}.${d.deviceId}`;

export const skmsgOf = (id: string) => ciphertext(`skmsg ${id}`);
export const pairwiseOf = (id: string, line: string) => ciphertext(`skdm ${id} > ${line}`);

/** One change as the iq that made it answered: the epoch it returned, and who was in after it. */
interface Change {
  readonly epoch: number;
  readonly change: GroupChange;
  readonly by: string;
  readonly users: readonly string[];
  readonly members: ReadonlySet<string>;
  /** The fleet's logical clock when the op that made it was first submitted. */
  readonly startedAt: number;
}

/**
 * What the test knows of one group, from the answers to its own iqs alone. Its membership
 * ops run one at a time, so each answer's epoch is that op's (a resent op that had already
 * applied answers with the current epoch, which nothing else has moved meanwhile).
 */
export class GroupLedger {
  readonly changes: Change[] = [];
  readonly promoted = new Set<string>();

  constructor(
    readonly id: string,
    readonly admin: FleetUser,
  ) {}

  get epoch(): number {
    return this.changes.at(-1)?.epoch ?? 0;
  }

  get members(): ReadonlySet<string> {
    return this.changes.at(-1)?.members ?? new Set();
  }

  membersAt(epoch: number): ReadonlySet<string> {
    return epoch === 0 ? new Set() : this.changes[epoch - 1]!.members;
  }

  /** Records a change answered with `epoch`; anything but the next epoch is a gateway bug. */
  record(epoch: number, change: GroupChange, by: string, users: readonly string[], startedAt: number): string | null {
    if (epoch !== this.epoch + 1) return `group ${this.id}: ${change} ${users.join(" ")} answered epoch ${epoch} after ${this.epoch}`;
    const members = new Set(this.members);
    if (change === "created") members.add(by);
    for (const u of users) {
      if (change === "created" || change === "added" || change === "joined") members.add(u);
      if (change === "removed" || change === "left") {
        members.delete(u);
        this.promoted.delete(u);
      }
      if (change === "promoted") this.promoted.add(u);
      if (change === "demoted") this.promoted.delete(u);
    }
    this.changes.push({ epoch, change, by, users, members, startedAt });
    return null;
  }
}

/** What a sending device believes the group is, as a client caches it between sends. */
interface View {
  epoch: number;
  /** Member devices but the sending one. */
  lines: string[];
}

/** One attempt's content: resent unchanged until its outcome is known, so the logged one is the last. */
interface Attempt {
  readonly epoch: number;
  readonly lines: readonly string[];
  readonly pairwise: readonly string[];
}

interface GroupSend {
  readonly id: string;
  readonly from: FleetDevice;
  readonly group: GroupLedger;
  status: "pending" | "accepted" | "refused";
  last: Attempt | null;
}

interface Delivery {
  readonly epoch: number;
  readonly wrong: readonly string[];
  readonly pairwise: string | undefined;
}

/**
 * How long an app waits for an answer on a live session before it resends (same stanza; a
 * new iq). Long enough that a merely slow answer never races its resend.
 */
const UNANSWERED_MS = 10_000;

/** `p`, unless the session ends first or nothing comes back in UNANSWERED_MS. */
function answerOn<T>(session: Session, p: Promise<T>, fleet: Fleet): Promise<T | "ended" | "unanswered"> {
  let giveUp: () => void = () => undefined;
  const unanswered = new Promise<"unanswered">((resolve) => (giveUp = () => resolve("unanswered")));
  const timer = setTimeout(giveUp, UNANSWERED_MS);
  return Promise.race([p, session.endedSignal, unanswered]).then((outcome) => {
    clearTimeout(timer);
    // Counted, so a run where the gateway left stanzas unanswered says so.
    if (outcome === "unanswered") fleet.count("unanswered-resent");
    return outcome;
  });
}

export type Outcome = { readonly ok: true; readonly el: XmlElement } | { readonly ok: false; readonly error: NackError };

/**
 * The chaos fleet with groups: devices send group messages the way a real client does
 * (cached view of the group, re-read on stale-epoch, the list from device-list-mismatch, the
 * same stanza ID throughout), admins change membership, and the application handlers record
 * every group message and change notification handed to them.
 */
export class GroupFleet extends Fleet {
  readonly groups: GroupLedger[] = [];
  readonly sends = new Map<string, GroupSend>();
  /** `${id}|${line}` -> completed handler runs, and what the first delivery looked like. */
  readonly groupHandled = new Map<string, number>();
  readonly groupDelivered = new Map<string, Delivery>();
  /** `${group}|${epoch}|${line}` -> completed handler runs. */
  readonly noticesHandled = new Map<string, number>();
  /** Per device and group: notification epochs in the order the application first saw them. */
  readonly noticeOrder = new Map<string, number[]>();
  /** What each notification said, to compare with what the iq answered: `${group}|${epoch}`. */
  readonly noticeSaid = new Map<string, string>();
  /** Devices enrolled during the run: line -> logical time its enrollment completed. */
  readonly lateDevices = new Map<string, number>();
  readonly views = new Map<string, View>();
  /** Per device and group, the lines this device's current sender key went to. */
  readonly keyed = new Map<string, Set<string>>();
  clock = 0;
  /** Longest an iq took to be answered, resubmits included (a stall shows here first). */
  slowestIqMs = 0;

  tick(): number {
    return ++this.clock;
  }

  groupOf(id: string): GroupLedger | undefined {
    return this.groups.find((g) => g.id === id);
  }

  userOf(networkId: string): FleetUser {
    return this.users.find((u) => u.networkId === networkId)!;
  }

  track(p: Promise<void>): Promise<void> {
    const tracked = p.catch((err: unknown) => {
      this.failures.push(err instanceof Error ? (err.stack ?? err.message) : String(err));
    });
    this.work.add(tracked);
    void tracked.finally(() => this.work.delete(tracked));
    return tracked;
  }

  /** An iq from `device`, resubmitted on the next session if this one ends unanswered; transient refusals wait and resend. */
  async ask(device: FleetDevice, type: "get" | "set", query: XmlElement): Promise<Outcome> {
    const started = Date.now();
    const outcome = await this.#ask(device, type, query);
    this.slowestIqMs = Math.max(this.slowestIqMs, Date.now() - started);
    return outcome;
  }

  async #ask(device: FleetDevice, type: "get" | "set", query: XmlElement): Promise<Outcome> {
    const deadline = Date.now() + 40_000;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`${device.label}: <${query.name}> never answered`);
      const session = await device.online();
      const asking = session.messenger.iq(type, query).then((el): Outcome => ({ ok: true, el: el.children[0]! }));
      const outcome = await answerOn(session, asking.catch((error: unknown) => ({ ok: false as const, error })), this);
      if (outcome === "ended" || outcome === "unanswered") continue;
      if (outcome.ok) return outcome;
      const err = outcome.error;
      if (!(err instanceof NackError)) throw err;
      if (err.code === "rate-limited" || err.code === "internal") {
        this.count(`iq-${err.code}`);
        await sleep(err.code === "rate-limited" ? Math.min(2000, Number(err.attrs.retry_ms ?? 100)) : 20);
        continue;
      }
      return { ok: false, error: err };
    }
  }

  /** Creates a group of `admin` and `members` (all must accept direct adds). */
  async createGroup(admin: FleetUser, members: readonly FleetUser[]): Promise<GroupLedger> {
    const startedAt = this.tick();
    const answer = await this.ask(admin.devices[0]!, "set", element("group-create", { members: members.map((m) => m.networkId).join(" ") }));
    if (!answer.ok) throw answer.error;
    const ledger = new GroupLedger(answer.el.attrs.id!, admin);
    this.#adds.set(admin.networkId, this.addsBy(admin) + members.length);
    const joined = answer.el.children.filter((c) => c.name === "member" && c.attrs.user !== admin.networkId).map((c) => c.attrs.user!);
    const problem = ledger.record(Number(answer.el.attrs.epoch), "created", admin.networkId, joined, startedAt);
    if (problem || joined.length !== members.length) throw new Error(problem ?? `create left out ${members.length - joined.length} members`);
    this.groups.push(ledger);
    return ledger;
  }

  /** Users each user named in creates and adds (the gateway's GROUP_ADDS_PER_MINUTE budget). */
  readonly #adds = new Map<string, number>();

  addsBy(user: FleetUser): number {
    return this.#adds.get(user.networkId) ?? 0;
  }

  /** One membership op by `admin` (a leave: by `user`), recorded from its answer. Call one at a time per group. */
  async change(group: GroupLedger, op: "add" | "remove" | "leave" | "promote" | "demote", user: FleetUser, admin: FleetUser = group.admin): Promise<void> {
    const startedAt = this.tick();
    const actor = op === "leave" ? user : admin;
    const device = this.rand.pick(actor.devices);
    const query =
      op === "add"
        ? element("group-add", { group: group.id, members: user.networkId })
        : op === "leave"
          ? element("group-leave", { group: group.id })
          : element(`group-${op}`, { group: group.id, user: user.networkId });
    const answer = await this.ask(device, "set", query);
    const kind: GroupChange = ({ add: "added", remove: "removed", leave: "left", promote: "promoted", demote: "demoted" } as const)[op];
    let epoch: number;
    if (answer.ok) {
      epoch = Number(answer.el.attrs.epoch);
      if (op === "add" && !answer.el.children.some((c) => c.name === "member" && c.attrs.user === user.networkId)) {
        this.failures.push(`${group.id}: add of ${user.networkId} did not make it a member: ${JSON.stringify(answer.el.children.map((c) => c.attrs))}`);
        return;
      }
    } else if (op === "leave" && answer.error.code === ("not-found" as string)) {
      // The leave was applied, and its answer lost: the resend finds no member. The group's
      // epoch now is the leave's (this group's ops run one at a time).
      this.count("leave-answer-lost");
      const view = await this.ask(group.admin.devices[0]!, "get", element("group-get", { group: group.id }));
      if (!view.ok) throw view.error;
      if (view.el.children.some((c) => c.attrs.user === user.networkId)) {
        this.failures.push(`${group.id}: leave of ${user.networkId} refused as not-found while a member`);
        return;
      }
      epoch = Number(view.el.attrs.epoch);
    } else {
      this.failures.push(`${group.id}: ${op} ${user.networkId} refused: ${answer.error.message}`);
      return;
    }
    if (op === "add") this.#adds.set(actor.networkId, this.addsBy(actor) + 1);
    const by = actor.networkId;
    const problem = group.record(epoch, kind, by, [user.networkId], startedAt);
    if (problem) this.failures.push(problem);
    this.count(`op-${op}`);
  }

  /** Enrolls one more device for `user` mid-run and brings it online. */
  async enroll(user: FleetUser): Promise<FleetDevice> {
    const device = new FleetDevice(this, user, await newDevice(user.devices[0]!.device.sub), `u${user.index}d${user.devices.length}`);
    this.lateDevices.set(lineOf(device), this.tick());
    user.devices.push(device);
    await device.goOnline();
    return device;
  }

  #viewKey = (d: FleetDevice, g: GroupLedger) => `${lineOf(d)}|${g.id}`;

  /** Reads the group as its member `device` sees it now; null once it is not a member. */
  async #readView(device: FleetDevice, group: GroupLedger): Promise<View | null> {
    const answer = await this.ask(device, "get", element("group-get", { group: group.id }));
    if (!answer.ok) {
      if (answer.error.code === ("not-found" as string)) return null;
      throw answer.error;
    }
    const own = lineOf(device);
    const lines = answer.el.children.flatMap((m) => (m.attrs.devices ?? "").split(" ").filter(Boolean).map((d) => `${m.attrs.user}.${d}`)).filter((l) => l !== own);
    const view = { epoch: Number(answer.el.attrs.epoch), lines };
    this.views.set(this.#viewKey(device, group), view);
    return view;
  }

  #keyedOf(device: FleetDevice, group: GroupLedger): Set<string> {
    const key = this.#viewKey(device, group);
    let keyed = this.keyed.get(key);
    if (!keyed) this.keyed.set(key, (keyed = new Set()));
    return keyed;
  }

  /** Sends one group message as a client would, until the group logged it or the sender is out. */
  sendGroup(device: FleetDevice, group: GroupLedger, id: string, onAcked: () => void): Promise<void> {
    const send: GroupSend = { id, from: device, group, status: "pending", last: null };
    this.sends.set(id, send);
    this.stats.messagesSent++;
    const started = Date.now();
    return this.track(
      this.#send(send).then(() => {
        this.stats.slowestAcceptMs = Math.max(this.stats.slowestAcceptMs, Date.now() - started);
        onAcked();
      }),
    );
  }

  /**
   * The app lost the ack it got (killed before it noted the message as sent) and resends the
   * message from its outbox, unchanged, maybe after the group moved on: the gateway must
   * recognize it, whatever changed since (docs/groups.md, Messages).
   */
  async replay(id: string): Promise<void> {
    const send = this.sends.get(id)!;
    if (send.status !== "accepted") return;
    const a = send.last!;
    const pairwise = a.pairwise.map((line): PairwiseEnc => {
      const [to, d] = line.split(".");
      return { to: to!, device: d!, type: "pkmsg", payload: pairwiseOf(id, line) };
    });
    const deadline = Date.now() + 40_000;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`${send.from.label}: resent group message ${id} never answered`);
      const session = await send.from.online();
      const sending = session.messenger.sendGroupMessage({ id: send.group.id, epoch: a.epoch, phash: phashOf(a.lines) }, skmsgOf(id), pairwise, id);
      const outcome = await answerOn(session, sending.then((r) => ({ ok: true as const, duplicate: r.duplicate })).catch((error: unknown) => ({ ok: false as const, error })), this);
      if (outcome === "ended" || outcome === "unanswered") continue;
      if (outcome.ok) {
        this.count(outcome.duplicate ? "replay-duplicate" : "replay-logged-again");
        if (!outcome.duplicate) this.failures.push(`gateway: group message ${id}, resent after its ack, was logged again`);
        return;
      }
      const err = outcome.error;
      if (err instanceof NackError && (err.code === "rate-limited" || err.code === "internal")) {
        await sleep(err.code === "rate-limited" ? Math.min(2000, Number(err.attrs.retry_ms ?? 100)) : 20);
        continue;
      }
      const removed = !send.group.members.has(send.from.user.networkId);
      this.count(`replay-refused${removed ? "-after-removal" : ""}`);
      this.failures.push(`gateway: group message ${id}, logged, resent unchanged${removed ? " after its sender left the group" : ""}: refused ${String(err)}`);
      return;
    }
  }

  async #send(send: GroupSend): Promise<void> {
    const { from: device, group, id } = send;
    const deadline = Date.now() + 40_000;
    let view = this.views.get(this.#viewKey(device, group)) ?? (await this.#readView(device, group));
    /** Set while the last attempt's outcome is unknown: resent exactly as it was. */
    let pinned: Attempt | null = null;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`${device.label}: group message ${id} never accepted`);
      if (!view) {
        send.status = "refused";
        return this.count("sender-not-member");
      }
      const keyed = this.#keyedOf(device, group);
      const attempt: Attempt = pinned ?? { epoch: view.epoch, lines: [...view.lines], pairwise: view.lines.filter((l) => !keyed.has(l)) };
      send.last = attempt;
      const pairwise = attempt.pairwise.map((line): PairwiseEnc => {
        const [to, d] = line.split(".");
        return { to: to!, device: d!, type: "pkmsg", payload: pairwiseOf(id, line) };
      });
      const session = await device.online();
      const sending = session.messenger.sendGroupMessage({ id: group.id, epoch: attempt.epoch, phash: phashOf(attempt.lines) }, skmsgOf(id), pairwise, id);
      const outcome = await answerOn(session, sending.then((a) => ({ ok: true as const, duplicate: a.duplicate })).catch((error: unknown) => ({ ok: false as const, error })), this);
      if (outcome === "ended" || outcome === "unanswered") {
        this.stats.resubmitsAfterOffline++;
        pinned = attempt;
        continue;
      }
      if (outcome.ok) {
        send.status = "accepted";
        this.stats.messagesAcked++;
        if (outcome.duplicate) this.stats.duplicateAcks++;
        for (const l of attempt.lines) keyed.add(l);
        return;
      }
      const err = outcome.error;
      if (!(err instanceof NackError)) throw err;
      const code = err.code as string;
      this.count(code);
      if (code === "rate-limited" || code === "internal") {
        pinned = attempt;
        await sleep(code === "rate-limited" ? Math.min(2000, Number(err.attrs.retry_ms ?? 100)) : 20);
        continue;
      }
      // A definite refusal: not logged. Whatever goes next is a new attempt.
      pinned = null;
      if (code === "stale-epoch") {
        view = await this.#readView(device, group);
      } else if (code === "device-list-mismatch") {
        const devices = err.attrs.devices;
        view = devices === undefined ? await this.#readView(device, group) : { epoch: attempt.epoch, lines: devices.split(" ").filter(Boolean) };
        if (view && devices !== undefined) this.views.set(this.#viewKey(device, group), view);
      } else if (code === "unknown-recipient") {
        // Removed meanwhile (a resend of one logged before would be acked as a duplicate).
        send.status = "refused";
        return;
      } else {
        throw new Error(`${device.label}: group message ${id} refused: ${err.message}`);
      }
    }
  }

  override async handleMessage(device: FleetDevice, session: Session, m: IncomingMessage): Promise<void> {
    if (!m.group) return super.handleMessage(device, session, m);
    await this.appWork(session);
    const key = `${m.id}|${lineOf(device)}`;
    this.groupHandled.set(key, (this.groupHandled.get(key) ?? 0) + 1);
    if (this.groupDelivered.has(key)) return;
    const send = this.sends.get(m.id);
    const wrong: string[] = [];
    if (!send) wrong.push("no such send");
    else {
      if (m.from !== send.from.user.networkId || m.fromDevice !== send.from.deviceId) wrong.push(`from ${m.from}.${m.fromDevice}`);
      if (m.group.id !== send.group.id) wrong.push(`group ${m.group.id}`);
    }
    if (m.enc.type !== "skmsg" || m.enc.payload !== skmsgOf(m.id)) wrong.push("skmsg");
    this.groupDelivered.set(key, { epoch: m.group.epoch, wrong, pairwise: m.group.pairwise?.payload });
  }

  override async handleNotification(device: FleetDevice, session: Session, n: IncomingNotification): Promise<void> {
    if (n.type !== "group") return;
    const group = n.attrs.group!;
    const epoch = Number(n.attrs.epoch);
    const line = lineOf(device);
    const key = `${group}|${epoch}|${line}`;
    // Order as the gateway hands them over: a handler that crashes is run again later, after
    // younger ones, which is the SDK's choice, not the gateway's.
    const order = this.noticeOrder.get(`${line}|${group}`) ?? [];
    this.noticeOrder.set(`${line}|${group}`, order);
    if (!order.includes(epoch)) order.push(epoch);
    this.noticeSaid.set(`${group}|${epoch}|${line}`, `${n.attrs.change} by ${n.attrs.by} of ${n.attrs.user ?? ""}`);
    await this.appWork(session);
    this.noticesHandled.set(key, (this.noticesHandled.get(key) ?? 0) + 1);
    this.#learn(device, group, epoch, n.attrs.change as GroupChange, (n.attrs.user ?? "").split(" ").filter(Boolean));
  }

  /** A client's cache follows the change notifications: the epoch, and who left (whose devices it drops, rotating its key). */
  #learn(device: FleetDevice, groupId: string, epoch: number, change: GroupChange, users: readonly string[]): void {
    const group = this.groupOf(groupId);
    if (!group) return;
    const key = this.#viewKey(device, group);
    if (users.includes(device.user.networkId) && (change === "removed" || change === "left")) {
      this.views.delete(key);
      this.keyed.delete(key);
      return;
    }
    const view = this.views.get(key);
    if (!view || epoch <= view.epoch) return;
    view.epoch = epoch;
    if (change === "removed" || change === "left") {
      view.lines = view.lines.filter((l) => !users.includes(l.split(".")[0]!));
      this.keyed.delete(key);
    }
  }

  /** Devices of `user` enrolled from the start, or before logical time `t`. */
  #devicesBefore(user: string, t: number): string[] {
    return this.userOf(user)
      .devices.map(lineOf)
      .filter((l) => (this.lateDevices.get(l) ?? 0) < t);
  }

  /** Every (group message, device) and (notification, device) the contract says must be handled, not yet handled. */
  groupMissing(): string[] {
    const out: string[] = [];
    for (const s of this.sends.values()) {
      if (s.status !== "accepted") continue;
      for (const l of s.last!.lines) if (!this.groupHandled.has(`${s.id}|${l}`)) out.push(`message ${s.id} -> ${l}`);
    }
    for (const g of this.groups) {
      for (const c of g.changes) {
        for (const user of new Set([...g.membersAt(c.epoch - 1), ...c.members])) {
          for (const l of this.#devicesBefore(user, c.startedAt)) if (!this.noticesHandled.has(`${g.id}|${c.epoch}|${l}`)) out.push(`notice ${g.id}@${c.epoch} -> ${l}`);
        }
      }
    }
    return out;
  }

  /** Everything delivered that must not have been, twice, wrong, or out of order. */
  groupViolations(): string[] {
    const out: string[] = [];
    for (const [key, n] of [...this.groupHandled, ...this.noticesHandled]) if (n !== 1) out.push(`${key} handled ${n} times`);
    const deliveredTo = new Map<string, string[]>();
    for (const [key, d] of this.groupDelivered) {
      const [id, line] = key.split("|") as [string, string];
      deliveredTo.set(id, [...(deliveredTo.get(id) ?? []), line]);
      if (d.wrong.length > 0) out.push(`message ${key} delivered with wrong ${d.wrong.join(", ")}`);
    }
    for (const [id, lines] of deliveredTo) {
      const s = this.sends.get(id);
      if (!s) continue;
      if (s.status !== "accepted") {
        out.push(`message ${id} (${s.status}) delivered to ${lines.join(" ")}`);
        continue;
      }
      const a = s.last!;
      const expected = new Set(a.lines);
      for (const l of lines) {
        const d = this.groupDelivered.get(`${id}|${l}`)!;
        if (!expected.has(l)) out.push(`message ${id}@${a.epoch} reached ${l}, not a member device it was sent for`);
        if (d.epoch !== a.epoch) out.push(`message ${id} accepted at epoch ${a.epoch} delivered as of ${d.epoch} to ${l}`);
        const pairwise = a.pairwise.includes(l) ? pairwiseOf(id, l) : undefined;
        if (d.pairwise !== pairwise) out.push(`message ${id} to ${l}: pairwise ${d.pairwise === undefined ? "missing" : "wrong or unexpected"}`);
      }
    }
    // An accepted message's device list is the group's membership at its epoch: the gateway
    // checked it, and the ledger knows who was in.
    for (const s of this.sends.values()) {
      if (s.status !== "accepted") continue;
      const a = s.last!;
      const members = s.group.membersAt(a.epoch);
      const users = new Set([...a.lines.map((l) => l.split(".")[0]!), s.from.user.networkId]);
      if ([...users].sort().join() !== [...members].sort().join()) out.push(`message ${s.id}@${a.epoch} accepted for users ${[...users].join(" ")}, members were ${[...members].join(" ")}`);
      for (const l of a.lines) {
        const user = this.users.find((u) => u.networkId === l.split(".")[0]);
        if (!user?.devices.some((d) => lineOf(d) === l)) out.push(`message ${s.id} accepted for ${l}, no such device`);
      }
      // Devices enrolled mid-run join the list once their push reaches the group; the others are always in it.
      for (const u of members) {
        for (const l of this.#devicesBefore(u, 1)) if (l !== lineOf(s.from) && !a.lines.includes(l)) out.push(`message ${s.id}@${a.epoch} accepted without ${l}`);
      }
    }
    // Notifications: only to those present before or after each change, saying what the iq did, in epoch order.
    for (const g of this.groups) {
      const byEpoch = new Map(g.changes.map((c) => [c.epoch, c]));
      for (const [key, said] of this.noticeSaid) {
        const [group, epochText, line] = key.split("|") as [string, string, string];
        if (group !== g.id) continue;
        const c = byEpoch.get(Number(epochText));
        const user = line.split(".")[0]!;
        if (!c) {
          out.push(`notice ${g.id}@${epochText} to ${line}: no such change`);
          continue;
        }
        const expected = `${c.change} by ${c.by} of ${c.users.join(" ")}`;
        if (normalize(said) !== normalize(expected)) out.push(`notice ${g.id}@${c.epoch} to ${line} said "${said}", the iq did "${expected}"`);
        if (!g.membersAt(c.epoch - 1).has(user) && !c.members.has(user)) out.push(`notice ${g.id}@${c.epoch} reached ${line}, neither member before nor after`);
      }
      for (const d of this.devices) {
        const order = this.noticeOrder.get(`${lineOf(d)}|${g.id}`) ?? [];
        if (order.some((e, i) => i > 0 && e <= order[i - 1]!)) out.push(`notices of ${g.id} reached ${d.label} out of order: ${order.join(",")}`);
      }
    }
    return out;
  }
}

/** The users of a notification in any order. */
function normalize(said: string): string {
  const [head, users = ""] = said.split(" of ");
  return `${head} of ${users.split(" ").filter(Boolean).sort().join(" ")}`;
}
