// Parley in the local runtime: the real gateway (workers/index.ts and its Durable Objects,
// bundled by wrangler from wrangler.toml) in workerd, driven by the SDK from Node over real
// TCP WebSockets. Every ratio divides by a baseline measured in the same run, same runtime.
// `npm run bench` (with bench/noise.bench.ts) or `npm run bench:runtime` (this file only).
//
// Methodology (choices and why):
// - Runtime: Miniflare, one workerd process holding both the gateway and the bench companion
//   Worker (bench/bench-worker.ts, routed at /bench/*). Not `wrangler dev`: its proxy Worker
//   adds a hop production lacks (see bench/runtime.ts). State on disk, fresh per start;
//   fresh random secrets; stanza/lookup budgets raised so rate limits shape nothing.
// - Costs inside workerd are CPU time of the workerd process (all threads, /proc schedstat),
//   not wall time: on-CPU time does not grow while workerd waits for a core, so a busy
//   (shared, 2-core) machine inflates it far less. Client-side and end-to-end figures are
//   wall time, so they do move with machine load.
// - Handshake floor: X25519 operations timed inside workerd. workerd's clocks stand still
//   during synchronous execution, so the companion Worker runs K iterations per request and
//   cost per op = (CPU of the request - CPU of an empty request) / K, median over requests.
//   The floor of a handshake = its X25519 operation count (key generation counted as one:
//   the same scalar multiplication) x one bare deriveBits on pre-imported keys. Both sides
//   of XX: 8, of IK: 10; the gateway's side alone: XX 4, IK 5. A breakdown table prices
//   every other piece a Noise handshake is made of (HKDF, MixHash, AES-GCM, key imports).
// - Full gateway handshakes from Node (connect + Noise + token check + ready + close):
//   latency one at a time, and throughput with 8 concurrent devices (each its own user).
//   The gateway's cost per handshake is workerd CPU over the concurrent run / handshakes: a
//   capacity figure independent of client speed. Compared with the X25519 floor (the
//   target) and, for context, with connection + X25519 + token signature: workerd CPU of a
//   raw WebSocket connection with the same round trips and close, plus one Ed25519 verify.
//   The end-to-end latency floor is a raw connect plus the handshake's round trips through a
//   Durable Object (XX: 2, IK: 1) plus both sides' X25519 operations (client's timed in Node).
//   Provider tokens are minted before timing: signing them is the provider's work.
// - Routing: a Parley message A -> B is complete when A holds the gateway's ack (stored
//   durably for B) and B's handler got it; B then acks it, which loads the gateway inside the
//   measured window. Baseline (the target's): a raw WebSocket echo through one Durable Object
//   using the same Hibernation API, frames as large as Parley's sealed message frame. For
//   context, two more: the echo writing each message to SQLite (durability alone), and a raw
//   two-object relay with Parley's message pattern and no Parley code (RPC, insert, delivery,
//   ack, delete): the structural floor of store-and-forward between two users. One at a time
//   (latency) and 16 in flight (throughput). Every message must arrive exactly once, and B's
//   inbox must be empty after a reconnect (every ack processed).
// - Memory: workerd RSS before and after N idle connected clients, each in its own Durable
//   Object (a Parley user with one authenticated session; for the baseline a raw socket to
//   its own echo object), each case in a fresh workerd. Measured right after connecting
//   (objects in memory) and after an idle period, when workerd has evicted idle objects
//   whose sockets are hibernatable (checked: the echo object's instance changes). After it,
//   every Parley session must still answer a ping (its state came back from the attachment).
// Linux only (/proc). BENCH_PROFILE=1 also prints CPU profiles of the gateway isolate for the
// concurrent handshakes and the in-flight messages (bench/profile.ts); the profiler slows
// what it watches, so those runs' figures are for diagnosis only.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ParleyConnection } from "../client/connection.ts";
import { Messenger, newStanzaId } from "../client/messenger.ts";
import { webcryptoX25519 } from "../protocol/noise/dh25519.ts";
import type { Enc } from "../protocol/stanzas/index.ts";
import { element, serializeXml } from "../protocol/xml/index.ts";
import { connection, EchoClient, enrollDevice, mintTokens, pool, rawSocket, RelayClient, sleep, summarize, type BenchDevice, type Summary } from "./clients.ts";
import { ECHO_WHOAMI } from "./echo-protocol.ts";
import { printMachine } from "./machine.ts";
import { measure, ms, table, times } from "./measure.ts";
import { describeProfile, Profiler } from "./profile.ts";
import { buildBundles, cpuMs, GATEWAY_SERVICE, ownCpuMs, removeBundles, rssKiB, startRuntime, type Bundles, type Runtime, type RuntimeState } from "./runtime.ts";

