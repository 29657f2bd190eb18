import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { MemorySeenStore, Messenger, NackError, type IncomingMessage, type IncomingNotification, type IncomingReceipt } from "../../client/index.ts";
import type { ParleyConnection } from "../../client/connection.ts";
import type { SocketLike } from "../../client/socket.ts";
import type { SocketAttachment } from "../../durable-objects/socket-attachment.ts";
import { CloseCode } from "../../protocol/close-codes.ts";
import type { Enc, ReceiptType } from "../../protocol/stanzas/index.ts";
import { newConnection, newDevice, randomSub, workerSocketFactory, type TestDevice } from "../helpers/gateway.ts";
import { ciphertext } from "../helpers/users.ts";
import type { SeededRandom } from "./seeded-random.ts";

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function userStub(networkId: string) {
  return env.USERS.get(env.USERS.idFromName(networkId));
}

/** One running incarnation of a device's app: a connection, its messenger, and whether it was shut down. */
export interface Session {
  readonly conn: ParleyConnection;
  readonly messenger: Messenger;
  /** Set once the app closed this session (went offline). */
  ended: boolean;
  /** The app process died with it: its handlers still running never complete. */
  killed: boolean;
  readonly endedSignal: Promise<"ended">;
  readonly end: () => void;
}

export interface FleetUser {
  readonly index: number;
  readonly networkId: string;
  readonly devices: FleetDevice[];
}

/**
 * A device running the SDK the way an application would: a Messenger over an auto-reconnecting
 * ParleyConnection, a SeenStore that outlives every connection (the app's persisted handled-ID
 * set), and the remembered gateway key so every reconnect after the first uses IK.
 */
export class FleetDevice {
  readonly seen = new MemorySeenStore();
  serverKey: Uint8Array | null = null;
  session: Session | null = null;
  /** The client side of the current socket, so chaos can cut the link from the client's end. */
  socket: SocketLike | null = null;
  #waiters: ((s: Session) => void)[] = [];
  #opening: Promise<void> | null = null;

  constructor(
    readonly fleet: Fleet,
    readonly user: FleetUser,
    readonly device: TestDevice,
    readonly label: string,
  ) {}

  get deviceId(): string {
    return this.device.deviceId;
  }

  /** The live session, or the next one once the device is back online. */
  online(): Promise<Session> {
    if (this.session) return Promise.resolve(this.session);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Opens a new session unless one is live or being set up (two at once would replace each other: 4409), and waits until it is connected. */
  async goOnline(): Promise<void> {
    if (!this.session) {
      this.#opening ??= this.#open().finally(() => (this.#opening = null));
      await this.#opening;
    }
    // Rejects only if the app went offline again meanwhile, which is its own business.
    await this.session?.conn.connect().catch(() => undefined);
  }

  async #open(): Promise<void> {
    const conn = await newConnection(this.device, {
      serverStaticKey: this.serverKey,
      reconnect: { baseMs: 5, maxMs: 40 },
      keepaliveMs: 300,
      pongTimeoutMs: 3000,
      handshakeTimeoutMs: 3000,
      random: () => this.fleet.rand.next(),
      socketFactory: async (url) => {
        const socket = await workerSocketFactory(url);
        // A link that dies just after a frame went out: whether the gateway still handles the
        // frame, and whether its answer gets through, is down to timing; the outbox covers each case.
        const send = socket.send.bind(socket);
        socket.send = (data) => {
          send(data);
          if (this.fleet.rand.chance(this.fleet.linkCutChance)) {
            this.fleet.count("cut-after-send");
            const cut = () => {
              try {
                socket.close(1001, "chaos: link lost after send");
              } catch {
                // Already closed.
              }
            };
            setTimeout(cut, this.fleet.rand.int(12));
          }
        };
        this.socket = socket;
        return socket;
      },
    });
    conn.on("serverKey", (key) => {
      this.serverKey = key;
    });
    const messenger = new Messenger(conn, { seen: this.seen });
    let end: () => void = () => undefined;
    const endedSignal = new Promise<"ended">((resolve) => (end = () => resolve("ended")));
    const session: Session = { conn, messenger, ended: false, killed: false, endedSignal, end };
    messenger.onMessage((m) => this.fleet.handleMessage(this, session, m));
    messenger.onReceipt((r) => this.fleet.handleReceipt(this, session, r));
    messenger.onNotification((n) => this.fleet.handleNotification(this, session, n));
    conn.on("close", ({ code, reason, reconnectInMs }) => {
      this.fleet.stats.closes++;
      // Only the app itself may end a session for good; anything else is a client stranded offline.
      if (reconnectInMs === null && !session.ended) {
        this.fleet.failures.push(`${this.label}: connection closed for good by ${code} ${reason}`);
        this.#retire(session);
        void this.goOnline();
      }
    });
    this.session = session;
    for (const w of this.#waiters.splice(0)) w(session);
  }

  /**
   * The app shuts its connection (backgrounded, logged out...) and later opens a new one with
   * the same SeenStore. `kill`: the app process dies too, so handlers it was running never
   * finish; otherwise they do, possibly while the next session already replays the same rows.
   */
  goOffline(kill: boolean): void {
    const session = this.session;
    if (!session) return;
    session.killed = kill;
    this.#retire(session);
    session.conn.close();
  }

  #retire(session: Session): void {
    session.ended = true;
    session.end();
    if (this.session === session) this.session = null;
  }
}

