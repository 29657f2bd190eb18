// Issue 14: the ML-KEM Braid (client/signal/spqr/braid.ts) and the SPQR facade (index.ts), ours
// against ours, inside workerd. test/node/spqr-braid.test.ts holds the same code against
// libsignal 0.103 byte for byte; here the point is the protocol's own properties: both sides
// derive equal epoch secrets and message keys under alternation, bursts, reordering, loss and
// duplicates; states are immutable; every state survives a JSON round trip and structured
// clone (session records go to IndexedDB and through postMessage as they are).
import { bytesToHex } from "@noble/hashes/utils.js";
import { describe, expect, it } from "vitest";
import { type BraidState, type BraidStateKind, receive, send, initialBraidState } from "../../client/signal/spqr/braid.ts";
import { braidStateFromJSON, braidStateToJSON } from "../../client/signal/spqr/braid-json.ts";
import { SpqrError } from "../../client/signal/spqr/errors.ts";
import { initSpqr, spqrReceive, spqrSend, spqrStateFromJSON, spqrStateToJSON, type SpqrState } from "../../client/signal/spqr/index.ts";
import { decodeSpqrMessage, encodeSpqrMessage } from "../../client/signal/spqr/wire.ts";

const kSpqr = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1);
const hex = bytesToHex;

/** A small deterministic PRNG (mulberry32), so a failing schedule can be replayed from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof SpqrError) return e.reason;
    throw e;
  }
  throw new Error("no error thrown");
}

const roundTrip = (s: BraidState): BraidState => braidStateFromJSON(JSON.parse(JSON.stringify(braidStateToJSON(s))));
const json = (s: BraidState): string => JSON.stringify(braidStateToJSON(s));
/** A structured clone that must lose nothing: equal as data and in its JSON form. */
function cloned<T extends BraidState | SpqrState>(s: T): T {
  const copy = structuredClone(s);
  expect(copy).toEqual(s);
  return copy;
}

type Side = "alice" | "bob";

/** Two braids and the epoch secrets each has output, keyed by epoch. */
class BraidPair {
  state: Record<Side, BraidState> = { alice: initialBraidState(kSpqr, "alice"), bob: initialBraidState(kSpqr, "bob") };
  keys: Record<Side, Map<bigint, string>> = { alice: new Map(), bob: new Map() };
  readonly kinds = new Set<BraidStateKind>();

  /** `copy` stands in for storage: every new state is stored through it. */
  constructor(readonly copy: (s: BraidState) => BraidState = (s) => s) {
    this.kinds.add("KeysUnsampled").add("NoHeaderReceived");
  }

  #set(side: Side, s: BraidState): void {
    this.state[side] = this.copy(s);
    this.kinds.add(s.kind);
  }

  #output(side: Side, k: { epoch: bigint; key: Uint8Array } | undefined): void {
    if (!k) return;
    expect(this.keys[side].has(k.epoch)).toBe(false);
    this.keys[side].set(k.epoch, hex(k.key));
  }

  send(side: Side) {
    const r = send(this.state[side]);
    expect(r.sendingEpoch).toBe(r.message.epoch - 1n);
    this.#set(side, r.state);
    this.#output(side, r.outputKey);
    return { from: side, message: r.message };
  }

  deliver(m: { from: Side; message: ReturnType<typeof send>["message"] }): void {
    const to: Side = m.from === "alice" ? "bob" : "alice";
    const r = receive(this.state[to], m.message);
    expect(r.receivingEpoch).toBe(m.message.epoch - 1n);
    this.#set(to, r.state);
    this.#output(to, r.outputKey);
  }

  /** Every epoch both sides have finished agrees, and there are at least `n` of them. */
  expectAgreed(n: number): void {
    const both = [...this.keys.alice.keys()].filter((e) => this.keys.bob.has(e));
    expect(both.length).toBeGreaterThanOrEqual(n);
    for (const e of both) expect(this.keys.alice.get(e)).toBe(this.keys.bob.get(e));
    expect(both.sort((a, b) => Number(a - b))).toEqual(both.map((_, i) => BigInt(i + 1)));
  }
}