/** X25519 operations per handshake: key generation (one scalar multiplication) plus each DH token. */
const OPS = {
  xxBoth: 8, // each side: e, ee, es/se, se/es
  ikBoth: 10, // each side: e, es, ss, ee, se
  xxGateway: 4, // e, ee, es, se
  ikGateway: 5, // es, ss, e, ee, se
  xxClient: 4,
  ikClient: 5,
} as const;

const CONCURRENT_DEVICES = 8;
const IN_FLIGHT = 16;
const IDLE_CLIENTS = 200;
/** Connections opened and closed before a memory baseline, so it includes compiled code paths. */
const WARM_CLIENTS = 5;
/** workerd evicts an object ~10 s after its last event when all its sockets are hibernatable. */
const IDLE_MS = 15_000;

const PROFILE = process.env.BENCH_PROFILE === "1";

let bundles: Bundles;
let rt: Runtime;
let profiler: Profiler | null = null;
const profiles: string[] = [];

beforeAll(async () => {
  await printMachine("start");
  bundles = await buildBundles();
  rt = await startRuntime(bundles, { inspect: PROFILE });
  if (rt.inspectorUrl) profiler = await Profiler.connect(rt.inspectorUrl, GATEWAY_SERVICE);
}, 120_000);

afterAll(async () => {
  profiler?.close();
  await rt?.stop();
  if (bundles) removeBundles(bundles);
  await printMachine("end");
});

/** Runs `fn`, under the CPU profiler when BENCH_PROFILE=1 (the profile is printed at the end). */
async function profiled<T>(title: string, units: number, fn: () => Promise<T>): Promise<T> {
  if (!profiler) return fn();
  const { value, profile } = await profiler.during(fn);
  profiles.push(describeProfile(title, profile, bundles.gateway, units));
  return value;
}

/**
 * Median workerd CPU time (ms) of `GET /bench/crypto/<op>?n=<n>` over a time budget, after
 * warming up. CPU time, not wall time: workerd's on-CPU time does not grow while it waits for
 * a core, so a busy shared machine does not inflate it. (The work is synchronous crypto
 * on workerd's thread: for it, CPU time is what wall time would be on an idle machine.)
 * The median, so one request that met a cold cache or a GC does not move it.
 */
