// SPQR's erasure code (docs/spqr-notes.md §5) inside workerd: systematic chunks, parity equal to
// an independent bit-by-bit GF(2^16) Lagrange evaluation, decoding from any n distinct chunks
// (random subsets, parity only, mixed, far indices), duplicates and excess ignored, JSON state,
// and the refusals. test/node/spqr-primitives checks it against libsignal's chunks.
import { randomBytes } from "@noble/hashes/utils.js";
import { describe, expect, it } from "vitest";
import { ChunkDecoder, ChunkEncoder, type Chunk } from "../../client/signal/spqr/erasure-code.ts";
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

const take = (encoder: ChunkEncoder, count: number): Chunk[] => Array.from({ length: count }, () => encoder.nextChunk());

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
  const decoder = new ChunkDecoder(length);
  for (const c of chunks) decoder.add(c);
  expect(decoder.complete).toBe(true);
  return bytesToHex(decoder.message());
}

describe("SPQR erasure code (issue 14)", () => {
  it("is systematic: chunks 0..n−1 are the message, then parity equal to the textbook Lagrange evaluation", () => {
    for (const n of [1, 2, 3, 5, 30, 36]) {
      const message = randomBytes(32 * n);
      const chunks = take(new ChunkEncoder(message), n + 6);
      chunks.forEach((c, i) => expect(c.index).toBe(i));
      for (let k = 0; k < n; k++) expect(bytesToHex(chunks[k]!.data)).toBe(bytesToHex(message.subarray(32 * k, 32 * k + 32)));
      for (let x = n; x < n + 6; x++) expect(bytesToHex(chunks[x]!.data)).toBe(referenceChunk(message, x));
    }
    const message = randomBytes(96);
    const encoder = new ChunkEncoder(message);
    for (const x of [200, 4097, 65535]) expect(bytesToHex(encoder.chunkAt(x))).toBe(referenceChunk(message, x));
    expect(encoder.nextIndex).toBe(0); // chunkAt does not move the encoder
  });

  it("a one-chunk message has every chunk equal to it (a constant polynomial)", () => {
    const message = randomBytes(32);
    for (const c of take(new ChunkEncoder(message), 5)) expect(bytesToHex(c.data)).toBe(bytesToHex(message));
  });

  it("decodes from any n distinct chunks: 50 random subsets each of data and parity, parity only, and far indices", () => {
    for (const n of [3, 5, 30, 36]) {
      const message = randomBytes(32 * n);
      const all = take(new ChunkEncoder(message), 3 * n);
      for (let seed = 1; seed <= 50; seed++) expect(decode(message.length, shuffled(all, seed * 7919 + n).slice(0, n))).toBe(bytesToHex(message));
      expect(decode(message.length, all.slice(n, 2 * n))).toBe(bytesToHex(message)); // parity only
      expect(decode(message.length, shuffled(all.slice(n), n).slice(0, n))).toBe(bytesToHex(message)); // parity, shuffled
      const encoder = new ChunkEncoder(message);
      const far = [65535, 40000, 1234, ...Array.from({ length: n - 3 }, (_, i) => 60000 + i)].map((index) => ({ index, data: encoder.chunkAt(index) }));
      expect(decode(message.length, far)).toBe(bytesToHex(message));
    }
  });

  it("ignores duplicate indices (the first copy wins) and everything after completion; needs n distinct chunks", () => {
    const message = randomBytes(5 * 32);
    const chunks = take(new ChunkEncoder(message), 12);
    const decoder = new ChunkDecoder(message.length);
    for (const c of [chunks[7]!, chunks[7]!, chunks[2]!, { index: 2, data: randomBytes(32) }, chunks[9]!, chunks[7]!]) decoder.add(c);
    expect(decoder.complete).toBe(false); // 3 distinct of 5
    refuses(() => decoder.message(), "incomplete");
    decoder.add(chunks[0]!);
    decoder.add(chunks[11]!);
    expect(decoder.complete).toBe(true);
    decoder.add({ index: 4, data: randomBytes(32) }); // excess: ignored, even though it is wrong
    expect(bytesToHex(decoder.message())).toBe(bytesToHex(message));
  });

  it("the encoder wraps from index 65535 to 0, as libsignal's does; the decoder refuses indices past 65535", () => {
    const message = randomBytes(96);
    const encoder = ChunkEncoder.fromJSON({ ...new ChunkEncoder(message).toJSON(), next: 65534 });
    expect(take(encoder, 4).map((c) => c.index)).toEqual([65534, 65535, 0, 1]);
    refuses(() => encoder.chunkAt(65536), "chunk-index-too-large");
    const decoder = new ChunkDecoder(96);
    refuses(() => decoder.add({ index: 65536, data: new Uint8Array(32) }), "chunk-index-too-large");
    refuses(() => decoder.add({ index: -1, data: new Uint8Array(32) }), "out-of-range");
    refuses(() => decoder.add({ index: 1.5, data: new Uint8Array(32) }), "out-of-range");
  });

  it("refuses chunks and messages of the wrong size, and a bad chunk changes nothing", () => {
    for (const length of [0, 31, 33, 65537 * 32]) {
      refuses(() => new ChunkEncoder(new Uint8Array(length)), "bad-length");
      refuses(() => new ChunkDecoder(length), "bad-length");
    }
    refuses(() => new ChunkDecoder(-32), "bad-length");
    const message = randomBytes(64);
    const decoder = new ChunkDecoder(64);
    decoder.add({ index: 0, data: message.subarray(0, 32) });
    refuses(() => decoder.add({ index: 1, data: new Uint8Array(31) }), "bad-length");
    refuses(() => decoder.add({ index: 1, data: new Uint8Array(33) }), "bad-length");
    expect(decoder.toJSON().chunks.map((c) => c.index)).toEqual([0]);
    decoder.add({ index: 1, data: message.subarray(32) });
    expect(bytesToHex(decoder.message())).toBe(bytesToHex(message));
  });

  it("copies what it is given and what it returns: later changes to those buffers change nothing", () => {
    const message = randomBytes(64);
    const original = bytesToHex(message);
    const encoder = new ChunkEncoder(message);
    message.fill(0);
    const first = encoder.nextChunk();
    first.data.fill(1);
    expect(bytesToHex(encoder.chunkAt(0)) + bytesToHex(encoder.chunkAt(1))).toBe(original);
    const decoder = new ChunkDecoder(64);
    const c0 = encoder.chunkAt(0);
    decoder.add({ index: 0, data: c0 });
    c0.fill(2);
    decoder.add({ index: 5, data: encoder.chunkAt(5) });
    decoder.message().fill(3);
    expect(bytesToHex(decoder.message())).toBe(original);
  });

  it("survives JSON mid-message (encoder position, decoder chunks) and refuses a state it did not write", () => {
    const message = randomBytes(36 * 32);
    const encoder = new ChunkEncoder(message);
    take(encoder, 10);
    const restored = ChunkEncoder.fromJSON(JSON.parse(JSON.stringify(encoder)));
    expect(bytesToHex(restored.nextChunk().data)).toBe(bytesToHex(encoder.nextChunk().data));
    expect(restored.nextIndex).toBe(11);

    const decoder = new ChunkDecoder(message.length);
    for (const c of take(new ChunkEncoder(message), 50).slice(20, 40)) decoder.add(c);
    const again = ChunkDecoder.fromJSON(JSON.parse(JSON.stringify(decoder)));
    expect(again.complete).toBe(false);
    for (const c of take(new ChunkEncoder(message), 56).slice(40)) again.add(c);
    expect(bytesToHex(again.message())).toBe(bytesToHex(message));

    const good = decoder.toJSON();
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
      refuses(() => ChunkDecoder.fromJSON(bad), "bad-state");
    for (const bad of [null, { message: "AA", next: 0 }, { message: encoder.toJSON().message, next: -1 }, { message: encoder.toJSON().message, next: 65536 }, { next: 0 }])
      refuses(() => ChunkEncoder.fromJSON(bad), "bad-state");
  });
});
