import { env, evictDurableObject, runInDurableObject, SELF } from "cloudflare:test";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { Messenger } from "../../client/index.ts";
import type { ParleyConnection } from "../../client/connection.ts";
import { deviceIdFor, networkIdFor } from "../../gateway/auth/identifiers.ts";
import { CloseCode } from "../../protocol/close-codes.ts";
import { decodeClientHello, decodeControl, encodeClientHello, encodeControl } from "../../protocol/messages.ts";
import { webcryptoX25519 } from "../../protocol/noise/dh25519.ts";
import { Channel, MAX_TRANSPORT_PAYLOAD, PipesInitiator, type ChannelId, type SecureChannel } from "../../protocol/pipes/index.ts";
import { MAX_STANZA_BYTES, readClientStanza, readServerStanza, STANZA_ID, StanzaError, type ServerStanza } from "../../protocol/stanzas/index.ts";
import { parseXml, XmlError } from "../../protocol/xml/index.ts";
import { enrollWith, gatewayInfo, GATEWAY_URL, newConnection, newDevice, type TestDevice } from "../helpers/gateway.ts";
import { admin, TestProvider } from "../helpers/providers.ts";
import { helloFor, rawSession, type RawSession } from "../helpers/raw-client.ts";
import { queued } from "../helpers/users.ts";
import { mutateBytes, mutateJwt, mutateStanza, sameJwt, type JwtTarget, type Resign, type StanzaContext } from "./mutate.ts";
import { runSeed, SeededRandom } from "./seeded-random.ts";
import { CLEAN_INPUT_CLOSES, Probe, type WireEvent } from "./wire.ts";
import { recordGatewayErrors } from "./gateway-errors.ts";

/** Cases per part; together they keep this file around 20 s on a 2-core machine. */
const CASES = { freshFrames: 300, sessionFrames: 150, hellos: 200, stanzas: 1200, enrollTokens: 600, handshakeTokens: 150 };

const userStub = (networkId: string) => env.USERS.get(env.USERS.idFromName(networkId));

/** A user under attack: a legitimate device that stays connected throughout, and a device whose keys the fuzzer uses. */
interface Target {
  readonly networkId: string;
  readonly legit: TestDevice;
  readonly fuzz: TestDevice;
  readonly conn: ParleyConnection;
  readonly messenger: Messenger;
}

async function target(): Promise<Target> {
  const legit = await newDevice();
  const fuzz = await newDevice(legit.sub);
  const conn = await newConnection(legit);
  const messenger = new Messenger(conn);
  await conn.connect();
  return { networkId: legit.networkId, legit, fuzz, conn, messenger };
}

/** The attacked user's object still serves its legitimate client: transport ping, stanza round trip, and a brand-new session. */
async function stillServes(t: Target): Promise<void> {
  expect(t.conn.state).toBe("open");
  await t.conn.ping();
  await t.messenger.ping();
  const fresh = await newConnection(t.fuzz);
  await fresh.connect();
  await fresh.ping();
  fresh.close();
}

async function evict(networkId: string): Promise<void> {
  await evictDurableObject(userStub(networkId)).catch(() => undefined);
}

