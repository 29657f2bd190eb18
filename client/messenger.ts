import { backoffDelay } from "./backoff.ts";
import { bytesToBase32 } from "../protocol/bytes.ts";
import {
  ackClassOf,
  readServerStanza,
  type Enc,
  type NackCode,
  type PairwiseEnc,
  type ReceiptType,
  type ServerStanza,
} from "../protocol/stanzas/index.ts";
import { element, parseXml, serializeXml, type XmlElement } from "../protocol/xml/index.ts";
import type { ParleyConnection } from "./connection.ts";
import { Emitter } from "./events.ts";

export class NackError extends Error {
  constructor(
    readonly code: NackCode,
    message: string,
    readonly attrs: Readonly<Record<string, string>>,
  ) {
    super(`${code}: ${message}`);
    this.name = "NackError";
  }
}

/** Remembers which delivered stanzas the application already handled (inject a persistent one to survive restarts). */
export interface SeenStore {
  has(key: string): boolean;
  add(key: string): void;
}

/** An in-memory SeenStore that forgets the oldest keys beyond `capacity`. */
export class MemorySeenStore implements SeenStore {
  readonly #keys = new Set<string>();
  constructor(private readonly capacity = 10_000) {}
  has(key: string): boolean {
    return this.#keys.has(key);
  }
  add(key: string): void {
    this.#keys.add(key);
    if (this.#keys.size > this.capacity) this.#keys.delete(this.#keys.values().next().value as string);
  }
}

export type IncomingMessage = Extract<ServerStanza, { kind: "message" }>;
export type IncomingReceipt = Extract<ServerStanza, { kind: "receipt" }>;
export type IncomingNotification = Extract<ServerStanza, { kind: "notification" }>;

export interface MessengerEvents extends Record<string, unknown> {
  /** The stored backlog has been replayed (`count` stanzas) after a (re)connect. */
  backlogDone: { readonly count: number };
  presence: { readonly from: string; readonly type: string };
  chatstate: { readonly from: string; readonly state: string };
  /** A stanza was refused for a transient reason and will be resent (same ID) in `inMs`. */
  retrying: { readonly class: string; readonly id: string; readonly code: NackCode; readonly inMs: number };
}

/** Resends after a transient refusal before the promise rejects; the gateway dedupes by ID. */
export const DEFAULT_RETRIES = 3;
/** `internal` refusals carry no retry time: back off from this, doubling, with full jitter. */
const INTERNAL_RETRY = { baseMs: 200, maxMs: 5_000 };
const MAX_RETRY_MS = 30_000;

export type Handler<T> = (value: T) => void | Promise<void>;

interface Pending {
  readonly stanza: string;
  /** Resends after transient refusals so far (rate-limited, internal). */
  retries: number;
  /** Called with the answering <ack> or <iq type="result">. */
  readonly resolve: (answer: XmlElement) => void;
  readonly reject: (err: Error) => void;
}

/**
 * Handlers running now, per SeenStore: an app that closed its connection and opened a new
 * one shares its SeenStore between two Messengers, and the old one's handler may still be
 * running when the new one is handed the same stanza again (its ack never reached the gateway).
 */
const handling = new WeakMap<SeenStore, Map<string, Promise<void>>>();

export function newStanzaId(): string {
  return bytesToBase32(crypto.getRandomValues(new Uint8Array(15)));
}

/**
 * Stanzas on top of a ParleyConnection, with delivery guarantees at both ends:
 * - sent stanzas stay in an outbox until the gateway acks or nacks them, and are resent
 *   (same ID, so the gateway dedupes) after every reconnect;
 * - a delivered stanza is acked to the gateway only after its handler returned, so a crash
 *   mid-handler means redelivery, and redeliveries of handled stanzas are acked without
 *   reaching the handler again: each reaches the application exactly once.
 */
export class Messenger extends Emitter<MessengerEvents> {
  readonly #pending = new Map<string, Pending>();
  readonly #seen: SeenStore;
  readonly #retries: number;
  #onMessage: Handler<IncomingMessage> = () => undefined;
  #onReceipt: Handler<IncomingReceipt> = () => undefined;
  #onNotification: Handler<IncomingNotification> = () => undefined;
  #chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly connection: ParleyConnection,
    /**
     * `retries`: how often a stanza refused as `rate-limited` (after the gateway's
     * `retry_ms`) or `internal` (with backoff) is resent before its promise rejects. 0 leaves
     * every refusal to the application. Default 3.
     */
    options: { seen?: SeenStore; retries?: number } = {},
  ) {
    super();
    this.#seen = options.seen ?? new MemorySeenStore();
    this.#retries = options.retries ?? DEFAULT_RETRIES;
    connection.on("stanza", (bytes) => {
      let stanza: { el: XmlElement; s: ServerStanza };
      try {
        const el = parseXml(bytes);
        stanza = { el, s: readServerStanza(el) };
      } catch (err) {
        console.warn("unreadable stanza from the gateway", err);
        return;
      }
      const { el, s } = stanza;
      if (s.kind === "message" || s.kind === "receipt" || s.kind === "notification") {
        // Deliveries reach handlers one at a time, in arrival order...
        this.#chain = this.#chain
          .then(() => this.#deliver(s))
          // An ack that could not go out because the connection closed is not a failure: the
          // gateway redelivers, and the seen store keeps the handler from running twice.
          .catch((err) => {
            if (this.connection.state === "open") console.warn("stanza handling failed", err);
          });
      } else {
        // ...while answers settle at once: a handler awaiting an iq or an ack must not wait behind itself.
        this.#answer(el, s);
      }
    });
    connection.on("open", () => {
      for (const p of this.#pending.values()) void this.connection.send(p.stanza).catch(() => undefined);
    });
  }

  onMessage(handler: Handler<IncomingMessage>): void {
    this.#onMessage = handler;
  }

  onReceipt(handler: Handler<IncomingReceipt>): void {
    this.#onReceipt = handler;
  }

  onNotification(handler: Handler<IncomingNotification>): void {
    this.#onNotification = handler;
  }

  /** Sends a message with one `enc` per recipient device; resolves once the recipient's gateway stored it. */
  sendMessage(to: string, encs: readonly Enc[], id = newStanzaId()): Promise<{ id: string; t: number; duplicate: boolean }> {
    const stanza = element("message", { id, to, type: "chat" }, encs.map((e) => element("enc", { device: e.device, type: e.type }, e.payload)));
    return this.#request("message", id, stanza).then((ack) => ({ id, t: Number(ack.attrs.t), duplicate: ack.attrs.duplicate === "true" }));
  }

  /**
   * Sends a group message (docs/groups.md): one skmsg for every member device, pairwise encs for
   * devices that need this sender's key, for the group's `epoch` and the member device list
   * `phash` states. Resolves once the group logged it.
   */
  sendGroupMessage(
    group: { readonly id: string; readonly epoch: number; readonly phash: string },
    skmsg: string,
    pairwise: readonly PairwiseEnc[],
    id = newStanzaId(),
  ): Promise<{ id: string; t: number; duplicate: boolean }> {
    const encs = [element("enc", { type: "skmsg" }, skmsg), ...pairwise.map((e) => element("enc", { to: e.to, device: e.device, type: e.type }, e.payload))];
    const stanza = element("message", { id, group: group.id, epoch: group.epoch, phash: group.phash, type: "group" }, encs);
    return this.#request("message", id, stanza).then((ack) => ({ id, t: Number(ack.attrs.t), duplicate: ack.attrs.duplicate === "true" }));
  }

  sendReceipt(to: string, id: string, type: ReceiptType): Promise<void> {
    return this.#request("receipt", id, element("receipt", { id, to, type })).then(() => undefined);
  }

  sendPresence(to: string, type: "available" | "unavailable"): Promise<void> {
    const id = newStanzaId();
    return this.#request("presence", id, element("presence", { id, to, type })).then(() => undefined);
  }

  sendChatState(to: string, state: "composing" | "paused"): Promise<void> {
    const id = newStanzaId();
    return this.#request("chatstate", id, element("chatstate", { id, to, state })).then(() => undefined);
  }

  /** Sends an iq and resolves with its result element; an iq error rejects. */
  iq(type: "get" | "set", query: XmlElement): Promise<XmlElement> {
    const id = newStanzaId();
    return this.#request("iq", id, element("iq", { id, type }, [query]));
  }

  /**
   * Short-lived credentials for the gateway's TURN servers, for an RTCPeerConnection's
   * `iceServers` (docs/calls.md); null when the gateway has none.
   */
  async turnCredentials(): Promise<{ urls: string[]; username: string; credential: string; ttlSeconds: number; expiresMs: number } | null> {
    let result: XmlElement;
    try {
      result = await this.iq("get", element("turn"));
    } catch (err) {
      if (err instanceof NackError && err.code === ("not-found" as NackCode)) return null;
      throw err;
    }
    const t = result.children[0];
    if (!t) throw new Error("<turn> answered without credentials");
    return {
      urls: t.children.map((s) => s.attrs.url ?? ""),
      username: t.attrs.username ?? "",
      credential: t.attrs.credential ?? "",
      ttlSeconds: Number(t.attrs.ttl),
      expiresMs: Number(t.attrs.expires) * 1000,
    };
  }

  async ping(): Promise<void> {
    await this.iq("get", element("ping"));
  }

  /** A discoverable user's network ID, or null. */
  async lookup(provider: string, identifier: string): Promise<string | null> {
    try {
      const result = await this.iq("get", element("lookup", { provider, identifier }));
      return result.children[0]?.attrs.id ?? null;
    } catch (err) {
      if (err instanceof NackError && err.code === ("not-found" as NackCode)) return null;
      throw err;
    }
  }

  /** `groups`: who may add this user to groups directly (docs/groups.md); the others invite. */
  setPrivacy(change: { discoverable?: boolean; allow?: readonly string[] | "*"; groups?: "everyone" | "contacts" | "nobody" }): Promise<XmlElement> {
    const allow = change.allow === undefined ? undefined : change.allow === "*" ? "*" : change.allow.join(" ");
    return this.iq("set", element("privacy", { discoverable: change.discoverable === undefined ? undefined : String(change.discoverable), allow, groups: change.groups }));
  }

  block(user: string): Promise<XmlElement> {
    return this.iq("set", element("block", { user }));
  }

  unblock(user: string): Promise<XmlElement> {
    return this.iq("set", element("unblock", { user }));
  }

  /**
   * Removes a device of this user, this one included (its session then ends with 4410), and
   * resolves with the device IDs left. An unknown device rejects with a NackError `not-found`.
   */
  async removeDevice(deviceId: string): Promise<string[]> {
    const result = await this.iq("set", element("device-remove", { device: deviceId }));
    return (result.children[0]?.attrs.devices ?? "").split(" ").filter(Boolean);
  }

  /** Keeps the stanza in the outbox until answered; sends it now if the connection is open, else on the next open. */
  #request(cls: string, id: string, stanza: XmlElement): Promise<XmlElement> {
    const text = serializeXml(stanza);
    return new Promise((resolve, reject) => {
      this.#pending.set(`${cls}:${id}`, { stanza: text, retries: 0, resolve, reject });
      if (this.connection.state === "open") void this.connection.send(text).catch(() => undefined);
    });
  }

  /** Schedules a resend of a stanza refused for a transient reason; false when it should reject now. */
  #retryLater(s: Extract<ServerStanza, { kind: "nack" }>): boolean {
    if (s.code !== "rate-limited" && s.code !== "internal") return false;
    const key = `${s.class}:${s.id ?? ""}`;
    const pending = this.#pending.get(key);
    if (!pending || pending.retries >= this.#retries) return false;
    const inMs =
      s.code === "rate-limited"
        ? Math.min(MAX_RETRY_MS, Math.max(1, Number(s.attrs.retry_ms) || 1000))
        : Math.max(1, backoffDelay(pending.retries, INTERNAL_RETRY));
    pending.retries++;
    this.emit("retrying", { class: s.class, id: s.id ?? "", code: s.code, inMs });
    setTimeout(() => {
      // Answered meanwhile, or offline: the outbox resends it on the next open anyway.
      if (this.#pending.get(key) === pending && this.connection.state === "open") void this.connection.send(pending.stanza).catch(() => undefined);
    }, inMs);
    return true;
  }

  #settle(key: string, outcome: { ok: true; answer: XmlElement } | { ok: false; error: Error }): void {
    const p = this.#pending.get(key);
    if (!p) return;
    this.#pending.delete(key);
    if (outcome.ok) p.resolve(outcome.answer);
    else p.reject(outcome.error);
  }

  #answer(el: XmlElement, s: ServerStanza): void {
    switch (s.kind) {
      case "ack":
        return this.#settle(`${s.class}:${s.id}`, { ok: true, answer: el });
      case "nack":
        if (this.#retryLater(s)) return;
        return this.#settle(`${s.class}:${s.id ?? ""}`, { ok: false, error: new NackError(s.code, s.text, s.attrs) });
      case "iq": {
        if (s.type === "result") {
          this.#settle(`iq:${s.id}`, { ok: true, answer: el });
        } else {
          const error = s.element.children[0];
          this.#settle(`iq:${s.id}`, { ok: false, error: new NackError((error?.attrs.code ?? "internal") as NackCode, error?.attrs.text ?? "iq error", s.element.attrs) });
        }
        return;
      }
      case "offline":
        return this.emit("backlogDone", { count: s.count });
      case "presence":
        return this.emit("presence", { from: s.from, type: s.attrs.type ?? "" });
      case "chatstate":
        return this.emit("chatstate", { from: s.from, state: s.attrs.state ?? "" });
      default:
        return;
    }
  }

  async #deliver(s: IncomingMessage | IncomingReceipt | IncomingNotification): Promise<void> {
    const cls = ackClassOf(s)!;
    const type = s.kind === "receipt" ? s.type : undefined;
    const key = `${cls}|${s.from}|${s.id}|${type ?? ""}`;
    let running = handling.get(this.#seen);
    if (!running) handling.set(this.#seen, (running = new Map()));
    // Whether it is seen is known only once another Messenger's handler for it has finished.
    for (let other = running.get(key); other; other = running.get(key)) await other.catch(() => undefined);
    if (!this.#seen.has(key)) {
      const run = (async () => {
        if (s.kind === "message") await this.#onMessage(s);
        else if (s.kind === "receipt") await this.#onReceipt(s);
        else await this.#onNotification(s);
        this.#seen.add(key);
      })();
      running.set(key, run);
      try {
        await run;
      } finally {
        if (running.get(key) === run) running.delete(key);
      }
    }
    // Only now is it safe for the gateway to forget it. Not awaited: the next delivery need not
    // wait for this ack's frame, and acks queued meanwhile leave in one. One that cannot go out
    // (the connection closed) is no failure: the gateway redelivers, the seen store dedupes.
    this.connection.send(serializeXml(element("ack", { class: cls, id: s.id, from: s.from, type }))).catch((err: unknown) => {
      if (this.connection.state === "open") console.warn("ack could not be sent", err);
    });
  }
}
