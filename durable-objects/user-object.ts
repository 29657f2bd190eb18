import { DurableObject } from "cloudflare:workers";
import type { Env } from "../gateway/env.ts";
import { gatewayIdentity } from "../gateway/identity.ts";
import { CloseCode } from "../protocol/close-codes.ts";
import { isNetworkId } from "../protocol/identifiers.ts";
import { handleFrame } from "./noise-connection.ts";
import { DeviceRegistry, type Enrollment } from "./device-registry.ts";
import { SerialQueue } from "./serial-queue.ts";
import { readAttachment, writeAttachment } from "./socket-attachment.ts";

export type EnrollResult = { readonly ok: true; readonly created: boolean; readonly deviceCount: number } | { readonly ok: false; readonly reason: "replayed" };

/** A connection must finish the Noise handshake within this time or is closed. */
export const HANDSHAKE_TIMEOUT_MS = 30_000;

/**
 * One per user (named by network ID). Holds the user's device connections through the
 * WebSocket Hibernation API: the object may be evicted between frames and wakes with
 * each socket's state from its attachment.
 */
export class UserObject extends DurableObject<Env> {
  readonly #queue = new SerialQueue<WebSocket>();
  readonly #devices: DeviceRegistry;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#devices = new DeviceRegistry(ctx.storage.sql);
  }

  /**
   * Enrollment RPC from the Worker, which has already verified the token. Here, inside the
   * user's single-threaded object, the token is consumed (replays refused) and the device
   * recorded in one step.
   */
  async enroll(request: Enrollment & { readonly jti: string; readonly expMs: number }): Promise<EnrollResult> {
    const now = Date.now();
    if (!this.#devices.useToken(request.jti, request.expMs, now)) return { ok: false, reason: "replayed" };
    const created = this.#devices.enroll(request, now);
    return { ok: true, created, deviceCount: this.#devices.deviceCount() };
  }

  override async fetch(request: Request): Promise<Response> {
    const networkId = new URL(request.url).pathname.split("/").pop() ?? "";
    if (!isNetworkId(networkId)) return new Response("invalid network ID", { status: 400 });
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected a WebSocket upgrade", { status: 426 });
    }
    // Fail before accepting a socket if the gateway is misconfigured.
    await gatewayIdentity(this.env);
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    const now = Date.now();
    writeAttachment(server, { phase: "awaiting-hello", networkId, openedAtMs: now });
    await this.#scheduleHandshakeDeadline(now + HANDSHAKE_TIMEOUT_MS);
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: ArrayBuffer | string): Promise<void> {
    await this.#queue.run(ws, async () => {
      const identity = await gatewayIdentity(this.env);
      await handleFrame(ws, message, { env: this.env, identity, devices: this.#devices, now: Date.now });
    });
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      // Complete the closing handshake; 1005/1006 are reserved and cannot be sent back.
      ws.close(code === 1005 || code === 1006 ? CloseCode.NORMAL : code, reason);
    } catch {
      // Already closed.
    }
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    try {
      ws.close(CloseCode.INTERNAL_ERROR, "socket error");
    } catch {
      // Already closed.
    }
  }

  /** Closes connections that have not finished their handshake in time. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    let next = Infinity;
    for (const ws of this.ctx.getWebSockets()) {
      const attachment = readAttachment(ws);
      if (!attachment || attachment.phase === "open") continue;
      const deadline = attachment.openedAtMs + HANDSHAKE_TIMEOUT_MS;
      if (deadline <= now) {
        try {
          ws.close(CloseCode.HANDSHAKE_TIMEOUT, "handshake not completed in time");
        } catch {
          // Already closed.
        }
      } else {
        next = Math.min(next, deadline);
      }
    }
    if (next !== Infinity) await this.ctx.storage.setAlarm(next);
  }

  async #scheduleHandshakeDeadline(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }
}
