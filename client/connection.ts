import { timingSafeEqual } from "../protocol/bytes.ts";
import { verifyCertificate } from "../protocol/certificate.ts";
import { CloseCode, isFatalClose } from "../protocol/close-codes.ts";
import { decodeControl, decodeServerHello, encodeClientHello, encodeControl } from "../protocol/messages.ts";
import type { Backend, KeyPair } from "../protocol/noise/index.ts";
import { Channel, decodeBatch, framePayload, frameRuns, PipesInitiator, type ChannelId, type PipesMode, type SecureChannel } from "../protocol/pipes/index.ts";
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from "./backoff.ts";
import { Emitter } from "./events.ts";
import { FrameQueue, SocketClosedError } from "./frame-queue.ts";
import { globalWebSocketFactory, type SocketFactory, type SocketLike } from "./socket.ts";

export const SDK_VERSION = "parley-sdk/0.1.0";

export interface ConnectionOptions {
  /** Gateway base URL: http(s):// or ws(s)://. */
  readonly gatewayUrl: string;
  readonly networkId: string;
  readonly deviceId: string;
  /** This device's Noise static key pair (the one enrolled). */
  readonly staticKey: KeyPair;
  /** The gateway root key, pinned out of band: the only thing that makes a gateway trusted. */
  readonly rootKey: Uint8Array;
  /** A gateway static key remembered from an earlier session; enables IK. */
  readonly serverStaticKey?: Uint8Array | null;
  /** Returns a fresh provider-signed JWT for each handshake. */
  readonly providerToken: () => string | Promise<string>;
  readonly clientVersion?: string;
  readonly socketFactory?: SocketFactory;
  /** Interval between encrypted keepalive pings; 0 disables. Default 25 s. */
  readonly keepaliveMs?: number;
  /** A ping unanswered this long means the connection is dead. Default 10 s. */
  readonly pongTimeoutMs?: number;
  /** Per handshake step. Default 15 s. */
  readonly handshakeTimeoutMs?: number;
  /** Reconnect policy; false disables reconnecting. */
  readonly reconnect?: BackoffOptions | false;
  readonly backend?: Backend;
  readonly random?: () => number;
}

export interface ConnectionEvents extends Record<string, unknown> {
  open: { readonly sessionId: string; readonly mode: PipesMode };
  stanza: Uint8Array;
  serverError: { readonly code: string; readonly message: string };
  /** `reconnectInMs` is null when the connection will not be retried. */
  close: { readonly code: number; readonly reason: string; readonly reconnectInMs: number | null };
  /** The gateway static key changed (first XX, or after an XXfallback): persist it for IK next time. */
  serverKey: Uint8Array;
}

export type ConnectionState = "idle" | "connecting" | "open" | "closed";

interface Outgoing {
  readonly channel: ChannelId;
  readonly payload: Uint8Array;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

interface Attempt {
  readonly socket: SocketLike;
  readonly frames: FrameQueue;
  channel: SecureChannel | null;
  /** The gateway reads several stanzas per transport message (its Ready said so). */
  batches: boolean;
  /** Waiting for the frame being sealed now; sent together when it is done. */
  readonly outbox: Outgoing[];
  sending: boolean;
  finished: boolean;
}

class HandshakeRejected extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A device's connection to a Parley gateway: Noise Pipes handshake (XX, IK, automatic
 * XXfallback), encrypted send/receive, keepalive and reconnect with backoff and jitter.
 */
export class ParleyConnection extends Emitter<ConnectionEvents> {
  #state: ConnectionState = "idle";
  #session: { sessionId: string; mode: PipesMode } | null = null;
  #attempt: Attempt | null = null;
  #serverStaticKey: Uint8Array | null;
  #failures = 0;
  #reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  #keepaliveTimer: ReturnType<typeof setInterval> | null = null;
  #nextPingId = 1;
  readonly #pings = new Map<number, { resolve: (rtt: number) => void; reject: (e: Error) => void; sentAt: number }>();

  constructor(private readonly options: ConnectionOptions) {
    super();
    this.#serverStaticKey = options.serverStaticKey ?? null;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  get serverStaticKey(): Uint8Array | null {
    return this.#serverStaticKey;
  }

