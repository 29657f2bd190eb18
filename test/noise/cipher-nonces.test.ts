import { gcm } from "@noble/ciphers/aes.js";
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { describe, expect, it } from "vitest";
import { nobleAesGcm, nobleChaChaPoly, webcryptoAesGcm } from "../../protocol/noise/ciphers.ts";

// Noise §12.3/§12.4: the 96-bit nonce is 32 zero bits then the 64-bit counter, big-endian for
// AESGCM and little-endian for ChaChaPoly. The reference IV here is built independently
// (DataView over a BigInt), for counters that cross every byte boundary.
const COUNTERS = [0n, 1n, 255n, 256n, 65_535n, 65_536n, 0xffff_ffffn, 0x1_0000_0000n, 0x123_4567_89abn, 0x1f_ffff_ffff_ffffn, 0xffff_ffff_ffff_fffen];

function referenceIv(n: bigint, littleEndian: boolean): Uint8Array {
  const iv = new Uint8Array(12);
  new DataView(iv.buffer).setBigUint64(4, n, littleEndian);
  return iv;
}

describe("transport cipher nonces", () => {
  const key = new Uint8Array(32).map((_, i) => i + 1);
  const ad = new Uint8Array([1, 2, 3]);
  const plaintext = new Uint8Array(40).fill(7);

  it.each(COUNTERS)("AESGCM and ChaChaPoly place counter %s as the spec says", async (n) => {
    const aes = gcm(key, referenceIv(n, false), ad).encrypt(plaintext);
    expect(await nobleAesGcm.encrypt(key, n, ad, plaintext)).toEqual(aes);
    expect(await webcryptoAesGcm.encrypt(await webcryptoAesGcm.prepareKey(key), n, ad, plaintext)).toEqual(aes);
    const chacha = chacha20poly1305(key, referenceIv(n, true), ad).encrypt(plaintext);
    expect(await nobleChaChaPoly.encrypt(key, n, ad, plaintext)).toEqual(chacha);
  });
});
