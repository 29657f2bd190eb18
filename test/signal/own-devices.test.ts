// A user's own other devices see what one of them sent (issue 14, as WhatsApp and Signal do):
// the SDK sends a copy with `sentTo` to them, and the gateway expects that copy for every own
// device but the sender.
import { describe, expect, it } from "vitest";
import type { ReceivedContent } from "../../client/secure-messenger.ts";
import { NackError } from "../../client/messenger.ts";
import { readServerStanza, type Enc } from "../../protocol/stanzas/index.ts";
import { parseXml } from "../../protocol/xml/index.ts";
import { newDevice } from "../helpers/gateway.ts";
import { secureOnline } from "../helpers/secure.ts";
import { eventually } from "../helpers/users.ts";

const text = (c: ReceivedContent | undefined) => (c?.content.body.type === "text" ? c.content.body.text : undefined);

/** Notifications as the gateway delivered them (SecureMessenger owns the Messenger's handler). */
function notificationsOf(u: Awaited<ReturnType<typeof secureOnline>>): { type: string; from: string; device?: string }[] {
  const seen: { type: string; from: string; device?: string }[] = [];
  u.conn.on("stanza", (bytes) => {
    const s = readServerStanza(parseXml(bytes));
    if (s.kind === "notification") seen.push({ type: s.type, from: s.from, device: s.attrs.device });
  });
  return seen;
}

describe("copies for the sender's own devices", () => {
  it("the sender's other device gets what it sent, with the recipient named; the recipient gets it once", async () => {
    const phone = await secureOnline(await newDevice());
    const laptop = await secureOnline(await newDevice(phone.device.sub));
    const bob = await secureOnline(await newDevice());
    const sent = await phone.secure.send(bob.device.networkId, { type: "text", text: "from my phone" });

    const copy = await eventually(async () => laptop.inbox[0]);
    expect(copy).toMatchObject({ from: phone.device.networkId, fromDevice: phone.device.deviceId });
    expect(copy.content).toMatchObject({ id: sent.id, sentTo: bob.device.networkId });
    expect(text(copy)).toBe("from my phone");
    const got = await eventually(async () => bob.inbox[0]);
    expect(got.content.sentTo).toBeUndefined();
    expect(text(got)).toBe("from my phone");

    // The phone itself got nothing back, and Bob nothing twice.
    await bob.secure.send(phone.device.networkId, { type: "text", text: "reply" });
    await eventually(async () => phone.inbox.length === 1 && laptop.inbox.length === 2);
    expect(phone.inbox.map(text)).toEqual(["reply"]);
    expect(bob.inbox).toHaveLength(1);
    for (const u of [phone, laptop, bob]) u.conn.close();
  });

  it("a device enrolled later is announced to the others and gets the next copy", async () => {
    const phone = await secureOnline(await newDevice());
    const phoneNotices = notificationsOf(phone);
    const bob = await secureOnline(await newDevice());
    await phone.secure.send(bob.device.networkId, { type: "text", text: "alone" });
    const tablet = await secureOnline(await newDevice(phone.device.sub));
    // The tablet's first key upload reaches the phone as identity-changed from its own user.
    await eventually(async () => phoneNotices.some((n) => n.type === "identity-changed" && n.from === phone.device.networkId && n.device === tablet.device.deviceId));
    await phone.secure.send(bob.device.networkId, { type: "text", text: "now with a tablet" });
    const copy = await eventually(async () => tablet.inbox[0]);
    expect(copy.content.sentTo).toBe(bob.device.networkId);
    expect(text(copy)).toBe("now with a tablet");
    for (const u of [phone, tablet, bob]) u.conn.close();
  });

  it("a copy must leave the sending device out: the gateway names the devices it expects", async () => {
    const phone = await secureOnline(await newDevice());
    const laptop = await secureOnline(await newDevice(phone.device.sub));
    const own = phone.device.networkId;
    const both: Enc[] = [phone.device.deviceId, laptop.device.deviceId].map((device) => ({ device, type: "msg", payload: "AAAA" }));
    const refused = await phone.messenger.sendMessage(own, both).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(NackError);
    expect((refused as NackError).code).toBe("device-list-mismatch");
    expect((refused as NackError).attrs.devices).toBe(laptop.device.deviceId);
    for (const u of [phone, laptop]) u.conn.close();
  });
});