async function cryptoRequestMs(op: string, n: number, budgetMs = 800): Promise<number> {
  const get = async () => {
    const res = await fetch(`${rt.url}/bench/crypto/${op}?n=${n}`);
    if (!res.ok) throw new Error(`${op}: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  };
  for (let i = 0; i < 3; i++) await get();
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < 15 || performance.now() - start < budgetMs) {
    const c0 = cpuMs(rt.pid);
    await get();
    samples.push(cpuMs(rt.pid) - c0);
  }
  return summarize(samples).p50Ms;
}

interface Timed<T> {
  readonly value: T;
  readonly wallMs: number;
  readonly serverCpuMs: number;
  readonly clientCpuMs: number;
}

/** Runs `fn`, reporting wall time and CPU time of workerd (the gateway) and of this process (the clients). */
async function timed<T>(fn: () => Promise<T>): Promise<Timed<T>> {
  const [server0, client0, t0] = [cpuMs(rt.pid), ownCpuMs(), performance.now()];
  const value = await fn();
  const wallMs = performance.now() - t0;
  return { value, wallMs, serverCpuMs: cpuMs(rt.pid) - server0, clientCpuMs: ownCpuMs() - client0 };
}

// Filled by the handshake section, read by the summary of targets.
const results = {
  noiseRatios: new Map<string, number>(),
  gatewayHandshakeRatios: new Map<string, number>(),
  gatewayFullRatios: new Map<string, number>(),
  routing: { p50: 0, throughput: 0, cpu: 0 },
  lost: -1,
};

describe("Parley in the local runtime (workerd via Miniflare)", () => {
  it("handshakes vs their X25519 floor", { timeout: 300_000 }, async () => {
    // --- Inside workerd: the Noise work alone.
    const noopMs = await cryptoRequestMs("noop", 1);
    const perOp = async (op: string, n: number) => Math.max(0, (await cryptoRequestMs(op, n)) - noopMs) / n;
    const x25519 = await perOp("x25519", 400);
    const inIsolate: [string, string, number, number][] = [
      ["Pipes XX, both sides (3 messages)", "xx", 40, OPS.xxBoth],
      ["Pipes XX, both sides, gateway-style (snapshot + restore between messages 2 and 3)", "xx-gateway", 40, OPS.xxBoth],
      ["Pipes IK, both sides (2 messages)", "ik", 40, OPS.ikBoth],
      ["Pipes IK, gateway side only (read message 1, write message 2)", "ik-responder", 80, OPS.ikGateway],
    ];
    const rows: string[][] = [["floor: 1 × X25519 (deriveBits, pre-imported keys)", ms(x25519), (1000 / x25519).toFixed(0), ms(x25519), times(1)]];
    const costs = new Map<string, number>();
    for (const [name, op, n, ops] of inIsolate) {
      const cost = await perOp(op, n);
      costs.set(op, cost);
      const ratio = cost / (ops * x25519);
      results.noiseRatios.set(op, ratio);
      rows.push([name, ms(cost), (1000 / cost).toFixed(0), `${ops} × X25519 = ${ms(ops * x25519)}`, times(ratio)]);
    }
    table("Noise Pipes inside workerd vs its X25519 floor (600-byte client hello, 200-byte server hello)", ["case", "cost (workerd CPU)", "ops/s", "floor", "× floor"], rows, [
      `Each request runs K iterations; cost = (workerd CPU time of the request - that of an empty request, ${ms(noopMs)}) / K, median over requests. Timed from outside because workerd's clocks stand still during synchronous work.`,
    ]);

    const [xxCost, ikCost, ikGatewayCost] = [costs.get("xx")!, costs.get("ik")!, costs.get("ik-responder")!];
    // Where the time goes: each piece a handshake is made of, timed alone, times how often
    // protocol/noise does it per handshake (counted from the code: MixKey = HKDF + AES key).
    const pieces: [string, string, number, { xx: number; ik: number; ikGateway: number }][] = [
      ["X25519 DH as the DH function runs it (import peer key + deriveBits)", "dh", 200, { xx: 6, ik: 8, ikGateway: 4 }],
      ["ephemeral key pair (generateKey + export raw public key)", "keygen", 200, { xx: 2, ik: 2, ikGateway: 1 }],
      ["AES-GCM key import (every MixKey, 2 per Split)", "aes-key", 400, { xx: 10, ik: 12, ikGateway: 6 }],
      ["AES-GCM seal of 200 bytes (Encrypt/DecryptAndHash with a key)", "aes-seal", 400, { xx: 8, ik: 6, ikGateway: 3 }],
      // Not used by the gateway: priced so the choice of WebCrypto for small frames stays a measured one.
      ["the same seal in JavaScript (noble; for comparison, counted 0 times)", "aes-seal-noble", 400, { xx: 0, ik: 0, ikGateway: 0 }],
      ["HKDF-SHA256, 2 outputs (WebCrypto, as the gateway runs it)", "hkdf-native", 400, { xx: 8, ik: 10, ikGateway: 5 }],
      ["SHA-256 of 64 bytes (MixHash, noble)", "sha256", 1000, { xx: 16, ik: 14, ikGateway: 7 }],
    ];
    const sums = { xx: 0, ik: 0, ikGateway: 0 };
    const pieceRows: string[][] = [];
    for (const [name, op, n, count] of pieces) {
      const cost = await perOp(op, n);
      sums.xx += cost * count.xx;
      sums.ik += cost * count.ik;
      sums.ikGateway += cost * count.ikGateway;
      pieceRows.push([name, ms(cost), `${count.xx} → ${ms(cost * count.xx)}`, `${count.ik} → ${ms(cost * count.ik)}`, `${count.ikGateway} → ${ms(cost * count.ikGateway)}`]);
    }
    const importPublic = await perOp("import-public", 200);
    pieceRows.push(["(of which: import of a raw X25519 public key)", ms(importPublic), "", "", ""]);
    const exportImport = await perOp("ephemeral-export-import", 200);
    pieceRows.push(["(gateway-style XX only: ephemeral private key out to the snapshot and back, PKCS#8)", ms(exportImport), "", "", ""]);
    pieceRows.push(["sum of the pieces", "", ms(sums.xx), ms(sums.ik), ms(sums.ikGateway)]);
    pieceRows.push(["measured handshake (above)", "", ms(xxCost), ms(ikCost), ms(ikGatewayCost)]);
    table("Where a handshake's time goes inside workerd", ["piece", "cost (workerd CPU)", "XX both sides: count → time", "IK both sides", "IK gateway side"], pieceRows, [
      "Pieces beyond the floor: HKDF (native WebCrypto on Workers; noble in Node, where WebCrypto is ~10x slower for it), MixHash (noble: a 64-byte hash is cheaper in JS than an async native call), AES-GCM key imports and seals.",
    ]);

    // --- Client-side floor, in Node (where the SDK runs here).
    const [a, b] = [await webcryptoX25519.generateKeyPair(), await webcryptoX25519.generateKeyPair()];
    const bPublic = await crypto.subtle.importKey("raw", b.publicKey, { name: "X25519" }, false, []);
    const nodeOp = await measure("node x25519", () => crypto.subtle.deriveBits({ name: "X25519", public: bPublic } as SubtleCryptoDeriveKeyAlgorithm, a.handle as CryptoKey, 256), 800);

    // What else a gateway handshake cannot avoid: verifying the provider token's Ed25519
    // signature. And what it pays locally for each KV read (Miniflare simulates KV inside the
    // same workerd, so its reads show up as workerd CPU; in production they are network I/O).
    const ed25519 = await perOp("ed25519-verify", 200);
    const kvRead = await perOp("kv-get", 50);

    // --- End to end from Node: raw transport floors, then real handshakes.
    const echoFrame = new Uint8Array(64);
    // A raw connection's lifecycle as the handshake loop runs it (connect, round trips, close),
    // one at a time: its latency is the transport floor, its workerd CPU the connection floor.
    const rawConnect = async (roundTrips: number, n: number) => {
      const once = async () => {
        const t0 = performance.now();
        const ws = await rawSocket(rt.url, "handshake-floor");
        const echo = new EchoClient(ws);
        for (let r = 0; r < roundTrips; r++) await echo.request(echoFrame);
        const elapsed = performance.now() - t0;
        ws.close();
        return elapsed;
      };
      for (let i = 0; i < 5; i++) await once();
      const run = await timed(async () => {
        const samples: number[] = [];
        for (let i = 0; i < n; i++) samples.push(await once());
        return samples;
      });
      return { ...summarize(run.value), serverMs: run.serverCpuMs / n };
    };
    const raw2 = await rawConnect(2, 100);
    const raw1 = await rawConnect(1, 100);

    const handshakeOnce = async (device: BenchDevice, tokens: string[], ik: boolean): Promise<number> => {
      const conn = connection(rt.url, device, tokens, ik);
      const t0 = performance.now();
      const { mode } = await conn.connect();
      const elapsed = performance.now() - t0;
      conn.close();
      if (mode !== (ik ? "IK" : "XX")) throw new Error(`expected ${ik ? "IK" : "XX"}, got ${mode}`);
      return elapsed;
    };
    const sequential = async (ik: boolean, n: number): Promise<Summary> => {
      const device = await enrollDevice(rt.url, `hs-seq-${ik ? "ik" : "xx"}`);
      const tokens = await mintTokens(rt.url, device, n + 10);
      for (let i = 0; i < 10; i++) await handshakeOnce(device, tokens, ik);
      const samples: number[] = [];
      for (let i = 0; i < n; i++) samples.push(await handshakeOnce(device, tokens, ik));
      return summarize(samples);
    };
    const concurrent = async (ik: boolean, perDevice: number) => {
      const devices = await pool(4, CONCURRENT_DEVICES, (i) => enrollDevice(rt.url, `hs-par-${ik ? "ik" : "xx"}-${i}`));
      const tokens = await Promise.all(devices.map((d) => mintTokens(rt.url, d, perDevice + 3)));
      await Promise.all(devices.map(async (d, i) => {
        for (let k = 0; k < 3; k++) await handshakeOnce(d, tokens[i]!, ik);
      }));
      const samples: number[] = [];
      const run = await timed(() =>
        profiled(`${ik ? "IK" : "XX"} handshakes, ${CONCURRENT_DEVICES} devices at once (per handshake)`, CONCURRENT_DEVICES * perDevice, () =>
          Promise.all(devices.map(async (d, i) => {
            for (let k = 0; k < perDevice; k++) samples.push(await handshakeOnce(d, tokens[i]!, ik));
          })),
        ),
      );
      const count = samples.length;
      return { summary: summarize(samples), perSec: (count / run.wallMs) * 1000, serverMs: run.serverCpuMs / count, clientMs: run.clientCpuMs / count };
    };
    const xxSeq = await sequential(false, 100);
    const ikSeq = await sequential(true, 100);
    const xxPar = await concurrent(false, 40);
    const ikPar = await concurrent(true, 40);

    const both = (ops: number) => ops * (x25519 + nodeOp.meanMs);
    const xxFloor = raw2.meanMs + both(OPS.xxGateway);
    const ikFloor = raw1.meanMs + both(OPS.ikGateway);
    const lat = (s: Summary) => [ms(s.meanMs), ms(s.p50Ms), ms(s.p99Ms)];
    table("Handshakes end to end: Node SDK -> gateway in workerd over TCP (connect, Noise, token check, ready)", ["case", "mean", "p50", "p99", "handshakes/s", "latency floor", "× floor"], [
      ["raw: WebSocket connect + 2 echo round trips through a Durable Object", ...lat(raw2), (1000 / raw2.meanMs).toFixed(0), "", ""],
      ["raw: WebSocket connect + 1 echo round trip through a Durable Object", ...lat(raw1), (1000 / raw1.meanMs).toFixed(0), "", ""],
      ["Parley XX, one at a time", ...lat(xxSeq), (1000 / xxSeq.meanMs).toFixed(0), ms(xxFloor), times(xxSeq.meanMs / xxFloor)],
      ["Parley IK, one at a time", ...lat(ikSeq), (1000 / ikSeq.meanMs).toFixed(0), ms(ikFloor), times(ikSeq.meanMs / ikFloor)],
      [`Parley XX, ${CONCURRENT_DEVICES} devices at once`, ...lat(xxPar.summary), xxPar.perSec.toFixed(0), "", ""],
      [`Parley IK, ${CONCURRENT_DEVICES} devices at once`, ...lat(ikPar.summary), ikPar.perSec.toFixed(0), "", ""],
    ], [
      `Latency floor = raw connect with the handshake's round trips + both sides' X25519 operations (XX 4 + 4, IK 5 + 5; one X25519 is ${ms(nodeOp.meanMs)} in Node, ${ms(x25519)} in workerd).`,
    ]);

    const gatewayRows = ([["XX", xxPar, OPS.xxGateway, OPS.xxClient, raw2], ["IK", ikPar, OPS.ikGateway, OPS.ikClient, raw1]] as const).map(([mode, r, gOps, cOps, raw]) => {
      const dhFloor = gOps * x25519;
      const fullFloor = raw.serverMs + dhFloor + ed25519;
      const cFloor = cOps * nodeOp.meanMs;
      results.gatewayHandshakeRatios.set(mode, r.serverMs / dhFloor);
      results.gatewayFullRatios.set(mode, r.serverMs / fullFloor);
      return [
        `Parley ${mode}`,
        ms(r.serverMs),
        (1000 / r.serverMs).toFixed(0),
        `${gOps} × X25519 = ${ms(dhFloor)}`,
        times(r.serverMs / dhFloor),
        `${ms(raw.serverMs)} + ${ms(dhFloor)} + ${ms(ed25519)} = ${ms(fullFloor)}`,
        times(r.serverMs / fullFloor),
        ms(r.clientMs),
        times(r.clientMs / cFloor),
      ];
    });
    table("Cost per handshake: CPU time of the whole workerd process (gateway) and of the Node client", ["case", "gateway CPU", "handshakes/s per gateway core", "X25519 floor", "× X25519 floor", "connection + X25519 + token signature", "× that floor", "client CPU (Node)", "× client X25519 floor"], gatewayRows, [
      `Measured over the ${CONCURRENT_DEVICES}-device runs. Gateway CPU is everything workerd does for one device's connection: HTTP upgrade, routing to the user's object, Noise, provider token verification, token replay check (SQLite), session setup, backlog marker, close.`,
      `Connection floor: workerd CPU of a raw WebSocket connection to a Durable Object with the same round trips and a close (XX ${ms(raw2.serverMs)}, IK ${ms(raw1.serverMs)}); token signature: one Ed25519 verify (${ms(ed25519)}).`,
      `Local-runtime cost not in any floor: each KV read costs ${ms(kvRead)} of workerd CPU here (Miniflare's KV runs inside workerd); token verification makes 3 per handshake (issuer index, provider entry, JWKS).`,
    ]);
  });

  it("messages between two clients vs a raw WebSocket echo", { timeout: 300_000 }, async () => {
    const [alice, bob] = [await enrollDevice(rt.url, "msg-alice"), await enrollDevice(rt.url, "msg-bob")];
    const open = async (device: BenchDevice, tokens: string[]) => {
      const conn = connection(rt.url, device, tokens, true);
      const messenger = new Messenger(conn);
      const backlog = new Promise<number>((resolve) => messenger.on("backlogDone", ({ count }) => resolve(count)));
      await conn.connect();
      return { conn, messenger, backlog };
    };
    const aliceTokens = await mintTokens(rt.url, alice, 1);
    const bobTokens = await mintTokens(rt.url, bob, 2);
    const a = await open(alice, aliceTokens);
    let b = await open(bob, bobTokens);

    // B's side: resolve the sender's waiter, count every delivery (duplicates would show as count > unique).
    const waiting = new Map<string, () => void>();
    const delivered = new Set<string>();
    let deliveries = 0;
    const onMessage = (m: { id: string }) => {
      deliveries++;
      delivered.add(m.id);
      waiting.get(m.id)?.();
      waiting.delete(m.id);
    };
    b.messenger.onMessage(onMessage);

    // A typical small Signal message: 256 bytes of ciphertext, base64 in the stanza.
    const encs: Enc[] = [{ device: bob.deviceId, type: "msg", payload: randomBytes(256).toString("base64") }];
    let sent = 0;
    let acked = 0;
    const sendOne = async (): Promise<number> => {
      const id = newStanzaId();
      const arrived = new Promise<void>((resolve) => waiting.set(id, resolve));
      const t0 = performance.now();
      sent++;
      await Promise.all([a.messenger.sendMessage(bob.networkId, encs, id).then(() => acked++), arrived]);
      return performance.now() - t0;
    };
    // The echo frame is as large as Parley's sealed message frame: stanza + channel byte + AEAD tag.
    const stanza = element("message", { id: newStanzaId(), to: bob.networkId, type: "chat" }, encs.map((e) => element("enc", { device: e.device, type: e.type }, e.payload)));
    const frameBytes = new TextEncoder().encode(serializeXml(stanza)).length + 1 + 16;
    const echo = new EchoClient(await rawSocket(rt.url, "routing-echo"));
    const durableEcho = new EchoClient(await rawSocket(rt.url, "routing-durable-echo", true));
    const echoFrame = new Uint8Array(frameBytes);
    const echoVia = (client: EchoClient) => async (): Promise<number> => {
      const t0 = performance.now();
      await client.request(echoFrame);
      return performance.now() - t0;
    };
    const echoOne = echoVia(echo);

    // The structural floor: the same A -> B pattern through two objects with none of Parley in it.
    const [relayA, relayB] = [await RelayClient.open(rt.url, "relay-a"), await RelayClient.open(rt.url, "relay-b")];
    const relayWaiting = new Map<number, () => void>();
    const relayDelivered = new Set<number>();
    let relaySent = 0;
    relayB.onDelivery = (id) => {
      relayDelivered.add(id);
      relayWaiting.get(id)?.();
      relayWaiting.delete(id);
    };
    const relayOne = async (): Promise<number> => {
      const id = ++relaySent;
      const arrived = new Promise<void>((resolve) => relayWaiting.set(id, resolve));
      const t0 = performance.now();
      await Promise.all([relayA.send("relay-b", id, frameBytes), arrived]);
      return performance.now() - t0;
    };

    const run = async (one: () => Promise<number>, concurrency: number, count: number, profile?: string) => {
      await pool(concurrency, Math.min(200, count), one); // warm-up
      const r = await timed(() => (profile ? profiled(profile, count, () => pool(concurrency, count, one)) : pool(concurrency, count, one)));
      return { summary: summarize(r.value), perSec: (count / r.wallMs) * 1000, serverMs: r.serverCpuMs / count };
    };
    const echoSeq = await run(echoOne, 1, 1000);
    const relaySeq = await run(relayOne, 1, 500);
    const parleySeq = await run(sendOne, 1, 300);
    const durableSeq = await run(echoVia(durableEcho), 1, 1000);
    const echoPar = await run(echoOne, IN_FLIGHT, 5000);
    const durablePar = await run(echoVia(durableEcho), IN_FLIGHT, 3000);
    const relayPar = await run(relayOne, IN_FLIGHT, 3000);
    const parleyPar = await run(sendOne, IN_FLIGHT, 3000, `Parley A -> B, ${IN_FLIGHT} in flight (per message)`);

    // Every message accepted must have arrived, once; then B's inbox must be empty: reconnect and read the backlog size.
    await sleep(500); // B's last acks are in flight
    b.conn.close();
    b = await open(bob, bobTokens);
    b.messenger.onMessage(onMessage);
    const backlog = await b.backlog;
    results.lost = sent - delivered.size;

    const row = (name: string, r: typeof echoSeq, base: typeof echoSeq | null) => [
      name,
      r.perSec.toFixed(0),
      ms(r.summary.meanMs),
      ms(r.summary.p50Ms),
      ms(r.summary.p99Ms),
      ms(r.serverMs),
      base ? times(r.summary.p50Ms / base.summary.p50Ms) : "",
      base ? times(base.perSec / r.perSec) : "",
      base ? times(r.serverMs / base.serverMs) : "",
    ];
    table(`Messages A -> B through the gateway vs a raw WebSocket echo through a Durable Object (${frameBytes}-byte frames)`, ["case", "msgs/s", "mean", "p50", "p99", "workerd CPU / msg", "× echo p50", "× echo time/msg", "× echo CPU"], [
      row("raw echo, one at a time", echoSeq, null),
      row("(context) echo + SQLite insert and delete per message, one at a time", durableSeq, echoSeq),
      row("(context) raw relay A -> B through two objects: RPC, SQLite insert, delivery, ack, delete; one at a time", relaySeq, echoSeq),
      row("Parley A -> B, one at a time", parleySeq, echoSeq),
      row(`raw echo, ${IN_FLIGHT} in flight`, echoPar, null),
      row(`(context) echo + SQLite insert and delete, ${IN_FLIGHT} in flight`, durablePar, echoPar),
      row(`(context) raw relay A -> B, ${IN_FLIGHT} in flight`, relayPar, echoPar),
      row(`Parley A -> B, ${IN_FLIGHT} in flight`, parleyPar, echoPar),
    ], [
      "A Parley message is done when A has the gateway's ack (stored for B) and B's handler has it; B's ack to the gateway is part of the load.",
      `Delivery check: sent ${sent}, acked ${acked}, delivered ${deliveries} (unique ${delivered.size}), lost ${sent - delivered.size}; B's backlog after reconnecting: ${backlog}. Raw relay: sent ${relaySent}, delivered ${relayDelivered.size}.`,
      `Parley vs the raw relay (same pattern, no Parley code): p50 ${times(parleySeq.summary.p50Ms / relaySeq.summary.p50Ms)} one at a time; time per message ${times(relayPar.perSec / parleyPar.perSec)} and workerd CPU ${times(parleyPar.serverMs / relayPar.serverMs)} with ${IN_FLIGHT} in flight.`,
    ]);
    results.routing = { p50: parleySeq.summary.p50Ms / echoSeq.summary.p50Ms, throughput: echoPar.perSec / parleyPar.perSec, cpu: parleyPar.serverMs / echoPar.serverMs };
    a.conn.close();
    b.conn.close();
    echo.socket.close();
    durableEcho.socket.close();
    relayA.socket.close();
    relayB.socket.close();
    expect(relayDelivered.size).toBe(relaySent);
    expect(acked).toBe(sent);
    expect(delivered.size).toBe(sent);
    expect(deliveries).toBe(sent);
    expect(backlog).toBe(0);
  });

  it("memory per idle connected client", { timeout: 300_000 }, async () => {
    const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;
    const kib = (v: number) => `${v.toFixed(1)} KiB`;

    // Baseline: raw sockets, each to its own echo object, in a fresh workerd.
    const raw = await withRuntime(async (runtime) => {
      for (let i = 0; i < WARM_CLIENTS; i++) {
        const warm = new EchoClient(await rawSocket(runtime.url, `warm-${i}`));
        await warm.request(ECHO_WHOAMI);
        warm.socket.close();
      }
      await sleep(1000);
      const before = rssKiB(runtime.pid);
      const echoes = await pool(8, IDLE_CLIENTS, async (i) => {
        const e = new EchoClient(await rawSocket(runtime.url, `idle-${i}`));
        return { e, instance: await e.request(ECHO_WHOAMI) };
      });
      await sleep(1000);
      const connected = rssKiB(runtime.pid);
      await sleep(IDLE_MS);
      const idle = rssKiB(runtime.pid);
      const after = await pool(8, echoes.length, (i) => echoes[i]!.e.request(ECHO_WHOAMI));
      const evicted = after.filter((instance, i) => instance !== echoes[i]!.instance).length;
      for (const { e } of echoes) e.socket.close();
      return { before, connected, idle, evicted };
    });

    // Parley: N users with one authenticated session each. Enrolled in one workerd, measured in
    // a fresh one on the same state: enrolling wakes every user's object and grows the heap,
    // and a baseline taken after that would hide the connections' own memory in freed pages.
    const enrolled = await startRuntime(bundles);
    let devices: BenchDevice[];
    let tokens: string[][];
    try {
      devices = await pool(4, IDLE_CLIENTS + WARM_CLIENTS, (i) => enrollDevice(enrolled.url, `idle-${i}`));
      tokens = await Promise.all(devices.map((d) => mintTokens(enrolled.url, d, 1)));
    } catch (err) {
      await enrolled.stop();
      throw err;
    }
    await enrolled.stop({ keepState: true });
    const parley = await withRuntime(async (runtime) => {
      const connect = async (i: number) => {
        const conn = connection(runtime.url, devices[i]!, tokens[i]!, true);
        await conn.connect();
        return conn;
      };
      // Warm-up on users of their own, as the raw case does, so the baseline has the code paths compiled.
      for (let i = IDLE_CLIENTS; i < IDLE_CLIENTS + WARM_CLIENTS; i++) (await connect(i)).close();
      await sleep(1000);
      const before = rssKiB(runtime.pid);
      const conns: ParleyConnection[] = await pool(8, IDLE_CLIENTS, connect);
      await sleep(1000);
      const connected = rssKiB(runtime.pid);
      await sleep(IDLE_MS);
      const idle = rssKiB(runtime.pid);
      // Every session must have survived the idle period (and eviction): its object wakes from the attachment.
      const answered = (await pool(8, conns.length, (i) => conns[i]!.ping().then(() => 1, () => 0))).reduce((s: number, x: number) => s + x, 0);
      for (const c of conns) c.close();
      return { before, connected, idle, answered };
    }, enrolled.state);

    const perClient = (after: number, before: number) => (after - before) / IDLE_CLIENTS;
    const rawActive = perClient(raw.connected, raw.before);
    const rawIdle = perClient(raw.idle, raw.before);
    table(`Memory per idle connected client: workerd RSS, ${IDLE_CLIENTS} clients, each in its own Durable Object`, ["case", "RSS before", "RSS connected", "per client (objects in memory)", "× raw", `RSS after ${IDLE_MS / 1000} s idle`, "per client (idle)", "× raw"], [
      ["raw WebSocket to an echo object", mib(raw.before), mib(raw.connected), kib(rawActive), "", mib(raw.idle), kib(rawIdle), ""],
      ["Parley user with one authenticated session", mib(parley.before), mib(parley.connected), kib(perClient(parley.connected, parley.before)), times(perClient(parley.connected, parley.before) / rawActive), mib(parley.idle), kib(perClient(parley.idle, parley.before)), times(perClient(parley.idle, parley.before) / rawIdle)],
    ], [
      `Idle period: ${raw.evicted}/${IDLE_CLIENTS} echo objects were evicted and woken again (their instance changed): local workerd hibernates idle objects whose sockets are hibernatable, as production does. RSS rarely shrinks after an eviction (V8 and the allocator keep freed pages), so the idle column is an upper bound.`,
      `After the idle period ${parley.answered}/${IDLE_CLIENTS} Parley sessions answered an encrypted ping (state restored from the socket attachment).`,
    ]);
    expect(parley.answered).toBe(IDLE_CLIENTS);
  });

  it("targets", () => {
    if (profiles.length > 0) console.log(`\n### CPU profiles of the gateway isolate (BENCH_PROFILE=1)\n${profiles.join("\n")}`);
    const met = (ok: boolean) => (ok ? "met" : "missed");
    const noise = results.noiseRatios;
    const gateway = results.gatewayHandshakeRatios;
    const full = results.gatewayFullRatios;
    table("Targets (issue #7)", ["target", "measured", "status"], [
      ["Noise handshake within 2× its X25519 floor, inside workerd: XX gateway-style / IK both sides / IK gateway side", `${times(noise.get("xx-gateway") ?? NaN)} / ${times(noise.get("ik") ?? NaN)} / ${times(noise.get("ik-responder") ?? NaN)}`, met(["xx-gateway", "ik", "ik-responder"].every((k) => (noise.get(k) ?? Infinity) <= 2))],
      ["Full gateway handshake within 2× the gateway's X25519 floor (workerd CPU, XX / IK)", `${times(gateway.get("XX") ?? NaN)} / ${times(gateway.get("IK") ?? NaN)}`, met((gateway.get("XX") ?? Infinity) <= 2 && (gateway.get("IK") ?? Infinity) <= 2)],
      ["(context) full gateway handshake vs connection + X25519 + token signature floor (XX / IK)", `${times(full.get("XX") ?? NaN)} / ${times(full.get("IK") ?? NaN)}`, met((full.get("XX") ?? Infinity) <= 2 && (full.get("IK") ?? Infinity) <= 2)],
      ["Routing within 3× the raw echo (p50 latency, one at a time)", times(results.routing.p50), met(results.routing.p50 <= 3)],
      ["Routing within 3× the raw echo (time per message, 16 in flight)", times(results.routing.throughput), met(results.routing.throughput <= 3)],
      ["No message lost", `${results.lost} lost`, met(results.lost === 0)],
    ]);
  });
});

/** Runs `fn` against a fresh workerd (empty state, or `state`), so memory figures start from the same point. */
async function withRuntime<T>(fn: (runtime: Runtime) => Promise<T>, state?: RuntimeState): Promise<T> {
  const runtime = await startRuntime(bundles, { state });
  try {
    return await fn(runtime);
  } finally {
    await runtime.stop();
  }
}
