/**
 * The body cipher of libsignal's SignalMessage: AES-256-CBC with PKCS#7 padding under the
 * message keys' cipher key and IV (kdf.ts `deriveMessageKeys`). Checked against libsignal 0.103:
 * its ciphertext field decrypts to exactly the plaintext given to signalEncrypt (no padding of
 * its own beyond PKCS#7; any content padding is the application's). The 8-byte MAC over the
 * serialized message is the wire codec's job, and must be checked before calling decrypt here.
 *
 * noble's CBC is synchronous, unlike WebCrypto's, so one code path serves Node, browsers and workerd.
 */
import { cbc } from "@noble/ciphers/aes.js";
import { IV_LENGTH, KEY_LENGTH } from "./kdf.ts";

const BLOCK_LENGTH = 16;

export type MessageCipherErrorReason = "bad-key" | "bad-length" | "bad-padding";

/** A body that cannot be decrypted, or keys of the wrong size. Never carries key or plaintext bytes. */
export class MessageCipherError extends Error {
  readonly reason: MessageCipherErrorReason;
  constructor(reason: MessageCipherErrorReason, message: string) {
    super(message);
    this.name = "MessageCipherError";
    this.reason = reason;
  }
}

export interface BodyKeys {
  readonly cipherKey: Uint8Array;
  readonly iv: Uint8Array;
}

function requireKeys(keys: BodyKeys): void {
  if (!(keys.cipherKey instanceof Uint8Array) || keys.cipherKey.length !== KEY_LENGTH) {
    throw new MessageCipherError("bad-key", `AES-256 key must be ${KEY_LENGTH} bytes`);
  }
  if (!(keys.iv instanceof Uint8Array) || keys.iv.length !== IV_LENGTH) throw new MessageCipherError("bad-key", `CBC IV must be ${IV_LENGTH} bytes`);
}

export function encryptBody(keys: BodyKeys, plaintext: Uint8Array): Uint8Array {
  requireKeys(keys);
  return cbc(keys.cipherKey, keys.iv).encrypt(plaintext);
}

/**
 * Only ever reached after the MAC verified, so a padding failure here means a peer that
 * encrypted wrongly, not an attacker probing (no padding oracle: forged bodies stop at the MAC).
 */
export function decryptBody(keys: BodyKeys, ciphertext: Uint8Array): Uint8Array {
  requireKeys(keys);
  if (!(ciphertext instanceof Uint8Array) || ciphertext.length === 0 || ciphertext.length % BLOCK_LENGTH !== 0) {
    throw new MessageCipherError("bad-length", `AES-CBC ciphertext must be a non-empty multiple of ${BLOCK_LENGTH} bytes`);
  }
  try {
    return cbc(keys.cipherKey, keys.iv).decrypt(ciphertext);
  } catch {
    throw new MessageCipherError("bad-padding", "AES-CBC body has invalid PKCS#7 padding");
  }
}