describe("ML-KEM Braid, ours against ours (issue 14)", () => {
  it("alternating messages reach epochs 2, 3, 4, … with equal secrets; 86 messages per epoch as libsignal", () => {
    const p = new BraidPair();
    const epochAt: number[] = [];
    for (let i = 0; i < 4 * 86 + 4; i++) {
      const m = p.send(i % 2 ? "bob" : "alice");
      p.deliver(m);
      if (p.keys.alice.size + p.keys.bob.size > epochAt.length) epochAt.push(i);
    }
    p.expectAgreed(4);
    // Who outputs when (the ct side at its first ct1, the ek side at decapsulation): libsignal's
    // alternating timeline (docs/spqr-notes.md §7) has ct1 at B's 3rd message and decapsulation at message 85.
    expect(epochAt.slice(0, 2)).toEqual([5, 85]);
    expect(p.state.alice.epoch).toBeGreaterThanOrEqual(5n);
  });

  it("one-sided bursts of any lengths still complete; an ek that outruns ct1 gives EkReceivedCt1Sampled", () => {
    for (const [a, b] of [[1, 2], [2, 5], [5, 2], [40, 1], [1, 40], [100, 100]] as const) {
      const p = new BraidPair();
      for (let turn = 0; p.keys.alice.size < 3 || p.keys.bob.size < 3; turn++) {
        expect(turn).toBeLessThan(2000);
        const side: Side = turn % 2 ? "bob" : "alice";
        for (let k = 0; k < (side === "alice" ? a : b); k++) p.deliver(p.send(side));
      }
      p.expectAgreed(3);
      // 40 ek chunks against one ct1 chunk: ek_vector completes before the acknowledgement.
      if (a === 40 || b === 40) expect(p.kinds.has("EkReceivedCt1Sampled")).toBe(true);
    }
  });

  it("random delivery order, loss and duplicates: lost chunks are replaced by later ones", () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const r = rng(seed);
      const p = new BraidPair();
      const inFlight: ReturnType<BraidPair["send"]>[] = [];
      for (let step = 0; p.keys.alice.size < 3 || p.keys.bob.size < 3; step++) {
        expect(step).toBeLessThan(20000);
        const x = r();
        if (x < 0.5) {
          const m = p.send(r() < 0.5 ? "alice" : "bob");
          if (r() >= 0.25) inFlight.push(m); // a quarter of all messages are lost
        } else if (inFlight.length > 0) {
          const i = Math.floor(r() * inFlight.length);
          const m = inFlight[i]!;
          p.deliver(m);
          if (r() < 0.8) inFlight.splice(i, 1); // one delivery in five is delivered again later
        }
      }
      p.expectAgreed(3);
    }
  });

  it.each([
    ["a JSON round trip", roundTrip],
    ["structured clone", cloned<BraidState>],
  ] as const)("every state survives %s mid-exchange; all 11 states are reached", (_name, copy) => {
    const kinds = new Set<BraidStateKind>();
    for (const [a, b] of [[1, 1], [40, 1]]) {
      const p = new BraidPair(copy);
      for (let turn = 0; p.keys.alice.size < 2 || p.keys.bob.size < 2; turn++)
        for (let k = 0; k < (turn % 2 ? b! : a!); k++) p.deliver(p.send(turn % 2 ? "bob" : "alice"));
      p.expectAgreed(2);
      for (const k of p.kinds) kinds.add(k);
    }
    expect([...kinds].sort()).toEqual(
      ["KeysUnsampled", "KeysSampled", "HeaderSent", "Ct1Received", "EkSentCt1Received", "NoHeaderReceived", "HeaderReceived",
        "Ct1Sampled", "EkReceivedCt1Sampled", "Ct1Acknowledged", "Ct2Sampled"].sort(),
    );
  });

  it("send and receive never change the state they are given, even when they throw", () => {
    const p = new BraidPair();
    for (let i = 0; i < 200; i++) {
      const side: Side = i % 2 ? "bob" : "alice";
      const before = json(p.state[side]);
      const kept = p.state[side];
      const m = p.send(side);
      expect(json(kept)).toBe(before);
      const to: Side = side === "alice" ? "bob" : "alice";
      const target = json(p.state[to]);
      const keptTarget = p.state[to];
      p.deliver(m);
      expect(json(keptTarget)).toBe(target);
    }
  });

  it("a tampered header or ct2 fails its MAC where the message completes, and changes nothing", () => {
    const flip = (m: ReturnType<BraidPair["send"]>) => {
      const data = m.message.chunk!.data.slice();
      data[0]! ^= 1;
      return { ...m, message: { ...m.message, chunk: { index: m.message.chunk!.index, data } } };
    };
    const p = new BraidPair();
    p.deliver(p.send("alice"));
    p.deliver(p.send("alice"));
    const third = p.send("alice");
    const bob = p.state.bob;
    expect(reason(() => receive(bob, flip(third).message))).toBe("bad-mac");
    expect(json(p.state.bob)).toBe(json(bob));
    p.deliver(third);
    expect(p.state.bob.kind).toBe("HeaderReceived");

    // Drive to the ek side waiting for the last ct2 chunk, then corrupt it.
    const q = new BraidPair();
    for (let i = 0; i < 84; i++) q.deliver(q.send(i % 2 ? "bob" : "alice"));
    expect(q.state.alice.kind).toBe("EkSentCt1Received");
    const last = q.send("bob");
    const alice = q.state.alice;
    expect(reason(() => receive(alice, flip(last).message))).toBe("bad-mac");
    q.deliver(last);
    expect(q.state.alice.kind).toBe("NoHeaderReceived");
  });

  it("refuses epochs a peer cannot be in, and ignores older ones", () => {
    const p = new BraidPair();
    p.deliver(p.send("alice"));
    const bob = p.state.bob;
    expect(reason(() => receive(bob, { epoch: 0n, type: "none" }))).toBe("bad-epoch");
    expect(reason(() => receive(bob, { epoch: 2n, type: "none" }))).toBe("bad-epoch");
    expect(reason(() => receive(p.state.alice, { epoch: 5n, type: "none" }))).toBe("bad-epoch");
    // After the hand-over, a late epoch-1 chunk is ignored.
    const q = new BraidPair();
    const held: ReturnType<BraidPair["send"]>[] = [];
    for (let i = 0; i < 90; i++) {
      const m = q.send(i % 2 ? "bob" : "alice");
      if (i === 83 || i === 84) held.push(m);
      else q.deliver(m);
    }
    expect(q.state.alice.epoch).toBe(2n);
    for (const m of held) {
      const to = m.from === "alice" ? "bob" : "alice";
      const before = json(q.state[to]);
      q.deliver(m);
      expect(json(q.state[to])).toBe(before);
    }
  });

  it("refuses a chunk index past 65535 in any state, and a wrong-size chunk", () => {
    const p = new BraidPair();
    const m = p.send("alice").message;
    const bob = p.state.bob;
    expect(reason(() => receive(bob, { ...m, chunk: { index: 65536, data: m.chunk!.data } }))).toBe("chunk-index-too-large");
    expect(reason(() => receive(bob, { ...m, chunk: { index: 1, data: new Uint8Array(31) } }))).toBe("bad-length");
    // Even where the chunk would be ignored (a header chunk after the header is complete, or
    // from an older epoch), as libsignal refuses it (test/node/spqr-braid.test.ts).
    p.deliver({ from: "alice", message: m });
    p.deliver(p.send("alice"));
    p.deliver(p.send("alice"));
    expect(p.state.bob.kind).toBe("HeaderReceived");
    expect(reason(() => receive(p.state.bob, { ...m, chunk: { index: 70000, data: m.chunk!.data } }))).toBe("chunk-index-too-large");
    expect(receive(p.state.bob, { ...m, chunk: { index: 65535, data: m.chunk!.data } }).state).toBe(p.state.bob);
  });

  it("refuses a JSON state it did not write", () => {
    const s = send(initialBraidState(kSpqr, "alice")).state;
    const good = braidStateToJSON(s);
    const bad = (j: unknown) => reason(() => braidStateFromJSON(j));
    expect(bad(null)).toBe("bad-state");
    expect(bad({ ...good, kind: "Nope" })).toBe("bad-state");
    expect(bad({ ...good, epoch: "0" })).toBe("bad-state");
    expect(bad({ ...good, epoch: "18446744073709551616" })).toBe("bad-state");
    expect(bad({ ...good, dk: "AAAA" })).toBe("bad-state");
    expect(bad({ ...good, hdrOut: { message: (good.hdrOut as { message: string }).message, next: -1 } })).toBe("bad-state");
    const nh = braidStateToJSON(initialBraidState(kSpqr, "bob"));
    const chunk = { index: 0, data: "A".repeat(43) };
    expect(bad({ ...nh, hdrIn: [chunk, chunk] })).toBe("bad-state");
    expect(bad({ ...nh, hdrIn: [0, 1, 2, 3].map((index) => ({ ...chunk, index })) })).toBe("bad-state");
    expect(braidStateToJSON(braidStateFromJSON(JSON.parse(JSON.stringify(good))))).toEqual(good);
  });
});

