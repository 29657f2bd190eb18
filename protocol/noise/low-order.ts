// X25519 public keys that pin every shared secret to a handful of values whatever the
// private key, so a key agreement with them is public. RFC 7748 §6.1 permits detecting them
// by the all-zero output; accepting such a key as a device's long-term identity, though,
// must be refused up front, where no key agreement happens yet.

const P = 2n ** 255n - 19n;

/**
 * The u-coordinates of every point of order 1, 2, 4 or 8 (the same list as libsodium's
 * `has_small_order` and noble's `lowOrderU`), plus p and p + 1, the non-canonical encodings
 * of 0 and 1. Any other 255-bit value is a point of large order on the curve or its twist.
 */
const LOW_ORDER_U = [
  0n,
  1n,
  325606250916557431795983626356110631294008115727848805560023387167927233504n,
  39382357235489614581723060781553021112529911719440698176882885853963445705823n,
  P - 1n,
  P,
  P + 1n,
];

const LOW_ORDER = LOW_ORDER_U.map((u) => {
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i++) bytes[i] = Number((u >> BigInt(8 * i)) & 0xffn);
  return bytes;
});

/**
 * True if `publicKey` is a low-order X25519 point in any encoding. The top bit is ignored, as
 * X25519 itself ignores it (RFC 7748 §5), so both spellings of each point are caught.
 */
export function isLowOrderX25519(publicKey: Uint8Array): boolean {
  if (publicKey.length !== 32) throw new TypeError(`X25519 public key must be 32 bytes, got ${publicKey.length}`);
  return LOW_ORDER.some((point) => point.every((b, i) => b === (i === 31 ? publicKey[i]! & 0x7f : publicKey[i])));
}
