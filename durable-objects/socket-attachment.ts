import type { ResponderSnapshot, SecureChannelSnapshot } from "../protocol/pipes/index.ts";

/**
 * Everything a connection needs lives in its hibernation attachment (structured clone,
 * max 16 KiB): after eviction the Durable Object wakes with new objects and only this.
 */
export type SocketAttachment =
  | { readonly phase: "awaiting-hello"; readonly networkId: string; readonly openedAtMs: number }
  | {
      readonly phase: "handshaking";
      readonly networkId: string;
      readonly openedAtMs: number;
      readonly responder: ResponderSnapshot;
    }
  | {
      readonly phase: "open";
      readonly networkId: string;
      readonly openedAtMs: number;
      readonly deviceId: string;
      readonly sessionId: string;
      readonly channel: SecureChannelSnapshot;
      /** Inbox position already sent on this session (acks remove rows; this avoids resending). */
      readonly lastSentSeq: number;
      /** Whether the end-of-backlog marker went out. */
      readonly backlogSent: boolean;
      /** The device reads several stanzas per transport message (its ClientHello said so). */
      readonly batches?: boolean;
    }
  /**
   * Closed by the gateway. The runtime keeps listing a socket in getWebSockets() until the
   * peer answers the close (one that never does lingers), so this says it needs nothing more.
   */
  | { readonly phase: "closed"; readonly networkId: string; readonly openedAtMs: number };

export type OpenAttachment = Extract<SocketAttachment, { phase: "open" }>;

// Read several times per frame, written once or twice: the last written value is kept here,
// and the runtime's copy (a structured clone) is read only after a wake, when a socket is new
// to this instance.
const current = new WeakMap<WebSocket, SocketAttachment>();

export function readAttachment(ws: WebSocket): SocketAttachment | null {
  const known = current.get(ws);
  if (known) return known;
  const stored = (ws.deserializeAttachment() as SocketAttachment | null) ?? null;
  if (stored) current.set(ws, stored);
  return stored;
}

/** Written through: the runtime's copy is what a socket wakes with after hibernation. */
export function writeAttachment(ws: WebSocket, attachment: SocketAttachment): void {
  ws.serializeAttachment(attachment);
  current.set(ws, attachment);
}

/** A socket still waiting for its handshake to finish: it holds memory and has a deadline. */
export function awaitingHandshake(ws: WebSocket): Extract<SocketAttachment, { phase: "awaiting-hello" | "handshaking" }> | null {
  const attachment = readAttachment(ws);
  if (ws.readyState !== WebSocket.OPEN) return null;
  return attachment?.phase === "awaiting-hello" || attachment?.phase === "handshaking" ? attachment : null;
}

/** Closes a socket and marks it closed, so deadlines and counts no longer see it while the peer takes its time. */
export function closeSocket(ws: WebSocket, code: number, reason: string): void {
  const attachment = readAttachment(ws);
  try {
    if (attachment && attachment.phase !== "closed") writeAttachment(ws, { phase: "closed", networkId: attachment.networkId, openedAtMs: attachment.openedAtMs });
    ws.close(code, reason);
  } catch {
    // Already closed by the peer: nothing left to tell it.
  }
}
