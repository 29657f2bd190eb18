import { evictDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CloseCode } from "../../protocol/close-codes.ts";
import { phashOf } from "../../protocol/stanzas/index.ts";
import { element } from "../../protocol/xml/index.ts";
import { queued } from "../helpers/users.ts";
import { newDevice } from "../helpers/gateway.ts";
import { closeAll, create, groupIq, groupMessage, groupMessagesOf, groupStub, logRows, online, received, sendRaw } from "../groups/group-helpers.ts";
import { RECONNECTABLE_CODES, sleep, type FleetDevice } from "./chaos.ts";
import { recordGatewayErrors } from "./gateway-errors.ts";
import { GroupFleet, type GroupLedger } from "./group-fleet.ts";
import { runSeed, SeededRandom } from "./seeded-random.ts";

/** 8 users, 3 of them with two devices; one or two more devices are enrolled mid-run. */
const DEVICES_PER_USER = [2, 1, 1, 2, 1, 1, 2, 1];
/** Group messages each user sends (split across its devices): with group-gets, well under USER_STANZAS_PER_MINUTE=100. */
const MESSAGES_PER_USER = 24;
const MAX_IN_FLIGHT_PER_DEVICE = 2;
/** No new message after this long (about 8 s on an idle machine is enough for all of them). */
const SEND_PHASE_MS = 20_000;
/** The test config's GROUP_MAX_MEMBERS. */
const MAX_MEMBERS = 4;
/** Adds per user: under the test config's GROUP_ADDS_PER_MINUTE (10), creates included. */
const MAX_ADDS = 8;

async function evictGroup(fleet: GroupFleet, group: GroupLedger, why: string): Promise<void> {
  try {
    await evictDurableObject(groupStub(group.id));
    fleet.count(why);
  } catch {
    // It was not running: no eviction at all.
  }
}

/** Membership changes of one group, one at a time (so each answer's epoch is its own), until `running()` turns false. */
async function opLoop(fleet: GroupFleet, group: GroupLedger, rand: SeededRandom, running: () => boolean): Promise<void> {
  while (running()) {
    await sleep(rand.between(60, 300));
    const members = fleet.users.filter((u) => group.members.has(u.networkId));
    const outside = fleet.users.filter((u) => !group.members.has(u.networkId));
    // The creator stays, so the group never loses its last admin (which would add a promotion).
    const removable = members.filter((u) => u !== group.admin);
    const adders = [group.admin, ...removable.filter((u) => group.promoted.has(u.networkId))].filter((u) => fleet.addsBy(u) < MAX_ADDS);
    if (members.length < MAX_MEMBERS && outside.length > 0 && adders.length > 0 && (members.length <= 2 || rand.chance(0.5))) {
      await fleet.change(group, "add", rand.pick(outside), rand.pick(adders));
    } else if (removable.length >= 2 && rand.chance(0.7)) {
      const victim = rand.pick(removable);
      // An admin removing itself is a leave: the ledger would expect "removed".
      const admins = [group.admin, ...removable.filter((u) => u !== victim && group.promoted.has(u.networkId))];
      await fleet.change(group, rand.chance(0.5) ? "remove" : "leave", victim, rand.pick(admins));
    } else if (removable.length > 0) {
      const u = rand.pick(removable);
      await fleet.change(group, group.promoted.has(u.networkId) ? "demote" : "promote", u, group.admin);
    }
  }
}

