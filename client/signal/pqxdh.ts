/**
 * PQXDH (signal.org/docs/specifications/pqxdh) as libsignal computes it for message version 4,
 * checked against @signalapp/libsignal-client 0.103 (test/node/signal-keyschedule.test.ts):
 *
 *   IKM  = 0xFF × 32 ‖ DH(IK_A, SPK_B) ‖ DH(EK_A, IK_B) ‖ DH(EK_A, SPK_B) [‖ DH(EK_A, OPK_B)] ‖ SS
 *   SS   = round-3 Kyber1024 shared secret for KYBER_B (key type 0x08)
 *   out  = HKDF-SHA256(salt = none, IKM, info "WhisperText_X25519_SHA-256_CRYSTALS-KYBER-1024", 96)
 *        = root key ‖ chain key ‖ SPQR key
 *
 * The 0xFF prefix is the spec's F (curve25519 keeps XEdDSA signatures and DH inputs apart); the
 * SPQR key is the initial secret libsignal stores in the session's PQ ratchet state.
 *
 * Then libsignal's Alice ratchets once before her first message: her receiving chain (ratchet
 * key SPK_B) is the PQXDH chain key, and her sending chain comes from a root step with a fresh
 * ratchet key against SPK_B ({@link initiatorChains}). Bob starts from root key = PQXDH root key
 * and a sending chain (ratchet key SPK_B) = PQXDH chain key; Alice's first message then takes
 * him through an ordinary DH ratchet step (kdf.ts `ratchetStep`), which reproduces her chain.
 *
 * All keys are raw: 32-byte X25519 keys without libsignal's 0x05 type byte, Kyber keys and
 * ciphertexts without its 0x08 type byte. Signatures on the bundle are the caller's to verify.
 */
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { concatBytes } from "@noble/hashes/utils.js";
import { KeyScheduleError, KEY_LENGTH, ratchetStep, requireKey, x25519Agree } from "./kdf.ts";
import { KYBER1024_CIPHERTEXT_LENGTH, KYBER1024_PUBLIC_KEY_LENGTH, KYBER1024_SECRET_KEY_LENGTH, kyber1024, KyberError } from "./kyber1024.ts";

export const PQXDH_INFO = new TextEncoder().encode("WhisperText_X25519_SHA-256_CRYSTALS-KYBER-1024");
const DISCONTINUITY_BYTES = new Uint8Array(KEY_LENGTH).fill(0xff);

export interface PqxdhSecrets {
  readonly rootKey: Uint8Array;
  readonly chainKey: Uint8Array;
  /** The SPQR ratchet's initial shared secret. */
  readonly spqrKey: Uint8Array;
}

export interface InitiatorInput {
  readonly ourIdentityPrivate: Uint8Array;
  /** EK_A: fresh for every session; its public half travels as the message's base key. */
  readonly ourBaseKeyPrivate: Uint8Array;
  readonly theirIdentityKey: Uint8Array;
  readonly theirSignedPreKey: Uint8Array;
  /** Absent when the bundle had no one-time EC prekey (DH4 is then left out). */
  readonly theirOneTimePreKey?: Uint8Array | undefined;
  readonly theirKyberPreKey: Uint8Array;
}

export interface InitiatorOutput {
  readonly secrets: PqxdhSecrets;
  /** 1568 raw bytes; the wire carries them behind a 0x08 type byte. */
  readonly kyberCiphertext: Uint8Array;
}

export interface ResponderInput {
  readonly ourIdentityPrivate: Uint8Array;
  readonly ourSignedPreKeyPrivate: Uint8Array;
  /** Required exactly when the message names a one-time prekey. */
  readonly ourOneTimePreKeyPrivate?: Uint8Array | undefined;
  readonly ourKyberSecretKey: Uint8Array;
  readonly theirIdentityKey: Uint8Array;
  readonly theirBaseKey: Uint8Array;
  readonly kyberCiphertext: Uint8Array;
}

/** Kyber's input errors, in the key schedule's vocabulary, so callers switch on one reason type. */
function withKyberErrors<T>(run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (e instanceof KyberError) throw new KeyScheduleError(e.reason === "bad-length" ? "bad-length" : "invalid-kyber-key", e.message);
    throw e;
  }
}

