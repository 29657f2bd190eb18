import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToBase64Url, utf8 } from "../bytes.ts";
import { DEVICE_ID_PATTERN, isNetworkId } from "../identifiers.ts";
import { element, type XmlElement } from "../xml/index.ts";
import { StanzaError } from "./errors.ts";

/**
 * Group stanzas (docs/groups.md): the membership iqs a device sends, the group message, and
 * what the gateway sends back. Group IDs have the network ID format (26 of `[a-z2-7]`).
 */
export type GroupQuery =
  | { readonly op: "create"; readonly members: readonly string[] }
  | { readonly op: "add"; readonly group: string; readonly members: readonly string[] }
  | { readonly op: "remove" | "promote" | "demote"; readonly group: string; readonly user: string }
  | { readonly op: "leave"; readonly group: string }
  | { readonly op: "get"; readonly group: string; readonly after?: string }
  | { readonly op: "list"; readonly after?: string }
  | { readonly op: "join"; readonly group: string; readonly invite: string };

export type GroupRole = "admin" | "member";
export type GroupChange = "created" | "added" | "joined" | "removed" | "left" | "promoted" | "demoted";
/** Answers to a group iq that are not nacks: `<iq type="error"><error code text/></iq>`. */
export type GroupErrorCode = "not-found" | "forbidden" | "too-many" | "unknown-recipient";

/** A pairwise ciphertext for one member device (it carries the sender key to that device). */
export interface PairwiseEnc {
  readonly to: string;
  readonly device: string;
  readonly type: "pkmsg" | "msg";
  readonly payload: string;
}

export interface GroupMessageStanza {
  readonly kind: "group-message";
  readonly id: string;
  readonly group: string;
  readonly epoch: number;
  readonly phash: string;
  /** Base64 SenderKeyMessage for every member device. */
  readonly skmsg: string;
  readonly pairwise: readonly PairwiseEnc[];
}

/**
 * Members one create or add names: what fits one attribute (1024 characters, 27 per
 * network ID with its space), so the `user` list of the notification fits one too.
 */
export const MAX_MEMBERS_PER_CHANGE = 37;
/** Members or groups per result page: below the 256 children an element may have. */
export const GROUP_PAGE = 200;
const INVITE_TOKEN = /^[A-Za-z0-9_-]{16,64}$/;
const PHASH = /^[A-Za-z0-9_-]{11}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function attr(el: XmlElement, name: string): string {
  const v = el.attrs[name];
  if (v === undefined) throw new StanzaError("malformed", `<${el.name}> needs ${name}=`);
  return v;
}

function networkIdAttr(el: XmlElement, name: string): string {
  const v = attr(el, name);
  if (!isNetworkId(v)) throw new StanzaError("malformed", `${name}= is not a ${name === "group" ? "group" : "network"} ID`);
  return v;
}

function optionalId(el: XmlElement, name: string): string | undefined {
  return el.attrs[name] === undefined ? undefined : networkIdAttr(el, name);
}

function memberList(el: XmlElement, min: number): string[] {
  const raw = (el.attrs.members ?? "").trim();
  const members = raw === "" ? [] : raw.split(/\s+/);
  if (members.length < min || members.length > MAX_MEMBERS_PER_CHANGE || members.some((m) => !isNetworkId(m))) {
    throw new StanzaError("malformed", `members= must list ${min}-${MAX_MEMBERS_PER_CHANGE} network IDs, space-separated`);
  }
  if (new Set(members).size !== members.length) throw new StanzaError("malformed", "members= lists a network ID twice");
  return members;
}

/** The iq queries of docs/groups.md; null when `q` is not a group query (the caller says "unsupported"). */
export function readGroupQuery(type: "get" | "set", q: XmlElement): GroupQuery | null {
  switch (`${type} ${q.name}`) {
    case "set group-create":
      return { op: "create", members: memberList(q, 0) };
    case "set group-add":
      return { op: "add", group: networkIdAttr(q, "group"), members: memberList(q, 1) };
    case "set group-remove":
    case "set group-promote":
    case "set group-demote":
      return { op: q.name.slice(6) as "remove" | "promote" | "demote", group: networkIdAttr(q, "group"), user: networkIdAttr(q, "user") };
    case "set group-leave":
      return { op: "leave", group: networkIdAttr(q, "group") };
    case "get group-get":
      return { op: "get", group: networkIdAttr(q, "group"), after: optionalId(q, "after") };
    case "get group-list":
      return { op: "list", after: optionalId(q, "after") };
    case "set group-join": {
      const invite = attr(q, "invite");
      if (!INVITE_TOKEN.test(invite)) throw new StanzaError("malformed", "invite= is not an invitation token");
      return { op: "join", group: networkIdAttr(q, "group"), invite };
    }
    default:
      return null;
  }
}

function base64Text(el: XmlElement, what: string): string {
  const payload = el.text.trim();
  if (!BASE64.test(payload) || payload.length % 4 !== 0) throw new StanzaError("malformed", `${what} is not base64`);
  return payload;
}

