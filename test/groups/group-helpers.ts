import { env, runInDurableObject } from "cloudflare:test";
import { newStanzaId } from "../../client/index.ts";
import { phashOf } from "../../protocol/stanzas/index.ts";
import { element, parseXml, serializeXml, type XmlElement } from "../../protocol/xml/index.ts";
import { newDevice, randomSub, type TestDevice } from "../helpers/gateway.ts";
import { ciphertext, eventually, goOnline, type Online } from "../helpers/users.ts";

/** A connected device that also keeps every stanza the gateway sent it, as XML. */
export interface Member extends Online {
  readonly stanzas: XmlElement[];
}

export async function online(device: TestDevice, options: { retries?: number } = {}): Promise<Member> {
  const o = await goOnline(device, options);
  const stanzas: XmlElement[] = [];
  o.conn.on("stanza", (bytes) => stanzas.push(parseXml(bytes)));
  return { ...o, stanzas };
}

/** A user with `count` devices, all online. */
export async function userWith(count: number): Promise<Member[]> {
  const sub = randomSub();
  const devices: TestDevice[] = [];
  for (let i = 0; i < count; i++) devices.push(await newDevice(sub));
  return Promise.all(devices.map((d) => online(d)));
}

/** Sends a group iq; resolves with its result's child, rejects with a NackError (iq errors included). */
export async function groupIq(m: Member, type: "get" | "set", name: string, attrs: Record<string, string> = {}): Promise<XmlElement> {
  const result = await m.messenger.iq(type, element(name, attrs));
  return result.children[0]!;
}

export async function create(admin: Member, members: readonly Member[] | readonly string[]): Promise<{ id: string; epoch: number; el: XmlElement }> {
  const ids = members.map((m) => (typeof m === "string" ? m : m.device.networkId));
  const el = await groupIq(admin, "set", "group-create", { members: ids.join(" ") });
  return { id: el.attrs.id!, epoch: Number(el.attrs.epoch), el };
}

/** The group's member devices but `sender`'s own, as `networkId.deviceId` (what phash= covers). */
export async function memberDevices(asker: Member, group: string, sender: Member = asker): Promise<string[]> {
  const el = await groupIq(asker, "get", "group-get", { group });
  const own = `${sender.device.networkId}.${sender.device.deviceId}`;
  return el.children.flatMap((m) => (m.attrs.devices ?? "").split(" ").filter(Boolean).map((d) => `${m.attrs.user}.${d}`)).filter((l) => l !== own);
}

export interface GroupSend {
  readonly group: string;
  readonly epoch: number;
  readonly phash: string;
  readonly skmsg?: string;
  /** Pairwise encs, `networkId.deviceId` lines. */
  readonly pairwise?: readonly string[];
  readonly id?: string;
}

export function groupMessage(s: GroupSend): XmlElement {
  const encs = [element("enc", { type: "skmsg" }, s.skmsg ?? ciphertext("skmsg"))];
  for (const line of s.pairwise ?? []) {
    const [to, device] = line.split(".");
    encs.push(element("enc", { to: to!, device: device!, type: "pkmsg" }, ciphertext(`skdm for ${line}`)));
  }
  return element("message", { id: s.id ?? newStanzaId(), group: s.group, epoch: s.epoch, phash: s.phash, type: "group" }, encs);
}

/** Sends a raw stanza and resolves with the gateway's ack or nack for it. */
export function sendRaw(m: Member, stanza: XmlElement): Promise<XmlElement> {
  const id = stanza.attrs.id!;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to ${id}`)), 10_000);
    m.conn.on("stanza", (bytes) => {
      const el = parseXml(bytes);
      if ((el.name === "ack" || el.name === "nack") && el.attrs.id === id) {
        clearTimeout(timer);
        resolve(el);
      }
    });
    void m.conn.send(serializeXml(stanza));
  });
}

/** Sends a group message for the group's current device list (as group-get gives it). */
export async function sendToGroup(m: Member, group: string, epoch: number, options: { pairwise?: readonly string[]; skmsg?: string; id?: string } = {}): Promise<XmlElement> {
  const phash = phashOf(await memberDevices(m, group));
  return sendRaw(m, groupMessage({ group, epoch, phash, ...options }));
}

export const groupMessagesOf = (m: Member, group: string) => m.stanzas.filter((s) => s.name === "message" && s.attrs.group === group);
export const groupNoticesOf = (m: Member, group: string) => m.stanzas.filter((s) => s.name === "notification" && s.attrs.type === "group" && s.attrs.group === group);

/** Waits until `m` received `count` group stanzas matching `pick`. */
export function received(m: Member, pick: (m: Member) => XmlElement[], count: number): Promise<XmlElement[]> {
  return eventually(async () => {
    const got = pick(m);
    return got.length >= count ? got : undefined;
  });
}

export function groupStub(id: string) {
  return env.GROUPS.get(env.GROUPS.idFromName(id));
}

/** Rows still in the group's log. */
export function logRows(id: string): Promise<number> {
  return runInDurableObject(groupStub(id), (_i, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM log").one().n);
}

export function closeAll(...members: readonly Member[]): void {
  for (const m of members) m.conn.close();
}