/** Something the app wants the gateway to accept, retried until it is. */
type Outgoing =
  | { readonly kind: "message"; readonly id: string; readonly to: FleetUser; readonly encs: readonly Enc[] }
  | { readonly kind: "receipt"; readonly id: string; readonly to: FleetUser; readonly type: ReceiptType };

export interface FleetStats {
  messagesSent: number;
  messagesAcked: number;
  duplicateAcks: number;
  receiptsSent: number;
  retryableNacks: Record<string, number>;
  resubmitsAfterOffline: number;
  handlerCrashes: number;
  closes: number;
  /** Longest time from submitting a message to its ack, reconnects and resends included. */
  slowestAcceptMs: number;
  chaos: Record<string, number>;
}

/** Message and receipt IDs are unique across the whole fleet, so a delivery names its send unambiguously. */
interface SentMessage {
  readonly from: FleetDevice;
  readonly to: FleetUser;
  acked: boolean;
}

/**
 * Users, their devices, and a ledger of everything sent, accepted and handled. The
 * application handlers here are what "delivered to the application" means: a delivery counts
 * when a handler returned, which is when the SDK records it as seen and acks it.
 */
export class Fleet {
  readonly users: FleetUser[] = [];
  readonly failures: string[] = [];
  readonly stats: FleetStats = {
    messagesSent: 0,
    messagesAcked: 0,
    duplicateAcks: 0,
    receiptsSent: 0,
    retryableNacks: {},
    resubmitsAfterOffline: 0,
    handlerCrashes: 0,
    closes: 0,
    slowestAcceptMs: 0,
    chaos: {},
  };
  readonly messages = new Map<string, SentMessage>();
  /** `${id}|${deviceId}` -> completed handler runs. */
  readonly handled = new Map<string, number>();
  /** Receipts accepted by the gateway: `${author networkId}|${id}|${type}`. */
  readonly receiptsAccepted = new Set<string>();
  /** `${author networkId}|${id}|${type}|${deviceId}` -> completed handler runs. */
  readonly receiptsHandled = new Map<string, number>();
  /** Every retrying send still running; the run is over only when all settled. */
  readonly work = new Set<Promise<void>>();
  /** Probabilities for what the app does in its handlers. */
  handlerChaos = { slow: 0.15, crash: 0.03, receipt: 0.35 };
  /** Chance that a client's link dies right after each frame it sends. */
  linkCutChance = 0;

  constructor(readonly rand: SeededRandom) {}

  /** Works for subclasses too (`GroupFleet.create` makes a GroupFleet). */
  static async create<F extends Fleet>(this: new (rand: SeededRandom) => F, rand: SeededRandom, devicesPerUser: readonly number[]): Promise<F> {
    const fleet = new this(rand);
    for (const [index, count] of devicesPerUser.entries()) {
      const sub = randomSub();
      const devices: TestDevice[] = [];
      for (let d = 0; d < count; d++) devices.push(await newDevice(sub));
      const user: FleetUser = { index, networkId: devices[0]!.networkId, devices: [] };
      devices.forEach((device, d) => user.devices.push(new FleetDevice(fleet, user, device, `u${index}d${d}`)));
      fleet.users.push(user);
    }
    return fleet;
  }

