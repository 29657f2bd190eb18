import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToBase32, utf8 } from "../protocol/bytes.ts";
import type { Enc, NackCode, ReceiptType, WireBundle } from "../protocol/stanzas/index.ts";
import { deliveredMessage, deliveredReceipt, notification, type NotificationType } from "../protocol/stanzas/index.ts";
import { serializeXml } from "../protocol/xml/index.ts";
import type { Consent } from "./consent.ts";
import type { DeviceRegistry } from "./device-registry.ts";
import type { Inbox, NewItem } from "./inbox.ts";

/** What one user object hands another (DO-to-DO RPC). Sender fields are stamped by the sender's object, never taken from the client. */
export type Envelope =
  | { readonly kind: "message"; readonly from: string; readonly fromDevice: string; readonly fromProvider: string; readonly id: string; readonly t: number; readonly type: string; readonly encs: readonly Enc[] }
  | { readonly kind: "receipt"; readonly from: string; readonly fromDevice: string; readonly fromProvider: string; readonly id: string; readonly t: number; readonly type: ReceiptType }
  | { readonly kind: "ephemeral"; readonly from: string; readonly fromProvider: string; readonly stanza: "presence" | "chatstate"; readonly attrs: Readonly<Record<string, string>> }
  /** Gateway-generated news about `from` (an expired message, a changed identity key, low prekeys). */
  | {
      readonly kind: "notice";
      readonly from: string;
      readonly type: NotificationType;
      readonly id: string;
      readonly t: number;
      readonly attrs: Readonly<Record<string, string>>;
      /** Only this device; all of the user's devices when absent. */
      readonly device?: string;
    };

/** A short deterministic notice ID: repeating the same notice (alarms run at least once) dedupes. */
export function noticeId(...parts: string[]): string {
  return `x${bytesToBase32(sha256(utf8.encode(parts.join("\0"))).subarray(0, 12))}`;
}

/** Bundles handed out by a user's object: one-time keys in them are now spent. */
export type ClaimResult =
  | { readonly ok: true; readonly bundles: readonly WireBundle[] }
  | { readonly ok: false; readonly code: NackCode; readonly text: string };

export type DeliveryResult =
  | { readonly ok: true; readonly duplicate: boolean }
  | { readonly ok: false; readonly code: NackCode; readonly text: string; readonly attrs?: Readonly<Record<string, string>> };

export interface Recipient {
  readonly devices: DeviceRegistry;
  readonly consent: Consent;
  readonly inbox: Inbox;
}

type Refusal = Extract<DeliveryResult, { ok: false }>;

const refuse = (code: NackCode, text: string, attrs?: Record<string, string>): Refusal => ({ ok: false, code, text, attrs });

/** What admitting an envelope decided: an item to store, or a refusal. */
export type Admitted = { readonly ok: true; readonly item: NewItem } | Refusal;

/**
 * Decides on a stored-and-forwarded envelope (everything but ephemerals) for the recipient:
 * consent, the device-list check, and the per-device stanzas to store. Synchronous, so
 * admission and the write that follows happen in one uninterrupted step of the object.
 */
export function admit(r: Recipient, e: Exclude<Envelope, { kind: "ephemeral" }>): Admitted {
  const owner = r.devices.owner();
  if (!owner) return refuse("unknown-recipient", "no such user");
  if (e.kind !== "notice") {
    const admission = r.consent.admits(e.from, e.fromProvider);
    if (admission !== "ok") return refuse("recipient-refused", admission === "blocked" ? "the recipient blocked the sender" : "the recipient does not accept this provider");
  }
  const devices = r.devices.deviceIds();
  if (e.kind === "message") {
    // A copy for the sender's own other devices (so they see what it sent) leaves out the
    // sending device: it has no session with itself.
    const expected = e.from === owner.networkId ? devices.filter((d) => d !== e.fromDevice) : devices;
    const addressed = e.encs.map((x) => x.device).sort();
    if (addressed.length !== expected.length || addressed.some((d, i) => d !== expected[i])) {
      // Partial delivery would silently leave devices out: refuse and tell the sender the current list.
      return refuse("device-list-mismatch", "encrypt for exactly the recipient's devices", { devices: expected.join(" ") });
    }
    const perDevice = new Map(e.encs.map((enc) => [enc.device, serializeXml(deliveredMessage({ ...e, enc }))]));
    return { ok: true, item: { class: "message", sender: e.from, key: e.id, perDevice, notifySender: true } };
  }
  if (e.kind === "receipt") {
    const xml = serializeXml(deliveredReceipt(e));
    return { ok: true, item: { class: "receipt", sender: e.from, key: `${e.id}:${e.type}`, perDevice: new Map(devices.map((d) => [d, xml])), notifySender: false } };
  }
  const xml = serializeXml(notification(e.type, e.id, e.from, e.t, e.attrs));
  const targets = e.device ? devices.filter((d) => d === e.device) : devices;
  return { ok: true, item: { class: "notification", sender: e.from, key: e.id, perDevice: new Map(targets.map((d) => [d, xml])), notifySender: false } };
}

/** Admits and stores one envelope in the recipient's inbox. */
export function accept(r: Recipient, e: Exclude<Envelope, { kind: "ephemeral" }>, nowMs: number): DeliveryResult {
  const admitted = admit(r, e);
  if (!admitted.ok) return admitted;
  return { ok: true, duplicate: r.inbox.store([admitted.item], nowMs)[0]!.duplicate };
}