/** One device's share of its user's group messages, to groups it is in, a few at a time, with aimed chaos around some. */
async function sendLoop(fleet: GroupFleet, device: FleetDevice, rand: SeededRandom, runTag: string, until: number): Promise<void> {
  const count = Math.ceil(MESSAGES_PER_USER / device.user.devices.length);
  const inFlight = new Set<Promise<void>>();
  const aimed: Promise<void>[] = [];
  // On a loaded machine fewer messages go out rather than the test running long.
  for (let i = 0; i < count && Date.now() < until; i++) {
    await sleep(rand.between(40, 400));
    const mine = fleet.groups.filter((g) => g.members.has(device.user.networkId));
    if (mine.length === 0) continue;
    const group = rand.pick(mine);
    // Evicting the group just after it acked: its fan-out (kicked by that commit) is cut short.
    const evictAfter = rand.chance(0.2);
    const replay = rand.chance(0.1) ? rand.between(0, 400) : null;
    let after: Promise<void> = Promise.resolve();
    const id = `${runTag}-${device.label}-${i}`;
    const sending = fleet.sendGroup(device, group, id, () => {
      const evicting = evictAfter ? evictGroup(fleet, group, "evict-group-after-ack") : Promise.resolve();
      const replaying = replay === null ? Promise.resolve() : sleep(replay).then(() => fleet.replay(id));
      after = Promise.all([evicting, replaying]).then(() => undefined);
    });
    aimed.push(sending.then(() => after));
    if (rand.chance(0.15)) {
      // A link lost while this message is in flight: its ack may be lost after the group logged it.
      // The group's commit takes a few milliseconds after the user object took the frame.
      const delay = rand.chance(0.3) ? 0 : rand.between(1, 15);
      fleet.count("aimed-drop");
      aimed.push(sleep(delay).then(() => fleet.serverDrop(device.user, device.deviceId, CloseCode.SERVICE_RESTART)));
    }
    inFlight.add(sending);
    void sending.finally(() => inFlight.delete(sending));
    if (inFlight.size >= MAX_IN_FLIGHT_PER_DEVICE) await Promise.race(inFlight);
  }
  await Promise.all([...inFlight, ...aimed]);
}

/** Random disconnects, evictions (users and groups) and offline spells until `running()` turns false. */
async function chaosLoop(fleet: GroupFleet, rand: SeededRandom, running: () => boolean): Promise<void> {
  const spells = new Set<Promise<void>>();
  while (running()) {
    await sleep(rand.between(3, 20));
    const user = rand.pick(fleet.users);
    const device = rand.pick(user.devices);
    const roll = rand.next();
    if (roll < 0.2) {
      fleet.count("server-drop");
      await fleet.serverDrop(user, device.deviceId, rand.pick(RECONNECTABLE_CODES));
    } else if (roll < 0.25) {
      fleet.count("server-drop-user");
      await fleet.serverDrop(user, null, CloseCode.SERVICE_RESTART);
    } else if (roll < 0.37) {
      if (await fleet.evict(user, "hibernate")) fleet.count("evict-user");
    } else if (roll < 0.42) {
      if (await fleet.evict(user, "close")) fleet.count("evict-user-close-sockets");
    } else if (roll < 0.62) {
      await evictGroup(fleet, rand.pick(fleet.groups), "evict-group");
    } else if (roll < 0.77) {
      if (!device.socket) continue;
      fleet.count("client-drop");
      try {
        device.socket.close(1001, "chaos: network drop");
      } catch {
        // Already closed.
      }
    } else {
      const offline = fleet.devices.filter((d) => !d.session).length;
      if (!device.session || offline >= 3) continue;
      fleet.count("offline-spell");
      device.goOffline(rand.chance(0.5));
      const spell = sleep(rand.between(20, 300)).then(() => device.goOnline());
      spells.add(spell);
      void spell.finally(() => spells.delete(spell));
    }
  }
  await Promise.all(spells);
}

/**
 * Waits for `done()`. Rows a crashed handler left unacked are only replayed on a new session,
 * so whenever nothing moves for a while every device reconnects, as an app's next launch would.
 */
async function settle(fleet: GroupFleet, what: string, done: () => Promise<boolean>, progress: () => number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = progress();
  let stillSince = Date.now();
  while (!(await done())) {
    if (Date.now() > deadline) {
      const detail = { missing: fleet.groupMissing().slice(0, 10), sendsRunning: fleet.work.size, failures: fleet.failures.slice(0, 10) };
      throw new Error(`${what} not reached in ${timeoutMs} ms (seed ${fleet.rand.seed}): ${JSON.stringify(detail)}`);
    }
    await sleep(25);
    const now = progress();
    if (now !== last) {
      last = now;
      stillSince = Date.now();
    } else if (Date.now() - stillSince > 1000) {
      fleet.count("reconnect-to-settle");
      for (const user of fleet.users) await fleet.serverDrop(user, null, CloseCode.SERVICE_RESTART);
      stillSince = Date.now();
    }
  }
}

