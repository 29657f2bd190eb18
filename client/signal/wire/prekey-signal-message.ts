// PreKeySignalMessage, as libsignal 0.103 writes it: version byte ‖ protobuf (wire.proto
// PreKeySignalMessage), no MAC of its own (the SignalMessage inside carries one). Presence
// rules checked against libsignal (test/node/signal-wire.test.ts): base_key, identity_key,
// message and signed_pre_key_id are required; pre_key_id is optional (and 0 is a present
// value, distinct from absent); registration_id defaults to 0; in version 4 the Kyber pair is
// required, and libsignal refuses one without the other.
import { concatBytes } from "../../../protocol/bytes.ts";
import { WireError } from "./errors.ts";
import { checkEcPublicKey, checkKyberCiphertext } from "./keys.ts";
import { bytesField, checkUint32, readFields, uint32Field, type Schema } from "./protobuf.ts";
import { decodeSignalMessage, type DecodedSignalMessage } from "./signal-message.ts";
import { VERSION_BYTE, readVersionByte } from "./version.ts";

const PRE_KEY_ID = 1;
const BASE_KEY = 2;
const IDENTITY_KEY = 3;
const MESSAGE = 4;
const REGISTRATION_ID = 5;
const SIGNED_PRE_KEY_ID = 6;
const KYBER_PRE_KEY_ID = 7;
const KYBER_CIPHERTEXT = 8;

const SCHEMA: Schema = {
  [PRE_KEY_ID]: ["pre_key_id", "uint32"],
  [BASE_KEY]: ["base_key", "bytes"],
  [IDENTITY_KEY]: ["identity_key", "bytes"],
  [MESSAGE]: ["message", "bytes"],
  [REGISTRATION_ID]: ["registration_id", "uint32"],
  [SIGNED_PRE_KEY_ID]: ["signed_pre_key_id", "uint32"],
  [KYBER_PRE_KEY_ID]: ["kyber_pre_key_id", "uint32"],
  [KYBER_CIPHERTEXT]: ["kyber_ciphertext", "bytes"],
};

export interface PreKeySignalMessage {
  readonly registrationId: number;
  /** The one-time prekey used, or undefined when the bundle had none. */
  readonly preKeyId: number | undefined;
  readonly signedPreKeyId: number;
  /** The sender's ephemeral (base) key, 33 bytes with the 0x05 type byte. */
  readonly baseKey: Uint8Array;
  /** The sender's identity key, 33 bytes with the 0x05 type byte. */
  readonly identityKey: Uint8Array;
  readonly kyberPreKeyId: number;
  /** 0x08 ‖ ML-KEM-1024 ciphertext (1568 bytes). */
  readonly kyberCiphertext: Uint8Array;
  /** The serialized SignalMessage (MAC included) that this message carries. */
  readonly message: Uint8Array;
}

export interface DecodedPreKeySignalMessage extends PreKeySignalMessage {
  readonly versionByte: number;
  /** `message`, parsed (its MAC not yet checked): libsignal refuses the whole if it does not parse. */
  readonly signalMessage: DecodedSignalMessage;
}

/** Serializes a message byte for byte as libsignal does: fields in number order. */
export function encodePreKeySignalMessage(message: PreKeySignalMessage): Uint8Array {
  // Refuse to wrap what we (and libsignal) would refuse to unwrap.
  decodeSignalMessage(message.message);
  const parts: Uint8Array[] = [Uint8Array.of(VERSION_BYTE)];
  if (message.preKeyId !== undefined) parts.push(uint32Field(PRE_KEY_ID, checkUint32("pre_key_id", message.preKeyId)));
  parts.push(
    bytesField(BASE_KEY, checkEcPublicKey("base_key", message.baseKey)),
    bytesField(IDENTITY_KEY, checkEcPublicKey("identity_key", message.identityKey)),
    bytesField(MESSAGE, message.message),
    // Written even when 0, as libsignal does.
    uint32Field(REGISTRATION_ID, checkUint32("registration_id", message.registrationId)),
    uint32Field(SIGNED_PRE_KEY_ID, checkUint32("signed_pre_key_id", message.signedPreKeyId)),
    uint32Field(KYBER_PRE_KEY_ID, checkUint32("kyber_pre_key_id", message.kyberPreKeyId)),
    bytesField(KYBER_CIPHERTEXT, checkKyberCiphertext("kyber_ciphertext", message.kyberCiphertext)),
  );
  return concatBytes(...parts);
}

/** Parses a message and the SignalMessage inside it; nothing here checks a MAC or a key's use. */
export function decodePreKeySignalMessage(serialized: Uint8Array): DecodedPreKeySignalMessage {
  if (serialized.length < 1) throw new WireError("truncated", "PreKeySignalMessage is empty");
  const versionByte = serialized[0]!;
  readVersionByte(versionByte);
  const fields = readFields(serialized.subarray(1), SCHEMA);
  const kyberPreKeyId = fields.optionalUint32(KYBER_PRE_KEY_ID);
  const kyberCiphertext = fields.optionalBytes(KYBER_CIPHERTEXT);
  // Version 4 is PQXDH: libsignal refuses the message without both halves of the Kyber part.
  if (kyberPreKeyId === undefined) throw new WireError("missing-field", "required field kyber_pre_key_id is absent", "kyber_pre_key_id");
  if (kyberCiphertext === undefined) throw new WireError("missing-field", "required field kyber_ciphertext is absent", "kyber_ciphertext");
  const message = fields.bytes(MESSAGE);
  return {
    versionByte,
    registrationId: fields.optionalUint32(REGISTRATION_ID) ?? 0,
    preKeyId: fields.optionalUint32(PRE_KEY_ID),
    signedPreKeyId: fields.uint32(SIGNED_PRE_KEY_ID),
    baseKey: checkEcPublicKey("base_key", fields.bytes(BASE_KEY)),
    identityKey: checkEcPublicKey("identity_key", fields.bytes(IDENTITY_KEY)),
    kyberPreKeyId,
    kyberCiphertext: checkKyberCiphertext("kyber_ciphertext", kyberCiphertext),
    message,
    signalMessage: decodeSignalMessage(message),
  };
}
