// The one-paragraph statement of what this library speaks, for documentation, "about" screens
// and interop discussions. Keep it in step with the code: it is the contract.
import { MESSAGE_KEYS_INFO, ROOT_KDF_INFO } from "../signal/kdf.ts";
import { PQXDH_INFO } from "../signal/pqxdh.ts";
import { MESSAGE_VERSION, VERSION_BYTE } from "../signal/wire/index.ts";
import { MAX_FORWARD_JUMP, MAX_RECEIVER_CHAINS, MAX_SKIPPED_PER_CHAIN } from "./ratchet.ts";
import { MAX_ARCHIVED_SESSIONS } from "./session-record.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

export const PROTOCOL_DESCRIPTION =
  `libsignal's 1:1 protocol, message version ${MESSAGE_VERSION} (version byte 0x${VERSION_BYTE.toString(16)}), as libsignal 0.103 speaks it. ` +
  `PQXDH (signal.org/docs/specifications/pqxdh) with X25519, SHA-256 and Kyber1024 (CRYSTALS-Kyber round 3, libsignal's 0x08 keys; not FIPS 203 ML-KEM-1024): ` +
  `HKDF-SHA256(no salt, 32 0xFF bytes || DH(IK_A, SPK_B) || DH(EK_A, IK_B) || DH(EK_A, SPK_B) [|| DH(EK_A, OPK_B)] || SS, info "${text(PQXDH_INFO)}", 96) ` +
  `= root key || chain key || SPQR key. Keys are libsignal-serialized (0x05 || X25519, 0x08 || Kyber1024); identity keys sign prekeys with XEdDSA. ` +
  `Then the triple ratchet: the Double Ratchet (signal.org/docs/specifications/doubleratchet) with root KDF HKDF-SHA256(salt = root key, DH output, "${text(ROOT_KDF_INFO)}", 64), ` +
  `chain keys HMAC-SHA256(ck, 0x01) (message key seed) and HMAC-SHA256(ck, 0x02) (next), ` +
  `message keys HKDF-SHA256(salt = SPQR message key, seed, "${text(MESSAGE_KEYS_INFO)}", 80) = AES-256-CBC key || HMAC-SHA256 key || IV, ` +
  `and SPQR (the ML-KEM Braid over incremental ML-KEM-768, signal.org/docs/specifications/mlkembraid) in SignalMessage field 5. ` +
  `Bodies are AES-256-CBC with PKCS#7; SignalMessage = version byte || protobuf || HMAC-SHA256(mac key, sender IK || receiver IK || version byte || protobuf)[0..8]; ` +
  `PreKeySignalMessage carries the PQXDH data until the responder's first reply decrypts. ` +
  `At most ${MAX_RECEIVER_CHAINS} receiving chains per session, ${MAX_SKIPPED_PER_CHAIN} skipped keys per chain, a forward jump of at most ${MAX_FORWARD_JUMP}. ` +
  `One-time EC and Kyber prekeys are consumed (last-resort Kyber keys kept) only after the first message authenticates; remote identities are trust-on-first-use ` +
  `with change detection; a pkmsg with a new base key starts a session that replaces the current one, the previous ${MAX_ARCHIVED_SESSIONS} being archived and still tried, ` +
  `and a session that decrypts a message becomes current again. Not implemented here: sealed sender.`;