function deriveSecrets(dhOutputs: readonly Uint8Array[], kyberSharedSecret: Uint8Array): PqxdhSecrets {
  const ikm = concatBytes(DISCONTINUITY_BYTES, ...dhOutputs, kyberSharedSecret);
  const out = hkdf(sha256, ikm, undefined, PQXDH_INFO, 3 * KEY_LENGTH);
  ikm.fill(0);
  return {
    rootKey: out.slice(0, KEY_LENGTH),
    chainKey: out.slice(KEY_LENGTH, 2 * KEY_LENGTH),
    spqrKey: out.slice(2 * KEY_LENGTH),
  };
}

/** Alice's side: the DH set in the spec's order, then encapsulation to Bob's Kyber prekey. */
export function pqxdhInitiate(input: InitiatorInput): InitiatorOutput {
  const dhOutputs = [
    x25519Agree(input.ourIdentityPrivate, input.theirSignedPreKey),
    x25519Agree(input.ourBaseKeyPrivate, input.theirIdentityKey),
    x25519Agree(input.ourBaseKeyPrivate, input.theirSignedPreKey),
  ];
  if (input.theirOneTimePreKey !== undefined) dhOutputs.push(x25519Agree(input.ourBaseKeyPrivate, input.theirOneTimePreKey));
  requireKey(input.theirKyberPreKey, KYBER1024_PUBLIC_KEY_LENGTH, "Kyber1024 public key (raw, without the 0x08 type byte)");
  const { ciphertext, sharedSecret } = withKyberErrors(() => kyber1024.encapsulate(input.theirKyberPreKey));
  const secrets = deriveSecrets(dhOutputs, sharedSecret);
  sharedSecret.fill(0);
  for (const dh of dhOutputs) dh.fill(0);
  return { secrets, kyberCiphertext: ciphertext };
}

/**
 * Bob's side, from his private halves and the PreKeySignalMessage's fields. A wrong Kyber
 * ciphertext does not throw (Kyber rejects implicitly): it yields unrelated secrets, and the
 * first message's MAC check fails instead.
 */
export function pqxdhRespond(input: ResponderInput): PqxdhSecrets {
  const dhOutputs = [
    x25519Agree(input.ourSignedPreKeyPrivate, input.theirIdentityKey),
    x25519Agree(input.ourIdentityPrivate, input.theirBaseKey),
    x25519Agree(input.ourSignedPreKeyPrivate, input.theirBaseKey),
  ];
  if (input.ourOneTimePreKeyPrivate !== undefined) dhOutputs.push(x25519Agree(input.ourOneTimePreKeyPrivate, input.theirBaseKey));
  requireKey(input.kyberCiphertext, KYBER1024_CIPHERTEXT_LENGTH, "Kyber1024 ciphertext (raw, without the 0x08 type byte)");
  requireKey(input.ourKyberSecretKey, KYBER1024_SECRET_KEY_LENGTH, "Kyber1024 secret key (raw, without the 0x08 type byte)");
  const sharedSecret = withKyberErrors(() => kyber1024.decapsulate(input.kyberCiphertext, input.ourKyberSecretKey));
  const secrets = deriveSecrets(dhOutputs, sharedSecret);
  sharedSecret.fill(0);
  for (const dh of dhOutputs) dh.fill(0);
  return secrets;
}

export interface InitiatorChains {
  /** The session's root key after Alice's first ratchet step. */
  readonly rootKey: Uint8Array;
  /** Alice's sending chain at index 0, under her ratchet key. */
  readonly sendingChainKey: Uint8Array;
  /** Alice's receiving chain at index 0, under SPK_B (Bob's initial sending chain). */
  readonly receivingChainKey: Uint8Array;
}

/** The ratchet step libsignal's Alice takes before her first message, with a fresh ratchet key. */
export function initiatorChains(secrets: PqxdhSecrets, ourRatchetPrivate: Uint8Array, theirSignedPreKey: Uint8Array): InitiatorChains {
  const sending = ratchetStep(secrets.rootKey, ourRatchetPrivate, theirSignedPreKey);
  return { rootKey: sending.rootKey, sendingChainKey: sending.chainKey, receivingChainKey: secrets.chainKey.slice() };
}
