import { ed25519 } from "@noble/curves/ed25519.js";
import { bytesToNumberLE, numberToBytesLE } from "@noble/curves/utils.js";
import { sha512 } from "@noble/hashes/sha2.js";
import { concatBytes } from "../bytes.ts";
import { SIGNATURE_LENGTH } from "./keys.ts";

/**
 * XEdDSA (signal.org/docs/specifications/xeddsa) over Curve25519 identity keys, exactly as
 * libsignal computes it: instead of forcing the Edwards sign bit to 0, libsignal carries it
 * in the top bit of the signature (which is otherwise always 0), and verification rebuilds
 * the Edwards key from the Montgomery u-coordinate with that bit.
 */
const Point = ed25519.Point;
const Fp = Point.Fp;
const Fn = Point.Fn;
const HASH1_PREFIX = new Uint8Array(32).fill(0xff);
HASH1_PREFIX[0] = 0xfe;

function clamp(key: Uint8Array): Uint8Array {
  const k = key.slice();
  k[0]! &= 248;
  k[31]! &= 127;
  k[31]! |= 64;
  return k;
}

const scalarOf = (bytes: Uint8Array): bigint => Fn.create(bytesToNumberLE(bytes));
const wideScalar = (hash: Uint8Array): bigint => Fn.create(bytesToNumberLE(hash));

/** Signs with an X25519 private key (clamped first, as X25519 itself does). `random` (64 bytes) is fresh randomness; tests may fix it. */
export function xeddsaSign(privateKey: Uint8Array, message: Uint8Array, random: Uint8Array = crypto.getRandomValues(new Uint8Array(64))): Uint8Array {
  if (privateKey.length !== 32) throw new TypeError("XEdDSA private key must be 32 bytes");
  // libsignal stores private keys clamped (RFC 7748) and signs with those exact bytes.
  privateKey = clamp(privateKey);
  const a = scalarOf(privateKey);
  const edPublic = Point.BASE.multiply(a).toBytes();
  const signBit = edPublic[31]! & 0x80;
  const r = wideScalar(sha512(concatBytes(HASH1_PREFIX, privateKey, message, random)));
  const capR = Point.BASE.multiply(r).toBytes();
  const h = wideScalar(sha512(concatBytes(capR, edPublic, message)));
  const s = Fn.create(h * a + r);
  const signature = concatBytes(capR, numberToBytesLE(s, 32));
  signature[63] = (signature[63]! & 0x7f) | signBit;
  return signature;
}

/** Montgomery u to an Edwards public key encoding: y = (u - 1) / (u + 1), x's sign bit given. */
function edwardsFromMontgomery(u: Uint8Array, signBit: number): Uint8Array | null {
  const uNum = Fp.create(bytesToNumberLE(u) & ((1n << 255n) - 1n));
  if (Fp.eql(uNum, Fp.neg(Fp.ONE))) return null; // u = -1 has no Edwards image
  const y = Fp.div(Fp.sub(uNum, Fp.ONE), Fp.add(uNum, Fp.ONE));
  const encoded = numberToBytesLE(y, 32);
  encoded[31] = (encoded[31]! & 0x7f) | (signBit << 7);
  return encoded;
}

/** Verifies against a raw 32-byte X25519 public key (strip libsignal's 0x05 prefix first). */
export function xeddsaVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== SIGNATURE_LENGTH) return false;
  const capA = edwardsFromMontgomery(publicKey, (signature[63]! & 0x80) >> 7);
  if (!capA) return false;
  const s = signature.slice(32);
  s[31]! &= 0x7f;
  if ((s[31]! & 0xe0) !== 0) return false;
  let A: InstanceType<typeof Point>;
  try {
    A = Point.fromBytes(capA);
  } catch {
    return false;
  }
  const capR = signature.subarray(0, 32);
  const h = wideScalar(sha512(concatBytes(capR, capA, message)));
  // R' = sB - hA, compared in encoded form: libsignal's (cofactorless) check. Variable time
  // is fine here: every input is public.
  const check = Point.BASE.multiplyUnsafe(scalarOf(s)).subtract(A.multiplyUnsafe(h)).toBytes();
  let diff = 0;
  for (let i = 0; i < 32; i++) diff |= check[i]! ^ capR[i]!;
  return diff === 0;
}
