import { runInDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { generateIdentityKeyPair, generateRegistrationId, MemorySignalStore } from "../../client/e2ee/index.ts";
import { NackError, SecureMessenger } from "../../client/index.ts";
import { CloseCode } from "../../protocol/close-codes.ts";
import { webcryptoX25519 } from "../../protocol/noise/dh25519.ts";
import { phashOf } from "../../protocol/stanzas/index.ts";
import { utf8 } from "../../protocol/bytes.ts";
import { Channel, decodeBatch, encodeBatch } from "../../protocol/pipes/index.ts";
import { element, parseXml, serializeXml, type XmlElement } from "../../protocol/xml/index.ts";
import { closeAll, create, groupIq, groupMessage, memberDevices, online, sendRaw, sendToGroup, type Member } from "../groups/group-helpers.ts";
import { enrollWith, GATEWAY_URL, newConnection, newDevice, nextClose, nextMessage, randomSub, waitFor, type TestDevice } from "../helpers/gateway.ts";
import { rawSession } from "../helpers/raw-client.ts";
import { admin, TestProvider } from "../helpers/providers.ts";
import { encsFor, eventually, goOnline, queued, userStub, type Online } from "../helpers/users.ts";

type Closed = { code: number; reason: string; reconnectInMs: number | null };

const lineOf = (d: TestDevice) => `${d.networkId}.${d.deviceId}`;

/** How a fresh connection of `device` ends: refused, or (if it opened) the test fails. */
async function connectClose(device: TestDevice): Promise<Closed> {
  const conn = await newConnection(device);
  const closed = waitFor<Closed>((done) => conn.on("close", done));
  await conn.connect().catch(() => undefined);
  return closed;
}

/** A SecureMessenger on a member's connection, with its keys published (so bundles list the device). */
async function withKeys(m: Online): Promise<SecureMessenger> {
  const secure = new SecureMessenger(m.messenger, new MemorySignalStore(generateIdentityKeyPair(), generateRegistrationId()), { networkId: m.device.networkId, deviceId: m.device.deviceId });
  await secure.publishKeys();
  return secure;
}

async function bundleDevices(asker: Member, user: string): Promise<string[]> {
  const result = await asker.messenger.iq("get", element("bundles", { user }));
  return result.children[0]!.children.map((b) => b.attrs.device!).sort();
}

/** What the user's object holds about a device: registry, removal mark, inbox rows, prekeys. */
function stored(networkId: string, deviceId: string) {
  return runInDurableObject(userStub(networkId), (_i, state) => {
    const n = (sql: string) => state.storage.sql.exec<{ n: number }>(sql, deviceId).one().n;
    return {
      enrolled: n("SELECT COUNT(*) AS n FROM devices WHERE device_id = ?"),
      removed: n("SELECT COUNT(*) AS n FROM removed_devices WHERE device_id = ?"),
      inbox: n("SELECT COUNT(*) AS n FROM inbox WHERE device_id = ?"),
      keys: n("SELECT (SELECT COUNT(*) FROM device_keys WHERE device_id = ?1) + (SELECT COUNT(*) FROM prekeys WHERE device_id = ?1) + (SELECT COUNT(*) FROM kyber_prekeys WHERE device_id = ?1) AS n"),
    };
  });
}

const deviceRemovedNotices = (m: Member) => m.stanzas.filter((s) => s.name === "notification" && s.attrs.type === "device-removed");

function removeOverHttp(body: unknown): Promise<Response> {
  return SELF.fetch(`${GATEWAY_URL}/v1/devices/remove`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
}

const anyKey = async () => (await webcryptoX25519.generateKeyPair()).publicKey;

describe("removing a device (<device-remove/>)", () => {
  it("a sibling removes a device: its session ends with 4410, it cannot come back, and nobody can reach it", async () => {
    const sub = randomSub();
    const a1 = await online(await newDevice(sub));
    // One that would reconnect after any close that is not final.
    const a2 = await goOnline(await newDevice(sub), { reconnect: true });
    const bob = await online(await newDevice());
    await withKeys(a1);
    await withKeys(a2);
    const alice = a1.device.networkId;
    expect(await bundleDevices(bob, alice)).toEqual([a1.device.deviceId, a2.device.deviceId].sort());
    expect((await SELF.fetch(`${GATEWAY_URL}/v1/keys/${alice}/${a2.device.deviceId}`)).status).toBe(200);

    const closed = waitFor<Closed>((done) => a2.conn.on("close", done));
    expect(await a1.messenger.removeDevice(a2.device.deviceId)).toEqual([a1.device.deviceId]);
    expect(await closed).toMatchObject({ code: CloseCode.DEVICE_REMOVED, reconnectInMs: null });
    // Its key is refused as removed, not as a stranger's.
    expect(await connectClose(a2.device)).toMatchObject({ code: CloseCode.DEVICE_REMOVED, reconnectInMs: null });

    // No bundle (so no new session), no published keys, nothing stored for it.
    expect(await bundleDevices(bob, alice)).toEqual([a1.device.deviceId]);
    expect((await SELF.fetch(`${GATEWAY_URL}/v1/keys/${alice}/${a2.device.deviceId}`)).status).toBe(404);
    expect(await stored(alice, a2.device.deviceId)).toEqual({ enrolled: 0, removed: 1, inbox: 0, keys: 0 });

    // A 1:1 sender with the old list is told the new one.
    const refused = await bob.messenger.sendMessage(alice, encsFor([a1.device, a2.device], "hi")).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(NackError);
    expect(refused).toMatchObject({ code: "device-list-mismatch", attrs: { devices: a1.device.deviceId } });
    expect((await bob.messenger.sendMessage(alice, encsFor([a1.device], "hi"))).duplicate).toBe(false);

    // The remaining device is told, durably (it acks the notice like any other).
    const [notice] = await eventually(async () => (deviceRemovedNotices(a1).length > 0 ? deviceRemovedNotices(a1) : undefined));
    expect(notice!.attrs).toMatchObject({ from: alice, device: a2.device.deviceId });
    await eventually(async () => (await queued(alice)).length === 0);
    closeAll(a1, bob);
  });

  it("a device removes itself: it gets the answer, then its session ends; the last device may go too", async () => {
    const sub = randomSub();
    const a1 = await online(await newDevice(sub));
    const a2 = await online(await newDevice(sub));
    const closed2 = waitFor<Closed>((done) => a2.conn.on("close", done));
    expect(await a2.messenger.removeDevice(a2.device.deviceId)).toEqual([a1.device.deviceId]);
    expect((await closed2).code).toBe(CloseCode.DEVICE_REMOVED);

    const closed1 = waitFor<Closed>((done) => a1.conn.on("close", done));
    expect(await a1.messenger.removeDevice(a1.device.deviceId)).toEqual([]);
    expect(await closed1).toMatchObject({ code: CloseCode.DEVICE_REMOVED, reconnectInMs: null });
    // The user remains, with no device: a message to it must name none, which no message can.
    const bob = await online(await newDevice());
    const refused = await bob.messenger.sendMessage(a1.device.networkId, encsFor([a1.device], "anyone?")).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: "device-list-mismatch", attrs: { devices: "" } });
    // Enrolling the same key again (a fresh provider token) brings it back as a new device.
    const res = await enrollWith(await a1.device.token());
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ deviceId: a1.device.deviceId, created: true });
    const back = await online(a1.device);
    expect(await stored(a1.device.networkId, a1.device.deviceId)).toEqual({ enrolled: 1, removed: 0, inbox: 0, keys: 0 });
    closeAll(back, bob);
  });

  it("refuses what follows a self-removal in the same batch, then ends the session", async () => {
    const sub = randomSub();
    const a1 = await online(await newDevice(sub));
    const a2 = await newDevice(sub);
    const bob = await online(await newDevice());
    const raw = await rawSession(a2, undefined, { stanzaBatches: true });
    const closed = nextClose(raw.ws);
    const message = `<message id="after" to="${bob.device.networkId}" type="chat"><enc device="${bob.device.deviceId}" type="msg">${btoa("after")}</enc></message>`;
    raw.ws.send(await raw.channel.seal(Channel.STANZAS, encodeBatch([`<iq id="rm" type="set"><device-remove device="${a2.deviceId}"/></iq>`, message].map((x) => utf8.encode(x)))));
    const { channel, payload } = await raw.channel.open(await nextMessage(raw.ws));
    const answers = (channel === Channel.STANZAS ? decodeBatch(payload) : [payload]).map((p) => parseXml(p));
    expect(answers.map((x) => [x.name, x.attrs.id, x.attrs.type ?? x.attrs.code])).toEqual([
      ["iq", "rm", "result"],
      ["nack", "after", "forbidden"],
    ]);
    expect((await closed).code).toBe(CloseCode.DEVICE_REMOVED);
    expect((await queued(bob.device.networkId)).map((r) => r.key)).not.toContain("after");
    closeAll(a1, bob);
  });

  it("only the user's own devices, by exact ID; bad queries are nacked and change nothing", async () => {
    const sub = randomSub();
    const a1 = await online(await newDevice(sub));
    const a2 = await online(await newDevice(sub));
    const mallory = await online(await newDevice());
    const alice = a1.device.networkId;
    const notFound = (p: Promise<unknown>) => p.then(() => "resolved", (e: unknown) => (e instanceof NackError ? e.code : e));
    // Another user's device is not one of "its own": not found, as an unknown one.
    expect(await notFound(mallory.messenger.removeDevice(a2.device.deviceId))).toBe("not-found");
    expect(await notFound(a1.messenger.removeDevice("no-such-device"))).toBe("not-found");

    const iq = (type: string, query: XmlElement) => sendRawIq(a1, element("iq", { id: `bad-${crypto.randomUUID().slice(0, 8)}`, type }, [query]));
    expect((await iq("set", element("device-remove", {}))).attrs).toMatchObject({ class: "iq", code: "malformed" });
    expect((await iq("set", element("device-remove", { device: "not a device!" }))).attrs).toMatchObject({ class: "iq", code: "malformed" });
    expect((await iq("set", element("device-remove", { device: "x".repeat(65) }))).attrs).toMatchObject({ class: "iq", code: "malformed" });
    expect((await iq("get", element("device-remove", { device: a2.device.deviceId }))).attrs).toMatchObject({ class: "iq", code: "unsupported" });

    for (const d of [a1.device, a2.device]) expect(await stored(alice, d.deviceId)).toMatchObject({ enrolled: 1, removed: 0 });
    expect(deviceRemovedNotices(a1)).toEqual([]);
    await a2.messenger.ping();
    closeAll(a1, a2, mallory);
  });

  it("a group stops expecting the removed device: the old list is refused, the new one accepted", async () => {
    const sub = randomSub();
    const a1 = await online(await newDevice(sub));
    const a2 = await online(await newDevice(sub));
    const bob = await online(await newDevice());
    // Bob wrote to Alice, so Alice may add him directly.
    await bob.messenger.sendMessage(a1.device.networkId, encsFor([a1.device, a2.device], "hi"));
    const g = await create(a1, [bob]);
    const before = await memberDevices(bob, g.id);
    expect(before.sort()).toEqual([lineOf(a1.device), lineOf(a2.device)].sort());

    await a1.messenger.removeDevice(a2.device.deviceId);
    // Pushed to the group before the removal was answered.
    expect(await memberDevices(bob, g.id)).toEqual([lineOf(a1.device)]);
    const stale = await sendRaw(bob, groupMessage({ group: g.id, epoch: g.epoch, phash: phashOf(before) }));
    expect(stale.attrs).toMatchObject({ code: "device-list-mismatch", devices: lineOf(a1.device) });
    expect((await sendRaw(bob, groupMessage({ group: g.id, epoch: g.epoch, phash: phashOf(before), pairwise: [lineOf(a2.device)] }))).attrs.code).toBe("device-list-mismatch");
    // Device changes are not membership changes: same epoch, and Alice is still a member.
    expect((await sendToGroup(bob, g.id, g.epoch)).name).toBe("ack");
    const view = await groupIq(bob, "get", "group-get", { group: g.id });
    expect(view.children.map((m) => m.attrs.user).sort()).toEqual([a1.device.networkId, bob.device.networkId].sort());
    closeAll(a1, bob);
  });

  it("the SDK forgets a removed sibling at once: its next copy to its own devices goes out right", async () => {
    const sub = randomSub();
    const a1 = await online(await newDevice(sub));
    const a2 = await online(await newDevice(sub));
    const bob = await online(await newDevice());
    const secure = await withKeys(a1);
    await withKeys(a2);
    await withKeys(bob);
    await secure.send(bob.device.networkId, { type: "text", text: "first" });
    await a2.messenger.removeDevice(a2.device.deviceId);
    await eventually(async () => deviceRemovedNotices(a1).length > 0);
    // Its own list was [a2]: kept, the copy would name a device that is gone.
    await secure.send(bob.device.networkId, { type: "text", text: "second" });
    expect(a1.stanzas.filter((s) => s.name === "nack")).toEqual([]);
    closeAll(a1, bob);
  });
});