  /** Starts connecting; resolves once a session is open, rejects if it will never open. */
  connect(): Promise<{ sessionId: string; mode: PipesMode }> {
    if (this.#state === "closed") return Promise.reject(new Error("connection was closed"));
    if (this.#state === "open" && this.#session) return Promise.resolve(this.#session);
    return new Promise((resolve, reject) => {
      const offOpen = this.on("open", (info) => {
        offOpen();
        offClose();
        resolve(info);
      });
      const offClose = this.on("close", (info) => {
        if (info.reconnectInMs !== null) return;
        offOpen();
        offClose();
        reject(new Error(`connection closed: ${info.code} ${info.reason}`));
      });
      if (this.#state === "idle") void this.#run();
    });
  }

  /** Sends one stanza (UTF-8 XML) over the encrypted transport. */
  send(stanza: Uint8Array | string): Promise<void> {
    const bytes = typeof stanza === "string" ? new TextEncoder().encode(stanza) : stanza;
    return this.#sendSealed(Channel.STANZA, bytes);
  }

  /** Round trip of an encrypted ping, in milliseconds. */
  ping(): Promise<number> {
    const id = this.#nextPingId++;
    const sentAt = Date.now();
    const pong = new Promise<number>((resolve, reject) => this.#pings.set(id, { resolve, reject, sentAt }));
    // If the ping never goes out, the caller hears that; the pong's own rejection must not go unhandled.
    pong.catch(() => undefined);
    return this.#sendSealed(Channel.CONTROL, encodeControl({ kind: "ping", id })).then(() => pong);
  }

  /** Closes for good: no reconnect. */
  close(code: number = CloseCode.NORMAL, reason = "client closed"): void {
    this.#state = "closed";
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    const attempt = this.#attempt;
    if (attempt) this.#finish(attempt, code, reason, true);
  }

  #sendSealed(channel: ChannelId, payload: Uint8Array): Promise<void> {
    const attempt = this.#attempt;
    if (this.#state !== "open" || !attempt?.channel) return Promise.reject(new Error("connection is not open"));
    return new Promise((resolve, reject) => {
      attempt.outbox.push({ channel, payload, resolve, reject });
      if (!attempt.sending) void this.#drain(attempt, attempt.channel!);
    });
  }

  /**
   * Seals and sends the outbox in call order (the gateway expects consecutive nonces). A frame
   * goes out as soon as nothing is being sealed, so one stanza alone waits for nothing; what
   * queues up meanwhile leaves together, as one batch where the gateway reads batches.
   */
  async #drain(attempt: Attempt, secure: SecureChannel): Promise<void> {
    attempt.sending = true;
    while (attempt.outbox.length > 0 && !attempt.finished) {
      const group = this.#nextFrame(attempt);
      // A control message travels alone, on its own channel; stanzas as framePayload puts them.
      const { channel, payload } = group[0]!.channel === Channel.STANZA ? framePayload(group.map((o) => o.payload)) : group[0]!;
      try {
        const frame = await secure.seal(channel, payload);
        if (attempt.finished) throw new Error("connection closed before the frame was sent");
        attempt.socket.send(frame);
        for (const o of group) o.resolve();
      } catch (err) {
        for (const o of group) o.reject(err as Error);
      }
    }
    attempt.sending = false;
    for (const o of attempt.outbox.splice(0)) o.reject(new Error("connection closed before the frame was sent"));
  }

  /** The next frame's worth of the outbox: a control message alone, or a run of stanzas. */
  #nextFrame(attempt: Attempt): Outgoing[] {
    const first = attempt.outbox[0]!;
    if (first.channel !== Channel.STANZA || !attempt.batches) return attempt.outbox.splice(0, 1);
    let n = 1;
    while (n < attempt.outbox.length && attempt.outbox[n]!.channel === Channel.STANZA) n++;
    const [run] = frameRuns(attempt.outbox.slice(0, n), (o) => o.payload.length);
    return attempt.outbox.splice(0, run!.length);
  }

  async #run(): Promise<void> {
    this.#state = "connecting";
    const o = this.options;
    const base = o.gatewayUrl.replace(/^http/, "ws").replace(/\/$/, "");
    let socket: SocketLike;
    try {
      socket = await (o.socketFactory ?? globalWebSocketFactory)(`${base}/v1/connect/${o.networkId}`);
    } catch (err) {
      this.#afterClose(CloseCode.INTERNAL_ERROR, (err as Error).message, false);
      return;
    }
    // close() may have been called while the socket was opening.
    if ((this.#state as ConnectionState) === "closed") {
      socket.close(CloseCode.NORMAL, "client closed");
      return;
    }
    const attempt: Attempt = { socket, frames: new FrameQueue(), channel: null, batches: false, outbox: [], sending: false, finished: false };
    this.#attempt = attempt;
    socket.addEventListener("message", (e) => attempt.frames.push(e.data));
    socket.addEventListener("close", (e) => this.#finish(attempt, e.code, e.reason, false));
    socket.addEventListener("error", () => this.#finish(attempt, CloseCode.INTERNAL_ERROR, "socket error", false));
    try {
      await this.#handshake(attempt);
      await this.#pump(attempt);
    } catch (err) {
      if (err instanceof SocketClosedError) this.#finish(attempt, err.code, err.reason, false);
      else if (err instanceof HandshakeRejected) this.#finish(attempt, err.code, err.message, true);
      else this.#finish(attempt, CloseCode.HANDSHAKE_FAILED, (err as Error).message, true);
    }
  }

  async #handshake(attempt: Attempt): Promise<void> {
    const o = this.options;
    const timeout = o.handshakeTimeoutMs ?? 15_000;
    const initiator = new PipesInitiator({ staticKey: o.staticKey, serverStaticKey: this.#serverStaticKey, backend: o.backend });
    const hello = encodeClientHello({
      networkId: o.networkId,
      deviceId: o.deviceId,
      providerToken: await o.providerToken(),
      clientVersion: o.clientVersion ?? SDK_VERSION,
      stanzaBatches: true,
    });
    attempt.socket.send(await initiator.begin(hello));
    const response = await initiator.receive(await attempt.frames.next(timeout));
    try {
      const { certificate } = decodeServerHello(response.serverHello);
      verifyCertificate(certificate, o.rootKey, response.serverStaticKey, Date.now());
    } catch (err) {
      throw new HandshakeRejected(CloseCode.HANDSHAKE_FAILED, `gateway not trusted: ${(err as Error).message}`);
    }
    const { frame, channel } = await initiator.finish();
    if (frame) attempt.socket.send(frame);
    const first = await channel.open(await attempt.frames.next(timeout));
    const ready = first.channel === Channel.CONTROL ? decodeControl(first.payload) : null;
    if (ready?.kind !== "ready") throw new HandshakeRejected(CloseCode.MALFORMED_FRAME, "gateway did not confirm the session");
    attempt.channel = channel;
    attempt.batches = ready.stanzaBatches === true;
    const known = this.#serverStaticKey;
    if (!known || !timingSafeEqual(known, response.serverStaticKey)) {
      this.#serverStaticKey = response.serverStaticKey;
      this.emit("serverKey", response.serverStaticKey);
    }
    this.#state = "open";
    this.#session = { sessionId: ready.sessionId, mode: initiator.mode };
    this.#failures = 0;
    this.#startKeepalive(attempt);
    this.emit("open", this.#session);
  }

  async #pump(attempt: Attempt): Promise<void> {
    const channel = attempt.channel!;
    for (;;) {
      const { channel: kind, payload } = await channel.open(await attempt.frames.next());
      if (kind === Channel.STANZA) {
        this.emit("stanza", payload);
        continue;
      }
      if (kind === Channel.STANZAS) {
        for (const stanza of decodeBatch(payload)) this.emit("stanza", stanza);
        continue;
      }
      const control = decodeControl(payload);
      if (control.kind === "pong") {
        const waiter = this.#pings.get(control.id);
        this.#pings.delete(control.id);
        waiter?.resolve(Date.now() - waiter.sentAt);
      } else if (control.kind === "ping") {
        await this.#sendSealed(Channel.CONTROL, encodeControl({ kind: "pong", id: control.id }));
      } else if (control.kind === "error") {
        this.emit("serverError", { code: control.code, message: control.message });
      }
    }
  }

  #startKeepalive(attempt: Attempt): void {
    const interval = this.options.keepaliveMs ?? 25_000;
    if (interval <= 0) return;
    const timeout = this.options.pongTimeoutMs ?? 10_000;
    this.#keepaliveTimer = setInterval(() => {
      const timer = setTimeout(() => this.#finish(attempt, CloseCode.NORMAL, "keepalive timed out", true), timeout);
      this.ping().then(
        () => clearTimeout(timer),
        () => clearTimeout(timer),
      );
    }, interval);
  }

  /** Ends an attempt exactly once, whichever of close event, local error or user close comes first. */
  #finish(attempt: Attempt, code: number, reason: string, closeSocket: boolean): void {
    if (attempt.finished) return;
    attempt.finished = true;
    attempt.frames.close(code, reason);
    if (closeSocket) {
      try {
        attempt.socket.close(code >= 4000 || code === CloseCode.NORMAL ? code : CloseCode.NORMAL, reason.slice(0, 120));
      } catch {
        // Already closed.
      }
    }
    if (this.#keepaliveTimer) clearInterval(this.#keepaliveTimer);
    this.#keepaliveTimer = null;
    for (const waiter of this.#pings.values()) waiter.reject(new Error("connection closed"));
    this.#pings.clear();
    if (this.#attempt === attempt) this.#attempt = null;
    this.#afterClose(code, reason, isFatalClose(code));
  }

  #afterClose(code: number, reason: string, fatal: boolean): void {
    const policy = this.options.reconnect === undefined ? DEFAULT_BACKOFF : this.options.reconnect;
    if (this.#state === "closed" || fatal || policy === false) {
      this.#state = "closed";
      this.emit("close", { code, reason, reconnectInMs: null });
      return;
    }
    const delay = backoffDelay(this.#failures++, policy, this.options.random);
    this.#state = "connecting";
    this.emit("close", { code, reason, reconnectInMs: delay });
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      if (this.#state !== "closed") void this.#run();
    }, delay);
  }
}
