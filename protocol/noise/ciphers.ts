import { gcm } from "@noble/ciphers/aes.js";
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import type { CipherFunction } from "./suite.ts";

// Spec §12.3: AESGCM nonce = 32 zero bits then the 64-bit counter big-endian;
// ChaChaPoly (§12.4) = 32 zero bits then the counter little-endian.
function nonceBytes(n: bigint, littleEndian: boolean): Uint8Array {
  const iv = new Uint8Array(12);
  // Counters below 2^53 (all but REKEY's 2^64-1) skip BigInt, which costs more than the AEAD on small frames.
  if (n <= 0x1f_ffff_ffff_ffffn) {
    let value = Number(n);
    // Byte i of the 64-bit counter (least significant first) goes to 4+i (LE) or 11-i (BE).
    for (let i = 0; i < 8 && value > 0; i++) {
      iv[littleEndian ? 4 + i : 11 - i] = value % 256;
      value = Math.floor(value / 256);
    }
    return iv;
  }
  new DataView(iv.buffer).setBigUint64(4, n, littleEndian);
  return iv;
}

function asBytes(key: unknown): Uint8Array {
  if (!(key instanceof Uint8Array) || key.length !== 32) throw new TypeError("cipher key must be 32 bytes");
  return key;
}

type NobleAead = (key: Uint8Array, nonce: Uint8Array, ad: Uint8Array) => {
  encrypt(plaintext: Uint8Array): Uint8Array;
  decrypt(ciphertext: Uint8Array): Uint8Array;
};

function nobleCipher(name: string, aead: NobleAead, littleEndianNonce: boolean): CipherFunction {
  return {
    name,
    async prepareKey(k) {
      return asBytes(k).slice();
    },
    async encrypt(key, n, ad, plaintext) {
      return aead(asBytes(key), nonceBytes(n, littleEndianNonce), ad).encrypt(plaintext);
    },
    async decrypt(key, n, ad, ciphertext) {
      return aead(asBytes(key), nonceBytes(n, littleEndianNonce), ad).decrypt(ciphertext);
    },
  };
}

export const nobleAesGcm = nobleCipher("AESGCM", gcm, false);
export const nobleChaChaPoly = nobleCipher("ChaChaPoly", chacha20poly1305, true);

function asCryptoKey(key: unknown): CryptoKey {
  if (!(key instanceof CryptoKey)) throw new TypeError("expected a prepared AES-GCM CryptoKey");
  return key;
}

export const webcryptoAesGcm: CipherFunction = {
  name: "AESGCM",
  prepareKey(k) {
    return crypto.subtle.importKey("raw", asBytes(k), { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
  },
  async encrypt(key, n, ad, plaintext) {
    const params = { name: "AES-GCM", iv: nonceBytes(n, false), additionalData: ad, tagLength: 128 };
    return new Uint8Array(await crypto.subtle.encrypt(params, asCryptoKey(key), plaintext));
  },
  async decrypt(key, n, ad, ciphertext) {
    const params = { name: "AES-GCM", iv: nonceBytes(n, false), additionalData: ad, tagLength: 128 };
    return new Uint8Array(await crypto.subtle.decrypt(params, asCryptoKey(key), ciphertext));
  },
};
