// The bytes of SignalMessage field 5 (`pq_ratchet`), as libsignal 0.103 writes them
// (docs/spqr-notes.md §4, observed byte for byte): a custom layout, not protobuf.
//
//   0x01 (SPQR v1) ‖ varint epoch ‖ varint index ‖ type byte [‖ varint chunk index ‖ 32-byte chunk]
//
// Varints are unsigned LEB128. Limits: epoch is a u64 (bigint), index and chunk index are u32
// (numbers up to 2^32 − 1; libsignal's own chunk indices stay below 65536, see erasure-code.ts).
// Decoding is canonical: a varint must be minimal (no trailing 0x80 … 0x00 groups), so
// decode-then-encode gives the input back and two encodings of one message cannot both pass.
// libsignal never writes a non-minimal varint; whether it would accept one is not known.
import { CHUNK_SIZE, type Chunk } from "./erasure-code.ts";
import { SpqrError } from "./errors.ts";

export const SPQR_VERSION = 0x01;
const U64_MAX = (1n << 64n) - 1n;
const U32_MAX = 0xffff_ffff;

export type SpqrMessageType = "none" | "hdr" | "ek" | "ekCt1Ack" | "ct1Ack" | "ct1" | "ct2";

export interface SpqrMessage {
  /** The epoch the braid is negotiating (the key salting this message is from epoch − 1). */
  readonly epoch: bigint;
  /** The SPQR chain counter of the key that salted this message. */
  readonly index: number;
  readonly type: SpqrMessageType;
  /** Present exactly for hdr, ek, ekCt1Ack, ct1 and ct2. */
  readonly chunk?: Chunk;
}

/** Type byte by name, in [MLKB]'s order; the position in the array is the byte. */
const TYPES: readonly SpqrMessageType[] = ["none", "hdr", "ek", "ekCt1Ack", "ct1Ack", "ct1", "ct2"];
const WITHOUT_CHUNK: ReadonlySet<SpqrMessageType> = new Set(["none", "ct1Ack"]);

export const carriesChunk = (type: SpqrMessageType): boolean => !WITHOUT_CHUNK.has(type);

function writeVarint(out: number[], value: bigint): void {
  let v = value;
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
}

function checkU32(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > U32_MAX) throw new SpqrError("out-of-range", `${what} must be an integer in 0..2^32-1`);
}

export function encodeSpqrMessage(m: SpqrMessage): Uint8Array {
  if (typeof m.epoch !== "bigint" || m.epoch < 0n || m.epoch > U64_MAX) throw new SpqrError("out-of-range", "the epoch must be a u64");
  checkU32(m.index, "the index");
  const type = TYPES.indexOf(m.type);
  if (type < 0) throw new SpqrError("unknown-type", "not an SPQR message type");
  const out: number[] = [SPQR_VERSION];
  writeVarint(out, m.epoch);
  writeVarint(out, BigInt(m.index));
  out.push(type);
  if (carriesChunk(m.type)) {
    if (!m.chunk) throw new SpqrError("missing-chunk", `a ${m.type} message carries a chunk`);
    checkU32(m.chunk.index, "the chunk index");
    if (!(m.chunk.data instanceof Uint8Array) || m.chunk.data.length !== CHUNK_SIZE) throw new SpqrError("bad-length", "a chunk is 32 bytes");
    writeVarint(out, BigInt(m.chunk.index));
    const bytes = new Uint8Array(out.length + CHUNK_SIZE);
    bytes.set(out);
    bytes.set(m.chunk.data, out.length);
    return bytes;
  }
  if (m.chunk) throw new SpqrError("unexpected-chunk", `a ${m.type} message carries no chunk`);
  return Uint8Array.from(out);
}

/** Reads the varint at `o`, of at most `maxBits` bits; returns the value and the next offset. */
function readVarint(b: Uint8Array, o: number, maxBits: 32 | 64, what: string): [bigint, number] {
  const maxBytes = Math.ceil(maxBits / 7);
  let value = 0n;
  for (let i = 0; ; i++) {
    if (i === maxBytes) throw new SpqrError("overlong-varint", `${what} is longer than ${maxBytes} bytes`);
    const byte = b[o + i];
    if (byte === undefined) throw new SpqrError("truncated", `field 5 ends inside ${what}`);
    value |= BigInt(byte & 0x7f) << BigInt(7 * i);
    if (!(byte & 0x80)) {
      if (byte === 0 && i > 0) throw new SpqrError("overlong-varint", `${what} is not minimally encoded`);
      if (value >= 1n << BigInt(maxBits)) throw new SpqrError("out-of-range", `${what} does not fit in ${maxBits} bits`);
      return [value, o + i + 1];
    }
  }
}

/** Parses field 5. Every malformed input throws an SpqrError; nothing is partially returned. */
export function decodeSpqrMessage(bytes: Uint8Array): SpqrMessage {
  if (bytes.length === 0) throw new SpqrError("truncated", "field 5 is empty");
  if (bytes[0] !== SPQR_VERSION) throw new SpqrError("bad-version", "field 5 is not SPQR v1");
  const [epoch, o1] = readVarint(bytes, 1, 64, "the epoch");
  const [index, o2] = readVarint(bytes, o1, 32, "the index");
  const typeByte = bytes[o2];
  if (typeByte === undefined) throw new SpqrError("truncated", "field 5 ends before the message type");
  const type = TYPES[typeByte];
  if (type === undefined) throw new SpqrError("unknown-type", "field 5 has an unknown message type");
  const head = { epoch, index: Number(index), type };
  const o3 = o2 + 1;
  if (!carriesChunk(type)) {
    if (o3 !== bytes.length) throw new SpqrError("unexpected-chunk", `a ${type} message carries no chunk`);
    return head;
  }
  if (o3 === bytes.length) throw new SpqrError("missing-chunk", `a ${type} message carries a chunk`);
  const [chunkIndex, o4] = readVarint(bytes, o3, 32, "the chunk index");
  if (bytes.length < o4 + CHUNK_SIZE) throw new SpqrError("truncated", "field 5 ends inside the chunk");
  if (bytes.length > o4 + CHUNK_SIZE) throw new SpqrError("trailing-bytes", "field 5 has bytes after the chunk");
  return { ...head, chunk: { index: Number(chunkIndex), data: bytes.slice(o4) } };
}
