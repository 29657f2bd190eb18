import { isNetworkId, DEVICE_ID_PATTERN } from "../identifiers.ts";
import type { XmlElement } from "../xml/index.ts";
import { StanzaError } from "./errors.ts";
import { readGroupMessage, readGroupQuery, type GroupMessageStanza, type GroupQuery } from "./group-stanzas.ts";
import { readKeyUpload, type KeyUpload } from "./prekey-stanzas.ts";

/** Stanzas a device sends to the gateway, validated into typed values (docs/stanzas.md). */
export type ClientStanza =
  | { readonly kind: "message"; readonly id: string; readonly to: string; readonly type: string; readonly encs: readonly Enc[] }
  | { readonly kind: "receipt"; readonly id: string; readonly to: string; readonly type: ReceiptType }
  | { readonly kind: "ack"; readonly id: string; readonly class: AckClass; readonly from: string; readonly type?: ReceiptType }
  | { readonly kind: "presence"; readonly id: string; readonly to: string; readonly type: "available" | "unavailable" }
  | { readonly kind: "chatstate"; readonly id: string; readonly to: string; readonly state: "composing" | "paused" }
  | { readonly kind: "iq"; readonly id: string; readonly query: IqQuery }
  | GroupMessageStanza;

export interface Enc {
  readonly device: string;
  readonly type: EncType;
  /** Base64 Signal ciphertext, passed through untouched. */
  readonly payload: string;
}

export type EncType = "pkmsg" | "msg" | "skmsg";
/** `retry`: the device could not decrypt the message and asks the sender to encrypt it again on a fresh session. */
export type ReceiptType = "delivered" | "read" | "retry";
/** What a device acknowledges having received: a message, a receipt, or a notification. */
export type AckClass = "message" | "receipt" | "notification";

export type IqQuery =
  | { readonly kind: "ping" }
  | { readonly kind: "lookup"; readonly provider: string; readonly identifier: string }
  | { readonly kind: "get-privacy" }
  | { readonly kind: "set-privacy"; readonly discoverable?: boolean; readonly allow?: readonly string[] | "*"; readonly groups?: GroupPrivacy }
  | { readonly kind: "block" | "unblock"; readonly user: string }
  | { readonly kind: "upload-keys"; readonly upload: KeyUpload }
  | { readonly kind: "get-key-count" }
  | { readonly kind: "get-bundles"; readonly user: string }
  | { readonly kind: "media-token" }
  /** Short-lived credentials for the gateway's TURN servers (docs/calls.md). */
  | { readonly kind: "turn-credentials" }
  /** Removes one of the asking user's own devices (any of them may; docs/stanzas.md). */
  | { readonly kind: "device-remove"; readonly device: string }
  | { readonly kind: "group"; readonly query: GroupQuery };

/** Who may add this user to a group directly (docs/groups.md); the others invite. */
export type GroupPrivacy = "everyone" | "contacts" | "nobody";

export const STANZA_ID = /^[A-Za-z0-9_.:-]{1,64}$/;
/** Below one transport message (65518 bytes), so "too large" is an answer, not a closed socket. */
export const MAX_STANZA_BYTES = 60 * 1024;
export const MAX_ENCS = 64;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const PROVIDER_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;

function attr(el: XmlElement, name: string): string {
  const v = el.attrs[name];
  if (v === undefined) throw new StanzaError("malformed", `<${el.name}> needs ${name}=`);
  return v;
}

function oneOf<T extends string>(el: XmlElement, name: string, allowed: readonly T[]): T {
  const v = attr(el, name);
  if (!(allowed as readonly string[]).includes(v)) throw new StanzaError("malformed", `<${el.name}> ${name}= must be one of ${allowed.join(", ")}`);
  return v as T;
}

function stanzaId(el: XmlElement): string {
  const id = attr(el, "id");
  if (!STANZA_ID.test(id)) throw new StanzaError("malformed", "id must be 1-64 characters of [A-Za-z0-9_.:-]");
  return id;
}

function networkId(el: XmlElement, name: string): string {
  const v = attr(el, name);
  if (!isNetworkId(v)) throw new StanzaError("malformed", `${name}= is not a network ID`);
  return v;
}

function readEnc(el: XmlElement): Enc {
  if (el.name !== "enc") throw new StanzaError("malformed", `<message> may only contain <enc>, not <${el.name}>`);
  const device = attr(el, "device");
  if (!DEVICE_ID_PATTERN.test(device)) throw new StanzaError("malformed", "enc device= is not a device ID");
  const payload = el.text.trim();
  if (!BASE64.test(payload) || payload.length % 4 !== 0) throw new StanzaError("malformed", `enc for ${device} is not base64`);
  return { device, type: oneOf(el, "type", ["pkmsg", "msg", "skmsg"] as const), payload };
}

