import { x25519 } from "@noble/curves/ed25519.js";
import { describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes, utf8 } from "../../protocol/bytes.ts";
import { nobleX25519, webcryptoX25519 } from "../../protocol/noise/dh25519.ts";
import { HandshakeState, isLowOrderX25519 } from "../../protocol/noise/index.ts";

/** libsodium's has_small_order blacklist (crypto_scalarmult/curve25519/ref10/x25519_ref10.c), verbatim. */
const LOW_ORDER_POINTS = [
  "0000000000000000000000000000000000000000000000000000000000000000",
  "0100000000000000000000000000000000000000000000000000000000000000",
  "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
  "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
].map(hexToBytes);

const withTopBit = (p: Uint8Array) => Uint8Array.from(p, (b, i) => (i === 31 ? b | 0x80 : b));

describe("low-order X25519 public keys", () => {
  it("recognizes libsodium's seven points, in both top-bit spellings", () => {
    for (const p of LOW_ORDER_POINTS) {
      expect(isLowOrderX25519(p), bytesToHex(p)).toBe(true);
      expect(isLowOrderX25519(withTopBit(p)), bytesToHex(p)).toBe(true);
    }
  });

  it("each is a point no key agreement can use (noble refuses it, like the DH check)", () => {
    const scalar = x25519.utils.randomSecretKey();
    for (const p of LOW_ORDER_POINTS) expect(() => x25519.getSharedSecret(scalar, p), bytesToHex(p)).toThrow();
  });

  it("passes real keys and the points next to the low-order ones", async () => {
    for (let i = 0; i < 32; i++) expect(isLowOrderX25519((await webcryptoX25519.generateKeyPair()).publicKey)).toBe(false);
    const two = new Uint8Array(32);
    two[0] = 2;
    const nine = new Uint8Array(32);
    nine[0] = 9; // the base point
    expect(isLowOrderX25519(two)).toBe(false);
    expect(isLowOrderX25519(nine)).toBe(false);
  });

  it("refuses a key that is not 32 bytes rather than answer for it", () => {
    expect(() => isLowOrderX25519(new Uint8Array(31))).toThrow(TypeError);
  });

  // The responder learns the initiator's static key only inside the handshake, and the se
  // (XX) or ss (IK) key agreement with it follows at once: the DH check refuses it there.
  for (const backend of ["webcrypto", "noble"] as const) {
    it(`a low-order remote static fails the handshake as a bad key (${backend})`, async () => {
      const dh = backend === "webcrypto" ? webcryptoX25519 : nobleX25519;
      const prologue = utf8.encode("low-order");
      for (const point of [LOW_ORDER_POINTS[0]!, LOW_ORDER_POINTS[2]!]) {
        const real = await nobleX25519.generateKeyPair();
        const forged = await nobleX25519.keyPairFromPrivate(real.privateKey!, point);
        const init = await HandshakeState.initialize({ protocolName: "Noise_XX_25519_AESGCM_SHA256", initiator: true, prologue, s: forged, backend });
        const resp = await HandshakeState.initialize({
          protocolName: "Noise_XX_25519_AESGCM_SHA256", initiator: false, prologue, s: await dh.generateKeyPair(), backend,
        });
        await resp.readMessage(await init.writeMessage());
        await init.readMessage(await resp.writeMessage());
        await expect(resp.readMessage(await init.writeMessage())).rejects.toMatchObject({ reason: "invalid-key" });
        expect(resp.isComplete).toBe(false);
      }
    });
  }
});
