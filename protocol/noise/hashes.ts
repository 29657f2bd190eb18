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

export const HASHES: Readonly<Record<string, HashFunction>> = {
  SHA256: nobleHash("SHA256", sha256, 32),
  SHA512: nobleHash("SHA512", sha512, 64),
  BLAKE2s: nobleHash("BLAKE2s", blake2s, 32),
  BLAKE2b: nobleHash("BLAKE2b", blake2b, 64),
};
