// Group fan-out against the same recipients reached by separate 1:1 sends, one run (issue 15):
// `npm run bench:groups`. The real gateway in workerd (bench/runtime.ts), driven from Node.
//
// What is measured:
// - Recipients: 16, 256 and 1024 users with one device each, and a mix of 256 users with
//   1-3 devices (user i has i % 3 + 1: 511 devices). Every member device is online for the
//   whole run, each on its own IK Noise session over a real WebSocket through the SDK
//   (ParleyConnection + Messenger), all in this Node process; the sender is one more user
//   with one device. 1024 + 511 + 1 sessions fit this 2-core machine (workerd RSS about 1 GB).
// - Group: one `<message type="group">` from the sender (Messenger.sendGroupMessage) with one
//   opaque 152-character base64 skmsg and no pairwise encs (steady state: every member device
//   already has the sender key). One extra row for the 16-member group also carries a
//   pairwise `msg` enc (268 characters) for every member device, as when the key is first
//   distributed.
// - 1:1 baseline: the same recipients reached by one Messenger.sendMessage per recipient
//   user, all sent at once, each with one 152-character `msg` enc per device of that user.
// - Per round (one group message, or one set of N 1:1 sends): "last device" is the time from
//   the send until the LAST member device's Messenger.onMessage fired for it (each device
//   acks after its handler, as the SDK does); "sender ack" is send -> the gateway's ack
//   (group: its one ack, the message is in the group's durable log; 1:1: the last of the N
//   acks, all N stored). Gateway CPU: CPU time of the workerd process (all threads, /proc)
//   from the send until workerd is quiet again after the last delivery (no CPU for 3
//   consecutive 30 ms polls), so the devices' acks and the group's pruning are counted; per
//   device delivered = that / member devices. Node CPU: this process (all member devices'
//   SDKs and the sender) over the same window.
// - Rounds: BENCH_ROUNDS (default 20) per size, half that for the 1024-device group (its
//   rounds take seconds each: the whole run, burst included, takes about 5.5 minutes), group and 1:1 alternating
//   so drift in machine load hits both alike, after one warm-up round of each (not counted).
//   Median and p95 over rounds for times; CPU is the median round too, because work that is
//   not the round's lands in whichever round is running (e.g. workerd evicting the objects of
//   members idle for ~10 s, those of the other groups): one such round tripled a row's mean
//   in a trial run. Every device must get every message exactly once.
// - Setup (not timed): users enrolled through the dev provider (bench/clients.ts), each sends
//   `<privacy groups="everyone"/>` (docs/groups.md, Consent), the sender creates each group
//   (`group-create` with 37 members, then `group-add` 37 at a time) and checks the member
//   device list with `group-get` before computing phash. Group limits, budgets and the dev
//   provider's message budget are raised so no limit shapes a measurement.
// - Burst: for the 256-member one-device group, K = BENCH_BURST (default 20) group messages
//   sent at once, against the same K × 256 deliveries by K × 256 1:1 sends also all sent at
//   once; BENCH_BURST_ROUNDS (default 5) of each, alternating, after one warm-up of each. Under
//   a burst the group object's fan-out can carry many log entries in one call per member (up
//   to 64), which 1:1 sends to different recipients cannot share. "Last device" is then the
//   time until the last device holds all K; CPU is per (message, device) delivered.
// Linux only (/proc). BENCH_PROFILE=1 adds CPU profiles of the gateway isolate during 3 extra
// rounds of each path for the largest one-device group (not the measured rounds: the profiler
// slows what it watches). BENCH_ROUNDS, BENCH_GROUP_SIZES (e.g. "16,64") and BENCH_MIX_USERS
// shrink a run while working on it; BENCH_ROOT builds the gateway from another checkout.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ParleyConnection } from "../client/connection.ts";
import { Messenger } from "../client/messenger.ts";
import { MAX_MEMBERS_PER_CHANGE, phashOf, type Enc, type PairwiseEnc } from "../protocol/stanzas/index.ts";
import { element, type XmlElement } from "../protocol/xml/index.ts";
import { connection, enrollDevice, mintTokens, pool, sleep, type BenchDevice } from "./clients.ts";
import { printMachine } from "./machine.ts";
import { ms, table, times } from "./measure.ts";
import { describeProfile, Profiler } from "./profile.ts";
import { buildBundles, cpuMs, GATEWAY_SERVICE, ownCpuMs, removeBundles, startRuntime, type Bundles, type Runtime } from "./runtime.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? "20");
const SIZES = (process.env.BENCH_GROUP_SIZES ?? "16,256,1024").split(",").map(Number);
const MIX_USERS = Number(process.env.BENCH_MIX_USERS ?? "256");
const PROFILE = process.env.BENCH_PROFILE === "1";
const PROFILE_ROUNDS = 3;
const BURST = Number(process.env.BENCH_BURST ?? "20");
const BURST_ROUNDS = Number(process.env.BENCH_BURST_ROUNDS ?? "5");
const BURST_SIZE = 256;
const devicesOfMixUser = (i: number) => (i % 3) + 1;
/** 114 random bytes: 152 base64 characters, a small SenderKeyMessage's size. */
const SKMSG = randomBytes(114).toString("base64");
/** A pairwise message carrying a SenderKeyDistributionMessage: 200 bytes, 268 characters. */
const PAIRWISE = randomBytes(200).toString("base64");
/** No delivery for this long fails the round. */
const STALL_MS = 30_000;