describe("reliability: group messages and membership under chaos (docs/groups.md)", () => {
  const sdkWarnings = { count: 0 };
  let gatewayErrors: string[] = [];
  beforeEach(() => {
    gatewayErrors = recordGatewayErrors();
    const warn = console.warn.bind(console);
    vi.spyOn(console, "warn").mockImplementation((...args: unknown[]) => {
      // The SDK's handler failures and the group's retried fan-out calls: expected here by the dozen.
      if (args[0] === "stanza handling failed" || args[0] === "group fan-out failed; retrying with backoff" || args[0] === "device list push to a group failed; retrying") sdkWarnings.count++;
      else warn(...args);
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it(
    "members at a message's epoch get it exactly once, others never; every change reaches those present, in order; everything drains",
    async () => {
      const started = Date.now();
      const seed = runSeed("group-chaos");
      const rand = new SeededRandom(seed);
      const runTag = `g${seed.toString(36)}`;
      // Where the time went, should a loaded machine make the run time out.
      const mark = (what: string) => console.log(`[group-chaos] ${what} at ${Date.now() - started} ms`);
      const fleet = await GroupFleet.create(rand.fork("handlers"), DEVICES_PER_USER);
      await Promise.all(fleet.devices.map((d) => d.goOnline()));
      for (const u of fleet.users) {
        const set = await fleet.ask(u.devices[0]!, "set", element("privacy", { groups: "everyone" }));
        if (!set.ok) throw set.error;
      }
      const u = fleet.users;
      await fleet.createGroup(u[0]!, [u[1]!, u[2]!, u[3]!]);
      await fleet.createGroup(u[4]!, [u[5]!, u[6]!, u[7]!]);
      mark("groups created");

      let sending = true;
      fleet.linkCutChance = 0.02;
      const opRand = rand.fork("ops");
      const ops = Promise.all(fleet.groups.map((g) => opLoop(fleet, g, opRand.fork(g.admin.networkId), () => sending)));
      const agents = Promise.all([0, 1].map((n) => chaosLoop(fleet, rand.fork(`chaos-${n}`), () => sending)));
      // New devices of members: the groups' device lists grow without a new epoch.
      const enrollRand = rand.fork("enrollments");
      const enrolling = (async () => {
        for (let k = 1 + enrollRand.int(2); k > 0; k--) {
          await sleep(enrollRand.between(300, 3000));
          fleet.count("enroll");
          await fleet.enroll(enrollRand.pick(fleet.users.filter((user) => user.devices.length === 1)));
        }
      })();
      const sendRand = rand.fork("sends");
      const until = Date.now() + SEND_PHASE_MS;
      await Promise.all(fleet.devices.map((d) => sendLoop(fleet, d, sendRand.fork(d.label), runTag, until)));
      sending = false;
      fleet.linkCutChance = 0;
      await Promise.all([ops, agents, enrolling]);
      const chaosEndedAt = Date.now();
      mark("chaos over");

      await Promise.all(fleet.devices.map((d) => d.goOnline()));
      const progress = () => fleet.groupHandled.size + fleet.noticesHandled.size + fleet.work.size * 1e6;
      await settle(fleet, "every accepted group message and change handled", async () => fleet.work.size === 0 && fleet.groupMissing().length === 0, progress, 20_000);
      const rows = async () => (await Promise.all(fleet.users.map((u) => queued(u.networkId)))).flat();
      const logged = async () => (await Promise.all(fleet.groups.map((g) => logRows(g.id)))).reduce((a, b) => a + b, 0);
      mark("everything handled");
      let remaining = -1;
      await settle(fleet, "every inbox and group log drained", async () => (remaining = (await rows()).length + (await logged())) === 0, () => remaining, 15_000);

      const sends = [...fleet.sends.values()];
      const summary = {
        seed,
        devices: fleet.devices.length,
        epochs: fleet.groups.map((g) => g.epoch),
        sent: sends.length,
        accepted: sends.filter((s) => s.status === "accepted").length,
        refused: sends.filter((s) => s.status === "refused").length,
        ...fleet.stats,
        slowestIqMs: fleet.slowestIqMs,
        sdkWarnings: sdkWarnings.count,
        deliveries: fleet.groupHandled.size,
        notices: fleet.noticesHandled.size,
        chaosPhaseMs: chaosEndedAt - started,
        totalMs: Date.now() - started,
      };
      console.log(`[group-chaos] ${JSON.stringify(summary)}`);

      const failed = `seed ${seed}`;
      expect(fleet.failures, failed).toEqual([]);
      expect(gatewayErrors, failed).toEqual([]);
      expect(fleet.groupViolations(), failed).toEqual([]);
      expect(fleet.groupMissing(), failed).toEqual([]);
      expect(sends.filter((s) => s.status === "pending"), failed).toEqual([]);
      expect(await rows(), failed).toEqual([]);
      expect(await logged(), failed).toBe(0);
      // Not vacuous: each kind of trouble happened, and most messages got through it.
      const chaos = (kind: string) => fleet.stats.chaos[kind] ?? 0;
      expect(summary.accepted, failed).toBeGreaterThan(sends.length / 2);
      expect(chaos("evict-group") + chaos("evict-group-after-ack"), failed).toBeGreaterThan(0);
      expect(chaos("server-drop") + chaos("aimed-drop") + chaos("client-drop"), failed).toBeGreaterThan(0);
      expect(chaos("offline-spell"), failed).toBeGreaterThan(0);
      expect(chaos("device-list-mismatch"), failed).toBeGreaterThan(0);
      expect(chaos("stale-epoch"), failed).toBeGreaterThan(0);
      expect(chaos("enroll"), failed).toBeGreaterThan(0);
      // Resends of logged messages (acks lost, or forgotten by the app) were recognized.
      expect(fleet.stats.duplicateAcks + chaos("replay-duplicate"), failed).toBeGreaterThan(0);
      expect(chaos("op-add") + chaos("op-remove") + chaos("op-leave"), failed).toBeGreaterThan(0);
      expect(chaos("op-remove") + chaos("op-leave"), failed).toBeGreaterThan(0);

      for (const d of fleet.devices) d.goOffline(false);
    },
    90_000,
  );
});

describe("reliability: found by the group chaos run", () => {
  it("a logged message resent after its sender left is acked as a duplicate, not refused (seed 2941094868)", async () => {
    // The ack was lost; by the time the sender's outbox resends, the sender has left. A nack
    // would tell it the message was not sent, while every member already has it.
    const [alice, bob] = [await online(await newDevice()), await online(await newDevice())];
    await groupIq(bob, "set", "privacy", { groups: "everyone" });
    const g = await create(alice, [bob]);
    const message = groupMessage({ group: g.id, epoch: 1, phash: phashOf([`${alice.device.networkId}.${alice.device.deviceId}`]), id: "before-leaving" });
    expect((await sendRaw(bob, message)).name).toBe("ack");
    await groupIq(bob, "set", "group-leave", { group: g.id });
    expect((await sendRaw(bob, message)).attrs).toMatchObject({ class: "message", id: "before-leaving", duplicate: "true" });
    // Anything new from a non-member is still refused, and the one message reached Alice once.
    const fresh = groupMessage({ group: g.id, epoch: 2, phash: phashOf([]), id: "after-leaving" });
    expect((await sendRaw(bob, fresh)).attrs.code).toBe("unknown-recipient");
    await received(alice, (m) => groupMessagesOf(m, g.id), 1);
    await sleep(50);
    expect(groupMessagesOf(alice, g.id).map((m) => m.attrs.id)).toEqual(["before-leaving"]);
    closeAll(alice, bob);
  });
});
