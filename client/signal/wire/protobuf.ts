// A protobuf reader and writer for exactly what SignalMessage and PreKeySignalMessage use:
// uint32 and bytes fields. Written by hand rather than added to proto/generated/ because the
// wire format depends on things protobufjs hides: libsignal emits counter = 0 and
// previous_counter = 0 but omits an empty pq_ratchet, and protobufjs's uint32() truncates a
// 64-bit varint silently where we must refuse it. Plain loops over a Uint8Array, no eval, so
// it runs in workerd.
//
// Parsing follows the protobuf encoding spec as libsignal applies it (checked against
// libsignal 0.103): fields in any order, the last of a repeated scalar wins, unknown fields
// (groups included) are skipped, non-minimal varints are accepted, and a known field with the
// wrong wire type is refused.
import { concatBytes } from "../../../protocol/bytes.ts";
import { WireError } from "./errors.ts";

export type FieldKind = "uint32" | "bytes";

/** Field number -> [wire.proto name, kind], for the fields this codec knows. */
export type Schema = Readonly<Record<number, readonly [name: string, kind: FieldKind]>>;

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_START_GROUP = 3;
const WIRE_END_GROUP = 4;
const WIRE_FIXED32 = 5;
const MAX_FIELD_NUMBER = 2 ** 29 - 1;
const UINT32_MAX = 0xffff_ffff;
/** libsignal parses 100 nested unknown groups and refuses 101. */
const MAX_GROUP_DEPTH = 100;

const malformed = (what: string) => new WireError("malformed", `malformed protobuf: ${what}`);
const truncated = () => new WireError("truncated", "message ends inside a field");

/** The fields read from one message: the last occurrence of each known field. */
export class Fields {
  readonly #uint32 = new Map<number, number>();
  readonly #bytes = new Map<number, Uint8Array>();
  readonly #schema: Schema;

  constructor(schema: Schema) {
    this.#schema = schema;
  }

  setUint32(field: number, value: number): void {
    this.#uint32.set(field, value);
  }

  setBytes(field: number, value: Uint8Array): void {
    this.#bytes.set(field, value);
  }

  optionalUint32(field: number): number | undefined {
    return this.#uint32.get(field);
  }

  optionalBytes(field: number): Uint8Array | undefined {
    return this.#bytes.get(field);
  }

  uint32(field: number): number {
    const value = this.#uint32.get(field);
    if (value === undefined) throw this.#missing(field);
    return value;
  }

  bytes(field: number): Uint8Array {
    const value = this.#bytes.get(field);
    if (value === undefined) throw this.#missing(field);
    return value;
  }

  #missing(field: number): WireError {
    const name = this.#schema[field]?.[0] ?? String(field);
    return new WireError("missing-field", `required field ${name} is absent`, name);
  }
}

class Reader {
  #pos = 0;
  readonly #buf: Uint8Array;

  constructor(buf: Uint8Array) {
    this.#buf = buf;
  }

  get done(): boolean {
    return this.#pos >= this.#buf.length;
  }

  /**
   * A varint of at most 10 bytes whose 10th byte carries only the 64th bit. Returned as a
   * double: exact up to 2^53, and above that still correctly compared against UINT32_MAX.
   */
  varint(): number {
    let value = 0;
    for (let i = 0; i < 10; i++) {
      if (this.#pos >= this.#buf.length) throw truncated();
      const byte = this.#buf[this.#pos++]!;
      if (i === 9 && byte > 1) throw malformed("varint exceeds 64 bits");
      value += (byte & 0x7f) * 2 ** (7 * i);
      if ((byte & 0x80) === 0) return value;
    }
    throw malformed("varint longer than 10 bytes");
  }

  take(length: number): Uint8Array {
    if (length > this.#buf.length - this.#pos) throw truncated();
    const out = this.#buf.subarray(this.#pos, this.#pos + length);
    this.#pos += length;
    return out;
  }

  tag(): { field: number; wire: number } {
    const tag = this.varint();
    if (tag > UINT32_MAX) throw malformed("tag exceeds 32 bits");
    const field = Math.floor(tag / 8);
    if (field === 0 || field > MAX_FIELD_NUMBER) throw malformed("invalid field number");
    return { field, wire: tag % 8 };
  }

  /** Skips one unknown field's value, and a whole group up to its matching end tag. */
  skip(field: number, wire: number): void {
    const open: number[] = [];
    for (;;) {
      switch (wire) {
        case WIRE_VARINT:
          this.varint();
          break;
        case WIRE_FIXED64:
          this.take(8);
          break;
        case WIRE_LEN:
          this.take(this.varint());
          break;
        case WIRE_FIXED32:
          this.take(4);
          break;
        case WIRE_START_GROUP:
          if (open.length >= MAX_GROUP_DEPTH) throw malformed("groups nested too deeply");
          open.push(field);
          break;
        case WIRE_END_GROUP:
          if (open.pop() !== field) throw malformed("unmatched end of group");
          break;
        default:
          throw malformed("invalid wire type");
      }
      if (open.length === 0) return;
      ({ field, wire } = this.tag());
    }
  }
}

/** Parses a protobuf message, keeping the known fields of `schema`. */
export function readFields(buf: Uint8Array, schema: Schema): Fields {
  const fields = new Fields(schema);
  const reader = new Reader(buf);
  while (!reader.done) {
    const { field, wire } = reader.tag();
    const known = schema[field];
    if (!known) {
      reader.skip(field, wire);
      continue;
    }
    const [name, kind] = known;
    if (kind === "uint32") {
      if (wire !== WIRE_VARINT) throw malformed(`${name} is not a varint`);
      const value = reader.varint();
      // libsignal keeps the low 32 bits (2^32 + 5 reads as 5). No honest encoder writes
      // such a value, and it would alias another counter, so we refuse instead.
      if (value > UINT32_MAX) throw new WireError("out-of-range", `${name} exceeds 32 bits`, name);
      fields.setUint32(field, value);
    } else {
      if (wire !== WIRE_LEN) throw malformed(`${name} is not length-delimited`);
      fields.setBytes(field, reader.take(reader.varint()).slice());
    }
  }
  return fields;
}

function varintBytes(value: number): Uint8Array {
  const out: number[] = [];
  while (value > 0x7f) {
    out.push((value % 0x80) | 0x80);
    value = Math.floor(value / 0x80);
  }
  out.push(value);
  return Uint8Array.from(out);
}

/** Refuses what a uint32 field cannot carry, before it reaches the wire. */
export function checkUint32(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > UINT32_MAX) {
    throw new WireError("out-of-range", `${name} must be an integer in [0, 2^32 - 1]`, name);
  }
  return value;
}

export function uint32Field(field: number, value: number): Uint8Array {
  return concatBytes(varintBytes(field * 8 + WIRE_VARINT), varintBytes(value));
}

export function bytesField(field: number, value: Uint8Array): Uint8Array {
  return concatBytes(varintBytes(field * 8 + WIRE_LEN), varintBytes(value.length), value);
}