/** Limits raised past the largest group (its members plus the sender) and every setup burst. */
const GROUP_VARS: Readonly<Record<string, string>> = {
  GROUP_MAX_MEMBERS: "4096",
  GROUP_ADDS_PER_MINUTE: "1000000",
  GROUPS_CREATED_PER_MINUTE: "1000",
  USER_STANZAS_PER_MINUTE: "100000000",
};

interface Device {
  readonly bench: BenchDevice;
  readonly conn: ParleyConnection;
  readonly messenger: Messenger;
  readonly line: string;
}

interface User {
  readonly networkId: string;
  readonly devices: readonly Device[];
}

/** One measured send: which message IDs it expects, on how many devices in all. */
class Round {
  readonly #seen = new Set<string>();
  readonly done: Promise<number>;
  #resolve: (lastMs: number) => void = () => undefined;

  constructor(
    readonly expected: number,
    readonly t0: number,
  ) {
    this.done = new Promise((resolve) => (this.#resolve = resolve));
  }

  /** False for a repeat. */
  arrived(device: string, id: string): boolean {
    const key = `${device}|${id}`;
    if (this.#seen.has(key)) return false;
    this.#seen.add(key);
    if (this.#seen.size === this.expected) this.#resolve(performance.now() - this.t0);
    return true;
  }

  get got(): number {
    return this.#seen.size;
  }
}

/** Routes every member device's deliveries to the round its message belongs to. */
class Deliveries {
  readonly #rounds = new Map<string, Round>();
  unexpected = 0;
  duplicates = 0;

  start(ids: readonly string[], expected: number): Round {
    const round = new Round(expected, performance.now());
    for (const id of ids) this.#rounds.set(id, round);
    return round;
  }

  arrived(device: string, id: string): void {
    const round = this.#rounds.get(id);
    if (!round) this.unexpected++;
    else if (!round.arrived(device, id)) this.duplicates++;
  }
}

interface Sample {
  readonly lastMs: number;
  readonly ackMs: number;
  readonly gatewayCpuMs: number;
  readonly nodeCpuMs: number;
}

let bundles: Bundles;
let rt: Runtime;
let profiler: Profiler | null = null;
const deliveries = new Deliveries();
let roundSeq = 0;

/** Waits until workerd has used no CPU for three polls in a row (its queued work is done). */
async function quiet(): Promise<void> {
  const deadline = performance.now() + 20_000;
  let last = cpuMs(rt.pid);
  let calm = 0;
  while (calm < 3 && performance.now() < deadline) {
    await sleep(30);
    const now = cpuMs(rt.pid);
    calm = now - last < 0.5 ? calm + 1 : 0;
    last = now;
  }
}

/** Runs one round: `send` starts it and resolves when the sender holds its (last) ack. */
async function measureRound(what: string, ids: readonly string[], devices: number, send: () => Promise<unknown>): Promise<Sample> {
  await quiet();
  const [gateway0, node0] = [cpuMs(rt.pid), ownCpuMs()];
  const round = deliveries.start(ids, devices);
  const acked = send().then(() => performance.now() - round.t0);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stalled = new Promise<never>((_, reject) => {
    const check = () => {
      const got = round.got;
      timer = setTimeout(() => (round.got === got ? reject(new Error(`${what} stalled: ${got} of ${devices} deliveries`)) : check()), STALL_MS);
    };
    check();
  });
  try {
    // A refused send (a nack) fails the round at once rather than as a stall.
    const lastMs = await Promise.race([round.done, stalled, acked.then(() => new Promise<never>(() => undefined))]);
    const ackMs = await acked;
    await quiet();
    return { lastMs, ackMs, gatewayCpuMs: cpuMs(rt.pid) - gateway0, nodeCpuMs: ownCpuMs() - node0 };
  } finally {
    clearTimeout(timer);
  }
}

// --- Setup.

/**
 * Setup HTTP calls, retried: with thousands of them, one now and then meets a keep-alive
 * connection workerd just closed (ECONNRESET), which says nothing about what is measured.
 */
async function retried<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (attempt >= 3 || !(err instanceof TypeError)) throw err;
      await sleep(200 * attempt);
    }
  }
}

async function enrollUsers(tag: string, count: number, devicesOf: (i: number) => number): Promise<BenchDevice[][]> {
  return pool(4, count, async (i) => {
    const sub = `${tag}-${i}`;
    const devices: BenchDevice[] = [];
    for (let d = 0; d < devicesOf(i); d++) devices.push(await retried(() => enrollDevice(rt.url, sub)));
    return devices;
  });
}

async function goOnline(enrolled: BenchDevice[][]): Promise<User[]> {
  const flat = enrolled.flat();
  const online = await pool(8, flat.length, async (i) => {
    const bench = flat[i]!;
    const conn = connection(rt.url, bench, await retried(() => mintTokens(rt.url, bench, 1)), true);
    const messenger = new Messenger(conn);
    const line = `${bench.networkId}.${bench.deviceId}`;
    messenger.onMessage((m) => deliveries.arrived(line, m.id));
    await conn.connect();
    return { bench, conn, messenger, line };
  });
  const byUser = new Map<string, Device[]>();
  for (const d of online) byUser.set(d.bench.networkId, [...(byUser.get(d.bench.networkId) ?? []), d]);
  const users = [...byUser].map(([networkId, devices]) => ({ networkId, devices }));
  // Consent (docs/groups.md): without it the sender could only invite them.
  await pool(8, users.length, (i) => users[i]!.devices[0]!.messenger.iq("set", element("privacy", { groups: "everyone" })));
  return users;
}

interface Group {
  readonly id: string;
  readonly epoch: number;
  readonly phash: string;
  readonly members: readonly User[];
  readonly devices: number;
}

async function groupIq(sender: Device, type: "get" | "set", name: string, attrs: Record<string, string>): Promise<XmlElement> {
  const child = (await sender.messenger.iq(type, element(name, attrs))).children[0];
  if (!child) throw new Error(`<${name}> answered without a result`);
  return child;
}

/** Creates a group of `sender` and `members`, 37 named per iq, and checks its member device list. */
async function createGroup(sender: Device, members: readonly User[]): Promise<Group> {
  const ids = members.map((u) => u.networkId);
  const chunks: string[][] = [];
  for (let i = 0; i < ids.length; i += MAX_MEMBERS_PER_CHANGE) chunks.push(ids.slice(i, i + MAX_MEMBERS_PER_CHANGE));
  const created = await groupIq(sender, "set", "group-create", { members: chunks[0]!.join(" ") });
  const id = created.attrs.id!;
  let epoch = Number(created.attrs.epoch);
  const invited = created.children.filter((c) => c.name === "invited").length;
  expect(invited).toBe(0);
  for (const chunk of chunks.slice(1)) {
    const added = await groupIq(sender, "set", "group-add", { group: id, members: chunk.join(" ") });
    expect(added.children.filter((c) => c.name === "invited")).toHaveLength(0);
    epoch = Number(added.attrs.epoch);
  }
  // What the group will check phash= against: every member device but the sending one.
  const listed: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await groupIq(sender, "get", "group-get", { group: id, ...(after ? { after } : {}) });
    for (const m of page.children) for (const d of (m.attrs.devices ?? "").split(" ").filter(Boolean)) listed.push(`${m.attrs.user}.${d}`);
    if (page.attrs.more !== "true") break;
    after = page.children.at(-1)!.attrs.user;
  }
  const expected = members.flatMap((u) => u.devices.map((d) => d.line));
  expect(listed.filter((l) => l !== sender.line).sort()).toEqual([...expected].sort());
  return { id, epoch, phash: phashOf(expected), members, devices: expected.length };
}