function readIq(el: XmlElement, id: string): ClientStanza {
  const type = oneOf(el, "type", ["get", "set"] as const);
  const q = el.children[0];
  if (!q || el.children.length !== 1) throw new StanzaError("malformed", "<iq> carries exactly one query element");
  const query = ((): IqQuery => {
    switch (`${type} ${q.name}`) {
      case "get ping":
        return { kind: "ping" };
      case "get turn":
        return { kind: "turn-credentials" };
      case "get lookup": {
        const provider = attr(q, "provider");
        const identifier = attr(q, "identifier");
        if (!PROVIDER_ID.test(provider) || identifier.length === 0 || identifier.length > 256) {
          throw new StanzaError("malformed", "lookup needs provider= (an ID) and identifier= (1-256 characters)");
        }
        return { kind: "lookup", provider, identifier };
      }
      case "get privacy":
        return { kind: "get-privacy" };
      case "set privacy": {
        const d = q.attrs.discoverable;
        if (d !== undefined && d !== "true" && d !== "false") throw new StanzaError("malformed", 'discoverable= must be "true" or "false"');
        const allow = q.attrs.allow === undefined ? undefined : q.attrs.allow.trim() === "*" ? "*" : q.attrs.allow.trim().split(/\s+/);
        if (Array.isArray(allow) && (allow.length > 64 || allow.some((p) => !PROVIDER_ID.test(p)))) {
          throw new StanzaError("malformed", 'allow= must be "*" or space-separated provider IDs');
        }
        const groups = q.attrs.groups === undefined ? undefined : oneOf(q, "groups", ["everyone", "contacts", "nobody"] as const);
        return { kind: "set-privacy", discoverable: d === undefined ? undefined : d === "true", allow, groups };
      }
      case "set block":
      case "set unblock":
        return { kind: q.name as "block" | "unblock", user: networkId(q, "user") };
      case "set keys":
        return { kind: "upload-keys", upload: readKeyUpload(q) };
      case "get count":
        return { kind: "get-key-count" };
      case "get bundles":
        return { kind: "get-bundles", user: networkId(q, "user") };
      case "get media":
        return { kind: "media-token" };
      case "set device-remove": {
        const device = attr(q, "device");
        if (!DEVICE_ID_PATTERN.test(device)) throw new StanzaError("malformed", "device-remove device= is not a device ID");
        return { kind: "device-remove", device };
      }
      default: {
        const group = readGroupQuery(type, q);
        if (group) return { kind: "group", query: group };
        throw new StanzaError("unsupported", `no iq ${type} <${q.name}>`);
      }
    }
  })();
  return { kind: "iq", id, query };
}

/** Validates a parsed stanza; throws StanzaError (with the id, when known, for the nack). */
export function readClientStanza(el: XmlElement): ClientStanza {
  const id = stanzaId(el);
  switch (el.name) {
    case "message": {
      if (el.attrs.type === "group") return readGroupMessage(el, id);
      if (el.children.length === 0 || el.children.length > MAX_ENCS) {
        throw new StanzaError("malformed", `<message> needs 1-${MAX_ENCS} <enc> children`);
      }
      const encs = el.children.map(readEnc);
      if (new Set(encs.map((e) => e.device)).size !== encs.length) throw new StanzaError("malformed", "one <enc> per device");
      return { kind: "message", id, to: networkId(el, "to"), type: oneOf(el, "type", ["chat"] as const), encs };
    }
    case "receipt":
      return { kind: "receipt", id, to: networkId(el, "to"), type: oneOf(el, "type", ["delivered", "read", "retry"] as const) };
    case "ack": {
      const cls = oneOf(el, "class", ["message", "receipt", "notification"] as const);
      // Receipts of both types share the message ID, so their ack names the type too.
      const type = cls === "receipt" ? oneOf(el, "type", ["delivered", "read", "retry"] as const) : undefined;
      return { kind: "ack", id, class: cls, from: networkId(el, "from"), type };
    }
    case "presence":
      return { kind: "presence", id, to: networkId(el, "to"), type: oneOf(el, "type", ["available", "unavailable"] as const) };
    case "chatstate":
      return { kind: "chatstate", id, to: networkId(el, "to"), state: oneOf(el, "state", ["composing", "paused"] as const) };
    case "iq":
      return readIq(el, id);
    default:
      throw new StanzaError("unsupported", `unknown stanza <${el.name}>`);
  }
}
