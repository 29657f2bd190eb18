import { describe, expect, it, vi } from "vitest";
import { NackError, newStanzaId } from "../../client/index.ts";
import { element } from "../../protocol/xml/index.ts";
import { newDevice } from "../helpers/gateway.ts";
import { admin, TestProvider } from "../helpers/providers.ts";
import { encsFor, eventually, goOnline, queued } from "../helpers/users.ts";

describe("consent", () => {
  it("a recipient's block list refuses a sender with a nack, and unblocking lets them through", async () => {
    const [alice, bob] = [await goOnline(await newDevice()), await goOnline(await newDevice())];
    await bob.messenger.block(alice.device.networkId);
    await expect(alice.messenger.sendMessage(bob.device.networkId, encsFor([bob.device], "hi"))).rejects.toMatchObject({ code: "recipient-refused" });
    await expect(alice.messenger.sendPresence(bob.device.networkId, "available")).rejects.toMatchObject({ code: "recipient-refused" });
    expect(await queued(bob.device.networkId)).toHaveLength(0);
    await bob.messenger.unblock(alice.device.networkId);
    await alice.messenger.sendMessage(bob.device.networkId, encsFor([bob.device], "hi again"));
    alice.conn.close();
    bob.conn.close();
  });

  it("a recipient chooses which providers may reach them", async () => {
    const acme = await TestProvider.create();
    const carol = await goOnline(await acme.enrollDevice("carol"));
    const bob = await goOnline(await newDevice()); // the development provider's user
    await bob.messenger.setPrivacy({ allow: ["dev"] });
    await expect(carol.messenger.sendMessage(bob.device.networkId, encsFor([bob.device], "from acme"))).rejects.toMatchObject({
      code: "recipient-refused",
    });
    await bob.messenger.setPrivacy({ allow: ["dev", acme.id] });
    await carol.messenger.sendMessage(bob.device.networkId, encsFor([bob.device], "from acme"));
    const privacy = await bob.messenger.iq("get", element("privacy"));
    expect(privacy.children[0]?.attrs).toEqual({ discoverable: "false", allow: `dev ${acme.id}`, groups: "contacts" });
    carol.conn.close();
    bob.conn.close();
  });
});

describe("rate limits", () => {
  it("refuses stanzas beyond the per-user budget with rate-limited and a retry time", async () => {
    const [alice, bob] = [await goOnline(await newDevice(), { retries: 0 }), await goOnline(await newDevice())];
    // The gateway's clock stands still for the burst, so a slow machine refills nothing mid-burst.
    vi.useFakeTimers({ toFake: ["Date"] });
    const results = await Promise.allSettled(Array.from({ length: 101 }, () => alice.messenger.sendChatState(bob.device.networkId, "composing"))).finally(() =>
      vi.useRealTimers(),
    );
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(refused).toHaveLength(1);
    const err = refused[0]!.reason as NackError;
    expect(err.code).toBe("rate-limited");
    expect(Number(err.attrs.retry_ms)).toBeGreaterThan(0);
    alice.conn.close();
    bob.conn.close();
  });

  it("the SDK resends what the budget refused, after the gateway's retry_ms and with the same ID, until accepted", async () => {
    const [alice, bob] = [await goOnline(await newDevice()), await goOnline(await newDevice())];
    const retried: { id: string; code: string; inMs: number }[] = [];
    const waiters: { count: number; done: () => void }[] = [];
    const retries = (count: number) => new Promise<void>((done) => (retried.length >= count ? done() : waiters.push({ count, done })));
    alice.messenger.on("retrying", (r) => {
      retried.push(r);
      for (const w of waiters) if (retried.length === w.count) w.done();
    });
    // Time is driven, not raced: the gateway's bucket refills by Date.now() and the SDK waits
    // with setTimeout (one isolate runs both here), so however long the burst takes on a busy
    // machine, nothing refills until the clock is moved, and no resend leaves before it is.
    // USER_STANZAS_PER_MINUTE is 100 in the tests: exactly two of 102 are over the budget.
    const ids = Array.from({ length: 102 }, () => newStanzaId());
    vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout"] });
    try {
      const sends = new Map(ids.map((id, i) => [id, alice.messenger.sendMessage(bob.device.networkId, encsFor([bob.device], `m${i}`), id)]));
      await retries(2);
      const refused = retried.map((r) => r.id);
      await Promise.all(ids.filter((id) => !refused.includes(id)).map((id) => sends.get(id)));
      // One token per 600 ms, and the gateway says so.
      expect(retried).toEqual(refused.map((id) => ({ class: "message", id, code: "rate-limited", inMs: 600 })));

      // 600 ms later both are resent; the refill pays for one, the other is told to wait again.
      await vi.advanceTimersByTimeAsync(600);
      await retries(3);
      expect(retried[2]).toMatchObject({ code: "rate-limited", inMs: 600 });
      expect(refused).toContain(retried[2]!.id);
      await vi.advanceTimersByTimeAsync(600);
      const results = await Promise.all(sends.values());
      expect(results.map((r) => r.id)).toEqual(ids);
    } finally {
      vi.useRealTimers();
    }
    expect(retried).toHaveLength(3);
    // Every message stored exactly once, the resent ones under their original IDs.
    await eventually(async () => bob.received.length >= 102);
    expect(new Set(bob.received.map((m) => m.id))).toEqual(new Set(ids));
    expect(bob.received).toHaveLength(102);
    alice.conn.close();
    bob.conn.close();
  });

  it("enforces a provider's message budget across its users", async () => {
    const acme = await TestProvider.create();
    await admin(`/providers/${acme.id}`, { method: "PATCH", body: JSON.stringify({ rateLimits: { messagesPerMinute: 3 } }) });
    const [u1, u2] = [await goOnline(await acme.enrollDevice("u1"), { retries: 0 }), await goOnline(await acme.enrollDevice("u2"), { retries: 0 })];
    const bob = await newDevice();
    await u1.messenger.sendMessage(bob.networkId, encsFor([bob], "1"));
    await u2.messenger.sendMessage(bob.networkId, encsFor([bob], "2"));
    await u1.messenger.sendMessage(bob.networkId, encsFor([bob], "3"));
    await expect(u2.messenger.sendMessage(bob.networkId, encsFor([bob], "4"))).rejects.toMatchObject({ code: "rate-limited" });
    expect(await queued(bob.networkId)).toHaveLength(3);
    u1.conn.close();
    u2.conn.close();
  });
});

describe("directory lookup", () => {
  it("finds only users who allow discovery, and is rate limited", async () => {
    const alice = await goOnline(await newDevice(), { retries: 0 });
    const bob = await goOnline(await newDevice());
    const hidden = await newDevice();
    expect(await alice.messenger.lookup("dev", bob.device.sub)).toBeNull();
    await bob.messenger.setPrivacy({ discoverable: true });
    expect(await alice.messenger.lookup("dev", bob.device.sub)).toBe(bob.device.networkId);
    expect(await alice.messenger.lookup("dev", hidden.sub)).toBeNull();
    await bob.messenger.setPrivacy({ discoverable: false });
    expect(await alice.messenger.lookup("dev", bob.device.sub)).toBeNull();
    // LOOKUPS_PER_MINUTE is 10 in the test configuration; 4 were used above.
    const burst = await Promise.allSettled(Array.from({ length: 8 }, () => alice.messenger.lookup("dev", "x")));
    expect(burst.some((r) => r.status === "rejected" && (r.reason as NackError).code === "rate-limited")).toBe(true);
    alice.conn.close();
    bob.conn.close();
  });
});