// --- Statistics and output.

function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

interface Stats {
  readonly lastP50: number;
  readonly lastP95: number;
  readonly ackP50: number;
  readonly ackP95: number;
  readonly cpuPerMsg: number;
  readonly cpuPerDevice: number;
  readonly nodePerMsg: number;
}

function stats(samples: readonly Sample[], devices: number): Stats {
  const last = samples.map((s) => s.lastMs);
  const ack = samples.map((s) => s.ackMs);
  const cpu = percentile(samples.map((s) => s.gatewayCpuMs), 50);
  return { lastP50: percentile(last, 50), lastP95: percentile(last, 95), ackP50: percentile(ack, 50), ackP95: percentile(ack, 95), cpuPerMsg: cpu, cpuPerDevice: cpu / devices, nodePerMsg: percentile(samples.map((s) => s.nodeCpuMs), 50) };
}

const statCells = (s: Stats) => [ms(s.lastP50), ms(s.lastP95), ms(s.ackP50), ms(s.ackP95), ms(s.cpuPerMsg), ms(s.cpuPerDevice), ms(s.nodePerMsg)];
const ratioCells = (a: Stats, b: Stats) => [times(a.lastP50 / b.lastP50), times(a.lastP95 / b.lastP95), times(a.ackP50 / b.ackP50), times(a.ackP95 / b.ackP95), times(a.cpuPerMsg / b.cpuPerMsg), times(a.cpuPerDevice / b.cpuPerDevice), times(a.nodePerMsg / b.nodePerMsg)];

