/**
 * The Double Ratchet's KDFs as libsignal (message version 4) runs them. Each constant below was
 * checked byte for byte against @signalapp/libsignal-client 0.103 session records and messages
 * (test/node/signal-keyschedule.test.ts):
 *
 *   root step:    HKDF-SHA256(salt = root key, IKM = DH output, info "WhisperRatchet", 64)
 *                 → new root key ‖ chain key
 *   chain step:   message key seed = HMAC-SHA256(ck, 0x01), next ck = HMAC-SHA256(ck, 0x02)
 *   message keys: HKDF-SHA256(salt = SPQR message key or none, IKM = seed,
 *                 info "WhisperMessageKeys", 80) → AES-256 key ‖ HMAC-SHA256 key ‖ CBC IV
 *
 * The SPQR salt is the triple ratchet's hybrid step: a session with SPQR state salts every
 * message key with the SPQR chain's key for that message; a session without it (pre-SPQR
 * records) uses no salt. Which SPQR key goes with which message is SPQR's business, not this file's.
 */
import { x25519 } from "@noble/curves/ed25519.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";

const encoder = new TextEncoder();
export const ROOT_KDF_INFO = encoder.encode("WhisperRatchet");
export const MESSAGE_KEYS_INFO = encoder.encode("WhisperMessageKeys");
export const KEY_LENGTH = 32;
export const IV_LENGTH = 16;
const MESSAGE_KEY_SEED_INPUT = Uint8Array.of(0x01);
const CHAIN_KEY_INPUT = Uint8Array.of(0x02);

export type KeyScheduleErrorReason = "bad-length" | "invalid-public-key" | "invalid-kyber-key";

/**
 * An input the key schedule cannot use: a key of the wrong size, a low-order X25519 point, or a
 * Kyber key that fails its own consistency checks.
 */
export class KeyScheduleError extends Error {
  readonly reason: KeyScheduleErrorReason;
  constructor(reason: KeyScheduleErrorReason, message: string) {
    super(message);
    this.name = "KeyScheduleError";
    this.reason = reason;
  }
}

export function requireKey(value: unknown, length: number, what: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new KeyScheduleError("bad-length", `${what} must be a Uint8Array of ${length} bytes`);
  if (value.length !== length) throw new KeyScheduleError("bad-length", `${what} must be ${length} bytes, got ${value.length}`);
}

/**
 * X25519 on raw 32-byte keys (libsignal's 33-byte serialization minus its 0x05 type byte).
 * noble refuses low-order points before running the ladder; that becomes a KeyScheduleError.
 */
export function x25519Agree(ourPrivate: Uint8Array, theirPublic: Uint8Array): Uint8Array {
  requireKey(ourPrivate, KEY_LENGTH, "X25519 private key");
  requireKey(theirPublic, KEY_LENGTH, "X25519 public key (raw, without the 0x05 type byte)");
  try {
    return x25519.getSharedSecret(ourPrivate, theirPublic);
  } catch {
    throw new KeyScheduleError("invalid-public-key", "X25519 public key is a low-order point");
  }
}

export interface RootStepOutput {
  readonly rootKey: Uint8Array;
  readonly chainKey: Uint8Array;
}

/** One turn of the root chain (Double Ratchet §3.1 KDF_RK). */
export function rootStep(rootKey: Uint8Array, dhOutput: Uint8Array): RootStepOutput {
  requireKey(rootKey, KEY_LENGTH, "root key");
  requireKey(dhOutput, KEY_LENGTH, "DH output");
  const out = hkdf(sha256, dhOutput, rootKey, ROOT_KDF_INFO, 2 * KEY_LENGTH);
  return { rootKey: out.slice(0, KEY_LENGTH), chainKey: out.slice(KEY_LENGTH) };
}

/**
 * A DH ratchet step: the root step over DH(our ratchet private, their ratchet public). Both
 * sides of a step compute the same output, each with its own private half.
 */
export function ratchetStep(rootKey: Uint8Array, ourRatchetPrivate: Uint8Array, theirRatchetPublic: Uint8Array): RootStepOutput {
  return rootStep(rootKey, x25519Agree(ourRatchetPrivate, theirRatchetPublic));
}

export interface ChainStepOutput {
  /** Input to {@link deriveMessageKeys} for the message at the chain's current index. */
  readonly messageKeySeed: Uint8Array;
  /** The chain key for the next index. */
  readonly nextChainKey: Uint8Array;
}

/** One turn of a sending or receiving chain (Double Ratchet §3.1 KDF_CK). */
export function chainStep(chainKey: Uint8Array): ChainStepOutput {
  requireKey(chainKey, KEY_LENGTH, "chain key");
  return {
    messageKeySeed: hmac(sha256, chainKey, MESSAGE_KEY_SEED_INPUT),
    nextChainKey: hmac(sha256, chainKey, CHAIN_KEY_INPUT),
  };
}

export interface MessageKeys {
  readonly cipherKey: Uint8Array;
  readonly macKey: Uint8Array;
  readonly iv: Uint8Array;
}

/**
 * The keys for one message. `spqrKey` is SPQR's 32-byte key for the same message when the
 * session has SPQR state (every session libsignal ≥ 0.92 creates), and null or absent only for
 * a session without it. Passing the wrong one yields keys whose MAC check fails, not an error.
 */
export function deriveMessageKeys(messageKeySeed: Uint8Array, spqrKey?: Uint8Array | null): MessageKeys {
  requireKey(messageKeySeed, KEY_LENGTH, "message key seed");
  if (spqrKey != null) requireKey(spqrKey, KEY_LENGTH, "SPQR message key");
  const out = hkdf(sha256, messageKeySeed, spqrKey ?? undefined, MESSAGE_KEYS_INFO, 2 * KEY_LENGTH + IV_LENGTH);
  return {
    cipherKey: out.slice(0, KEY_LENGTH),
    macKey: out.slice(KEY_LENGTH, 2 * KEY_LENGTH),
    iv: out.slice(2 * KEY_LENGTH),
  };
}