describe("SPQR facade: braid plus chain (issue 14)", () => {
  type Wire = { from: Side; field5: Uint8Array; pqKey: string };
  const viaJson = (s: SpqrState): SpqrState => spqrStateFromJSON(JSON.parse(JSON.stringify(spqrStateToJSON(s))));
  class Sessions {
    state: Record<Side, SpqrState> = { alice: initSpqr(kSpqr, "alice"), bob: initSpqr(kSpqr, "bob") };
    /** `onSend` stands in for storage after a send, `onReceive` after a receive. */
    constructor(
      readonly onSend: (s: SpqrState) => SpqrState = viaJson,
      readonly onReceive: (s: SpqrState) => SpqrState = (s) => s,
    ) {}
    send(side: Side): Wire {
      const r = spqrSend(this.state[side]);
      this.state[side] = this.onSend(r.state);
      return { from: side, field5: r.field5, pqKey: hex(r.pqKey) };
    }
    deliver(m: Wire): void {
      const to: Side = m.from === "alice" ? "bob" : "alice";
      const r = spqrReceive(this.state[to], m.field5);
      expect(hex(r.pqKey)).toBe(m.pqKey);
      this.state[to] = this.onReceive(r.state);
    }
  }

  it("a state structured-cloned after every send and receive keeps agreeing: epochs on, decoders half-full, reordered", () => {
    const s = new Sessions(cloned<SpqrState>, cloned<SpqrState>);
    const r = rng(17);
    const inFlight: Wire[] = [];
    let halfFull = 0;
    for (let step = 0; step < 3000; step++) {
      if (r() < 0.5) inFlight.push(s.send(r() < 0.5 ? "alice" : "bob"));
      else if (inFlight.length > 0) s.deliver(inFlight.splice(Math.floor(r() * Math.min(inFlight.length, 6)), 1)[0]!);
      for (const side of ["alice", "bob"] as const) {
        const braid: BraidState = s.state[side].braid;
        const decoder = "ekIn" in braid ? braid.ekIn : "ct1In" in braid ? braid.ct1In : "ct2In" in braid ? braid.ct2In : undefined;
        if (decoder && decoder.chunks.length > 0) halfFull++;
      }
    }
    expect(halfFull).toBeGreaterThan(100);
    expect(s.state.alice.braid.epoch).toBeGreaterThanOrEqual(3n);
    expect(s.state.alice.chain.links.some((l) => l.recv.skipped.length > 0) || s.state.bob.chain.links.some((l) => l.recv.skipped.length > 0)).toBe(true);
    // And after all that, a clone and the original answer alike.
    const m = s.send("alice");
    const bob = s.state.bob;
    expect(hex(spqrReceive(structuredClone(bob), m.field5).pqKey)).toBe(m.pqKey);
    expect(hex(spqrReceive(bob, m.field5).pqKey)).toBe(m.pqKey);
  });

  it("both sides salt every message with the same pq_key, index = chain counter, key epoch = field epoch − 1", () => {
    const s = new Sessions();
    let lastEpoch = 0n, lastIndex = 0;
    for (let i = 0; i < 3 * 86; i++) {
      const m = s.send("alice");
      const d = decodeSpqrMessage(m.field5);
      expect(d.index).toBe(d.epoch === lastEpoch ? lastIndex + 1 : 1);
      (lastEpoch = d.epoch), (lastIndex = d.index);
      s.deliver(m);
      s.deliver(s.send("bob"));
    }
    expect(s.state.alice.braid.epoch).toBeGreaterThanOrEqual(3n);
    expect(s.state.alice.chain.sendEpoch).toBe(s.state.alice.braid.epoch - 1n);
  });

  it("reordered and late messages decrypt; a replay is refused and changes nothing", () => {
    const s = new Sessions();
    const r = rng(9);
    const inFlight: Wire[] = [];
    for (let step = 0; step < 3000; step++) {
      if (r() < 0.5) inFlight.push(s.send(r() < 0.5 ? "alice" : "bob"));
      else if (inFlight.length > 0) s.deliver(inFlight.splice(Math.floor(r() * Math.min(inFlight.length, 6)), 1)[0]!);
    }
    expect(s.state.alice.braid.epoch).toBeGreaterThanOrEqual(3n);
    const m = s.send("alice");
    s.deliver(m);
    const bob = JSON.stringify(spqrStateToJSON(s.state.bob));
    expect(reason(() => spqrReceive(s.state.bob, m.field5))).toBe("key-used");
    expect(JSON.stringify(spqrStateToJSON(s.state.bob))).toBe(bob);
  });

  it("refuses a malformed field 5 or one from the future, changing nothing", () => {
    const s = new Sessions();
    const m = s.send("alice");
    const d = decodeSpqrMessage(m.field5);
    const bob = s.state.bob;
    expect(reason(() => spqrReceive(bob, Uint8Array.of(2, ...m.field5.subarray(1))))).toBe("bad-version");
    expect(reason(() => spqrReceive(bob, encodeSpqrMessage({ ...d, epoch: 0n })))).toBe("bad-epoch");
    expect(reason(() => spqrReceive(bob, encodeSpqrMessage({ ...d, epoch: 9n })))).toBe("unknown-epoch");
    expect(reason(() => spqrReceive(bob, encodeSpqrMessage({ ...d, index: 30000 })))).toBe("too-far");
    expect(s.state.bob).toBe(bob);
    s.deliver(m);
  });
});
