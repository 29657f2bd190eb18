// The one-paragraph statement of what this library speaks, for documentation, "about" screens
// and interop discussions. Keep it in step with the code: it is the contract.
import { MESSAGE_INFO, PQXDH_INFO, ROOT_INFO } from "./kdf.ts";
import { MESSAGE_VERSION } from "./messages.ts";
import { MAX_SKIP, MAX_SKIPPED_KEYS } from "./ratchet.ts";
import { MAX_ARCHIVED_SESSIONS } from "./session-record.ts";

export const PROTOCOL_DESCRIPTION =
  `Parley E2EE v${MESSAGE_VERSION}: Signal's PQXDH key agreement (signal.org/docs/specifications/pqxdh, revision 3) ` +
  `with curve X25519, hash SHA-256 and KEM Kyber1024 (CRYSTALS-Kyber round 3, what libsignal's 0x08 keys mean; not FIPS 203 ML-KEM-1024), info "${PQXDH_INFO}", ` +
  `SK = HKDF-SHA256(salt = 32 zero bytes, ikm = 32 0xFF bytes || DH1 || DH2 || DH3 [|| DH4] || SS, info, 32) where ` +
  `DH1 = DH(IK_A, SPK_B), DH2 = DH(EK_A, IK_B), DH3 = DH(EK_A, SPK_B), DH4 = DH(EK_A, OPK_B) only when a one-time EC prekey was handed out, ` +
  `and SS is encapsulated to the Kyber prekey in the bundle (one-time, or last-resort when the supply is exhausted); ` +
  `keys are libsignal-serialized (0x05 || X25519, 0x08 || Kyber1024), identity keys sign the serialized prekeys with XEdDSA and also act as X25519 DH keys, ` +
  `and AD = IK_A (33) || IK_B (33). It is followed by the Double Ratchet (signal.org/docs/specifications/doubleratchet) initialised as in its X3DH section ` +
  `(Alice: root key SK, Bob's signed prekey as his first ratchet key; Bob: his signed prekey pair as his first ratchet key pair), ` +
  `with KDF_RK = HKDF-SHA256(salt = root key, ikm = DH output, info "${ROOT_INFO}", 64), KDF_CK = HMAC-SHA256(chain key, 0x01) for the message key ` +
  `and HMAC-SHA256(chain key, 0x02) for the next chain key, and per message AES-256-GCM under (key 32, nonce 12) = HKDF-SHA256(salt = 32 zero bytes, ` +
  `ikm = message key, info "${MESSAGE_INFO}", 44) with associated data AD || 0x0${MESSAGE_VERSION} || ratchet key (33) || PN (u32 BE) || N (u32 BE); ` +
  `MAX_SKIP is ${MAX_SKIP} and at most ${MAX_SKIPPED_KEYS} skipped message keys are kept per session, each usable once. ` +
  `Wire bodies are a version byte 0x0${MESSAGE_VERSION} followed by protobuf parley.e2ee.SignalMessage ("msg") or PreKeySignalMessage ("pkmsg", ` +
  `sent by the initiator until it has decrypted the responder's first reply, all carrying the same PQXDH data). ` +
  `One-time EC and Kyber prekeys are consumed (last-resort Kyber keys kept) only after the first message authenticates; remote identities are trust-on-first-use ` +
  `with change detection; a pkmsg with a new base key starts a session that replaces the current one for that address, the previous ${MAX_ARCHIVED_SESSIONS} ` +
  `being archived and still tried for decryption (so simultaneous initiation converges), and a session that decrypts a fresh message becomes current again. ` +
  `Not implemented: sealed sender, header encryption, libsignal's wire format (this is libsignal-compatible in keys and signatures, not in messages).`;
