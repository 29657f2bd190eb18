// SPQR's key derivations (docs/spqr-notes.md §3), each one HKDF-SHA256 (RFC 5869) with the
// exact labels libsignal 0.103 uses. Every line of the table there was recomputed from
// libsignal's own session records and messages (test/node/spqr-chain.test.ts), so the labels
// below are facts, not guesses: note the two spaces in "Chain  Start", and that the
// authenticator feeds root ‖ key as IKM under a zero salt (the ML-KEM Braid text says
// salt = root, IKM = key; libsignal does not, and we follow libsignal).
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { concatBytes } from "../../../protocol/bytes.ts";
import { SpqrError } from "./errors.ts";

export const KEY_SIZE = 32;
const Z32 = new Uint8Array(KEY_SIZE);
const encoder = new TextEncoder();

/** [MLKB] §2.2 PROTOCOL_INFO for the ML-KEM-768 braid; every braid label starts with it. */
export const PROTOCOL_INFO = "Signal_PQCKA_V1_MLKEM768";
const AUTH_UPDATE_INFO = encoder.encode(`${PROTOCOL_INFO}:Authenticator Update`);
const SCKA_KEY_INFO = encoder.encode(`${PROTOCOL_INFO}:SCKA Key`);
export const HEADER_MAC_INFO = encoder.encode(`${PROTOCOL_INFO}:ekheader`);
export const CIPHERTEXT_MAC_INFO = encoder.encode(`${PROTOCOL_INFO}:ciphertext`);
const CHAIN_START_INFO = encoder.encode("Signal PQ Ratchet V1 Chain  Start");
const CHAIN_ADD_EPOCH_INFO = encoder.encode("Signal PQ Ratchet V1 Chain Add Epoch");
const CHAIN_NEXT_INFO = encoder.encode("Signal PQ Ratchet V1 Chain Next");

const MAX_U64 = (1n << 64n) - 1n;
const MAX_U32 = 0xffff_ffff;

export function requireKey(value: unknown, what: string, length = KEY_SIZE): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== length)
    throw new SpqrError("bad-length", `${what} must be a Uint8Array of ${length} bytes`);
}

export function requireEpoch(epoch: unknown): asserts epoch is bigint {
  if (typeof epoch !== "bigint" || epoch < 0n || epoch > MAX_U64)
    throw new SpqrError("out-of-range", "an epoch must be a bigint in 0..2^64−1");
}

/** ToBytes(epoch) of [MLKB]: the u64 big-endian. */
export function be64(epoch: bigint): Uint8Array {
  requireEpoch(epoch);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, epoch);
  return out;
}

function be32(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > MAX_U32) throw new SpqrError("out-of-range", "a chain counter must be an integer in 0..2^32−1");
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}

const derive = (salt: Uint8Array, ikm: Uint8Array, info: Uint8Array, length: number) => hkdf(sha256, ikm, salt, info, length);

/** KDF_OK of [MLKB]: the epoch secret K_n from epoch n's ML-KEM shared secret. */
export function epochSecret(sharedSecret: Uint8Array, epoch: bigint): Uint8Array {
  requireKey(sharedSecret, "ML-KEM shared secret");
  return derive(Z32, sharedSecret, concatBytes(SCKA_KEY_INFO, be64(epoch)), KEY_SIZE);
}

export interface AuthenticatorKeys {
  readonly rootKey: Uint8Array;
  readonly macKey: Uint8Array;
}

/** Authenticator.Update(epoch, key): both new keys from the old root key and the epoch's key. */
export function deriveAuthenticatorKeys(rootKey: Uint8Array, key: Uint8Array, epoch: bigint): AuthenticatorKeys {
  requireKey(rootKey, "authenticator root key");
  requireKey(key, "authenticator update key");
  const out = derive(Z32, concatBytes(rootKey, key), concatBytes(AUTH_UPDATE_INFO, be64(epoch)), 2 * KEY_SIZE);
  return { rootKey: out.slice(0, KEY_SIZE), macKey: out.slice(KEY_SIZE) };
}

/** One epoch's chain material: the root for the next epoch and the two directions' chain keys. */
export interface EpochKeys {
  readonly nextRoot: Uint8Array;
  readonly a2b: Uint8Array;
  readonly b2a: Uint8Array;
}

const splitEpoch = (out: Uint8Array): EpochKeys => ({
  nextRoot: out.slice(0, KEY_SIZE),
  a2b: out.slice(KEY_SIZE, 2 * KEY_SIZE),
  b2a: out.slice(2 * KEY_SIZE),
});

/** Epoch 0 of the chain, straight from K_spqr. */
export function deriveChainStart(kSpqr: Uint8Array): EpochKeys {
  requireKey(kSpqr, "K_spqr");
  return splitEpoch(derive(Z32, kSpqr, CHAIN_START_INFO, 3 * KEY_SIZE));
}

/** Epoch n ≥ 1: the previous next_root salts the braid's epoch secret K_n. */
export function deriveChainEpoch(nextRoot: Uint8Array, epochKey: Uint8Array): EpochKeys {
  requireKey(nextRoot, "chain next_root");
  requireKey(epochKey, "epoch secret");
  return splitEpoch(derive(nextRoot, epochKey, CHAIN_ADD_EPOCH_INFO, 3 * KEY_SIZE));
}

/** One step of a direction: counter c (1, 2, …) turns `next` into the following `next` and c's pq_key. */
export function deriveChainNext(next: Uint8Array, counter: number): { readonly next: Uint8Array; readonly key: Uint8Array } {
  requireKey(next, "chain key");
  const out = derive(Z32, next, concatBytes(be32(counter), CHAIN_NEXT_INFO), 2 * KEY_SIZE);
  return { next: out.slice(0, KEY_SIZE), key: out.slice(KEY_SIZE) };
}
