import { blake2b, blake2s } from "@noble/hashes/blake2.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256, sha512 } from "@noble/hashes/sha2.js";
import type { HashFunction } from "./suite.ts";

type NobleHash = typeof sha256 | typeof sha512 | typeof blake2s | typeof blake2b;

const EMPTY = new Uint8Array(0);

function nobleHash(name: string, fn: NobleHash, hashLen: number): HashFunction {
  return {
    name,
    hashLen,
    hash: (data) => fn(data),
    hkdf(chainingKey, ikm, outputs) {
      const okm = hkdf(fn, ikm, chainingKey, EMPTY, hashLen * outputs);
      const parts: Uint8Array[] = [];
      for (let i = 0; i < outputs; i++) parts.push(okm.subarray(i * hashLen, (i + 1) * hashLen));
      return parts;
    },
  };
}

/**
 * HKDF on WebCrypto: native code, 2.3x faster than noble inside workerd, where WebCrypto
 * runs on the calling thread. In Node every WebCrypto call waits on the libuv threadpool and
 * noble is 10x faster, so this is chosen only on Workers (see resolveSuite).
 */
function nativeHkdf(base: HashFunction, webcryptoName: "SHA-256" | "SHA-512"): HashFunction {
  return {
    ...base,
    async hkdf(chainingKey, ikm, outputs) {
      const key = await crypto.subtle.importKey("raw", ikm, "HKDF", false, ["deriveBits"]);
      const bits = await crypto.subtle.deriveBits({ name: "HKDF", hash: webcryptoName, salt: chainingKey, info: EMPTY }, key, base.hashLen * outputs * 8);
      const okm = new Uint8Array(bits);
      const parts: Uint8Array[] = [];
      for (let i = 0; i < outputs; i++) parts.push(okm.subarray(i * base.hashLen, (i + 1) * base.hashLen));
      return parts;
    },
  };
}

export const HASHES: Readonly<Record<string, HashFunction>> = {
  SHA256: nobleHash("SHA256", sha256, 32),
  SHA512: nobleHash("SHA512", sha512, 64),
  BLAKE2s: nobleHash("BLAKE2s", blake2s, 32),
  BLAKE2b: nobleHash("BLAKE2b", blake2b, 64),
};

export const NATIVE_HASHES: Readonly<Record<string, HashFunction>> = {
  ...HASHES,
  SHA256: nativeHkdf(HASHES.SHA256!, "SHA-256"),
  SHA512: nativeHkdf(HASHES.SHA512!, "SHA-512"),
};