  get devices(): FleetDevice[] {
    return this.users.flatMap((u) => u.devices);
  }

  /** Sends a message to every device of `to`, retrying until accepted; resolves when acked. */
  sendMessage(from: FleetDevice, to: FleetUser, id: string): Promise<void> {
    const encs = to.devices.map((d): Enc => ({ device: d.deviceId, type: "msg", payload: ciphertext(expectedText(id, d.deviceId)) }));
    this.messages.set(id, { from, to, acked: false });
    this.stats.messagesSent++;
    const started = Date.now();
    return this.#track(
      this.#submit(from, { kind: "message", id, to, encs }).then((duplicate) => {
        this.stats.slowestAcceptMs = Math.max(this.stats.slowestAcceptMs, Date.now() - started);
        const m = this.messages.get(id)!;
        m.acked = true;
        this.stats.messagesAcked++;
        if (duplicate) this.stats.duplicateAcks++;
      }),
    );
  }

  #track(p: Promise<void>): Promise<void> {
    const tracked = p.catch((err) => {
      this.failures.push(String(err));
    });
    this.work.add(tracked);
    void tracked.finally(() => this.work.delete(tracked));
    return tracked;
  }

  /**
   * What an app with a persisted outbox does: submit on the current session; the SDK's own
   * outbox resends it across reconnects; if the app shut that session first, submit again on
   * the next one with the same ID. Retryable refusals wait and resend; anything else is a bug.
   */
  async #submit(from: FleetDevice, item: Outgoing): Promise<boolean> {
    const deadline = Date.now() + 40_000;
    for (let attempt = 0; ; attempt++) {
      if (Date.now() > deadline) throw new Error(`${from.label}: ${item.kind} ${item.id} never accepted`);
      const session = await from.online();
      const sending =
        item.kind === "message"
          ? session.messenger.sendMessage(item.to.networkId, item.encs, item.id).then((a) => ({ ok: true as const, duplicate: a.duplicate }))
          : session.messenger.sendReceipt(item.to.networkId, item.id, item.type).then(() => ({ ok: true as const, duplicate: false }));
      const outcome = await Promise.race([sending.catch((error: unknown) => ({ ok: false as const, error })), session.endedSignal]);
      if (outcome === "ended") {
        this.stats.resubmitsAfterOffline++;
        continue;
      }
      if (outcome.ok) return outcome.duplicate;
      const err = outcome.error;
      if (err instanceof NackError && (err.code === "rate-limited" || err.code === "internal")) {
        this.stats.retryableNacks[err.code] = (this.stats.retryableNacks[err.code] ?? 0) + 1;
        await sleep(err.code === "rate-limited" ? Math.min(2000, Number(err.attrs.retry_ms ?? 100)) : 20);
        continue;
      }
      throw new Error(`${from.label}: ${item.kind} ${item.id} refused: ${String(err)}`);
    }
  }

  async handleMessage(device: FleetDevice, session: Session, m: IncomingMessage): Promise<void> {
    await this.appWork(session);
    const key = `${m.id}|${device.deviceId}`;
    this.handled.set(key, (this.handled.get(key) ?? 0) + 1);
    const sent = this.messages.get(m.id);
    if (!sent) {
      this.failures.push(`${device.label}: delivered a message nobody sent: ${m.id}`);
      return;
    }
    const wrong: string[] = [];
    if (m.from !== sent.from.user.networkId) wrong.push(`from ${m.from}`);
    if (m.fromDevice !== sent.from.deviceId) wrong.push(`from_device ${m.fromDevice}`);
    if (sent.to !== device.user) wrong.push("recipient");
    if (m.enc.device !== device.deviceId) wrong.push(`enc for ${m.enc.device}`);
    if (m.enc.payload !== ciphertext(expectedText(m.id, device.deviceId))) wrong.push("payload");
    if (wrong.length > 0) this.failures.push(`${device.label}: message ${m.id} delivered with wrong ${wrong.join(", ")}`);
    if (this.rand.chance(this.handlerChaos.receipt)) {
      const type: ReceiptType = this.rand.chance(0.5) ? "delivered" : "read";
      const author = device.user.networkId;
      this.stats.receiptsSent++;
      void this.#track(
        this.#submit(device, { kind: "receipt", id: m.id, to: sent.from.user, type }).then(() => {
          this.receiptsAccepted.add(`${author}|${m.id}|${type}`);
        }),
      );
    }
  }

  async handleReceipt(device: FleetDevice, session: Session, r: IncomingReceipt): Promise<void> {
    await this.appWork(session);
    const key = `${r.from}|${r.id}|${r.type}|${device.deviceId}`;
    this.receiptsHandled.set(key, (this.receiptsHandled.get(key) ?? 0) + 1);
    const sent = this.messages.get(r.id);
    if (!sent || sent.from.user !== device.user) this.failures.push(`${device.label}: receipt for a message this user never sent: ${r.id}`);
  }

  /** Notifications (group changes, for one) are the business of fleets that expect them. */
  async handleNotification(_device: FleetDevice, _session: Session, _n: IncomingNotification): Promise<void> {}

  /**
   * The app's own work in a handler: sometimes slow (a database write), sometimes failing
   * half-way (the SDK must redeliver). A handler of an app that was killed never completes.
   */
  protected async appWork(session: Session): Promise<void> {
    if (this.rand.chance(this.handlerChaos.slow)) await sleep(this.rand.between(1, 40));
    if (session.killed) throw new Error("app killed mid-handler");
    if (this.rand.chance(this.handlerChaos.crash)) {
      this.stats.handlerCrashes++;
      throw new Error("chaos: handler crashed");
    }
  }

  count(kind: string): void {
    this.stats.chaos[kind] = (this.stats.chaos[kind] ?? 0) + 1;
  }

  /** Closes a device's sockets from the gateway's side, with a code after which clients reconnect. */
  async serverDrop(user: FleetUser, deviceId: string | null, code: number): Promise<void> {
    await runInDurableObject(userStub(user.networkId), (_i, state) => {
      for (const ws of state.getWebSockets()) {
        const a = ws.deserializeAttachment() as SocketAttachment | null;
        if (deviceId !== null && (a?.phase !== "open" || a.deviceId !== deviceId)) continue;
        try {
          ws.close(code, "chaos");
        } catch {
          // Already closing.
        }
      }
    });
  }

  /** Evicts a user's object; rejects only when it was not running, which is no chaos at all. */
  async evict(user: FleetUser, webSockets: "hibernate" | "close"): Promise<boolean> {
    try {
      await evictDurableObject(userStub(user.networkId), { webSockets });
      return true;
    } catch {
      return false;
    }
  }

  /** Deliveries still missing: expected (message, device) pairs and receipts not yet handled. */
  missing(): string[] {
    const out: string[] = [];
    for (const [id, m] of this.messages) {
      if (!m.acked) continue;
      for (const d of m.to.devices) if (!this.handled.has(`${id}|${d.deviceId}`)) out.push(`message ${id} -> ${d.label}`);
    }
    for (const r of this.receiptsAccepted) {
      const [, id] = r.split("|");
      const m = this.messages.get(id!)!;
      for (const d of m.from.user.devices) if (!this.receiptsHandled.has(`${r}|${d.deviceId}`)) out.push(`receipt ${r} -> ${d.label}`);
    }
    return out;
  }

  /** Every delivery the application saw more than once, or never should have seen. */
  duplicates(): string[] {
    const out: string[] = [];
    for (const [key, n] of this.handled) if (n !== 1) out.push(`message ${key} handled ${n} times`);
    for (const [key, n] of this.receiptsHandled) {
      if (n !== 1) out.push(`receipt ${key} handled ${n} times`);
      const [author, id, type] = key.split("|");
      if (!this.receiptsAccepted.has(`${author}|${id}|${type}`)) out.push(`receipt ${key} handled but never accepted`);
    }
    return out;
  }
}

export function expectedText(id: string, deviceId: string): string {
  return `${id}>${deviceId}`;
}

/** Close codes a gateway may use to shed a session that clients must simply reconnect after. */
export const RECONNECTABLE_CODES = [CloseCode.SERVICE_RESTART, CloseCode.INTERNAL_ERROR, CloseCode.DECRYPT_FAILED, CloseCode.NORMAL] as const;
