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
    };

export type OpenAttachment = Extract<SocketAttachment, { phase: "open" }>;

export function readAttachment(ws: WebSocket): SocketAttachment | null {
  return (ws.deserializeAttachment() as SocketAttachment | null) ?? null;
}

export function writeAttachment(ws: WebSocket, attachment: SocketAttachment): void {
  ws.serializeAttachment(attachment);
}
