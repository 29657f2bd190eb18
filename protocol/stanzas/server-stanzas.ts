import { element, type XmlElement } from "../xml/index.ts";
import type { AckClass, Enc, ReceiptType } from "./client-stanzas.ts";
import type { NackCode } from "./errors.ts";

/** Builders for what the gateway sends to devices (docs/stanzas.md). `t` is server time in ms. */

export function ack(cls: string, id: string, attrs: Record<string, string | number | undefined> = {}): XmlElement {
  return element("ack", { class: cls, id, ...attrs });
}

/** Cuts at `max` UTF-16 units without splitting a surrogate pair (a lone half is not valid XML). */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

export function nack(cls: string, id: string | undefined, code: NackCode, text: string, attrs: Record<string, string | undefined> = {}): XmlElement {
  return element("nack", { class: cls, id, code, text: clip(text, 256), ...attrs });
}

export interface Delivered {
  readonly id: string;
  readonly from: string;
  readonly fromDevice: string;
  readonly t: number;
}

export function deliveredMessage(d: Delivered & { readonly type: string; readonly enc: Enc }): XmlElement {
  return element("message", { id: d.id, from: d.from, from_device: d.fromDevice, type: d.type, t: d.t }, [
    element("enc", { device: d.enc.device, type: d.enc.type }, d.enc.payload),
  ]);
}

export function deliveredReceipt(d: Delivered & { readonly type: ReceiptType }): XmlElement {
  return element("receipt", { id: d.id, from: d.from, from_device: d.fromDevice, type: d.type, t: d.t });
}

/** Gateway-generated notices; the kinds and their attributes are listed in docs/stanzas.md. */
export type NotificationType = "expired" | "identity-changed" | "prekeys-low" | "device-removed";

/** `id` is the notification's own ID, the one the device acknowledges. */
export function notification(type: NotificationType, id: string, from: string, t: number, attrs: Readonly<Record<string, string>>): XmlElement {
  return element("notification", { type, id, from, t, ...attrs });
}

/** End of the stored backlog: everything queued while this device was away has been sent. */
export function offlineMarker(count: number): XmlElement {
  return element("ib", {}, [element("offline", { count })]);
}

export function iqResult(id: string, content: XmlElement[] = []): XmlElement {
  return element("iq", { id, type: "result" }, content);
}

export function ephemeral(kind: "presence" | "chatstate", from: string, attrs: Record<string, string>): XmlElement {
  return element(kind, { from, ...attrs });
}

/** Stanzas a device receives, as the SDK sees them. */
export type ServerStanza =
  | { readonly kind: "ack"; readonly class: string; readonly id: string; readonly attrs: Readonly<Record<string, string>> }
  | { readonly kind: "nack"; readonly class: string; readonly id: string | undefined; readonly code: NackCode; readonly text: string; readonly attrs: Readonly<Record<string, string>> }
  | {
      readonly kind: "message";
      readonly id: string;
      readonly from: string;
      readonly fromDevice: string;
      readonly t: number;
      readonly type: string;
      /** The first (for 1:1 messages the only) enc; for group messages the skmsg. */
      readonly enc: Enc;
      /** Group messages only: the group, its epoch when sent, and this device's pairwise enc if it had one. */
      readonly group?: { readonly id: string; readonly epoch: number; readonly pairwise?: Enc };
    }
  | { readonly kind: "receipt"; readonly id: string; readonly from: string; readonly fromDevice: string; readonly t: number; readonly type: ReceiptType }
  | { readonly kind: "notification"; readonly type: string; readonly id: string; readonly from: string; readonly attrs: Readonly<Record<string, string>> }
  | { readonly kind: "offline"; readonly count: number }
  | { readonly kind: "iq"; readonly id: string; readonly type: "result" | "error"; readonly element: XmlElement }
  | { readonly kind: "presence" | "chatstate"; readonly from: string; readonly attrs: Readonly<Record<string, string>> };

/** The class a device uses when it acknowledges a delivered stanza. */
export function ackClassOf(s: ServerStanza): AckClass | null {
  return s.kind === "message" ? "message" : s.kind === "receipt" ? "receipt" : s.kind === "notification" ? "notification" : null;
}

const a = (el: XmlElement, name: string): string => el.attrs[name] ?? "";

export function readServerStanza(el: XmlElement): ServerStanza {
  switch (el.name) {
    case "ack":
      return { kind: "ack", class: a(el, "class"), id: a(el, "id"), attrs: el.attrs };
    case "nack":
      return { kind: "nack", class: a(el, "class"), id: el.attrs.id, code: a(el, "code") as NackCode, text: a(el, "text"), attrs: el.attrs };
    case "message": {
      const readEnc = (e: XmlElement): Enc => ({ device: a(e, "device"), type: (a(e, "type") || "msg") as Enc["type"], payload: e.text ?? "" });
      const enc = el.children[0];
      const pairwise = el.children[1];
      const group = el.attrs.group === undefined ? undefined : { id: el.attrs.group, epoch: Number(a(el, "epoch")), pairwise: pairwise ? readEnc(pairwise) : undefined };
      return {
        kind: "message",
        id: a(el, "id"),
        from: a(el, "from"),
        fromDevice: a(el, "from_device"),
        t: Number(a(el, "t")),
        type: a(el, "type"),
        enc: enc ? readEnc(enc) : { device: "", type: "msg", payload: "" },
        ...(group ? { group } : {}),
      };
    }
    case "receipt":
      return { kind: "receipt", id: a(el, "id"), from: a(el, "from"), fromDevice: a(el, "from_device"), t: Number(a(el, "t")), type: a(el, "type") as ReceiptType };
    case "notification":
      return { kind: "notification", type: a(el, "type"), id: a(el, "id"), from: a(el, "from"), attrs: el.attrs };
    case "ib":
      return { kind: "offline", count: Number(el.children[0]?.attrs.count ?? "0") };
    case "iq":
      return { kind: "iq", id: a(el, "id"), type: a(el, "type") === "error" ? "error" : "result", element: el };
    case "presence":
    case "chatstate":
      return { kind: el.name, from: a(el, "from"), attrs: el.attrs };
    default:
      throw new Error(`unknown server stanza <${el.name}>`);
  }
}