function tally(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

function report(part: string, cases: number, startedMs: number, outcomes: Record<string, number>): void {
  console.log(`[fuzz] ${part}: ${cases} cases in ${Date.now() - startedMs} ms ${JSON.stringify(outcomes)}`);
}

const describeEvent = (e: WireEvent | null) => (e === null ? "silence" : e.kind === "close" ? `close ${e.code} ${e.reason}` : `frame tag ${e.bytes[0]}`);

describe("fuzz: hostile input gets clean errors only, and the user's object keeps serving", () => {
  let rand: SeededRandom;
  /** Everything the gateway logged as an error during a test: bad input must never get there. */
  let gatewayErrors: string[];

  beforeAll(() => {
    rand = new SeededRandom(runSeed("fuzz"));
  });

  beforeEach(() => {
    gatewayErrors = recordGatewayErrors();
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("frames at a fresh socket: a documented close or a handshake reply, nothing else", async () => {
    const r = rand.fork("fresh-frames");
    const started = Date.now();
    const t = await target();
    const gw = await gatewayInfo();
    const genuine = await rawSession(t.fuzz);
    const bases = [
      await new PipesInitiator({ staticKey: t.fuzz.staticKey }).begin(new Uint8Array(0)),
      await new PipesInitiator({ staticKey: t.fuzz.staticKey, serverStaticKey: gw.staticKey }).begin(await helloFor(t.fuzz)),
      genuine.sent[1]!, // a genuine XX message 3, but from another handshake
    ];
    genuine.ws.close(1000);
    const outcomes: Record<string, number> = {};
    const failures: string[] = [];
    for (let i = 0; i < CASES.freshFrames; i++) {
      const probe = await Probe.open(t.networkId);
      for (let f = 1 + r.int(3); f > 0; f--) {
        const roll = r.next();
        const frame: Uint8Array | string =
          roll < 0.55 ? mutateBytes(r, r.pick(bases))
          : roll < 0.7 ? r.pick(bases)
          : roll < 0.8 ? r.bytes(r.int(200))
          : roll < 0.85 ? "text frame"
          : roll < 0.9 ? new Uint8Array(0)
          : roll < 0.95 ? r.bytes(r.pick([65_536, 65_537, 70_000]))
          : new Uint8Array([r.int(256), ...r.bytes(r.int(4))]);
        probe.send(frame);
        const e = await probe.next(3000);
        if (e?.kind === "frame" && [0x11, 0x13].includes(e.bytes[0]!)) {
          tally(outcomes, `reply-0x${e.bytes[0]!.toString(16)}`);
          continue; // the handshake goes on: the next frame hits its second step
        }
        if (e?.kind === "frame" && e.bytes[0] === 0x12) {
          tally(outcomes, "ik-session-opened"); // an unmodified IK message with a still-unused token
          break;
        }
        tally(outcomes, describeEvent(e).replace(/ .*/, e?.kind === "close" ? ` ${e.code}` : ""));
        if (e?.kind !== "close" || !CLEAN_INPUT_CLOSES.has(e.code)) failures.push(`case ${i}: ${describeEvent(e)} after a ${typeof frame === "string" ? "text" : frame.length}-byte frame`);
        break;
      }
      probe.close();
      if (i % 60 === 59) {
        await evict(t.networkId);
        await stillServes(t);
      }
    }
    report("fresh-socket frames", CASES.freshFrames, started, outcomes);
    expect(failures).toEqual([]);
    // The fuzz must reach both handshake steps, or it tested only the first.
    expect((outcomes["reply-0x11"] ?? 0) + (outcomes["reply-0x13"] ?? 0)).toBeGreaterThan(20);
    expect(outcomes["ik-session-opened"] ?? 0).toBeLessThanOrEqual(1); // its token is single-use
    await stillServes(t);
    expect(gatewayErrors).toEqual([]);
    t.conn.close();
  });

  it("frames on an open session: tampering closes it with a documented code, and nothing else does", async () => {
    const r = rand.fork("session-frames");
    const started = Date.now();
    const t = await target();
    const outcomes: Record<string, number> = {};
    const failures: string[] = [];
    let session: RawSession | null = null;
    let probe: Probe | null = null;
    let pingId = 1;
    let lastFrame: Uint8Array | null = null;
    const ping = async (channel: SecureChannel) => (lastFrame = await channel.seal(Channel.CONTROL, encodeControl({ kind: "ping", id: pingId++ })));
    /** The session answers a real ping with the matching pong. */
    const answersPing = async (s: RawSession, p: Probe): Promise<boolean> => {
      const id = pingId;
      p.send(await ping(s.channel));
      const e = await p.next(3000);
      if (e?.kind !== "frame") return false;
      const opened = await s.channel.open(e.bytes);
      const control = opened.channel === Channel.CONTROL ? decodeControl(opened.payload) : null;
      return control?.kind === "pong" && control.id === id;
    };
    for (let i = 0; i < CASES.sessionFrames; i++) {
      if (!session || !probe || probe.closed) {
        probe?.close();
        session = await rawSession(t.fuzz);
        probe = Probe.wrap(session.ws);
      }
      const kind = r.pick(["tamper", "tamper", "control", "stanza", "channel", "text", "replay", "huge", "handshake-frame", "empty"] as const);
      let frame: Uint8Array | string;
      let expected: number | "alive" | "either";
      switch (kind) {
        case "tamper": {
          const genuine = await ping(session.channel);
          frame = mutateBytes(r, genuine);
          const unchanged = frame.length === genuine.length && frame.every((b, j) => b === genuine[j]);
          expected = unchanged ? "alive" : frame.length > 65_536 ? CloseCode.FRAME_TOO_LARGE : CloseCode.DECRYPT_FAILED;
          break;
        }
        case "control":
          // Authentic, but its protobuf is garbage: refused as malformed, or read as some control message.
          frame = await session.channel.seal(Channel.CONTROL, r.chance(0.5) ? mutateBytes(r, encodeControl({ kind: "ping", id: 7 })) : r.bytes(r.int(40)));
          expected = "either";
          break;
        case "stanza":
          frame = await session.channel.seal(Channel.STANZA, r.bytes(1 + r.int(300)));
          expected = "alive";
          break;
        case "channel":
          frame = await session.channel.seal((2 + r.int(254)) as ChannelId, r.bytes(r.int(40)));
          expected = CloseCode.MALFORMED_FRAME;
          break;
        case "text":
          frame = "ping";
          expected = CloseCode.MALFORMED_FRAME;
          break;
        case "replay":
          if (!lastFrame) await answersPing(session, probe);
          frame = lastFrame!;
          expected = CloseCode.DECRYPT_FAILED;
          break;
        case "huge":
          frame = r.bytes(r.pick([65_537, 80_000]));
          expected = CloseCode.FRAME_TOO_LARGE;
          break;
        case "handshake-frame":
          frame = await new PipesInitiator({ staticKey: t.fuzz.staticKey }).begin(new Uint8Array(0));
          expected = CloseCode.DECRYPT_FAILED;
          break;
        case "empty":
          frame = new Uint8Array(0);
          expected = CloseCode.DECRYPT_FAILED;
          break;
      }
      probe.send(frame);
      if (expected === "alive" || expected === "either") {
        // Whatever the frame caused comes before the pong, in order: a nack for the stanza, a
        // pong if the garbage read as a ping, or a close.
        const id = pingId;
        probe.send(await ping(session.channel));
        let verdict = "silence";
        for (let e = await probe.next(3000); e; e = await probe.next(3000)) {
          if (e.kind === "close") {
            verdict = `close ${e.code}`;
            break;
          }
          const opened = await session.channel.open(e.bytes);
          const control = opened.channel === Channel.CONTROL ? decodeControl(opened.payload) : null;
          if (control?.kind === "pong" && control.id === id) {
            verdict = "alive";
            break;
          }
          if (opened.channel === Channel.STANZA) {
            const answer = readServerStanza(parseXml(opened.payload));
            if (answer.kind !== "nack" || answer.code !== "malformed") failures.push(`case ${i}: ${kind} answered by ${JSON.stringify(answer)}`);
          }
        }
        tally(outcomes, `${kind}: ${verdict}`);
        const ok = verdict === "alive" || (expected === "either" && verdict === `close ${CloseCode.MALFORMED_FRAME}`);
        if (!ok) failures.push(`case ${i}: ${kind} ended in ${verdict}, expected ${expected}`);
      } else {
        const e = await probe.next(3000);
        tally(outcomes, `${kind}: ${describeEvent(e).replace(/ [^0-9].*$/, "")}`);
        if (e?.kind !== "close" || e.code !== expected) failures.push(`case ${i}: ${kind} ended in ${describeEvent(e)}, expected close ${expected}`);
      }
      if (i % 50 === 49) {
        await evict(t.networkId);
        await stillServes(t);
      }
    }
    probe?.close();
    report("open-session frames", CASES.sessionFrames, started, outcomes);
    expect(failures).toEqual([]);
    await stillServes(t);
    expect(gatewayErrors).toEqual([]);
    t.conn.close();
  });

  it("ClientHello payloads inside a valid handshake: admitted only when still the genuine hello", async () => {
    const r = rand.fork("hellos");
    const started = Date.now();
    const t = await target();
    const other = await newDevice();
    const gw = await gatewayInfo();
    const outcomes: Record<string, number> = {};
    const failures: string[] = [];
    for (let i = 0; i < CASES.hellos; i++) {
      const genuine = { networkId: t.networkId, deviceId: t.fuzz.deviceId, providerToken: await t.fuzz.token(), clientVersion: "fuzz/1" };
      const encoded = encodeClientHello(genuine);
      const structured: [string, () => Promise<Uint8Array>][] = [
        ["other-user", async () => encodeClientHello({ ...genuine, networkId: other.networkId })],
        ["other-device", async () => encodeClientHello({ ...genuine, deviceId: t.legit.deviceId })],
        ["foreign-token", async () => encodeClientHello({ ...genuine, providerToken: await other.token() })],
        ["sibling-token", async () => encodeClientHello({ ...genuine, providerToken: await t.legit.token() })],
        ["long-field", async () => encodeClientHello({ ...genuine, [r.pick(["networkId", "deviceId", "clientVersion"])]: "x".repeat(129) })],
        ["empty", async () => new Uint8Array(0)],
        // Protobuf keeps the last of a repeated field: a second network ID after the genuine hello.
        ["repeated-field", async () => new Uint8Array([...encoded, ...encodeClientHello({ networkId: other.networkId, deviceId: "", providerToken: "", clientVersion: "" })])],
        ["unknown-field", async () => new Uint8Array([...encoded, 0x50, 0x01])],
      ];
      // Every structured kind once, then a random mix with byte mutations.
      const [label, hello] =
        i < structured.length ? structured[i]! : r.chance(0.3) ? r.pick(structured) : (["bytes", async () => mutateBytes(r, encoded)] as [string, () => Promise<Uint8Array>]);
      const mutated = await hello();
      const ik = r.chance(0.5);
      const probe = await Probe.open(t.networkId);
      const initiator = new PipesInitiator({ staticKey: t.fuzz.staticKey, serverStaticKey: ik ? gw.staticKey : null });
      probe.send(await initiator.begin(mutated));
      let e = await probe.next(3000);
      let admitted = false;
      if (e?.kind === "frame") {
        await initiator.receive(e.bytes);
        const { frame, channel } = await initiator.finish();
        if (frame) probe.send(frame);
        e = await probe.next(3000);
        if (e?.kind === "frame") admitted = decodeControl((await channel.open(e.bytes)).payload).kind === "ready";
      }
      probe.close();
      const verdict = admitted ? "admitted" : describeEvent(e).replace(/^(close \d+).*$/, "$1");
      tally(outcomes, `${label}: ${verdict}`);
      if (admitted) {
        let same = false;
        try {
          const h = decodeClientHello(mutated);
          same = h.networkId === genuine.networkId && h.deviceId === genuine.deviceId && sameJwt(h.providerToken, genuine.providerToken);
        } catch {
          same = false;
        }
        if (!same) failures.push(`case ${i}: ${label} hello admitted though it is not the genuine one`);
      } else if (e?.kind !== "close" || !CLEAN_INPUT_CLOSES.has(e.code)) {
        failures.push(`case ${i}: ${label} ended in ${describeEvent(e)}`);
      }
    }
    report("ClientHello payloads", CASES.hellos, started, outcomes);
    expect(failures).toEqual([]);
    const admitted = Object.entries(outcomes).filter(([k]) => k.endsWith("admitted")).reduce((n, [, v]) => n + v, 0);
    expect(admitted).toBeGreaterThan(0); // some mutations keep the hello valid (unknown fields, client version)
    expect(admitted).toBeLessThan(CASES.hellos / 2);
    await stillServes(t);
    expect(gatewayErrors).toEqual([]);
    t.conn.close();
  });

  it("stanzas over an open session: exactly one clean answer each, never an internal one", async () => {
    const r = rand.fork("stanzas");
    const started = Date.now();
    const t = await target();
    const peer = await newDevice();
    const b64 = (n: number, first?: number) => btoa(String.fromCharCode(...(first === undefined ? r.bytes(n) : [first, ...r.bytes(n - 1)])));
    const ctx: StanzaContext = { self: t.networkId, peer: peer.networkId, peerDevice: peer.deviceId };
    const bases = (id: string): string[] => [
      `<message id="${id}" to="${peer.networkId}" type="chat"><enc device="${peer.deviceId}" type="msg">QUJD</enc></message>`,
      `<message id="${id}" to="${t.networkId}" type="chat"><enc device="${t.fuzz.deviceId}" type="pkmsg">QUJD</enc><enc device="${t.legit.deviceId}" type="msg">REVG</enc></message>`,
      `<receipt id="${id}" to="${peer.networkId}" type="read"/>`,
      `<presence id="${id}" to="${peer.networkId}" type="available"/>`,
      `<chatstate id="${id}" to="${peer.networkId}" state="composing"/>`,
      `<ack class="message" id="${id}" from="${peer.networkId}"/>`,
      `<ack class="receipt" id="${id}" from="${peer.networkId}" type="read"/>`,
      `<iq id="${id}" type="get"><ping/></iq>`,
      `<iq id="${id}" type="get"><lookup provider="dev" identifier="someone"/></iq>`,
      `<iq id="${id}" type="get"><privacy/></iq>`,
      `<iq id="${id}" type="set"><privacy discoverable="false" allow="*"/></iq>`,
      `<iq id="${id}" type="set"><block user="${peer.networkId}"/></iq>`,
      `<iq id="${id}" type="set"><unblock user="${peer.networkId}"/></iq>`,
      `<iq id="${id}" type="get"><count/></iq>`,
      `<iq id="${id}" type="get"><bundles user="${peer.networkId}"/></iq>`,
      `<iq id="${id}" type="set"><keys registration="7"><identity>${b64(33, 5)}</identity><signed id="1" signature="${b64(64)}">${b64(33, 5)}</signed><prekey id="2">${b64(33, 5)}</prekey></keys></iq>`,
    ];
    const conn = await newConnection(t.fuzz);
    const answers: ServerStanza[] = [];
    conn.on("stanza", (bytes) => answers.push(readServerStanza(parseXml(bytes))));
    await conn.connect();

    /** What the gateway must answer, judged by the same codec and vocabulary it uses. */
    const expectation = (bytes: Uint8Array): { none: true } | { code: string; cls: string; id: string | undefined } | { valid: string; id: string } => {
      let el;
      try {
        el = parseXml(bytes, { maxBytes: MAX_STANZA_BYTES });
      } catch (err) {
        if (!(err instanceof XmlError)) throw err;
        return { code: err.code === "too-large" ? "too-large" : "malformed", cls: "stanza", id: undefined };
      }
      const id = STANZA_ID.test(el.attrs.id ?? "") ? el.attrs.id : undefined;
      try {
        const s = readClientStanza(el);
        return s.kind === "ack" ? { none: true } : { valid: s.kind, id: s.id };
      } catch (err) {
        if (!(err instanceof StanzaError)) throw err;
        return { code: err.code, cls: el.name, id };
      }
    };

    const outcomes: Record<string, number> = {};
    const failures: string[] = [];
    const BATCH = 20;
    for (let first = 0; first < CASES.stanzas; first += BATCH) {
      answers.length = 0;
      const batch: { label: string; bytes: Uint8Array }[] = [];
      for (let i = first; i < Math.min(first + BATCH, CASES.stanzas); i++) {
        const all = bases(`f${i}`);
        const mutated = mutateStanza(r, r.pick(all), r.pick(all), ctx);
        const bytes = mutated.bytes.length > MAX_TRANSPORT_PAYLOAD ? mutated.bytes.subarray(0, MAX_TRANSPORT_PAYLOAD) : mutated.bytes;
        batch.push({ label: mutated.label, bytes });
        await conn.send(bytes);
        // A marker after each case: everything the gateway answered before it belongs to that case.
        await conn.send(`<iq id="mark-${i}" type="get"><ping/></iq>`);
      }
      const lastMark = `mark-${first + batch.length - 1}`;
      const deadline = Date.now() + 10_000;
      while (!answers.some((a) => a.kind === "iq" && a.id === lastMark)) {
        if (Date.now() > deadline) throw new Error(`batch at case ${first}: the session stopped answering`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      let current: ServerStanza[] = [];
      let index = 0;
      for (const a of answers) {
        if (a.kind === "iq" && a.id.startsWith("mark-")) {
          const { label, bytes } = batch[index]!;
          const caseNo = first + index++;
          if (a.id !== `mark-${caseNo}`) failures.push(`case ${caseNo}: markers out of order (${a.id})`);
          const want = expectation(bytes);
          const text = new TextDecoder().decode(bytes.subarray(0, 160));
          const got = current;
          current = [];
          const codes = got.map((g) => (g.kind === "nack" ? `nack ${g.code}` : g.kind === "ack" ? "ack" : g.kind === "iq" ? `iq ${g.type}` : g.kind));
          tally(outcomes, codes.length === 0 ? "no answer" : codes.join(","));
          if (got.some((g) => g.kind === "nack" && g.code === "internal")) {
            failures.push(`case ${caseNo} (${label}): internal nack for ${text}`);
            continue;
          }
          if ("none" in want) {
            if (got.length !== 0) failures.push(`case ${caseNo} (${label}): an ack was answered: ${codes.join(",")}`);
          } else if (got.length !== 1) {
            failures.push(`case ${caseNo} (${label}): ${got.length} answers (${codes.join(",")}) for ${text}`);
          } else if ("code" in want) {
            const g = got[0]!;
            if (g.kind !== "nack" || g.code !== want.code || g.class !== want.cls || g.id !== want.id) {
              failures.push(`case ${caseNo} (${label}): expected nack ${want.code} class=${want.cls} id=${want.id}, got ${JSON.stringify(g)} for ${text}`);
            }
          } else {
            const g = got[0]!;
            const ok = (g.kind === "ack" && g.class === want.valid && g.id === want.id) || (g.kind === "nack" && g.id === want.id) || (g.kind === "iq" && want.valid === "iq" && g.id === want.id);
            if (!ok) failures.push(`case ${caseNo} (${label}): a valid ${want.valid} answered by ${JSON.stringify(g)}`);
          }
        } else if (a.kind === "ack" || a.kind === "nack" || a.kind === "iq") {
          current.push(a);
        }
        // Anything else is a delivery (stanzas the fuzz sent to its own user), not an answer.
      }
      if (index !== batch.length) failures.push(`batch at case ${first}: ${batch.length - index} markers missing`);
      // A fresh object forgets its rate-limit buckets: keeps most cases past the limiter into the router.
      if ((first / BATCH) % 2 === 1) await evict(t.networkId);
    }
    conn.close();
    report("stanzas", CASES.stanzas, started, outcomes);
    expect(failures).toEqual([]);
    // The mutations must reach both sides: refused by the parser and accepted by it.
    const count = (prefix: string) => Object.entries(outcomes).filter(([k]) => k.startsWith(prefix)).reduce((n, [, v]) => n + v, 0);
    expect(count("nack malformed")).toBeGreaterThan(CASES.stanzas / 4);
    expect(count("ack") + count("iq")).toBeGreaterThan(CASES.stanzas / 40);
    await stillServes(t);
    expect(gatewayErrors).toEqual([]);
    t.conn.close();
  });

  /** Mutated tokens for one subject and device key; `resign` signs a variant with the provider's key. */
  function tokenFuzzer(p: TestProvider, sub: string, deviceKey: Uint8Array, foreign: TestProvider, targetKind: JwtTarget) {
    const resign: Resign = ({ claims, kid, lifetimeS, iatOffsetS, foreignKey }) =>
      p.token(sub, deviceKey, { claims, kid: foreignKey ? p.keys[0]!.kid : kid, lifetimeS, iatOffsetS, key: foreignKey ? foreign.keys[0] : undefined });
    return async (r: SeededRandom) => {
      const base = await p.token(sub, deviceKey);
      return { base, ...(await mutateJwt(r, base, resign, targetKind)) };
    };
  }

  it("provider tokens at POST /v1/enroll: 4xx JSON errors with a code, and no enrollment", async () => {
    const r = rand.fork("enroll-tokens");
    const started = Date.now();
    const [p, foreign] = [await TestProvider.create({ alg: "EdDSA" }), await TestProvider.create({ alg: "EdDSA" })];
    const sub = `victim-${crypto.randomUUID()}`;
    const key = (await webcryptoX25519.generateKeyPair()).publicKey;
    const next = tokenFuzzer(p, sub, key, foreign, "enroll");
    const outcomes: Record<string, number> = {};
    const failures: string[] = [];
    let accepted = 0;
    const post = (body: string, contentType = "application/json") =>
      SELF.fetch(`${GATEWAY_URL}/v1/enroll`, { method: "POST", headers: { "Content-Type": contentType }, body });
    for (let i = 0; i < CASES.enrollTokens; i++) {
      let res: Response;
      let label: string;
      let sameAsGenuine = false;
      if (r.chance(0.05)) {
        // The envelope rather than the token.
        const bodies: [string, () => Promise<Response>][] = [
          ["token-number", () => post('{"token":123}')],
          ["token-null", () => post('{"token":null}')],
          ["token-array", () => post('{"token":["a.b.c"]}')],
          ["no-token", () => post("{}")],
          ["array", () => post("[]")],
          ["not-json", () => post("{token:")],
          ["text", () => post('{"token":"a.b.c"}', "text/plain")],
          ["huge-body", () => post(JSON.stringify({ token: "x".repeat(20_000) }))],
        ];
        const [l, send] = r.pick(bodies);
        label = `body-${l}`;
        res = await send();
      } else {
        const m = await next(r);
        label = m.label;
        sameAsGenuine = sameJwt(m.token, m.base);
        res = await enrollWith(m.token);
      }
      const text = await res.text();
      let body: { error?: unknown; reason?: unknown } = {};
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        failures.push(`case ${i} (${label}): ${res.status} with a body that is not JSON: ${text.slice(0, 100)}`);
      }
      tally(outcomes, `${res.status} ${String(body.reason ?? body.error)}`);
      if (res.ok) {
        accepted++;
        if (!sameAsGenuine) failures.push(`case ${i} (${label}): a mutated token was accepted (${res.status})`);
      } else if (res.status >= 500 || ![400, 401, 403, 413, 415].includes(res.status) || typeof body.error !== "string") {
        failures.push(`case ${i} (${label}): ${res.status} ${text.slice(0, 200)}`);
      } else if (res.status === 401 && typeof body.reason !== "string") {
        failures.push(`case ${i} (${label}): 401 without a reason: ${text.slice(0, 200)}`);
      }
    }
    report("enrollment tokens", CASES.enrollTokens, started, outcomes);
    expect(failures).toEqual([]);
    // Nothing but a token that decodes to the genuine one may have enrolled the victim's key.
    const networkId = await networkIdFor(env, p.id, sub);
    const devices = await runInDurableObject(userStub(networkId), (_i, state) =>
      state.storage.sql.exec<{ device_id: string }>("SELECT device_id FROM devices").toArray().map((d) => d.device_id),
    );
    expect(devices).toEqual(accepted > 0 ? [deviceIdFor(networkId, key)] : []);
    expect(Object.keys(outcomes).length).toBeGreaterThan(10); // many distinct refusals, not one blanket answer
    expect(gatewayErrors).toEqual([]);
  });

  it("provider tokens inside the handshake: a documented close, never a session on a mutated token", async () => {
    const r = rand.fork("handshake-tokens");
    const started = Date.now();
    const [p, foreign] = [await TestProvider.create({ alg: "EdDSA" }), await TestProvider.create({ alg: "EdDSA" })];
    const device = await p.enrollDevice(`holder-${crypto.randomUUID()}`);
    const next = tokenFuzzer(p, device.sub, device.staticKey.publicKey, foreign, "handshake");
    const outcomes: Record<string, number> = {};
    const failures: string[] = [];
    for (let i = 0; i < CASES.handshakeTokens; i++) {
      const m = await next(r);
      const hello = encodeClientHello({ networkId: device.networkId, deviceId: device.deviceId, providerToken: m.token, clientVersion: "fuzz/1" });
      const probe = await Probe.open(device.networkId);
      const initiator = new PipesInitiator({ staticKey: device.staticKey });
      probe.send(await initiator.begin(hello));
      let e = await probe.next(3000);
      let admitted = false;
      if (e?.kind === "frame") {
        await initiator.receive(e.bytes);
        const { frame, channel } = await initiator.finish();
        probe.send(frame!);
        e = await probe.next(3000);
        if (e?.kind === "frame") admitted = decodeControl((await channel.open(e.bytes)).payload).kind === "ready";
      }
      probe.close();
      tally(outcomes, admitted ? "admitted" : e?.kind === "close" ? `${e.code} ${e.reason.replace(/:.*$/, "")}` : describeEvent(e));
      if (admitted && !sameJwt(m.token, m.base)) failures.push(`case ${i} (${m.label}): a session opened on a mutated token`);
      if (!admitted && (e?.kind !== "close" || !CLEAN_INPUT_CLOSES.has(e.code) || e.code === CloseCode.MALFORMED_FRAME)) {
        failures.push(`case ${i} (${m.label}): ${describeEvent(e)}`);
      }
    }
    report("handshake tokens", CASES.handshakeTokens, started, outcomes);
    expect(failures).toEqual([]);
    const devices = await runInDurableObject(userStub(device.networkId), (_i, state) =>
      state.storage.sql.exec<{ device_id: string }>("SELECT device_id FROM devices").toArray().map((d) => d.device_id),
    );
    expect(devices).toEqual([device.deviceId]);
    expect(gatewayErrors).toEqual([]);
  });
});

describe("fuzz: regressions for what it found", () => {
  it("a token whose issuer is too long for the registry index is refused, at enrollment and in the handshake", async () => {
    const p = await TestProvider.create({ alg: "EdDSA" });
    const device = await p.enrollDevice(`long-iss-${crypto.randomUUID()}`);
    const key = device.staticKey.publicKey;
    for (const iss of ["x".repeat(506), "é".repeat(300)]) {
      const res = await enrollWith(await p.token("someone", key, { claims: { iss } }));
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: "invalid-token", reason: "unknown-issuer" });

      const probe = await Probe.open(device.networkId);
      const initiator = new PipesInitiator({ staticKey: device.staticKey });
      const hello = { networkId: device.networkId, deviceId: device.deviceId, providerToken: await p.token(device.sub, key, { claims: { iss } }), clientVersion: "t" };
      probe.send(await initiator.begin(encodeClientHello(hello)));
      const reply = await probe.next();
      expect(reply?.kind).toBe("frame");
      if (reply?.kind !== "frame") return;
      await initiator.receive(reply.bytes);
      probe.send((await initiator.finish()).frame!);
      expect(await probe.next()).toMatchObject({ kind: "close", code: CloseCode.HANDSHAKE_FAILED, reason: expect.stringMatching(/unknown-issuer/) });
    }
  });

  it("a provider issuer is limited to what the index can key, and one at the limit works end to end", async () => {
    const p = await TestProvider.create({ alg: "EdDSA", register: false });
    const register = (issuer: string) => admin("/providers", { method: "POST", body: JSON.stringify({ id: p.id, issuer, jwksUri: p.jwksUri }) });
    const tooLong = await register(`https://${"x".repeat(498)}`); // 506 bytes: its index key would be 513
    expect(tooLong.status).toBe(400);
    expect(await tooLong.json()).toMatchObject({ error: "invalid-field", field: "issuer" });
    const issuer = `https://${"x".repeat(497)}`;
    expect((await register(issuer)).status).toBe(201);
    const key = (await webcryptoX25519.generateKeyPair()).publicKey;
    const res = await enrollWith(await p.token("at-the-limit", key, { claims: { iss: issuer } }));
    expect(res.status).toBe(201);
  });

  it("frames queued behind the one that ended a session are not acted on", async () => {
    const device = await newDevice();
    const peer = await newDevice();
    const session = await rawSession(device);
    const probe = Probe.wrap(session.ws);
    // Garbage control payload (the session ends with 4400), then an authentic message the client sent before it saw the close.
    const garbage = await session.channel.seal(Channel.CONTROL, new Uint8Array([0xff, 0xff, 0xff]));
    const message = `<message id="after-close" to="${peer.networkId}" type="chat"><enc device="${peer.deviceId}" type="msg">QUJD</enc></message>`;
    const queuedBehind = await session.channel.seal(Channel.STANZA, new TextEncoder().encode(message));
    probe.send(garbage);
    probe.send(queuedBehind);
    expect(await probe.next()).toMatchObject({ kind: "close", code: CloseCode.MALFORMED_FRAME });
    // The second frame was delivered to the object right behind the first; give it the time it would take.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await queued(peer.networkId)).toEqual([]);
  });
});
