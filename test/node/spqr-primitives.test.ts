// Issue 14: SPQR's wire codec, erasure code and incremental ML-KEM-768
// (client/signal/spqr/{wire,erasure-code,incremental-mlkem768}.ts) against libsignal 0.103 as the
// oracle. Two libsignal parties talk (strictly alternating, and in one-sided bursts so the
// encoders run into parity chunks); every field 5 they write is replayed through our codec, the
// braid messages are rebuilt from their chunks with our decoder and re-chunked with our
// encoder, and the ML-KEM pieces are checked against the decapsulation keys and authenticator
// keys in libsignal's session records (docs/spqr-notes.md §3–§6). Black-box only.
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { sha3_256 } from "@noble/hashes/sha3.js";
import * as signal from "@signalapp/libsignal-client";
import { describe, expect, it } from "vitest";
import { type Chunk, type ChunkEncoder, decoderAdd, decoderComplete, decoderMessage, encoderChunkAt, encoderNextChunk, newDecoder, newEncoder } from "../../client/signal/spqr/erasure-code.ts";
import { decapsulate, encaps1, encaps2 } from "../../client/signal/spqr/incremental-mlkem768.ts";
import { decodeSpqrMessage, encodeSpqrMessage, type SpqrMessage, type SpqrMessageType } from "../../client/signal/spqr/wire.ts";
import { bytesToHex, concatBytes } from "../../protocol/bytes.ts";
import { Stores } from "./libsignal-stores.ts";

type Field = { f: number; t: number; v: Uint8Array; n: bigint };

function varint(b: Uint8Array, o: number): [bigint, number] {
  let x = 0n;
  for (let s = 0n; ; s += 7n) {
    const c = b[o++]!;
    x |= BigInt(c & 0x7f) << s;
    if (!(c & 0x80)) return [x, o];
  }
}

/** A generic protobuf wire reader, enough to walk libsignal's messages and session records. */
function fields(b: Uint8Array): Field[] {
  const out: Field[] = [];
  for (let o = 0; o < b.length; ) {
    const [k, o1] = varint(b, o);
    const f = Number(k >> 3n), t = Number(k & 7n);
    if (t === 0) {
      const [n, o2] = varint(b, o1);
      out.push({ f, t, v: new Uint8Array(), n });
      o = o2;
    } else if (t === 2) {
      const [l, o2] = varint(b, o1);
      out.push({ f, t, v: b.subarray(o2, o2 + Number(l)), n: 0n });
      o = o2 + Number(l);
    } else throw new Error(`unexpected wire type ${t}`);
  }
  return out;
}
const field = (b: Uint8Array, f: number) => fields(b).find((x) => x.f === f);
const at = (b: Uint8Array, ...path: number[]): Uint8Array =>
  path.reduce((cur, f) => {
    const hit = field(cur, f);
    if (!hit) throw new Error(`no field ${f}`);
    return hit.v;
  }, b);

const te = new TextEncoder();
const Z32 = new Uint8Array(32);
const be64 = (n: bigint) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n);
  return b;
};
const LABEL = "Signal_PQCKA_V1_MLKEM768";

type Party = "alice" | "bob";
interface EkSideKeys {
  /** The FIPS dk libsignal keeps while it waits for the ciphertext. */
  readonly dk: Uint8Array;
  /** The authenticator (root, mac key) before the epoch's update. */
  readonly root: Uint8Array;
  readonly macKey: Uint8Array;
}
interface Trace {
  readonly sent: { readonly from: Party; readonly field5: Uint8Array }[];
  /** By epoch, from the ek side's session record in states KeysSampled … EkSentCt1Received. */
  readonly ekSide: Map<bigint, EkSideKeys>;
}

/**
 * A libsignal-to-libsignal session; `schedule(i)` says who sends message i (Alice sends first).
 * `oneSided`: only Alice sends and nobody receives or reads records (fast enough for 65536 messages).
 */
