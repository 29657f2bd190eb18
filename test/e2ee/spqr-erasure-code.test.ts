// SPQR's erasure code (docs/spqr-notes.md §5) inside workerd: systematic chunks, parity equal to
// an independent bit-by-bit GF(2^16) Lagrange evaluation, decoding from any n distinct chunks
// (random subsets, parity only, mixed, far indices), duplicates and excess ignored, plain
// immutable state (JSON and structured clone), and the refusals. test/node/spqr-primitives checks it against libsignal's chunks.
import { randomBytes } from "@noble/hashes/utils.js";
import { describe, expect, it } from "vitest";
import {
  type Chunk,
  type ChunkDecoder,
  type ChunkEncoder,
  decoderAdd,
  decoderComplete,
  decoderFromJSON,
  decoderMessage,
  decoderToJSON,
  encoderChunkAt,
  encoderFromJSON,
  encoderNextChunk,
  encoderToJSON,
  newDecoder,
  newEncoder,
} from "../../client/signal/spqr/erasure-code.ts";
import { SpqrError, type SpqrErrorReason } from "../../client/signal/spqr/errors.ts";
import { bytesToHex } from "../../protocol/bytes.ts";

function refuses(fn: () => unknown, reason: SpqrErrorReason): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SpqrError);
    expect((e as SpqrError).reason).toBe(reason);
    return;
  }
  throw new Error(`expected SpqrError ${reason}`);
}

/** Shift-and-add multiplication mod x^16+x^12+x^3+x+1: no tables, so it checks the tables. */
function gfMul(a: number, b: number): number {
  let r = 0;
  for (; b; b >>= 1) {
    if (b & 1) r ^= a;
    a <<= 1;
    if (a & 0x10000) a ^= 0x1100b;
  }
  return r;
}
const gfInv = (a: number) => {
  let r = 1;
  for (let e = 0xfffe; e; e >>= 1, a = gfMul(a, a)) if (e & 1) r = gfMul(r, a);
  return r;
};
/** Chunk x of `message` by the textbook Lagrange formula over the data points 0..n−1. */
function referenceChunk(message: Uint8Array, x: number): string {
  const n = message.length / 32;
  const out = new Uint8Array(32);
  for (let j = 0; j < 16; j++) {
    let acc = 0;
    for (let k = 0; k < n; k++) {
      let num = 1, den = 1;
      for (let m = 0; m < n; m++) if (m !== k) (num = gfMul(num, x ^ m)), (den = gfMul(den, k ^ m));
      const y = (message[32 * k + 2 * j]! << 8) | message[32 * k + 2 * j + 1]!;
      acc ^= gfMul(y, gfMul(num, gfInv(den)));
    }
    out[2 * j] = acc >> 8;
    out[2 * j + 1] = acc & 0xff;
  }
  return bytesToHex(out);
}

/** The next `count` chunks, and the encoder after them. */
function advance(encoder: ChunkEncoder, count: number): { chunks: Chunk[]; encoder: ChunkEncoder } {
  const chunks: Chunk[] = [];
  for (let i = 0; i < count; i++) {
    const next = encoderNextChunk(encoder);
    chunks.push(next.chunk);
    encoder = next.encoder;
  }
  return { chunks, encoder };
}
const take = (encoder: ChunkEncoder, count: number): Chunk[] => advance(encoder, count).chunks;
const addAll = (decoder: ChunkDecoder, chunks: readonly Chunk[]): ChunkDecoder => chunks.reduce(decoderAdd, decoder);

