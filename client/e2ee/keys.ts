// Key generation for one's own identity and prekeys, in libsignal's serialized forms so that
// bundles and signatures are byte-compatible with libsignal-based clients.
import { x25519 } from "@noble/curves/ed25519.js";
import { deserializeEcPublic, serializeEcPublic, serializeKyberPublic } from "../../protocol/signal/keys.ts";
import { xeddsaSign } from "../../protocol/signal/xeddsa.ts";
import { kyber1024 } from "../signal/kyber1024.ts";

export interface KeyPair {
  /** 33 bytes: 0x05 || X25519 public key. */
  readonly publicKey: Uint8Array;
  /** 32 bytes: X25519 private key. */
  readonly privateKey: Uint8Array;
}

/** An identity key is an ordinary X25519 pair: XEdDSA lets it both sign and take part in DH. */
export interface IdentityKeyPair extends KeyPair {}

export interface SignedPreKeyRecord {
  readonly id: number;
  readonly keyPair: KeyPair;
  /** XEdDSA by the identity key over keyPair.publicKey (33 bytes). */
  readonly signature: Uint8Array;
  readonly createdAtMs: number;
}

export interface KyberPreKeyRecord {
  readonly id: number;
  /** 1569 bytes: 0x08 || round-3 Kyber1024 public key (libsignal's key type 0x08). */
  readonly publicKey: Uint8Array;
  /** Round-3 Kyber1024 secret key, 3168 bytes: s || pk || H(pk) || z. */
  readonly secretKey: Uint8Array;
  /** XEdDSA by the identity key over publicKey (1569 bytes). */
  readonly signature: Uint8Array;
  /** Last-resort keys are reused when the one-time supply runs out, so they survive use. */
  readonly lastResort: boolean;
}

export interface PreKeyRecord {
  readonly id: number;
  readonly keyPair: KeyPair;
}

/** Prekey IDs travel as protobuf uint32. */
export function isKeyId(id: unknown): id is number {
  return typeof id === "number" && Number.isInteger(id) && id >= 0 && id <= 0xffffffff;
}

function requireKeyId(id: number): void {
  if (!isKeyId(id)) throw new RangeError(`prekey ID must be an integer in 0..2^32-1, got ${id}`);
}

export function generateKeyPair(): KeyPair {
  const privateKey = x25519.utils.randomSecretKey();
  return { publicKey: serializeEcPublic(x25519.getPublicKey(privateKey)), privateKey };
}

export function generateIdentityKeyPair(): IdentityKeyPair {
  return generateKeyPair();
}

const REGISTRATION_ID_RANGE = 16380;

/** Uniform in 1..16380, libsignal's range; rejection sampling avoids modulo bias. */
export function generateRegistrationId(): number {
  const limit = Math.floor(0x1_0000_0000 / REGISTRATION_ID_RANGE) * REGISTRATION_ID_RANGE;
  for (;;) {
    const [n] = crypto.getRandomValues(new Uint32Array(1));
    if (n !== undefined && n < limit) return (n % REGISTRATION_ID_RANGE) + 1;
  }
}

export function generateSignedPreKey(identity: IdentityKeyPair, id: number): SignedPreKeyRecord {
  requireKeyId(id);
  const keyPair = generateKeyPair();
  return { id, keyPair, signature: xeddsaSign(identity.privateKey, keyPair.publicKey), createdAtMs: Date.now() };
}

export function generateKyberPreKey(identity: IdentityKeyPair, id: number, lastResort: boolean): KyberPreKeyRecord {
  requireKeyId(id);
  const { publicKey, secretKey } = kyber1024.keygen();
  const serialized = serializeKyberPublic(publicKey);
  return { id, publicKey: serialized, secretKey, signature: xeddsaSign(identity.privateKey, serialized), lastResort };
}

export function generatePreKeys(startId: number, count: number): PreKeyRecord[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`prekey count must be a non-negative integer, got ${count}`);
  requireKeyId(startId);
  if (count > 0) requireKeyId(startId + count - 1);
  return Array.from({ length: count }, (_, i) => ({ id: startId + i, keyPair: generateKeyPair() }));
}

/** X25519 with a serialized (33-byte) public key. Throws on a malformed or low-order key. */
export function dh(privateKey: Uint8Array, serializedPublic: Uint8Array): Uint8Array {
  return x25519.getSharedSecret(privateKey, deserializeEcPublic(serializedPublic));
}
