/**
 * Kyber1024 as libsignal's KEM key type `0x08` uses it: CRYSTALS-Kyber round 3 (v3.02, the
 * NIST round-3 submission), which is not FIPS 203 ML-KEM-1024. Keys and ciphertexts have the
 * same bytes in both; only the shared secret differs (round-3 reference, `ref/kem.c`):
 *
 *   Encaps: m = H(random 32); (K̄, r) = G(m ‖ H(pk)); c = K-PKE.Enc(pk, m, r); K = KDF(K̄ ‖ H(c))
 *   Decaps: m' = K-PKE.Dec(sk, c); (K̄', r') = G(m' ‖ h); c' = K-PKE.Enc(pk, m', r');
 *           K = KDF(K̄' ‖ H(c)) if c = c', else KDF(z ‖ H(c))
 *
 * with H = SHA3-256, G = SHA3-512, KDF = SHAKE256 to 32 bytes, sk = s ‖ pk ‖ h = H(pk) ‖ z.
 * ML-KEM keeps the same K-PKE and the same G(m ‖ H(pk)), but drops the H on m, returns K̄ itself
 * and rejects with J(z ‖ c) = SHAKE256(z ‖ c). So Kyber is computed exactly on top of noble's
 * ML-KEM-1024: encapsulate with m = H(random) and hash the result with H(c); on decapsulation,
 * tell implicit rejection by comparing noble's output with J(z ‖ c), then pick K̄' or z.
 * noble exposes no K-PKE, so this is the only way to reach it without re-implementing it.
 */
import { sha3_256, shake256 } from "@noble/hashes/sha3.js";
import { randomBytes } from "@noble/hashes/utils.js";
import { ml_kem1024 } from "@noble/post-quantum/ml-kem.js";

export const KYBER1024_PUBLIC_KEY_LENGTH = 1568;
export const KYBER1024_SECRET_KEY_LENGTH = 3168;
export const KYBER1024_CIPHERTEXT_LENGTH = 1568;
export const KYBER1024_SHARED_SECRET_LENGTH = 32;
const RANDOMNESS_LENGTH = 32;
/** z, the implicit-rejection secret, is the secret key's last 32 bytes. */
const Z_OFFSET = KYBER1024_SECRET_KEY_LENGTH - 32;

export type KyberErrorReason = "bad-length" | "invalid-public-key" | "invalid-secret-key";

/**
 * An input that cannot be used: a wrong length, a public key with a coefficient outside 0..q-1
 * (FIPS 203's modulus check, which noble applies; honest keys always pass it), or a secret key
 * whose embedded H(pk) does not match its public key. Never thrown for a wrong ciphertext:
 * decapsulation then yields an unrelated secret (implicit rejection).
 */
export class KyberError extends Error {
  readonly reason: KyberErrorReason;
  constructor(reason: KyberErrorReason, message: string) {
    super(message);
    this.name = "KyberError";
    this.reason = reason;
  }
}

export interface Kyber1024KeyPair {
  /** 1568 bytes, raw (no libsignal type byte). */
  readonly publicKey: Uint8Array;
  /** 3168 bytes: s ‖ pk ‖ H(pk) ‖ z. */
  readonly secretKey: Uint8Array;
}

export interface Kyber1024Encapsulation {
  /** 1568 bytes, raw (libsignal puts the `0x08` type byte in front on the wire). */
  readonly ciphertext: Uint8Array;
  /** 32 bytes. */
  readonly sharedSecret: Uint8Array;
}

function requireBytes(value: unknown, length: number, what: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new KyberError("bad-length", `Kyber1024 ${what} must be a Uint8Array of ${length} bytes`);
  if (value.length !== length) throw new KyberError("bad-length", `Kyber1024 ${what} must be ${length} bytes, got ${value.length}`);
}

/** KDF(prefix ‖ H(c)): the step that turns ML-KEM's 32-byte key into Kyber's. */
function kdf(prefix: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  return shake256.create({ dkLen: KYBER1024_SHARED_SECRET_LENGTH }).update(prefix).update(sha3_256(ciphertext)).digest();
}

/**
 * Kyber keygen expands its seed as G(d), ML-KEM as G(d ‖ k), and nothing else differs. The seed
 * is never stored or sent, so for a uniformly random seed both give identically distributed
 * key pairs in the same layout: a fresh ML-KEM-1024 key pair is a Kyber1024 key pair.
 */