async function converse(count: number, schedule: (i: number) => Party, oneSided = false): Promise<Trace> {
  const stores = { alice: new Stores(), bob: new Stores() };
  const address = { alice: signal.ProtocolAddress.new("alice", 1), bob: signal.ProtocolAddress.new("bob", 1) };
  const up = stores.bob.generateUpload();
  const bundle = signal.PreKeyBundle.new(up.registrationId, 1, 41, signal.PublicKey.deserialize(up.preKeys[0]!.publicKey), 7,
    signal.PublicKey.deserialize(up.signedPreKey.publicKey), up.signedPreKey.signature, signal.PublicKey.deserialize(up.identityKey),
    300, signal.KEMPublicKey.deserialize(up.lastResortKyber.publicKey), up.lastResortKyber.signature);
  await signal.processPreKeyBundle(bundle, address.bob, address.alice, stores.alice.session, stores.alice.identityStore);

  const trace: Trace = { sent: [], ekSide: new Map() };
  const observe = (p: Party) => {
    const record = stores[p].sessions.get(address[p === "alice" ? "bob" : "alice"].toString());
    if (!record) return;
    const state = fields(at(record.serialize(), 1, 15, 3))[0]!;
    if (state.f < 2 || state.f > 5) return; // KeysSampled, HeaderSent, Ct1Received, EkSentCt1Received
    const inner = at(state.v, 1);
    const epoch = field(inner, 1)!.n;
    const dk = fields(inner).find((x) => x.t === 2 && x.v.length === 2400)!.v.slice();
    const keys = { dk, root: at(inner, 2, 1).slice(), macKey: at(inner, 2, 2).slice() };
    const seen = trace.ekSide.get(epoch);
    if (seen) expect(bytesToHex(seen.dk) + bytesToHex(seen.root)).toBe(bytesToHex(keys.dk) + bytesToHex(keys.root));
    else trace.ekSide.set(epoch, keys);
  };

  for (let i = 0; i < count; i++) {
    const from = i === 0 ? "alice" : schedule(i);
    const to: Party = from === "alice" ? "bob" : "alice";
    const ct = await signal.signalEncrypt(new Uint8Array(te.encode(`m${i}`)), address[to], address[from], stores[from].session, stores[from].identityStore);
    const preKey = ct.type() === signal.CiphertextMessageType.PreKey;
    const signalMessage = preKey ? at(ct.serialize().subarray(1), 4) : ct.serialize();
    trace.sent.push({ from, field5: at(signalMessage.subarray(1, signalMessage.length - 8), 5).slice() });
    if (oneSided) continue;
    observe(from);
    const plaintext = preKey
      ? await signal.signalDecryptPreKey(signal.PreKeySignalMessage.deserialize(ct.serialize()), address[from], address[to], stores[to].session,
          stores[to].identityStore, stores[to].preKeyStore, stores[to].signedPreKeyStore, stores[to].kyberPreKeyStore)
      : await signal.signalDecrypt(signal.SignalMessage.deserialize(ct.serialize()), address[from], address[to], stores[to].session, stores[to].identityStore);
    expect(new TextDecoder().decode(plaintext)).toBe(`m${i}`);
    observe(to);
  }
  return trace;
}

type Kind = "hdr" | "ek" | "ct1" | "ct2";
const KIND: Partial<Record<SpqrMessageType, Kind>> = { hdr: "hdr", ek: "ek", ekCt1Ack: "ek", ct1: "ct1", ct2: "ct2" };
/** Encoded message lengths: header ‖ MAC, ek_vector, ct1, ct2 ‖ MAC. */
const LENGTH: Record<Kind, number> = { hdr: 96, ek: 1152, ct1: 960, ct2: 160 };

/** The chunks of each braid message, by epoch and kind, in the order libsignal sent them. */
function chunksByMessage(trace: Trace): Map<string, { epoch: bigint; kind: Kind; from: Party; chunks: Chunk[] }> {
  const out = new Map<string, { epoch: bigint; kind: Kind; from: Party; chunks: Chunk[] }>();
  for (const { from, field5 } of trace.sent) {
    const m = decodeSpqrMessage(field5);
    const kind = KIND[m.type];
    if (!kind) continue;
    const key = `${m.epoch}:${kind}`;
    const entry = out.get(key) ?? { epoch: m.epoch, kind, from, chunks: [] };
    expect(entry.from).toBe(from); // one sender per message
    entry.chunks.push(m.chunk!);
    out.set(key, entry);
  }
  return out;
}

