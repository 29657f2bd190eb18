// The key derivations and the AEAD of PQXDH and the Double Ratchet, all from audited noble
// primitives. Every label here is part of the wire protocol: changing one breaks interop.
import { gcm } from "@noble/ciphers/aes.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { concatBytes, utf8 } from "../../protocol/bytes.ts";

export const PQXDH_INFO = "Parley_PQXDH_X25519_SHA-256_ML-KEM-1024";
export const ROOT_INFO = "Parley_DR_Root";
export const MESSAGE_INFO = "Parley_DR_Message";

const ZERO_SALT = new Uint8Array(32);
// PQXDH §2.2: for X25519, 32 0xFF bytes before the DH outputs, so the input can never be
// mistaken for an XEdDSA hash input (domain separation).
const F = new Uint8Array(32).fill(0xff);
const PQXDH_INFO_BYTES = utf8.encode(PQXDH_INFO);
const ROOT_INFO_BYTES = utf8.encode(ROOT_INFO);
const MESSAGE_INFO_BYTES = utf8.encode(MESSAGE_INFO);
const MESSAGE_KEY_SEED = Uint8Array.of(0x01);
const CHAIN_KEY_SEED = Uint8Array.of(0x02);

/** PQXDH's KDF: SK = HKDF-SHA256(salt = 0^32, ikm = F || DH1 || DH2 || DH3 [|| DH4] || SS). */
export function pqxdhSharedKey(dhOutputs: readonly Uint8Array[], kemSecret: Uint8Array): Uint8Array {
  return hkdf(sha256, concatBytes(F, ...dhOutputs, kemSecret), ZERO_SALT, PQXDH_INFO_BYTES, 32);
}

/** Double Ratchet KDF_RK: the root key salts HKDF over the fresh DH output. */
export function kdfRk(rootKey: Uint8Array, dhOutput: Uint8Array): { rootKey: Uint8Array; chainKey: Uint8Array } {
  const out = hkdf(sha256, dhOutput, rootKey, ROOT_INFO_BYTES, 64);
  return { rootKey: out.slice(0, 32), chainKey: out.slice(32) };
}

/** Double Ratchet KDF_CK: HMAC with distinct constants, so a message key never reveals the next chain key. */
export function kdfCk(chainKey: Uint8Array): { messageKey: Uint8Array; chainKey: Uint8Array } {
  return { messageKey: hmac(sha256, chainKey, MESSAGE_KEY_SEED), chainKey: hmac(sha256, chainKey, CHAIN_KEY_SEED) };
}

function aeadParams(messageKey: Uint8Array): { key: Uint8Array; nonce: Uint8Array } {
  const okm = hkdf(sha256, messageKey, ZERO_SALT, MESSAGE_INFO_BYTES, 44);
  // Each message key is used exactly once, so a derived (deterministic) nonce is safe.
  return { key: okm.slice(0, 32), nonce: okm.slice(32) };
}

export function sealMessage(messageKey: Uint8Array, associatedData: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const { key, nonce } = aeadParams(messageKey);
  return gcm(key, nonce, associatedData).encrypt(plaintext);
}

/** Returns null when authentication fails. */
export function openMessage(messageKey: Uint8Array, associatedData: Uint8Array, ciphertext: Uint8Array): Uint8Array | null {
  const { key, nonce } = aeadParams(messageKey);
  try {
    return gcm(key, nonce, associatedData).decrypt(ciphertext);
  } catch {
    return null;
  }
}
