import { x25519 } from "@noble/curves/ed25519.js";
import { describe, expect, it } from "vitest";
import { hexToBytes } from "../../protocol/bytes.ts";
import { deserializeEcPublic, serializeEcPublic, serializeKyberPublic, KeyFormatError } from "../../protocol/signal/keys.ts";
import { xeddsaSign, xeddsaVerify } from "../../protocol/signal/xeddsa.ts";

// libsignal's own test vector (rust/core/src/curve/curve25519.rs, test_signature).
const VECTOR = {
  privateKey: hexToBytes("c097248412e58bf05df487968205132794178e367637f5818f81e0e6ce73e865"),
  publicKey: hexToBytes("ab7e717d4a163b7d9a1d8071dfe9dcf8cdcd1cea3339b6356be84d887e322c64"),
  message: hexToBytes("05edce9d9c415ca78cb7252e72c2c4a554d3eb29485a0e1d503118d1a82d99fb4a"),
  signature: hexToBytes(
    "5de88ca9a89b4a115da79109c67c9c7464a3e4180274f1cb8c63c2984e286dfbede82deb9dcd9fae0bfbb821569b3d9001bd8130cd11d486cef047bd60b86e88",
  ),
};

describe("XEdDSA (libsignal flavour)", () => {
  it("verifies libsignal's test vector, and no single-bit corruption of it", () => {
    expect(x25519.getPublicKey(VECTOR.privateKey)).toEqual(VECTOR.publicKey);
    expect(xeddsaVerify(VECTOR.publicKey, VECTOR.message, VECTOR.signature)).toBe(true);
    for (let i = 0; i < 64; i++) {
      const corrupted = VECTOR.signature.slice();
      corrupted[i]! ^= 1;
      expect(xeddsaVerify(VECTOR.publicKey, VECTOR.message, corrupted), `byte ${i}`).toBe(false);
    }
  });

  it("signs what it verifies, for random keys of either Edwards sign", () => {
    const signs = new Set<number>();
    for (let i = 0; i < 24; i++) {
      const priv = x25519.utils.randomSecretKey();
      const msg = crypto.getRandomValues(new Uint8Array(33));
      const sig = xeddsaSign(priv, msg);
      signs.add(sig[63]! >> 7);
      expect(xeddsaVerify(x25519.getPublicKey(priv), msg, sig)).toBe(true);
      expect(xeddsaVerify(x25519.getPublicKey(priv), msg.map((b, j) => (j === 0 ? b ^ 1 : b)), sig)).toBe(false);
    }
    expect(signs.size).toBe(2);
  });

  it("rejects malformed keys and signatures", () => {
    expect(xeddsaVerify(new Uint8Array(31), VECTOR.message, VECTOR.signature)).toBe(false);
    expect(xeddsaVerify(VECTOR.publicKey, VECTOR.message, VECTOR.signature.subarray(0, 63))).toBe(false);
    const highS = VECTOR.signature.slice();
    highS[63] = (highS[63]! & 0x80) | 0x60;
    expect(xeddsaVerify(VECTOR.publicKey, VECTOR.message, highS)).toBe(false);
  });

  it("serializes keys the way libsignal does", () => {
    const ec = serializeEcPublic(VECTOR.publicKey);
    expect(ec[0]).toBe(0x05);
    expect(ec).toHaveLength(33);
    expect(deserializeEcPublic(ec)).toEqual(VECTOR.publicKey);
    expect(() => deserializeEcPublic(VECTOR.publicKey)).toThrow(KeyFormatError);
    const kyber = serializeKyberPublic(new Uint8Array(1568));
    expect([kyber[0], kyber.length]).toEqual([0x08, 1569]);
  });
});
