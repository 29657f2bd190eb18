import { x25519 } from "@noble/curves/ed25519.js";
import { concatBytes, hexToBytes } from "../bytes.ts";
import type { DhFunction, KeyPair } from "./suite.ts";

/** Portable X25519 (noble): used by clients without WebCrypto X25519 and as a cross-check in tests. */
export const nobleX25519: DhFunction = {
  name: "25519",
  dhLen: 32,
  async generateKeyPair() {
    return this.keyPairFromPrivate(x25519.utils.randomSecretKey());
  },
  async keyPairFromPrivate(privateKey, publicKey) {
    return { privateKey: privateKey.slice(), publicKey: publicKey?.slice() ?? x25519.getPublicKey(privateKey) };
  },
  async dh(keyPair, publicKey) {
    return x25519.getSharedSecret(privateOf(keyPair), publicKey);
  },
  async exportPrivateKey(keyPair) {
    return privateOf(keyPair).slice();
  },
};

function privateOf(keyPair: KeyPair): Uint8Array {
  if (!keyPair.privateKey) throw new TypeError("key pair has no raw private key");
  return keyPair.privateKey;
}

// WebCrypto imports X25519 private keys only as PKCS#8 or JWK (raw is public-only),
// so a raw 32-byte scalar is wrapped in this fixed RFC 8410 PKCS#8 header.
const PKCS8_X25519_PREFIX = hexToBytes("302e020100300506032b656e04220420");
// u = 9: X25519(k, basepoint) is the public key, which WebCrypto will not derive from a raw private key.
const BASEPOINT = (() => {
  const b = new Uint8Array(32);
  b[0] = 9;
  return b;
})();
const ALG = { name: "X25519" } as const;

async function importPrivate(privateKey: Uint8Array): Promise<CryptoKey> {
  if (privateKey.length !== 32) throw new TypeError("X25519 private key must be 32 bytes");
  return crypto.subtle.importKey("pkcs8", concatBytes(PKCS8_X25519_PREFIX, privateKey), ALG, false, ["deriveBits"]);
}

async function derive(privateKey: CryptoKey, publicKey: Uint8Array): Promise<Uint8Array> {
  if (publicKey.length !== 32) throw new TypeError("X25519 public key must be 32 bytes");
  const pub = await crypto.subtle.importKey("raw", publicKey, ALG, false, []);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: "X25519", public: pub } as SubtleCryptoDeriveKeyAlgorithm, privateKey, 256));
}

export const webcryptoX25519: DhFunction = {
  name: "25519",
  dhLen: 32,
  // Native generation: one scalar multiplication, versus PKCS#8 import plus a basepoint
  // multiplication for a key built from raw bytes (about 2x the cost, measured in bench/).
  async generateKeyPair() {
    const pair = (await crypto.subtle.generateKey(ALG, true, ["deriveBits"])) as CryptoKeyPair;
    const publicKey = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
    return { publicKey, handle: pair.privateKey };
  },
  async keyPairFromPrivate(privateKey, knownPublicKey) {
    const handle = await importPrivate(privateKey);
    const publicKey = knownPublicKey?.slice() ?? (await derive(handle, BASEPOINT));
    return { privateKey: privateKey.slice(), publicKey, handle };
  },
  async dh(keyPair: KeyPair, publicKey) {
    const handle = keyPair.handle instanceof CryptoKey ? keyPair.handle : await importPrivate(privateOf(keyPair));
    return derive(handle, publicKey);
  },
  async exportPrivateKey(keyPair) {
    if (keyPair.privateKey) return keyPair.privateKey.slice();
    if (!(keyPair.handle instanceof CryptoKey)) throw new TypeError("key pair has no private key");
    const pkcs8 = new Uint8Array((await crypto.subtle.exportKey("pkcs8", keyPair.handle)) as ArrayBuffer);
    return pkcs8.slice(PKCS8_X25519_PREFIX.length);
  },
};
