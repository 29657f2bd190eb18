/**
 * Client end-to-end encryption: Signal's PQXDH (revision 3; X25519, SHA-256, ML-KEM-1024,
 * info "Parley_PQXDH_X25519_SHA-256_ML-KEM-1024") followed by the Double Ratchet
 * (HKDF-SHA256 root chain "Parley_DR_Root", HMAC-SHA256 chain keys, AES-256-GCM message keys
 * via HKDF "Parley_DR_Message", MAX_SKIP 2000). Keys and signatures are libsignal-compatible
 * (0x05/0x08-prefixed keys, XEdDSA); the message format is Parley's own (proto/e2ee.proto,
 * behind a 0x01 version byte). PROTOCOL_DESCRIPTION is the precise statement.
 *
 * Usage: processPreKeyBundle(store, "net.device", bundle) once per peer device, then
 * new SessionCipher(store, address).encrypt()/decrypt(). The store is the only state.
 */
export type { PreKeyBundle } from "./bundle.ts";
export { BundleError, DecryptError, SessionError, StateFormatError } from "./errors.ts";
export type { BundleErrorReason, DecryptErrorReason } from "./errors.ts";
export {
  generateIdentityKeyPair,
  generateKeyPair,
  generateKyberPreKey,
  generatePreKeys,
  generateRegistrationId,
  generateSignedPreKey,
} from "./keys.ts";
export type { IdentityKeyPair, KeyPair, KyberPreKeyRecord, PreKeyRecord, SignedPreKeyRecord } from "./keys.ts";
export { PROTOCOL_DESCRIPTION } from "./protocol.ts";
export { SessionCipher } from "./session-cipher.ts";
export type { DecryptResult, EncryptedMessage, MessageType } from "./session-cipher.ts";
export { processPreKeyBundle } from "./session-builder.ts";
export type { SessionRecord } from "./session-record.ts";
export { sessionRecordFromJson, sessionRecordToJson } from "./state-codec.ts";
export type { Json } from "./state-codec.ts";
export { MemorySignalStore } from "./store.ts";
export type { SignalStore } from "./store.ts";
