// What the chat tells a person about its connection: plain words, never bare close codes
// (protocol/close-codes.ts lists what each code means on the wire).
import { CloseCode } from "../client/index.ts";

/** RFC 6455 §7.1.5: the socket ended without a close frame (the gateway vanished, the network dropped). */
const ABNORMAL = 1006;
const GOING_AWAY = 1001;

/**
 * Why the connection to the gateway ended. `wasOpen` tells a lost session from an attempt
 * that never got one: the SDK reports a gateway it cannot reach as 4500 (and the socket
 * layer as 1006), which before a session opens can only mean the gateway is not there.
 */
export function whyClosed(code: number, wasOpen: boolean): string {
  if (code === ABNORMAL || code === CloseCode.INTERNAL_ERROR) return wasOpen ? "lost the connection to the gateway" : "gateway unreachable";
  switch (code) {
    case CloseCode.NORMAL:
      return "the gateway closed the connection";
    case GOING_AWAY:
      return "the gateway is shutting down";
    case CloseCode.SERVICE_RESTART:
      return "the gateway is restarting";
    case CloseCode.MALFORMED_FRAME:
      return "the gateway could not read what this client sent";
    case CloseCode.HANDSHAKE_FAILED:
      return "the secure handshake with the gateway failed";
    case CloseCode.FORBIDDEN:
      return "the gateway refused this device";
    case CloseCode.HANDSHAKE_TIMEOUT:
      return "the secure handshake with the gateway took too long";
    case CloseCode.SESSION_REPLACED:
      return "this name is now connected from another terminal";
    case CloseCode.DEVICE_REMOVED:
      return "this device was removed from its account; start over under another name";
    case CloseCode.FRAME_TOO_LARGE:
      return "the gateway refused a frame as too large";
    case CloseCode.DECRYPT_FAILED:
      return "the encrypted link to the gateway was corrupted";
    default:
      return `the connection to the gateway closed (code ${code})`;
  }
}

/** Whole seconds, at least 1: "retrying in 0 s" would read as a promise not kept. */
export function retryIn(ms: number): string {
  return `retrying in ${Math.max(1, Math.round(ms / 1000))} s`;
}

/** The gateway counts every stanza it held; to a person at a chat, those are messages. */
export function waiting(count: number): string {
  return count === 1 ? "1 message was waiting while you were away" : `${count} messages were waiting while you were away`;
}

/** A sender the chat has no name for: readable, and distinct per person. */
export function someone(networkId: string): string {
  return `someone (user:${networkId.slice(0, 8)})`;
}

/** What the chat calls a group: its name, which only members know, else the start of its ID. */
export function groupLabel(id: string, name: string | undefined): string {
  return name ?? `group ${id.slice(0, 8)}`;
}

/** `users` joined for a sentence: "bob", "bob and carol", "bob, carol and dan". */
export function listOf(users: readonly string[]): string {
  if (users.length <= 1) return users[0] ?? "nobody";
  return `${users.slice(0, -1).join(", ")} and ${users[users.length - 1]}`;
}

export type MembershipChange = "created" | "added" | "joined" | "removed" | "left" | "promoted" | "demoted";

/**
 * One membership change as a line, names already chosen ("you" for this user): `by` made it,
 * `users` are who it concerns.
 */
export function membershipNews(change: MembershipChange, by: string, users: readonly string[]): string {
  const who = listOf(users);
  switch (change) {
    case "created":
      return users.length === 0 ? `${by} created the group` : `${by} created the group with ${who}`;
    case "added":
      return `${by} added ${who}`;
    case "joined":
      return `${who} joined`;
    case "removed":
      return `${by} removed ${who}`;
    case "left":
      return `${who} left`;
    case "promoted":
      return `${by} made ${who} ${users.length === 1 ? "an admin" : "admins"}`;
    case "demoted":
      return `${by} made ${who} no longer ${users.length === 1 ? "an admin" : "admins"}`;
  }
}
