// Wire codecs for the two E2EE message types (proto/e2ee.proto). Nothing else in the module
// touches protobufjs, and every decoded field is checked before it leaves here.
import "../../proto/runtime.ts";
import { parley } from "../../proto/generated/parley.js";
import { concatBytes } from "../../protocol/bytes.ts";
import { EC_PUBLIC_LENGTH, deserializeEcPublic } from "../../protocol/signal/keys.ts";
import { DecryptError } from "./errors.ts";

const pb = parley.e2ee;

/** The byte in front of every serialized body; bumping it is how the format evolves. */
export const MESSAGE_VERSION = 0x01;
export const KYBER_CIPHERTEXT_LENGTH = 1568;
const GCM_TAG_LENGTH = 16;

export interface SignalMessage {
  readonly ratchetKey: Uint8Array;
  readonly previousCounter: number;
  readonly counter: number;
  readonly ciphertext: Uint8Array;
}

export interface MessageHeader {
  readonly ratchetKey: Uint8Array;
  readonly previousCounter: number;
  readonly counter: number;
}

export interface PreKeySignalMessage {
  readonly registrationId: number;
  readonly preKeyId: number | undefined;
  readonly signedPreKeyId: number;
  readonly kyberPreKeyId: number;
  readonly kyberCiphertext: Uint8Array;
  readonly baseKey: Uint8Array;
  readonly identityKey: Uint8Array;
  /** A versioned SignalMessage body. */
  readonly message: Uint8Array;
}

const malformed = (what: string): DecryptError => new DecryptError("malformed", `malformed ${what}`);

/**
 * The header as the AEAD authenticates it: version || ratchet key (33) || PN (u32 BE) || N (u32 BE).
 * A fixed layout rather than the protobuf bytes, so authentication never depends on how an
 * encoder happens to order or pad fields.
 */
export function headerAssociatedData(header: MessageHeader): Uint8Array {
  const counters = new Uint8Array(8);
  const view = new DataView(counters.buffer);
  view.setUint32(0, header.previousCounter);
  view.setUint32(4, header.counter);
  return concatBytes(Uint8Array.of(MESSAGE_VERSION), header.ratchetKey, counters);
}

function unversion(what: string, body: Uint8Array): Uint8Array {
  if (body.length < 1 || body[0] !== MESSAGE_VERSION) throw malformed(`${what}: unknown version`);
  return body.subarray(1);
}

function decodeWith<T>(what: string, decode: (b: Uint8Array) => T, bytes: Uint8Array): T {
  try {
    return decode(bytes);
  } catch {
    throw malformed(what);
  }
}

function ecKey(what: string, value: Uint8Array | null | undefined): Uint8Array {
  if (!value || value.length !== EC_PUBLIC_LENGTH) throw malformed(what);
  try {
    deserializeEcPublic(value);
  } catch {
    throw malformed(what);
  }
  return value.slice();
}

const u32 = (value: number | null | undefined): number => value ?? 0;

export function encodeSignalMessage(m: SignalMessage): Uint8Array {
  return concatBytes(Uint8Array.of(MESSAGE_VERSION), pb.SignalMessage.encode(m).finish());
}

export function decodeSignalMessage(body: Uint8Array): SignalMessage {
  const m = decodeWith("SignalMessage", (b) => pb.SignalMessage.decode(b), unversion("SignalMessage", body));
  const ciphertext = m.ciphertext;
  if (!ciphertext || ciphertext.length < GCM_TAG_LENGTH) throw malformed("SignalMessage ciphertext");
  return {
    ratchetKey: ecKey("SignalMessage ratchet key", m.ratchetKey),
    previousCounter: u32(m.previousCounter),
    counter: u32(m.counter),
    ciphertext: ciphertext.slice(),
  };
}

export function encodePreKeySignalMessage(m: PreKeySignalMessage): Uint8Array {
  // pre_key_id is proto3 `optional`: an explicit 0 is a valid ID and travels, undefined does not.
  return concatBytes(Uint8Array.of(MESSAGE_VERSION), pb.PreKeySignalMessage.encode(m).finish());
}

export function decodePreKeySignalMessage(body: Uint8Array): PreKeySignalMessage {
  const m = decodeWith("PreKeySignalMessage", (b) => pb.PreKeySignalMessage.decode(b), unversion("PreKeySignalMessage", body));
  const kyberCiphertext = m.kyberCiphertext;
  if (!kyberCiphertext || kyberCiphertext.length !== KYBER_CIPHERTEXT_LENGTH) throw malformed("PreKeySignalMessage Kyber ciphertext");
  const message = m.message;
  if (!message || message.length === 0) throw malformed("PreKeySignalMessage without message");
  return {
    registrationId: u32(m.registrationId),
    preKeyId: m.preKeyId ?? undefined,
    signedPreKeyId: u32(m.signedPreKeyId),
    kyberPreKeyId: u32(m.kyberPreKeyId),
    kyberCiphertext: kyberCiphertext.slice(),
    baseKey: ecKey("PreKeySignalMessage base key", m.baseKey),
    identityKey: ecKey("PreKeySignalMessage identity key", m.identityKey),
    message: message.slice(),
  };
}