function decodeAll(length: number, chunks: readonly Chunk[]): Uint8Array {
  const decoder = chunks.reduce(decoderAdd, newDecoder(length));
  expect(decoderComplete(decoder)).toBe(true);
  return decoderMessage(decoder);
}

/** The encoder's next chunk; moves `at.encoder` on. */
function nextOf(at: { encoder: ChunkEncoder }): Chunk {
  const next = encoderNextChunk(at.encoder);
  at.encoder = next.encoder;
  return next.chunk;
}

const ALTERNATING = (i: number): Party => (i % 2 === 0 ? "alice" : "bob");
/** Bursts of `n` from one side, then `n` from the other: the encoders keep going past their data chunks. */
const bursts = (n: number) => (i: number): Party => (Math.floor(i / n) % 2 === 0 ? "alice" : "bob");

describe("SPQR primitives against libsignal 0.103 (issue 14)", () => {
  const runs: [string, number, (i: number) => Party][] = [
    ["strictly alternating", 270, ALTERNATING],
    ["bursts of 5", 300, bursts(5)],
    ["bursts of 11", 300, bursts(11)],
  ];
  const traces = new Map<string, Promise<Trace>>();
  const trace = (name: string) => {
    const run = runs.find((r) => r[0] === name)!;
    if (!traces.has(name)) traces.set(name, converse(run[1], run[2]));
    return traces.get(name)!;
  };

  it("decodes and re-encodes every field 5 byte for byte, all seven types", async () => {
    const types = new Set<SpqrMessageType>();
    for (const [name] of runs)
      for (const { field5 } of (await trace(name)).sent) {
        const m: SpqrMessage = decodeSpqrMessage(field5);
        types.add(m.type);
        expect(bytesToHex(encodeSpqrMessage(m))).toBe(bytesToHex(field5));
      }
    expect([...types].sort()).toEqual(["ct1", "ct1Ack", "ct2", "ek", "ekCt1Ack", "hdr", "none"]);
  });

  it("rebuilds each braid message from libsignal's chunks; our encoder reproduces every chunk it sent, parity included", async () => {
    const parity: Record<Kind, number> = { hdr: 0, ek: 0, ct1: 0, ct2: 0 };
    let messages = 0;
    for (const [name] of runs)
      for (const { kind, chunks } of chunksByMessage(await trace(name)).values()) {
        const n = LENGTH[kind] / 32;
        if (new Set(chunks.map((c) => c.index)).size < n) continue; // the run ended mid-message
        messages++;
        const message = decodeAll(LENGTH[kind], chunks);
        // Decoding from the last n distinct chunks too (parity when there are any) gives the same message.
        const last = [...new Map(chunks.map((c) => [c.index, c])).values()].slice(-n);
        expect(bytesToHex(decodeAll(LENGTH[kind], last))).toBe(bytesToHex(message));
        const at = { encoder: newEncoder(message) };
        chunks.forEach((c, i) => {
          expect(c.index).toBe(i); // indices 0, 1, 2, … in sending order
          expect(bytesToHex(nextOf(at).data)).toBe(bytesToHex(c.data));
          if (c.index >= n) parity[kind]++;
        });
      }
    console.log(`re-encoded ${messages} braid messages; parity chunks checked:`, parity);
    expect(messages).toBeGreaterThanOrEqual(3 * 4 * 2);
    for (const kind of ["hdr", "ek", "ct1", "ct2"] as const) expect(parity[kind]).toBeGreaterThan(0);
  });

  it("the decoded parts check out: header = ρ ‖ H(ek) of libsignal's dk, ct1 ‖ ct2 decapsulates to the secret keying its ct MAC", async () => {
    let epochs = 0;
    for (const [name] of runs) {
      const t = await trace(name);
      const messages = chunksByMessage(t);
      for (const [epoch, keys] of t.ekSide) {
        const parts = (["hdr", "ek", "ct1", "ct2"] as const).map((kind) => messages.get(`${epoch}:${kind}`));
        if (parts.some((p) => !p || new Set(p.chunks.map((c) => c.index)).size < LENGTH[p.kind] / 32)) continue;
        const [hdrMsg, ekVector, ct1, ct2Msg] = parts.map((p) => decodeAll(LENGTH[p!.kind], p!.chunks)) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
        epochs++;
        const header = hdrMsg.subarray(0, 64), rho = header.subarray(0, 32);
        const { dk, root, macKey } = keys;
        // dk = dk_pke ‖ ek ‖ H(ek) ‖ z with ek = t̂ ‖ ρ.
        expect(bytesToHex(ekVector)).toBe(bytesToHex(dk.subarray(1152, 2304)));
        expect(bytesToHex(header)).toBe(bytesToHex(dk.subarray(2304, 2368)));
        expect(bytesToHex(header.subarray(32))).toBe(bytesToHex(sha3_256(concatBytes(ekVector, rho))));
        const hdrMac = hmac(sha256, macKey, concatBytes(te.encode(`${LABEL}:ekheader`), be64(epoch), header));
        expect(bytesToHex(hdrMsg.subarray(64))).toBe(bytesToHex(hdrMac));

        const ct2 = ct2Msg.subarray(0, 128);
        const secret = decapsulate(dk, ct1, ct2);
        const k = hkdf(sha256, secret, Z32, concatBytes(te.encode(`${LABEL}:SCKA Key`), be64(epoch)), 32);
        const auth = hkdf(sha256, concatBytes(root, k), Z32, concatBytes(te.encode(`${LABEL}:Authenticator Update`), be64(epoch)), 64);
        const ctMac = hmac(sha256, auth.subarray(32), concatBytes(te.encode(`${LABEL}:ciphertext`), be64(epoch), ct1, ct2));
        expect(bytesToHex(ct2Msg.subarray(128))).toBe(bytesToHex(ctMac));

        // Our incremental encapsulation accepts libsignal's header and ek_vector, and libsignal's dk opens it.
        const ours = encaps1(header);
        expect(bytesToHex(decapsulate(dk, ours.ct1, encaps2(ours.state, ekVector)))).toBe(bytesToHex(ours.sharedSecret));
      }
    }
    console.log(`checked ${epochs} complete epochs`);
    expect(epochs).toBeGreaterThanOrEqual(6);
  });

  it("a one-sided sender's chunk index wraps from 65535 to 0, and every one of the 65536 header chunks is our encoder's", async () => {
    const t = await converse(65536 + 40, () => "alice", true);
    const chunks = t.sent.map(({ field5 }) => decodeSpqrMessage(field5));
    const at = { encoder: newEncoder(decodeAll(96, chunks.slice(0, 3).map((m) => m.chunk!))) };
    const wrong: number[] = []; // expect() per message would dominate the run time
    chunks.forEach((m, i) => {
      const ours = nextOf(at);
      const same = m.type === "hdr" && m.epoch === 1n && m.index === i + 1 && m.chunk!.index === ours.index && ours.index === i % 65536;
      if (!same || bytesToHex(ours.data) !== bytesToHex(m.chunk!.data)) wrong.push(i);
    });
    expect(wrong).toEqual([]);
    expect(chunks[65536]!.chunk!.index).toBe(0);
    expect(bytesToHex(chunks[65538]!.chunk!.data)).toBe(bytesToHex(chunks[2]!.chunk!.data));
  }, 120_000);

  it("decoding an ek_vector from 36 parity chunks is cheap (measured once, not asserted)", () => {
    const message = new Uint8Array(1152).map((_, i) => (i * 37) & 0xff);
    const at = { encoder: newEncoder(message) };
    const parity = Array.from({ length: 72 }, () => nextOf(at)).slice(36);
    decodeAll(1152, parity); // builds the field tables
    const rounds = 200;
    const start = performance.now();
    for (let i = 0; i < rounds; i++) decodeAll(1152, parity);
    const each = (performance.now() - start) / rounds;
    const encodeStart = performance.now();
    for (let i = 0; i < rounds; i++) encoderChunkAt(newEncoder(message), 36 + (i % 100));
    console.log(`decode 36 parity chunks: ${each.toFixed(3)} ms; one parity chunk from a fresh encoder: ${((performance.now() - encodeStart) / rounds).toFixed(3)} ms`);
    expect(bytesToHex(decodeAll(1152, parity))).toBe(bytesToHex(message));
  });
});
