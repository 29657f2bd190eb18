// The sender key chain of Signal's group messaging (sender keys), as libsignal 0.103 runs it
// (checked against its SenderKeyDistributionMessage chain keys and SenderKeyMessage bodies in
// test/node/sender-keys.test.ts):
//
//   message key seed = HMAC-SHA256(chain key, 0x01), next chain key = HMAC-SHA256(chain key, 0x02)
//   message keys     = HKDF-SHA256(no salt, IKM = seed, info "WhisperGroup", 48) → CBC IV 16 ‖ AES-256 key 32
//
// The same chain step as the Double Ratchet's symmetric chain; only the message-key expansion
// differs (no MAC key: a sender key message is authenticated by its signature instead).
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import type { BodyKeys } from "../message-cipher.ts";

export const CHAIN_KEY_LENGTH = 32;
const SEED_INPUT = Uint8Array.of(0x01);
const CHAIN_INPUT = Uint8Array.of(0x02);
const MESSAGE_KEYS_INFO = new TextEncoder().encode("WhisperGroup");
const IV_LENGTH = 16;
const MESSAGE_KEYS_LENGTH = 48;

export const messageKeySeed = (chainKey: Uint8Array): Uint8Array => hmac(sha256, chainKey, SEED_INPUT);
export const nextChainKey = (chainKey: Uint8Array): Uint8Array => hmac(sha256, chainKey, CHAIN_INPUT);

export function messageKeys(seed: Uint8Array): BodyKeys {
  const okm = hkdf(sha256, seed, undefined, MESSAGE_KEYS_INFO, MESSAGE_KEYS_LENGTH);
  return { iv: okm.slice(0, IV_LENGTH), cipherKey: okm.slice(IV_LENGTH) };
}