function keygen(): Kyber1024KeyPair {
  const { publicKey, secretKey } = ml_kem1024.keygen();
  return { publicKey, secretKey };
}

/**
 * Encapsulation with caller-chosen randomness, for known-answer tests only: reusing or
 * guessing `randomness` exposes the shared secret. Use {@link kyber1024}.encapsulate.
 * `randomness` is the 32 bytes round 3 draws from its RNG before hashing them into m.
 */
export function encapsulateDeterministic(publicKey: Uint8Array, randomness: Uint8Array): Kyber1024Encapsulation {
  requireBytes(publicKey, KYBER1024_PUBLIC_KEY_LENGTH, "public key");
  requireBytes(randomness, RANDOMNESS_LENGTH, "encapsulation randomness");
  // Round 3 hashes its RNG output into m ("don't release system RNG output"); ML-KEM takes m as is.
  const m = sha3_256(randomness);
  let encapsulated: { cipherText: Uint8Array; sharedSecret: Uint8Array };
  try {
    encapsulated = ml_kem1024.encapsulate(publicKey, m);
  } catch {
    throw new KyberError("invalid-public-key", "Kyber1024 public key has a coefficient outside 0..q-1");
  } finally {
    m.fill(0);
  }
  const { cipherText, sharedSecret: kBar } = encapsulated;
  const sharedSecret = kdf(kBar, cipherText);
  kBar.fill(0);
  return { ciphertext: cipherText, sharedSecret };
}

function encapsulate(publicKey: Uint8Array): Kyber1024Encapsulation {
  const randomness = randomBytes(RANDOMNESS_LENGTH);
  try {
    return encapsulateDeterministic(publicKey, randomness);
  } finally {
    randomness.fill(0);
  }
}

function decapsulate(ciphertext: Uint8Array, secretKey: Uint8Array): Uint8Array {
  requireBytes(ciphertext, KYBER1024_CIPHERTEXT_LENGTH, "ciphertext");
  requireBytes(secretKey, KYBER1024_SECRET_KEY_LENGTH, "secret key");
  let kHat: Uint8Array;
  try {
    // K̄' when the re-encryption matches, J(z ‖ c) when it does not.
    kHat = ml_kem1024.decapsulate(ciphertext, secretKey);
  } catch {
    throw new KyberError("invalid-secret-key", "Kyber1024 secret key's H(pk) does not match its public key");
  }
  const z = secretKey.subarray(Z_OFFSET);
  const rejection = shake256.create({ dkLen: KYBER1024_SHARED_SECRET_LENGTH }).update(z).update(ciphertext).digest();
  // Which branch ML-KEM took is secret (it is a decryption-failure oracle), so neither the
  // comparison nor the choice between K̄' and z may branch or exit early. A valid K̄' equal to
  // J(z ‖ c) would be a SHAKE256 collision (probability 2^-256).
  let diff = 0;
  for (let i = 0; i < KYBER1024_SHARED_SECRET_LENGTH; i++) diff |= kHat[i]! ^ rejection[i]!;
  const rejectMask = ((diff - 1) >> 8) & 0xff; // 0xff iff diff === 0
  const prefix = new Uint8Array(KYBER1024_SHARED_SECRET_LENGTH);
  for (let i = 0; i < KYBER1024_SHARED_SECRET_LENGTH; i++) prefix[i] = kHat[i]! ^ (rejectMask & (kHat[i]! ^ z[i]!));
  const sharedSecret = kdf(prefix, ciphertext);
  kHat.fill(0);
  rejection.fill(0);
  prefix.fill(0);
  return sharedSecret;
}

/**
 * Round-3 Kyber1024 on raw keys and ciphertexts (no libsignal type byte).
 * @example
 * ```ts
 * const { publicKey, secretKey } = kyber1024.keygen();
 * const { ciphertext, sharedSecret } = kyber1024.encapsulate(publicKey);
 * kyber1024.decapsulate(ciphertext, secretKey); // equals sharedSecret
 * ```
 */
export const kyber1024 = Object.freeze({
  keygen,
  /** Throws KyberError on a wrong length or an out-of-range public key. */
  encapsulate,
  /** Throws KyberError on a wrong length or an inconsistent secret key; never on a wrong ciphertext. */
  decapsulate,
});