/** Deterministic shuffle (xorshift), so a failing subset can be replayed from the seed. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const j = (s >>> 0) % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function decode(length: number, chunks: readonly Chunk[]): string {
  const decoder = addAll(newDecoder(length), chunks);
  expect(decoderComplete(decoder)).toBe(true);
  return bytesToHex(decoderMessage(decoder));
}

describe("SPQR erasure code (issue 14)", () => {
  it("is systematic: chunks 0..n−1 are the message, then parity equal to the textbook Lagrange evaluation", () => {
    for (const n of [1, 2, 3, 5, 30, 36]) {
      const message = randomBytes(32 * n);
      const chunks = take(newEncoder(message), n + 6);
      chunks.forEach((c, i) => expect(c.index).toBe(i));
      for (let k = 0; k < n; k++) expect(bytesToHex(chunks[k]!.data)).toBe(bytesToHex(message.subarray(32 * k, 32 * k + 32)));
      for (let x = n; x < n + 6; x++) expect(bytesToHex(chunks[x]!.data)).toBe(referenceChunk(message, x));
    }
    const message = randomBytes(96);
    const encoder = newEncoder(message);
    for (const x of [200, 4097, 65535]) expect(bytesToHex(encoderChunkAt(encoder, x))).toBe(referenceChunk(message, x));
    expect(encoder.next).toBe(0); // chunkAt does not move the encoder
  });

  it("a one-chunk message has every chunk equal to it (a constant polynomial)", () => {
    const message = randomBytes(32);
    for (const c of take(newEncoder(message), 5)) expect(bytesToHex(c.data)).toBe(bytesToHex(message));
  });

  it("decodes from any n distinct chunks: 50 random subsets each of data and parity, parity only, and far indices", () => {
    for (const n of [3, 5, 30, 36]) {
      const message = randomBytes(32 * n);
      const all = take(newEncoder(message), 3 * n);
      for (let seed = 1; seed <= 50; seed++) expect(decode(message.length, shuffled(all, seed * 7919 + n).slice(0, n))).toBe(bytesToHex(message));
      expect(decode(message.length, all.slice(n, 2 * n))).toBe(bytesToHex(message)); // parity only
      expect(decode(message.length, shuffled(all.slice(n), n).slice(0, n))).toBe(bytesToHex(message)); // parity, shuffled
      const encoder = newEncoder(message);
      const far = [65535, 40000, 1234, ...Array.from({ length: n - 3 }, (_, i) => 60000 + i)].map((index) => ({ index, data: encoderChunkAt(encoder, index) }));
      expect(decode(message.length, far)).toBe(bytesToHex(message));
    }
  });

  it("ignores duplicate indices (the first copy wins) and everything after completion; needs n distinct chunks", () => {
    const message = randomBytes(5 * 32);
    const chunks = take(newEncoder(message), 12);
    const partial = addAll(newDecoder(message.length), [chunks[7]!, chunks[7]!, chunks[2]!, { index: 2, data: randomBytes(32) }, chunks[9]!, chunks[7]!]);
    expect(decoderComplete(partial)).toBe(false); // 3 distinct of 5
    refuses(() => decoderMessage(partial), "incomplete");
    expect(decoderAdd(partial, chunks[7]!)).toBe(partial); // a repeat returns the decoder itself
    const complete = addAll(partial, [chunks[0]!, chunks[11]!]);
    expect(decoderComplete(complete)).toBe(true);
    expect(decoderComplete(partial)).toBe(false); // adding made a new decoder
    const excess = decoderAdd(complete, { index: 4, data: randomBytes(32) }); // excess: ignored, even though it is wrong
    expect(excess).toBe(complete);
    expect(bytesToHex(decoderMessage(excess))).toBe(bytesToHex(message));
  });

  it("the encoder wraps from index 65535 to 0, as libsignal's does; the decoder refuses indices past 65535", () => {
    const message = randomBytes(96);
    const encoder = encoderFromJSON({ ...encoderToJSON(newEncoder(message)), next: 65534 });
    expect(take(encoder, 4).map((c) => c.index)).toEqual([65534, 65535, 0, 1]);
    refuses(() => encoderChunkAt(encoder, 65536), "chunk-index-too-large");
    const decoder = newDecoder(96);
    refuses(() => decoderAdd(decoder, { index: 65536, data: new Uint8Array(32) }), "chunk-index-too-large");
    refuses(() => decoderAdd(decoder, { index: -1, data: new Uint8Array(32) }), "out-of-range");
    refuses(() => decoderAdd(decoder, { index: 1.5, data: new Uint8Array(32) }), "out-of-range");
  });

  it("refuses chunks and messages of the wrong size, and a bad chunk changes nothing", () => {
    for (const length of [0, 31, 33, 65537 * 32]) {
      refuses(() => newEncoder(new Uint8Array(length)), "bad-length");
      refuses(() => newDecoder(length), "bad-length");
    }
    refuses(() => newDecoder(-32), "bad-length");
    const message = randomBytes(64);
    const decoder = decoderAdd(newDecoder(64), { index: 0, data: message.subarray(0, 32) });
    refuses(() => decoderAdd(decoder, { index: 1, data: new Uint8Array(31) }), "bad-length");
    refuses(() => decoderAdd(decoder, { index: 1, data: new Uint8Array(33) }), "bad-length");
    expect(decoder.chunks.map((c) => c.index)).toEqual([0]);
    expect(bytesToHex(decoderMessage(decoderAdd(decoder, { index: 1, data: message.subarray(32) })))).toBe(bytesToHex(message));
  });

  it("copies what it is given and what it returns: later changes to those buffers change nothing", () => {
    const message = randomBytes(64);
    const original = bytesToHex(message);
    const encoder = newEncoder(message);
    message.fill(0);
    const first = encoderNextChunk(encoder).chunk;
    first.data.fill(1);
    expect(bytesToHex(encoderChunkAt(encoder, 0)) + bytesToHex(encoderChunkAt(encoder, 1))).toBe(original);
    const c0 = encoderChunkAt(encoder, 0);
    let decoder = decoderAdd(newDecoder(64), { index: 0, data: c0 });
    c0.fill(2);
    decoder = decoderAdd(decoder, { index: 5, data: encoderChunkAt(encoder, 5) });
    decoderMessage(decoder).fill(3);
    expect(bytesToHex(decoderMessage(decoder))).toBe(original);
  });

  it("survives JSON and structured clone mid-message (encoder position, decoder chunks) and refuses a state it did not write", () => {
    const message = randomBytes(36 * 32);
    const { encoder } = advance(newEncoder(message), 10);
    for (const restored of [encoderFromJSON(JSON.parse(JSON.stringify(encoderToJSON(encoder)))), structuredClone(encoder)]) {
      const next = encoderNextChunk(restored);
      expect(bytesToHex(next.chunk.data)).toBe(bytesToHex(encoderNextChunk(encoder).chunk.data));
      expect(next.encoder.next).toBe(11);
      expect(restored).toEqual(encoder);
    }

    const decoder = addAll(newDecoder(message.length), take(newEncoder(message), 50).slice(20, 40));
    for (const again of [decoderFromJSON(JSON.parse(JSON.stringify(decoderToJSON(decoder)))), structuredClone(decoder)]) {
      expect(again).toEqual(decoder);
      expect(decoderComplete(again)).toBe(false);
      expect(bytesToHex(decoderMessage(addAll(again, take(newEncoder(message), 56).slice(40))))).toBe(bytesToHex(message));
    }

    const good = decoderToJSON(decoder);
    for (const bad of [
      null,
      [],
      { messageLength: 31, chunks: [] },
      { messageLength: "64", chunks: [] },
      { messageLength: 64 },
      { messageLength: 64, chunks: [{ index: 0, data: "AA" }] },
      { messageLength: 64, chunks: [{ index: 70000, data: good.chunks[0]!.data }] },
      { messageLength: 64, chunks: [good.chunks[0], good.chunks[0]] },
      { messageLength: 64, chunks: [good.chunks[0], good.chunks[1], good.chunks[2]] }, // more than it keeps
      { messageLength: 64, chunks: [{ index: 0, data: "!!" }] },
    ])
      refuses(() => decoderFromJSON(bad), "bad-state");
    const encoded = encoderToJSON(encoder).message;
    for (const bad of [null, { message: "AA", next: 0 }, { message: encoded, next: -1 }, { message: encoded, next: 65536 }, { next: 0 }])
      refuses(() => encoderFromJSON(bad), "bad-state");
  });
});