/** Sends a raw iq and resolves with its nack (or result). */
function sendRawIq(m: Member, iq: XmlElement): Promise<XmlElement> {
  const id = iq.attrs.id!;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to ${id}`)), 10_000);
    m.conn.on("stanza", () => {
      const answer = m.stanzas.find((s) => (s.name === "nack" || s.name === "iq") && s.attrs.id === id);
      if (answer) {
        clearTimeout(timer);
        resolve(answer);
      }
    });
    void m.conn.send(serializeXml(iq));
  });
}

describe("removing a device through its provider (POST /v1/devices/remove)", () => {
  it("removes a lost device with the provider's token for the user, and only that", async () => {
    const p = await TestProvider.create();
    const q = await TestProvider.create();
    const sub = randomSub();
    const phone = await p.enrollDevice(sub);
    const laptop = await online(await p.enrollDevice(sub));
    const elsewhere = await p.enrollDevice(randomSub());
    const namesake = await q.enrollDevice(sub);
    const bob = await online(await newDevice());
    // The phone is offline: a message waits for it.
    await bob.messenger.sendMessage(phone.networkId, encsFor([phone, laptop.device], "where are you"));
    expect(await stored(phone.networkId, phone.deviceId)).toMatchObject({ inbox: 1 });

    // Another provider's token for the same subject, or this provider's for another user: not this device.
    for (const token of [await q.token(sub, await anyKey()), await p.token(elsewhere.sub, await anyKey())]) {
      const res = await removeOverHttp({ token, deviceId: phone.deviceId });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: "unknown-device" });
    }
    expect(await stored(phone.networkId, phone.deviceId)).toMatchObject({ enrolled: 1, inbox: 1 });
    expect(await stored(namesake.networkId, namesake.deviceId)).toMatchObject({ enrolled: 1 });

    const token = await p.token(sub, await anyKey());
    const res = await removeOverHttp({ token, deviceId: phone.deviceId });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ networkId: phone.networkId, deviceId: phone.deviceId, devices: [laptop.device.deviceId] });
    // Its backlog is gone with it (no device can ever receive it); the laptop is told.
    expect(await stored(phone.networkId, phone.deviceId)).toEqual({ enrolled: 0, removed: 1, inbox: 0, keys: 0 });
    await eventually(async () => deviceRemovedNotices(laptop).some((n) => n.attrs.device === phone.deviceId));
    expect(await connectClose(phone)).toMatchObject({ code: CloseCode.DEVICE_REMOVED });

    // The token is spent; a fresh one finds it removed already and answers the same.
    const replayed = await removeOverHttp({ token, deviceId: phone.deviceId });
    expect(replayed.status).toBe(401);
    expect(await replayed.json()).toMatchObject({ error: "invalid-token", reason: "replayed" });
    const again = await removeOverHttp({ token: await p.token(sub, await anyKey()), deviceId: phone.deviceId });
    expect(await again.json()).toMatchObject({ devices: [laptop.device.deviceId] });
    expect(deviceRemovedNotices(laptop)).toHaveLength(1);
    closeAll(laptop, bob);
  });

  it("refuses bad requests and tokens without touching anything, and spends the enrollment budget", async () => {
    const p = await TestProvider.create();
    // Enrollments and removals share it: this enrollment and the two 404s below spend it.
    await admin(`/providers/${p.id}`, { method: "PATCH", body: JSON.stringify({ rateLimits: { enrollmentsPerMinute: 3 } }) });
    const sub = randomSub();
    const device = await p.enrollDevice(sub);
    const status = async (body: unknown) => {
      const res = await removeOverHttp(body);
      return [res.status, ((await res.json()) as { error: string }).error];
    };
    expect(await status({ deviceId: device.deviceId })).toEqual([400, "invalid-field"]);
    expect(await status({ token: await p.token(sub, await anyKey()) })).toEqual([400, "invalid-field"]);
    expect(await status({ token: await p.token(sub, await anyKey()), deviceId: "not a device!" })).toEqual([400, "invalid-field"]);
    expect(await status({ token: "not.a.jwt", deviceId: device.deviceId })).toEqual([401, "invalid-token"]);
    expect(await status({ token: await p.token(sub, await anyKey(), { iatOffsetS: -1000 }), deviceId: device.deviceId })).toEqual([401, "invalid-token"]);
    expect(await status({ token: await p.token(sub, await anyKey()), deviceId: "no-such-device" })).toEqual([404, "unknown-device"]);
    // A subject this provider never enrolled: no user object is made for it.
    expect(await status({ token: await p.token(randomSub(), await anyKey()), deviceId: device.deviceId })).toEqual([404, "unknown-device"]);
    expect(await stored(device.networkId, device.deviceId)).toMatchObject({ enrolled: 1, removed: 0 });

    const limited = await removeOverHttp({ token: await p.token(sub, await anyKey()), deviceId: device.deviceId });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(await stored(device.networkId, device.deviceId)).toMatchObject({ enrolled: 1, removed: 0 });
  });
});
