// The erasure code that carries SPQR's braid messages one 32-byte chunk per Signal message
// (docs/spqr-notes.md §5, observed against libsignal 0.103): a systematic Reed-Solomon code over
// GF(2^16) mod x^16 + x^12 + x^3 + x + 1. A message of n chunks is 16 polynomials P_0..P_15 of
// degree < n, P_j(k) = big-endian word j of chunk k; chunk i is P_0(i) ‖ … ‖ P_15(i). So chunks
// 0..n−1 are the message itself and any n distinct chunks give it back (Lagrange interpolation).
//
// Chunks are public (they travel in the clear inside the encrypted envelope's header field),
// so the arithmetic uses table look-ups, not constant-time code.
//
// Indices past 65535: an index is a GF(2^16) element, so there are 65536 distinct chunks. A
// sender that has sent all of them without the peer completing the message starts over at
// index 0, as libsignal 0.103 does (observed: its 65539th Hdr chunk is chunk 2 again, index 2).
// The decoder refuses indices ≥ 65536 with "chunk-index-too-large": no such encoder writes them.
//
// Encoders and decoders are plain immutable values (they live inside session records, which
// must survive structured clone); the functions below return a new value and never change
// the one they are given.
import { base64UrlToBytes, bytesToBase64Url } from "../../../protocol/bytes.ts";
import { SpqrError } from "./errors.ts";

export const CHUNK_SIZE = 32;
/** Evaluation points are the field's 2^16 elements; a message cannot have more chunks. */
export const MAX_CHUNK_INDEX = 0xffff;
const WORDS = CHUNK_SIZE / 2;
const POLY = 0x1100b;
const ORDER = 0xffff; // size of the multiplicative group

export interface Chunk {
  readonly index: number;
  /** 32 bytes. */
  readonly data: Uint8Array;
}

/** Chunks 0, 1, 2, … of one message: the message itself, then parity, for as long as asked. */
export interface ChunkEncoder {
  /** A positive multiple of 32 bytes; never changed once in an encoder. */
  readonly message: Uint8Array;
  /** The index the next chunk will have. */
  readonly next: number;
}

/** Chunks of a message of known length, until any n distinct indices are in. */
export interface ChunkDecoder {
  readonly length: number;
  /** The distinct chunks kept so far, in arrival order; never more than the message has. */
  readonly chunks: readonly Chunk[];
}

export interface ChunkJSON {
  readonly index: number;
  /** base64url, 32 bytes. */
  readonly data: string;
}

// log/exp tables, built on first use (about a millisecond). x = 2 generates the multiplicative
// group because the polynomial is primitive; the build checks that instead of trusting it.
let EXP: Uint16Array | undefined; // EXP[i] = 2^i, doubled so EXP[log a + log b] needs no reduction
let LOG: Uint16Array | undefined;
function tables(): { exp: Uint16Array; log: Uint16Array } {
  if (!EXP || !LOG) {
    const exp = new Uint16Array(2 * ORDER);
    const log = new Uint16Array(ORDER + 1);
    let a = 1;
    for (let i = 0; i < ORDER; i++) {
      if (i > 0 && a === 1) throw new Error("GF(2^16): 0x1100b is not primitive");
      exp[i] = exp[i + ORDER] = a;
      log[a] = i;
      a <<= 1;
      if (a & 0x10000) a ^= POLY;
    }
    EXP = exp;
    LOG = log;
  }
  return { exp: EXP, log: LOG };
}

/**
 * Evaluates, at any point, the polynomials through a fixed set of n distinct points: the
 * barycentric form P(x) = ℓ(x) · Σ_k b_k · y_k / (x − x_k), ℓ(x) = Π (x − x_m),
 * b_k = 1 / Π_{m≠k} (x_k − x_m). Building costs n² multiplications once per point set;
 * each evaluation then costs n for the weights and 16·n for the 16 words of a chunk.
 */
class Interpolator {
  readonly #points: readonly number[];
  readonly #logB: Uint16Array; // log b_k

  constructor(points: readonly number[]) {
    const { log } = tables();
    this.#points = points;
    this.#logB = new Uint16Array(points.length);
    points.forEach((xk, k) => {
      let logProduct = 0;
      points.forEach((xm, m) => {
        if (m !== k) logProduct = (logProduct + log[xk ^ xm]!) % ORDER; // subtraction is XOR
      });
      this.#logB[k] = (ORDER - logProduct) % ORDER;
    });
  }

