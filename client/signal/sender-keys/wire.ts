// SenderKeyDistributionMessage and SenderKeyMessage on the wire, as libsignal 0.103 writes and
// accepts them (observed byte for byte; field numbers as in libsignal's public wire.proto):
//
//   SKDM:  version ‖ protobuf { 1: distribution_uuid (16), 2: chain_id, 3: iteration,
//                               4: chain_key (32), 5: signing_key (33, 0x05-prefixed) }
//   skmsg: version ‖ protobuf { 1: distribution_uuid (16), 2: chain_id, 3: iteration,
//                               4: ciphertext } ‖ XEdDSA signature (64) over everything before it
//
// Sender keys keep their own message version, 3 (not the 1:1 sessions' 4): libsignal writes
// 0x33 and reads any byte whose high nibble is 3. Every field is written, zeros included
// (libsignal emits iteration = 0), in field order, and every field is required on reading.
import { concatBytes } from "../../../protocol/bytes.ts";
import { EC_KEY_TYPE, EC_PUBLIC_LENGTH, SIGNATURE_LENGTH } from "../../../protocol/signal/keys.ts";
import { WireError } from "../wire/errors.ts";
import { bytesField, checkUint32, readFields, uint32Field, type Fields, type Schema } from "../wire/protobuf.ts";
import { CHAIN_KEY_LENGTH } from "./chain.ts";
import { SenderKeyError } from "./errors.ts";

export const SENDER_KEY_VERSION = 3;
export const SENDER_KEY_VERSION_BYTE = (SENDER_KEY_VERSION << 4) | SENDER_KEY_VERSION;
export const DISTRIBUTION_ID_LENGTH = 16;

export interface DistributionMessage {
  readonly distributionId: Uint8Array;
  readonly chainId: number;
  readonly iteration: number;
  readonly chainKey: Uint8Array;
  /** 33 bytes, 0x05-prefixed, as libsignal serializes public keys. */
  readonly signingKey: Uint8Array;
}

export interface SenderKeyMessage {
  readonly distributionId: Uint8Array;
  readonly chainId: number;
  readonly iteration: number;
  readonly ciphertext: Uint8Array;
}

export interface DecodedSenderKeyMessage extends SenderKeyMessage {
  /** The version byte and protobuf exactly as received: what the signature covers. */
  readonly signed: Uint8Array;
  readonly signature: Uint8Array;
}

const SKDM_SCHEMA: Schema = {
  1: ["distribution_uuid", "bytes"],
  2: ["chain_id", "uint32"],
  3: ["iteration", "uint32"],
  4: ["chain_key", "bytes"],
  5: ["signing_key", "bytes"],
};

const SKMSG_SCHEMA: Schema = {
  1: ["distribution_uuid", "bytes"],
  2: ["chain_id", "uint32"],
  3: ["iteration", "uint32"],
  4: ["ciphertext", "bytes"],
};

const malformed = (what: string) => new SenderKeyError("malformed", `malformed sender key message: ${what}`);

function readVersion(byte: number): void {
  const version = byte >> 4;
  if (version === SENDER_KEY_VERSION) return;
  throw new SenderKeyError("bad-version", `sender key message version ${version} is ${version < SENDER_KEY_VERSION ? "too old" : "unknown"}`);
}

function parse(protobuf: Uint8Array, schema: Schema): Fields {
  try {
    const fields = readFields(protobuf, schema);
    for (const [number, [, kind]] of Object.entries(schema)) {
      if (kind === "uint32") fields.uint32(Number(number));
      else fields.bytes(Number(number));
    }
    return fields;
  } catch (err) {
    if (err instanceof WireError) throw malformed(err.message);
    throw err;
  }
}

function sized(fields: Fields, field: number, length: number, name: string): Uint8Array {
  const value = fields.bytes(field);
  if (value.length !== length) throw malformed(`${name} must be ${length} bytes`);
  return value;
}

export function requireBytes(value: unknown, length: number, name: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== length) throw new TypeError(`${name} must be a Uint8Array of ${length} bytes`);
}

export function encodeDistributionMessage(message: DistributionMessage): Uint8Array {
  requireBytes(message.distributionId, DISTRIBUTION_ID_LENGTH, "distributionId");
  requireBytes(message.chainKey, CHAIN_KEY_LENGTH, "chainKey");
  requireBytes(message.signingKey, EC_PUBLIC_LENGTH, "signingKey");
  return concatBytes(
    Uint8Array.of(SENDER_KEY_VERSION_BYTE),
    bytesField(1, message.distributionId),
    uint32Field(2, checkUint32("chain_id", message.chainId)),
    uint32Field(3, checkUint32("iteration", message.iteration)),
    bytesField(4, message.chainKey),
    bytesField(5, message.signingKey),
  );
}

export function decodeDistributionMessage(bytes: Uint8Array): DistributionMessage {
  if (!(bytes instanceof Uint8Array) || bytes.length < 2) throw malformed("too short");
  readVersion(bytes[0]!);
  const fields = parse(bytes.subarray(1), SKDM_SCHEMA);
  const signingKey = sized(fields, 5, EC_PUBLIC_LENGTH, "signing_key");
  if (signingKey[0] !== EC_KEY_TYPE) throw malformed("signing_key is not a Curve25519 key");
  return {
    distributionId: sized(fields, 1, DISTRIBUTION_ID_LENGTH, "distribution_uuid"),
    chainId: fields.uint32(2),
    iteration: fields.uint32(3),
    chainKey: sized(fields, 4, CHAIN_KEY_LENGTH, "chain_key"),
    signingKey,
  };
}

/** The signed part of a SenderKeyMessage: version byte ‖ protobuf. */
export function encodeSenderKeyMessageBody(message: SenderKeyMessage): Uint8Array {
  requireBytes(message.distributionId, DISTRIBUTION_ID_LENGTH, "distributionId");
  return concatBytes(
    Uint8Array.of(SENDER_KEY_VERSION_BYTE),
    bytesField(1, message.distributionId),
    uint32Field(2, checkUint32("chain_id", message.chainId)),
    uint32Field(3, checkUint32("iteration", message.iteration)),
    bytesField(4, message.ciphertext),
  );
}

/** Parses a SenderKeyMessage without verifying it: the signature needs the chain's key, which the record holds. */
export function decodeSenderKeyMessage(bytes: Uint8Array): DecodedSenderKeyMessage {
  if (!(bytes instanceof Uint8Array) || bytes.length < 1 + SIGNATURE_LENGTH) throw malformed("too short");
  readVersion(bytes[0]!);
  const signedEnd = bytes.length - SIGNATURE_LENGTH;
  const fields = parse(bytes.subarray(1, signedEnd), SKMSG_SCHEMA);
  return {
    distributionId: sized(fields, 1, DISTRIBUTION_ID_LENGTH, "distribution_uuid"),
    chainId: fields.uint32(2),
    iteration: fields.uint32(3),
    ciphertext: fields.bytes(4),
    signed: bytes.slice(0, signedEnd),
    signature: bytes.slice(signedEnd),
  };
}
