// Incremental ML-KEM-768 as the ML-KEM Braid uses it (docs/spqr-notes.md §6): the ek side
// sends its public key in two pieces, header = ρ ‖ H(ek) and ek_vector = ByteEncode12(t̂), and
// the ct side answers each with half a ciphertext, ct1 = c1 as soon as it has the header and
// ct2 = c2 once it has ek_vector. ct1 ‖ ct2 is an ordinary FIPS 203 ciphertext and the secret
// is ordinary ML-KEM.Decaps, so keys and decapsulation are noble's; only Encaps is split
// (Algorithm 17: (K, r) = G(m ‖ H(ek)), c = K-PKE.Encrypt(ek, m, r), see ml-kem-768-pke.ts).
//
// H(ek) is SHA3-256 of the FIPS ek, t̂ first then ρ (observed: libsignal hashes exactly that,
// not the "ek_seed ‖ ek_vector" order [MLKB]'s text writes).
import { sha3_256, sha3_512 } from "@noble/hashes/sha3.js";
import { randomBytes } from "@noble/hashes/utils.js";
import { ml_kem768 } from "@noble/post-quantum/ml-kem.js";
import { concatBytes, timingSafeEqual } from "../../../protocol/bytes.ts";
import { SpqrError } from "./errors.ts";
import { CT1_LENGTH, CT2_LENGTH, EK_VECTOR_LENGTH, decodeEkVector, encryptC1, encryptC2 } from "./ml-kem-768-pke.ts";

export { CT1_LENGTH, CT2_LENGTH, EK_VECTOR_LENGTH };
export const HEADER_LENGTH = 64;
export const DECAPSULATION_KEY_LENGTH = 2400;
export const SHARED_SECRET_LENGTH = 32;
export const KEYGEN_SEED_LENGTH = 64;
const MESSAGE_LENGTH = 32;
/**
 * The encapsulation state between encaps1 and encaps2: header ‖ m (96 bytes). The coins r and
 * the secret K are G(m ‖ H(ek)) again, so nothing else needs keeping. It is secret (m gives K).
 */
export const ENCAPS_STATE_LENGTH = HEADER_LENGTH + MESSAGE_LENGTH;
export type EncapsState = Uint8Array;

export interface IncrementalKeys {
  /** ρ ‖ SHA3-256(ek), 64 bytes. */
  readonly header: Uint8Array;
  /** ByteEncode12(t̂) = ek[0..1152), 1152 bytes. */
  readonly ekVector: Uint8Array;
  /** The FIPS 203 dk, dk_pke ‖ ek ‖ H(ek) ‖ z, 2400 bytes (what libsignal stores). */
  readonly decapsulationKey: Uint8Array;
}

export interface Encaps1Result {
  /** c1, 960 bytes. */
  readonly ct1: Uint8Array;
  /** K, 32 bytes: known as soon as ct1 is. */
  readonly sharedSecret: Uint8Array;
  readonly state: EncapsState;
}

function requireLength(value: Uint8Array, length: number, what: string): void {
  if (!(value instanceof Uint8Array) || value.length !== length)
    throw new SpqrError("bad-length", `${what} must be ${length} bytes`);
}

/** A fresh ML-KEM-768 key pair in the braid's three pieces. `seed` (d ‖ z, 64 bytes) is for tests. */
export function generate(seed?: Uint8Array): IncrementalKeys {
  if (seed !== undefined) requireLength(seed, KEYGEN_SEED_LENGTH, "a key-generation seed");
  const { publicKey, secretKey } = ml_kem768.keygen(seed);
  return {
    header: concatBytes(publicKey.subarray(EK_VECTOR_LENGTH), sha3_256(publicKey)),
    ekVector: publicKey.slice(0, EK_VECTOR_LENGTH),
    decapsulationKey: secretKey,
  };
}

/** Encaps, first half: (K, r) = G(m ‖ H(ek)) and c1, from the header only. `m` is for tests. */
export function encaps1(header: Uint8Array, m: Uint8Array = randomBytes(MESSAGE_LENGTH)): Encaps1Result {
  requireLength(header, HEADER_LENGTH, "an ML-KEM Braid header");
  requireLength(m, MESSAGE_LENGTH, "the encapsulation message m");
  const kr = sha3_512(concatBytes(m, header.subarray(32)));
  return {
    ct1: encryptC1(header.subarray(0, 32), kr.subarray(32)),
    sharedSecret: kr.slice(0, 32),
    state: concatBytes(header, m),
  };
}

/**
 * Encaps, second half: c2, once ek_vector has arrived. Refuses an ek_vector that is not the
 * one the header committed to (SHA3-256(ek_vector ‖ ρ) = H(ek)), so a wrong or corrupted key
 * never gets a ciphertext, and one that fails FIPS 203's modulus check.
 */
export function encaps2(state: EncapsState, ekVector: Uint8Array): Uint8Array {
  requireLength(state, ENCAPS_STATE_LENGTH, "an encapsulation state");
  requireLength(ekVector, EK_VECTOR_LENGTH, "an ek_vector");
  const rho = state.subarray(0, 32), hEk = state.subarray(32, HEADER_LENGTH), m = state.subarray(HEADER_LENGTH);
  if (!timingSafeEqual(sha3_256(concatBytes(ekVector, rho)), hEk))
    throw new SpqrError("ek-mismatch", "the ek_vector does not match the header's H(ek)");
  const tHat = decodeEkVector(ekVector);
  if (!tHat) throw new SpqrError("invalid-ek", "the ek_vector has a coefficient outside 0..q-1");
  const r = sha3_512(concatBytes(m, hEk)).subarray(32);
  return encryptC2(tHat, m, r);
}

/** ML-KEM-768.Decaps(dk, ct1 ‖ ct2): a wrong ciphertext gives an unrelated secret (implicit rejection). */
export function decapsulate(decapsulationKey: Uint8Array, ct1: Uint8Array, ct2: Uint8Array): Uint8Array {
  requireLength(decapsulationKey, DECAPSULATION_KEY_LENGTH, "an ML-KEM-768 decapsulation key");
  requireLength(ct1, CT1_LENGTH, "ct1");
  requireLength(ct2, CT2_LENGTH, "ct2");
  try {
    return ml_kem768.decapsulate(concatBytes(ct1, ct2), decapsulationKey);
  } catch {
    throw new SpqrError("invalid-dk", "the decapsulation key fails FIPS 203's hash check");
  }
}