  /** The chunk at x, from the chunks `values[k]` at `points[k]`. */
  evaluate(x: number, values: readonly Uint8Array[]): Uint8Array {
    const hit = this.#points.indexOf(x);
    if (hit >= 0) return values[hit]!.slice();
    const { exp, log } = tables();
    let logL = 0;
    for (const xm of this.#points) logL = (logL + log[x ^ xm]!) % ORDER;
    const out = new Uint8Array(CHUNK_SIZE);
    const words = new Uint16Array(WORDS);
    this.#points.forEach((xk, k) => {
      // log of the Lagrange weight L_k(x) = ℓ(x) · b_k / (x − x_k)
      const logW = (logL + this.#logB[k]! + ORDER - log[x ^ xk]!) % ORDER;
      const y = values[k]!;
      for (let j = 0; j < WORDS; j++) {
        const v = (y[2 * j]! << 8) | y[2 * j + 1]!;
        if (v !== 0) words[j]! ^= exp[logW + log[v]!]!;
      }
    });
    for (let j = 0; j < WORDS; j++) {
      out[2 * j] = words[j]! >> 8;
      out[2 * j + 1] = words[j]! & 0xff;
    }
    return out;
  }
}

// Every parity chunk of an n-chunk message interpolates over the same points 0..n−1, so the
// weights depend on n alone: built once per size, not once per chunk. The braid uses four
// sizes; the cap only keeps arbitrary callers from growing the cache without bound.
const PARITY_CACHE_LIMIT = 16;
const parity = new Map<number, Interpolator>();
function parityInterpolator(n: number): Interpolator {
  let found = parity.get(n);
  if (!found) {
    if (parity.size >= PARITY_CACHE_LIMIT) parity.clear();
    parity.set(n, (found = new Interpolator(Array.from({ length: n }, (_, k) => k))));
  }
  return found;
}

function chunkCount(messageLength: number): number {
  if (!Number.isSafeInteger(messageLength) || messageLength <= 0 || messageLength % CHUNK_SIZE !== 0)
    throw new SpqrError("bad-length", "an erasure-coded message must be a positive multiple of 32 bytes");
  const n = messageLength / CHUNK_SIZE;
  if (n > MAX_CHUNK_INDEX + 1) throw new SpqrError("bad-length", "an erasure-coded message has at most 65536 chunks");
  return n;
}

function checkIndex(index: number): void {
  if (!Number.isInteger(index) || index < 0) throw new SpqrError("out-of-range", "a chunk index is a non-negative integer");
  if (index > MAX_CHUNK_INDEX) throw new SpqrError("chunk-index-too-large", "chunk indices stop at 65535");
}

// ---- encoder --------------------------------------------------------------------------------

/** An encoder at chunk 0. The message is copied: later changes to the caller's buffer change nothing. */
export function newEncoder(message: Uint8Array): ChunkEncoder {
  chunkCount(message.length);
  return { message: message.slice(), next: 0 };
}

/** Chunk `index` of the encoder's message, without moving the encoder. */
export function encoderChunkAt(encoder: ChunkEncoder, index: number): Uint8Array {
  checkIndex(index);
  const { message } = encoder;
  const n = chunkCount(message.length);
  if (index < n) return message.slice(index * CHUNK_SIZE, (index + 1) * CHUNK_SIZE);
  const data = Array.from({ length: n }, (_, k) => message.subarray(k * CHUNK_SIZE, (k + 1) * CHUNK_SIZE));
  return parityInterpolator(n).evaluate(index, data);
}

/**
 * The next chunk and the encoder after it. After index 65535 the indices start again at 0, as
 * libsignal's do: the code has only 65536 distinct chunks, and refusing would block the
 * session's sending.
 */
export function encoderNextChunk(encoder: ChunkEncoder): { chunk: Chunk; encoder: ChunkEncoder } {
  const index = encoder.next;
  const chunk = { index, data: encoderChunkAt(encoder, index) };
  return { chunk, encoder: { message: encoder.message, next: index === MAX_CHUNK_INDEX ? 0 : index + 1 } };
}

// ---- decoder --------------------------------------------------------------------------------

export function newDecoder(messageLength: number): ChunkDecoder {
  chunkCount(messageLength);
  return { length: messageLength, chunks: [] };
}

export const decoderComplete = (decoder: ChunkDecoder): boolean => decoder.chunks.length >= decoder.length / CHUNK_SIZE;

