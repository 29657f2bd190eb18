// libsignal's 1:1 ciphertext messages (message version 4) on the wire. The MAC key and identity
// keys are inputs: deriving them is the session layer's job.
export { WireError, type WireErrorReason } from "./errors.ts";
export { KYBER_CIPHERTEXT_LENGTH, MAC_KEY_LENGTH } from "./keys.ts";
export {
  decodePreKeySignalMessage,
  encodePreKeySignalMessage,
  type DecodedPreKeySignalMessage,
  type PreKeySignalMessage,
} from "./prekey-signal-message.ts";
export {
  MAC_LENGTH,
  decodeSignalMessage,
  encodeSignalMessage,
  verifyMac,
  type DecodedSignalMessage,
  type MacKeys,
  type SignalMessage,
} from "./signal-message.ts";
export { LEGACY_MESSAGE_VERSION, MESSAGE_VERSION, VERSION_BYTE } from "./version.ts";