// --- The run.

beforeAll(async () => {
  await printMachine("start");
  // BENCH_ROOT: another checkout to build the gateway from (an A/B comparison of a change).
  bundles = await buildBundles(process.env.BENCH_ROOT);
  rt = await startRuntime(bundles, { vars: GROUP_VARS, inspect: PROFILE });
  if (rt.inspectorUrl) profiler = await Profiler.connect(rt.inspectorUrl, GATEWAY_SERVICE);
}, 600_000);

afterAll(async () => {
  profiler?.close();
  await rt?.stop();
  if (bundles) removeBundles(bundles);
  await printMachine("end");
});

describe("group fan-out vs separate 1:1 sends (issue 15)", () => {
  it("fans one message out to 16, 256, 1024 and a multi-device mix", { timeout: 900_000 }, async () => {
    const setupStart = performance.now();
    const [senderEnrolled] = await enrollUsers("fanout-sender", 1, () => 1);
    // The provider-wide message budget (60,000 a minute by default) would shape the 1:1 rounds.
    const patched = await fetch(`${rt.url}/v1/admin/providers/dev`, {
      method: "PATCH",
      headers: { Authorization: `Bearer ${rt.state.secrets.ADMIN_TOKEN}`, "Content-Type": "application/json" },
      body: JSON.stringify({ rateLimits: { messagesPerMinute: 100_000_000, enrollmentsPerMinute: 1_000_000 } }),
    });
    if (!patched.ok) throw new Error(`raising the dev provider's budgets failed: ${patched.status} ${await patched.text()}`);
    const largest = Math.max(...SIZES);
    const progress = (what: string) => console.log(`[setup ${((performance.now() - setupStart) / 1000).toFixed(0)} s] ${what}`);
    const singles = await goOnline(await enrollUsers("fanout-single", largest, () => 1));
    progress(`${singles.length} one-device users enrolled and online`);
    const mix = MIX_USERS > 0 ? await goOnline(await enrollUsers("fanout-mix", MIX_USERS, devicesOfMixUser)) : [];
    progress(`${mix.length} multi-device users enrolled and online`);
    const [senderUser] = await goOnline([senderEnrolled!]);
    const sender = senderUser!.devices[0]!;

    const cases: { name: string; group: Group }[] = [];
    for (const size of SIZES) cases.push({ name: `${size} users × 1 device`, group: await createGroup(sender, singles.slice(0, size)) });
    if (mix.length > 0) cases.push({ name: `${mix.length} users × 1–3 devices`, group: await createGroup(sender, mix) });
    await quiet();
    progress(`${cases.length} groups created`);
    const sessions = singles.length + mix.reduce((n, u) => n + u.devices.length, 0) + 1;
    const setupMs = performance.now() - setupStart;
    // workerd's own background CPU with every session idle: what a quiet window costs by itself.
    const idle0 = cpuMs(rt.pid);
    await sleep(1000);
    const idleMsPerSec = cpuMs(rt.pid) - idle0;

    const rows: string[][] = [];
    const summary: string[][] = [];
    const notes: string[] = [];
    const profiles: string[] = [];
    const burstRows: string[][] = [];
    const burstNotes: string[] = [];
    let sent = 0;
    for (const { name, group } of cases) {
      const withPairwise = group.members.length <= 16;
      const groupRound = (pairwise: boolean) => {
        const id = `g${++roundSeq}`;
        const encs: PairwiseEnc[] = pairwise ? group.members.flatMap((u) => u.devices.map((d) => ({ to: u.networkId, device: d.bench.deviceId, type: "msg" as const, payload: PAIRWISE }))) : [];
        sent += group.devices;
        return measureRound(`group message ${id} to ${name}`, [id], group.devices, () => sender.messenger.sendGroupMessage(group, SKMSG, encs, id));
      };
      // `k` messages to every member, all in flight at once (k = 1: the one-at-a-time rounds).
      const groupBurst = (k: number) => {
        const base = `gb${++roundSeq}`;
        const ids = Array.from({ length: k }, (_, j) => `${base}-${j}`);
        sent += k * group.devices;
        return measureRound(`group burst ${base} to ${name}`, ids, k * group.devices, () => Promise.all(ids.map((id) => sender.messenger.sendGroupMessage(group, SKMSG, [], id))));
      };
      const directBurst = (k: number) => {
        const base = `d${++roundSeq}`;
        const ids = Array.from({ length: k }, (_, j) => group.members.map((_, i) => `${base}-${j}-${i}`));
        sent += k * group.devices;
        return measureRound(`1:1 round ${base} to ${name}`, ids.flat(), k * group.devices, () =>
          Promise.all(ids.flatMap((row) => group.members.map((u, i) => {
            const encs: Enc[] = u.devices.map((d) => ({ device: d.bench.deviceId, type: "msg", payload: SKMSG }));
            return sender.messenger.sendMessage(u.networkId, encs, row[i]);
          }))),
        );
      };
      const directRound = () => directBurst(1);
      // Warm-up: wakes every member's object and compiles both paths.
      await groupRound(false);
      await directRound();
      if (withPairwise) await groupRound(true);
      const samples = { group: [] as Sample[], pairwise: [] as Sample[], direct: [] as Sample[] };
      const t0 = performance.now();
      const rounds = group.devices >= 1024 ? Math.ceil(ROUNDS / 2) : ROUNDS;
      for (let r = 0; r < rounds; r++) {
        samples.group.push(await groupRound(false));
        samples.direct.push(await directRound());
        if (withPairwise) samples.pairwise.push(await groupRound(true));
      }
      const g = stats(samples.group, group.devices);
      const d = stats(samples.direct, group.devices);
      const label = `${name} (${group.devices} devices)`;
      rows.push([label, "group message", ...statCells(g)]);
      if (withPairwise) {
        const p = stats(samples.pairwise, group.devices);
        rows.push([label, "group message + a pairwise enc per device", ...statCells(p)]);
        rows.push([label, `${group.members.length} × 1:1 (Messenger.sendMessage)`, ...statCells(d)]);
        rows.push([label, "group / 1:1", ...ratioCells(g, d)]);
        rows.push([label, "group + pairwise / 1:1", ...ratioCells(p, d)]);
      } else {
        rows.push([label, `${group.members.length} × 1:1 (Messenger.sendMessage)`, ...statCells(d)]);
        rows.push([label, "group / 1:1", ...ratioCells(g, d)]);
      }
      summary.push([label, times(g.lastP50 / d.lastP50), times(g.cpuPerMsg / d.cpuPerMsg), times(g.ackP50 / d.ackP50), ms(g.cpuPerDevice), ms(d.cpuPerDevice)]);
      notes.push(`${label}: ${rounds} rounds of each in ${((performance.now() - t0) / 1000).toFixed(1)} s.`);
      console.log(`[${label}] last device p50 group ${ms(g.lastP50)}, 1:1 ${ms(d.lastP50)}; gateway CPU / device group ${ms(g.cpuPerDevice)}, 1:1 ${ms(d.cpuPerDevice)}`);
      if (BURST > 1 && group.members.length === BURST_SIZE && group.devices === BURST_SIZE) {
        await groupBurst(BURST);
        await directBurst(BURST);
        const burst = { group: [] as Sample[], direct: [] as Sample[] };
        const b0 = performance.now();
        for (let r = 0; r < BURST_ROUNDS; r++) {
          burst.group.push(await groupBurst(BURST));
          burst.direct.push(await directBurst(BURST));
        }
        const bg = stats(burst.group, BURST * group.devices);
        const bd = stats(burst.direct, BURST * group.devices);
        burstRows.push([label, `${BURST} group messages at once`, ...statCells(bg)]);
        burstRows.push([label, `${BURST} × ${group.members.length} 1:1 at once`, ...statCells(bd)]);
        burstRows.push([label, "group / 1:1", ...ratioCells(bg, bd)]);
        burstNotes.push(`${label}: ${BURST_ROUNDS} bursts of each in ${((performance.now() - b0) / 1000).toFixed(1)} s.`);
        console.log(`[${label}, burst of ${BURST}] last device p50 group ${ms(bg.lastP50)}, 1:1 ${ms(bd.lastP50)}; gateway CPU / (message, device) group ${ms(bg.cpuPerDevice)}, 1:1 ${ms(bd.cpuPerDevice)}`);
      }
      if (profiler && group.members.length === largest && group.devices === largest) {
        for (const [title, round] of [["group message", () => groupRound(false)], ["1:1 sends", directRound]] as const) {
          const { profile } = await profiler.during(async () => {
            for (let r = 0; r < PROFILE_ROUNDS; r++) await round();
          });
          profiles.push(describeProfile(`${label}, ${title} (per device delivered)`, profile, bundles.gateway, PROFILE_ROUNDS * group.devices));
        }
      }
    }

    const header = ["recipients", "path", "last device p50", "last device p95", "sender ack p50", "sender ack p95", "gateway CPU / msg", "gateway CPU / device delivered", "Node CPU / msg (all clients)"];
    table("Fan-out of one message: group vs the same recipients by separate 1:1 sends", header, rows, [
      `${ROUNDS} rounds per row (${Math.ceil(ROUNDS / 2)} for 1024 devices) after one warm-up each, group and 1:1 alternating; every member device online (${sessions} IK sessions through the SDK in this Node process). "last device": send -> the last member device's handler; "sender ack": the group's ack, or the last of the N 1:1 acks. Gateway CPU: workerd process CPU from the send until it is quiet after the last delivery (device acks included), median round; idle workerd used ${ms(idleMsPerSec)} of CPU per second.`,
      `Deliveries: ${sent} expected, all received; ${deliveries.duplicates} duplicates, ${deliveries.unexpected} unexpected. Setup (enrollment, sessions, consent, groups) took ${(setupMs / 1000).toFixed(0)} s.`,
      ...notes,
    ]);
    table("Group fan-out / N separate 1:1 sends (below 1× the group is cheaper)", ["recipients", "last device p50", "gateway CPU / msg", "sender ack p50", "group CPU / device", "1:1 CPU / device"], summary);
    if (burstRows.length > 0) {
      table(`Burst: ${BURST} messages in flight at once to every member`, ["recipients", "path", "last device has all p50", "last device has all p95", "last sender ack p50", "last sender ack p95", "gateway CPU / burst", "gateway CPU / (message, device)", "Node CPU / burst (all clients)"], burstRows, [
        `${BURST_ROUNDS} bursts of each after one warm-up each, group and 1:1 alternating. Group: ${BURST} Messenger.sendGroupMessage at once; 1:1: ${BURST} × N Messenger.sendMessage at once. CPU as above, the median burst, divided by ${BURST} × the member devices.`,
        ...burstNotes,
      ]);
    }
    for (const p of profiles) console.log(p);
    expect(deliveries.unexpected).toBe(0);
    expect(deliveries.duplicates).toBe(0);

    for (const u of [...singles, ...mix, senderUser!]) for (const dev of u.devices) dev.conn.close();
  });
});