/**
 * The decoder with one more chunk. A repeated index is ignored (the first copy wins), and so
 * is every chunk once the decoder is complete: n distinct chunks fix the message. Those return
 * the decoder itself. A chunk that is not 32 bytes, or has an index no encoder writes, throws.
 */
export function decoderAdd(decoder: ChunkDecoder, chunk: Chunk): ChunkDecoder {
  const { index, data } = chunk;
  checkIndex(index);
  if (!(data instanceof Uint8Array) || data.length !== CHUNK_SIZE) throw new SpqrError("bad-length", "a chunk is 32 bytes");
  if (decoderComplete(decoder) || decoder.chunks.some((c) => c.index === index)) return decoder;
  return { length: decoder.length, chunks: [...decoder.chunks, { index, data: data.slice() }] };
}

/** The message, interpolated from the first n distinct chunks received. */
export function decoderMessage(decoder: ChunkDecoder): Uint8Array {
  if (!decoderComplete(decoder)) throw new SpqrError("incomplete", "the decoder has fewer distinct chunks than the message");
  const n = decoder.length / CHUNK_SIZE;
  const kept = decoder.chunks.slice(0, n);
  const byIndex = new Map(kept.map((c) => [c.index, c.data]));
  const out = new Uint8Array(decoder.length);
  // Data chunks that arrived are copied; only the missing ones are interpolated.
  let interpolator: Interpolator | undefined;
  for (let k = 0; k < n; k++) {
    const have = byIndex.get(k);
    if (have) out.set(have, k * CHUNK_SIZE);
    else {
      interpolator ??= new Interpolator(kept.map((c) => c.index));
      out.set(interpolator.evaluate(k, kept.map((c) => c.data)), k * CHUNK_SIZE);
    }
  }
  return out;
}

// ---- JSON -----------------------------------------------------------------------------------

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function bytesFromJSON(v: unknown, what: string): Uint8Array {
  if (typeof v !== "string") throw new SpqrError("bad-state", `${what} is not a base64url string`);
  try {
    return base64UrlToBytes(v);
  } catch {
    throw new SpqrError("bad-state", `${what} is not base64url`);
  }
}

function indexFromJSON(v: unknown, max: number, what: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > max) throw new SpqrError("bad-state", `${what} is out of range`);
  return v;
}

export function encoderToJSON(encoder: ChunkEncoder): { readonly message: string; readonly next: number } {
  return { message: bytesToBase64Url(encoder.message), next: encoder.next };
}

export function encoderFromJSON(json: unknown): ChunkEncoder {
  if (!isRecord(json)) throw new SpqrError("bad-state", "an encoder state is an object");
  const message = bytesFromJSON(json.message, "the encoded message");
  try {
    chunkCount(message.length);
  } catch {
    throw new SpqrError("bad-state", "the encoded message is not a positive multiple of 32 bytes");
  }
  return { message, next: indexFromJSON(json.next, MAX_CHUNK_INDEX, "the next chunk index") };
}

export function decoderToJSON(decoder: ChunkDecoder): { readonly messageLength: number; readonly chunks: readonly ChunkJSON[] } {
  return { messageLength: decoder.length, chunks: decoder.chunks.map(({ index, data }) => ({ index, data: bytesToBase64Url(data) })) };
}

export function decoderFromJSON(json: unknown): ChunkDecoder {
  if (!isRecord(json) || !Array.isArray(json.chunks)) throw new SpqrError("bad-state", "a decoder state is an object with chunks");
  const length = indexFromJSON(json.messageLength, (MAX_CHUNK_INDEX + 1) * CHUNK_SIZE, "the message length");
  let decoder: ChunkDecoder;
  try {
    decoder = newDecoder(length);
  } catch {
    throw new SpqrError("bad-state", "the message length is not a positive multiple of 32");
  }
  const chunks: Chunk[] = [];
  for (const c of json.chunks as unknown[]) {
    if (!isRecord(c)) throw new SpqrError("bad-state", "a chunk is an object");
    const index = indexFromJSON(c.index, MAX_CHUNK_INDEX, "a chunk index");
    const data = bytesFromJSON(c.data, "a chunk");
    if (data.length !== CHUNK_SIZE || chunks.some((k) => k.index === index) || chunks.length >= length / CHUNK_SIZE)
      throw new SpqrError("bad-state", "the decoder's chunks are not ones it would have kept");
    chunks.push({ index, data });
  }
  return { ...decoder, chunks };
}