/** `<message id group epoch phash type="group">` with one skmsg enc and pairwise encs. */
export function readGroupMessage(el: XmlElement, id: string): GroupMessageStanza {
  const group = networkIdAttr(el, "group");
  const epoch = Number(attr(el, "epoch"));
  if (!Number.isSafeInteger(epoch) || epoch < 1) throw new StanzaError("malformed", "epoch= must be a positive integer");
  const phash = attr(el, "phash");
  if (!PHASH.test(phash)) throw new StanzaError("malformed", "phash= must be 8 bytes in base64url (11 characters)");
  let skmsg: string | undefined;
  const pairwise: PairwiseEnc[] = [];
  const seen = new Set<string>();
  for (const enc of el.children) {
    if (enc.name !== "enc") throw new StanzaError("malformed", `<message> may only contain <enc>, not <${enc.name}>`);
    const type = attr(enc, "type");
    if (type === "skmsg") {
      if (skmsg !== undefined) throw new StanzaError("malformed", "a group message carries exactly one skmsg <enc>");
      if (enc.attrs.to !== undefined || enc.attrs.device !== undefined) throw new StanzaError("malformed", "the skmsg <enc> names no device");
      skmsg = base64Text(enc, "the skmsg enc");
      continue;
    }
    if (type !== "pkmsg" && type !== "msg") throw new StanzaError("malformed", "enc type= must be one of skmsg, pkmsg, msg");
    const to = networkIdAttr(enc, "to");
    const device = attr(enc, "device");
    if (!DEVICE_ID_PATTERN.test(device)) throw new StanzaError("malformed", "enc device= is not a device ID");
    const line = `${to}.${device}`;
    if (seen.has(line)) throw new StanzaError("malformed", "one pairwise <enc> per member device");
    seen.add(line);
    pairwise.push({ to, device, type, payload: base64Text(enc, `the enc for ${line}`) });
  }
  if (skmsg === undefined) throw new StanzaError("malformed", "a group message carries exactly one skmsg <enc>");
  return { kind: "group-message", id, group, epoch, phash, skmsg, pairwise };
}

/**
 * The member device list a sender encrypted for: the first 8 bytes, base64url, of SHA-256
 * over the sorted lines `networkId.deviceId` joined by `\n` (docs/groups.md).
 */
export function phashOf(lines: readonly string[]): string {
  return bytesToBase64Url(sha256(utf8.encode([...lines].sort().join("\n"))).subarray(0, 8));
}

export interface GroupMemberView {
  readonly user: string;
  readonly role: GroupRole;
  readonly devices?: readonly string[];
}

/** `<group id epoch [more]>` with its members (and, after an add, the users invited instead). */
export function groupElement(g: { readonly id: string; readonly epoch: number; readonly members?: readonly GroupMemberView[]; readonly invited?: readonly string[]; readonly more?: boolean }): XmlElement {
  const members = (g.members ?? []).map((m) => element("member", { user: m.user, role: m.role, devices: m.devices?.join(" ") }));
  const invited = (g.invited ?? []).map((user) => element("invited", { user }));
  return element("group", { id: g.id, epoch: g.epoch, more: g.more ? "true" : undefined }, [...members, ...invited]);
}

export function groupsElement(groups: readonly { readonly id: string; readonly epoch: number; readonly role: GroupRole }[], more: boolean): XmlElement {
  return element("groups", { more: more ? "true" : undefined }, groups.map((g) => element("group", { id: g.id, epoch: g.epoch, role: g.role })));
}

export function groupIqError(id: string, code: GroupErrorCode, text: string): XmlElement {
  return element("iq", { id, type: "error" }, [element("error", { code, text })]);
}

export interface DeliveredGroupMessage {
  readonly id: string;
  readonly from: string;
  readonly fromDevice: string;
  readonly group: string;
  readonly epoch: number;
  readonly t: number;
  readonly skmsg: string;
  readonly pairwise?: { readonly type: "pkmsg" | "msg"; readonly payload: string };
}

/** A group message as one member device gets it: the skmsg, and its own pairwise enc if there was one. */
export function deliveredGroupMessage(m: DeliveredGroupMessage): XmlElement {
  const encs = [element("enc", { type: "skmsg" }, m.skmsg)];
  if (m.pairwise) encs.push(element("enc", { type: m.pairwise.type }, m.pairwise.payload));
  return element("message", { id: m.id, from: m.from, from_device: m.fromDevice, group: m.group, epoch: m.epoch, t: m.t, type: "group" }, encs);
}

/** One change of the group's log; `from` is the group (the device acks with from=the group ID). */
export function groupNotification(n: { readonly id: string; readonly group: string; readonly epoch: number; readonly change: GroupChange; readonly by: string; readonly users: readonly string[]; readonly t: number }): XmlElement {
  return element("notification", {
    type: "group",
    id: n.id,
    from: n.group,
    group: n.group,
    epoch: n.epoch,
    change: n.change,
    by: n.by,
    user: n.users.length > 0 ? n.users.join(" ") : undefined,
    t: n.t,
  });
}

/** An invitation; `from` is the inviting user. */
export function groupInviteNotification(n: { readonly id: string; readonly from: string; readonly group: string; readonly invite: string; readonly expires: number; readonly t: number }): XmlElement {
  return element("notification", { type: "group-invite", id: n.id, from: n.from, group: n.group, invite: n.invite, expires: n.expires, t: n.t });
}
