// Incremental ML-KEM-768 (docs/spqr-notes.md §6) inside workerd: encaps1 + encaps2 are exactly
// FIPS 203 ML-KEM-768.Encaps as @noble/post-quantum computes it, over many random keys and
// messages; keys are noble's; every refusal is a typed SpqrError. test/node/spqr-primitives
// checks the same pieces against keys and ciphertexts libsignal made.
import { sha3_256 } from "@noble/hashes/sha3.js";
import { randomBytes } from "@noble/hashes/utils.js";
import { ml_kem768 } from "@noble/post-quantum/ml-kem.js";
import { describe, expect, it } from "vitest";
import { SpqrError, type SpqrErrorReason } from "../../client/signal/spqr/errors.ts";
import {
  CT1_LENGTH,
  CT2_LENGTH,
  ENCAPS_STATE_LENGTH,
  decapsulate,
  encaps1,
  encaps2,
  generate,
} from "../../client/signal/spqr/incremental-mlkem768.ts";
import { bytesToHex, concatBytes } from "../../protocol/bytes.ts";

function refuses(fn: () => unknown, reason: SpqrErrorReason): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SpqrError);
    expect((e as SpqrError).reason).toBe(reason);
    return;
  }
  throw new Error(`expected SpqrError ${reason}`);
}

describe("incremental ML-KEM-768 (issue 14)", () => {
  it("generate: header = ρ ‖ SHA3-256(ek), ek_vector = t̂, dk = FIPS dk; deterministic from a seed as noble's keygen", () => {
    const seed = randomBytes(64);
    const keys = generate(seed);
    const { publicKey, secretKey } = ml_kem768.keygen(seed);
    expect(bytesToHex(concatBytes(keys.ekVector, keys.header.subarray(0, 32)))).toBe(bytesToHex(publicKey));
    expect(bytesToHex(keys.header.subarray(32))).toBe(bytesToHex(sha3_256(publicKey)));
    expect(bytesToHex(keys.decapsulationKey)).toBe(bytesToHex(secretKey));
    expect(bytesToHex(keys.decapsulationKey.subarray(2336, 2368))).toBe(bytesToHex(keys.header.subarray(32))); // dk's H(ek)
    expect([keys.header.length, keys.ekVector.length, keys.decapsulationKey.length]).toEqual([64, 1152, 2400]);
  });

  it("encaps1 + encaps2 with the same m equal ml_kem768.encapsulate(ek, m), and decapsulate recovers the secret, over 40 random keys", () => {
    for (let trial = 0; trial < 40; trial++) {
      const keys = generate();
      const ek = concatBytes(keys.ekVector, keys.header.subarray(0, 32));
      const m = randomBytes(32);
      const { ct1, sharedSecret, state } = encaps1(keys.header, m);
      expect(state.length).toBe(ENCAPS_STATE_LENGTH);
      const ct2 = encaps2(state, keys.ekVector);
      const reference = ml_kem768.encapsulate(ek, m);
      expect(bytesToHex(concatBytes(ct1, ct2))).toBe(bytesToHex(reference.cipherText));
      expect(bytesToHex(sharedSecret)).toBe(bytesToHex(reference.sharedSecret));
      expect(bytesToHex(decapsulate(keys.decapsulationKey, ct1, ct2))).toBe(bytesToHex(sharedSecret));
      expect(bytesToHex(ml_kem768.decapsulate(concatBytes(ct1, ct2), keys.decapsulationKey))).toBe(bytesToHex(sharedSecret));
    }
  });

  it("without m, encaps1 draws a fresh one: two encapsulations differ, both decapsulate", () => {
    const keys = generate();
    const a = encaps1(keys.header), b = encaps1(keys.header);
    expect(bytesToHex(a.ct1)).not.toBe(bytesToHex(b.ct1));
    for (const e of [a, b]) expect(bytesToHex(decapsulate(keys.decapsulationKey, e.ct1, encaps2(e.state, keys.ekVector)))).toBe(bytesToHex(e.sharedSecret));
  });

  it("a changed ciphertext decapsulates to an unrelated secret (implicit rejection), not an error", () => {
    const keys = generate();
    const { ct1, sharedSecret, state } = encaps1(keys.header);
    const ct2 = encaps2(state, keys.ekVector);
    const bad = ct1.slice();
    bad[0]! ^= 1;
    expect(bytesToHex(decapsulate(keys.decapsulationKey, bad, ct2))).not.toBe(bytesToHex(sharedSecret));
  });

  it("encaps2 refuses an ek_vector the header did not commit to, and one failing the modulus check", () => {
    const keys = generate();
    const { state } = encaps1(keys.header);
    const other = generate();
    refuses(() => encaps2(state, other.ekVector), "ek-mismatch");
    const flipped = keys.ekVector.slice();
    flipped[100]! ^= 0x40;
    refuses(() => encaps2(state, flipped), "ek-mismatch");

    // A header that commits to an ek_vector with a coefficient 0xfff ≥ q: the hash matches, the key is still refused.
    const invalid = keys.ekVector.slice();
    invalid[0] = 0xff;
    invalid[1]! |= 0x0f;
    const header = concatBytes(keys.header.subarray(0, 32), sha3_256(concatBytes(invalid, keys.header.subarray(0, 32))));
    refuses(() => encaps2(encaps1(header).state, invalid), "invalid-ek");
    expect(() => ml_kem768.encapsulate(concatBytes(invalid, keys.header.subarray(0, 32)))).toThrow(); // noble agrees
  });

  it("refuses wrong lengths and a dk whose H(ek) is wrong, with typed errors", () => {
    const keys = generate();
    const { ct1, state } = encaps1(keys.header);
    const ct2 = encaps2(state, keys.ekVector);
    refuses(() => generate(new Uint8Array(32)), "bad-length");
    refuses(() => encaps1(keys.header.subarray(0, 63)), "bad-length");
    refuses(() => encaps1(keys.header, new Uint8Array(31)), "bad-length");
    refuses(() => encaps2(state.subarray(1), keys.ekVector), "bad-length");
    refuses(() => encaps2(state, keys.ekVector.subarray(1)), "bad-length");
    refuses(() => decapsulate(keys.decapsulationKey.subarray(1), ct1, ct2), "bad-length");
    refuses(() => decapsulate(keys.decapsulationKey, ct1.subarray(1), ct2), "bad-length");
    refuses(() => decapsulate(keys.decapsulationKey, ct1, new Uint8Array(CT2_LENGTH + 1)), "bad-length");
    expect(ct1.length).toBe(CT1_LENGTH);
    const dk = keys.decapsulationKey.slice();
    dk[2340]! ^= 1;
    refuses(() => decapsulate(dk, ct1, ct2), "invalid-dk");
  });
});
