import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newDevice } from "../helpers/gateway.ts";
import { ciphertext, encsFor, eventually, queued, userStub } from "../helpers/users.ts";
import { closeAll, create, groupMessagesOf, groupStub, logRows, memberDevices, online, sendRaw, groupMessage, userWith, type Member } from "./group-helpers.ts";
import { phashOf } from "../../protocol/stanzas/index.ts";
import type { XmlElement } from "../../protocol/xml/index.ts";

async function acquainted(admin: Member, ...others: Member[]): Promise<void> {
  for (const o of others) await o.messenger.sendMessage(admin.device.networkId, encsFor([admin.device], "hi"));
}

/** Sends until acked: an eviction may cut the call after the commit (then the resend is a duplicate). */
async function sendUntilAcked(m: Member, stanza: XmlElement): Promise<XmlElement> {
  for (;;) {
    const answer = await sendRaw(m, stanza);
    if (answer.name === "ack") return answer;
    expect(answer.attrs.code).toBe("internal");
  }
}

const ids = (m: Member, group: string) => groupMessagesOf(m, group).map((s) => s.attrs.id);

describe("group durability (docs/groups.md, Durability and order)", () => {
  it("evictions of the group object during fan-out still deliver every message exactly once, in order", async () => {
    const alice = await online(await newDevice());
    const others = [...(await userWith(2)), ...(await userWith(2)), await online(await newDevice())];
    const users = [others[0]!, others[2]!, others[4]!];
    await acquainted(alice, ...users);
    const g = await create(alice, users);
    const phash = phashOf(await memberDevices(alice, g.id));
    const sent: string[] = [];
    for (let i = 0; i < 12; i++) {
      const id = `m-${i}`;
      await sendUntilAcked(alice, groupMessage({ group: g.id, epoch: 1, phash, id, skmsg: ciphertext(id) }));
      sent.push(id);
      // The alarm loop's state is torn down between (and, when it is running, around) deliveries.
      if (i % 3 === 0) await evictDurableObject(groupStub(g.id)).catch(() => undefined);
      if (i % 4 === 0) await runDurableObjectAlarm(groupStub(g.id));
    }
    for (const m of others) await eventually(async () => ids(m, g.id).length >= sent.length);
    await eventually(async () => (await logRows(g.id)) === 0);
    for (const m of others) expect(ids(m, g.id)).toEqual(sent);
    expect(ids(alice, g.id)).toEqual([]);
    closeAll(alice, ...others);
  });

  it("a member object that fails to store is retried with backoff until it has everything, once", async () => {
    const [alice, bob, carol] = [await online(await newDevice()), await online(await newDevice()), await online(await newDevice())];
    await acquainted(alice, bob, carol);
    const g = await create(alice, [bob, carol]);
    await eventually(async () => (await logRows(g.id)) === 0);
    // Carol's storage breaks: her object throws on every store until it is restarted.
    await runInDurableObject(userStub(carol.device.networkId), (_i, state) => state.storage.sql.exec("ALTER TABLE inbox RENAME TO inbox_away"));
    const phash = phashOf(await memberDevices(alice, g.id));
    for (const id of ["a", "b"]) await sendUntilAcked(alice, groupMessage({ group: g.id, epoch: 1, phash, id }));
    await eventually(async () => ids(bob, g.id).length === 2);
    // The log keeps what Carol has not stored; her cursor waits with its backoff.
    expect(await logRows(g.id)).toBe(2);
    const cursor = await runInDurableObject(groupStub(g.id), (_i, state) =>
      state.storage.sql.exec<{ through: number; attempts: number }>("SELECT through, attempts FROM cursors WHERE user = ?", carol.device.networkId).one(),
    );
    expect(cursor.attempts).toBeGreaterThan(0);
    await runInDurableObject(userStub(carol.device.networkId), (_i, state) => state.storage.sql.exec("ALTER TABLE inbox_away RENAME TO inbox"));
    await eventually(async () => ids(carol, g.id).length === 2);
    await eventually(async () => (await logRows(g.id)) === 0);
    expect(ids(carol, g.id)).toEqual(["a", "b"]);
    expect(ids(bob, g.id)).toEqual(["a", "b"]);
    closeAll(alice, bob, carol);
  });

  it("a user object stores a repeated batch (its answer lost) once, and skips what it already has", async () => {
    const [alice, bob] = [await online(await newDevice()), await online(await newDevice())];
    await acquainted(alice, bob);
    const g = await create(alice, [bob]);
    await eventually(async () => (await logRows(g.id)) === 0);
    bob.conn.close();
    const entry = (seq: number, id: string) => ({
      kind: "message" as const,
      seq,
      epoch: 1,
      t: Date.now(),
      id,
      from: alice.device.networkId,
      fromDevice: alice.device.deviceId,
      fromProvider: "dev",
      skmsg: ciphertext(id),
      pairwise: [],
      devices: [bob.device.deviceId],
    });
    const bobObject = userStub(bob.device.networkId);
    expect((await bobObject.groupDeliver(g.id, [entry(100, "x")])).ok).toBe(true);
    expect((await bobObject.groupDeliver(g.id, [entry(100, "x"), entry(101, "y")])).ok).toBe(true);
    expect((await bobObject.groupDeliver(g.id, [entry(99, "older")])).ok).toBe(true);
    expect((await queued(bob.device.networkId)).map((r) => r.key)).toEqual(["x", "y"]);
    const back = await online(bob.device);
    await eventually(async () => ids(back, g.id).length >= 2);
    expect(ids(back, g.id)).toEqual(["x", "y"]);
    closeAll(alice, back);
  });
});
