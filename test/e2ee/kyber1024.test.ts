// Issue 14, "A bug to fix first": libsignal's 0x08 keys are round-3 Kyber1024, whose shared
// secret is not ML-KEM-1024's. Known answers from NIST's round-3 KAT (test/e2ee/vectors/README.md),
// implicit rejection checked against the round-3 formula, and the SDK's PQXDH on top.
import { ecb } from "@noble/ciphers/aes.js";
import { sha3_256, shake256 } from "@noble/hashes/sha3.js";
import { ml_kem1024 } from "@noble/post-quantum/ml-kem.js";
import { describe, expect, it } from "vitest";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { dh, generateIdentityKeyPair, generateKeyPair, generateKyberPreKey } from "../../client/e2ee/keys.ts";
import { encapsulateDeterministic, kyber1024, KyberError } from "../../client/signal/kyber1024.ts";
import { pqxdhInitiate, pqxdhRespond } from "../../client/signal/pqxdh.ts";
import { concatBytes, hexToBytes, utf8 } from "../../protocol/bytes.ts";
import { deserializeKyberPublic, serializeKyberPublic } from "../../protocol/signal/keys.ts";
import file from "./vectors/kyber1024-round3-kat.json";

interface Kat {
  count: number;
  seed: Uint8Array;
  pk: Uint8Array;
  sk: Uint8Array;
  ct: Uint8Array;
  ss: Uint8Array;
}
const kats: Kat[] = file.vectors.map((v) => ({
  count: v.count,
  seed: hexToBytes(v.seed),
  pk: hexToBytes(v.pk),
  sk: hexToBytes(v.sk),
  ct: hexToBytes(v.ct),
  ss: hexToBytes(v.ss),
}));
const kat0 = kats[0]!;

/** NIST's AES-256 CTR_DRBG without derivation function: `randombytes` of the KAT generator (rng.c). */
class NistDrbg {
  #key = new Uint8Array(32);
  #v = new Uint8Array(16);
  constructor(entropy: Uint8Array) {
    this.#update(entropy);
  }
  #nextBlock(): Uint8Array {
    for (let i = 15; i >= 0; i--) {
      this.#v[i] = (this.#v[i]! + 1) & 0xff;
      if (this.#v[i] !== 0) break;
    }
    return ecb(this.#key, { disablePadding: true }).encrypt(this.#v);
  }
  #update(provided?: Uint8Array): void {
    const temp = concatBytes(this.#nextBlock(), this.#nextBlock(), this.#nextBlock());
    if (provided) for (let i = 0; i < temp.length; i++) temp[i] = temp[i]! ^ provided[i]!;
    this.#key = temp.slice(0, 32);
    this.#v = temp.slice(32);
  }
  randomBytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let offset = 0; offset < length; offset += 16) out.set(this.#nextBlock().subarray(0, Math.min(16, length - offset)), offset);
    this.#update();
    return out;
  }
}

/** The draws PQCgenKAT_kem makes after seeding with the entry's seed: keygen's d and z, then encapsulation's randomness. */
function katDraws(seed: Uint8Array): { d: Uint8Array; z: Uint8Array; encapsulation: Uint8Array } {
  const drbg = new NistDrbg(seed);
  return { d: drbg.randomBytes(32), z: drbg.randomBytes(32), encapsulation: drbg.randomBytes(32) };
}

const zOf = (sk: Uint8Array) => sk.subarray(3136);
/** Round 3's rejection value, from the specification: KDF(z || H(c)). */
const kyberRejection = (sk: Uint8Array, ct: Uint8Array) => shake256(concatBytes(zOf(sk), sha3_256(ct)), { dkLen: 32 });
const tampered = (ct: Uint8Array, index: number) => {
  const out = ct.slice();
  out[index]! ^= 0x01;
  return out;
};

describe("round-3 Kyber1024, libsignal's key type 0x08 (issue 14)", () => {
  it("the test's DRBG reproduces the KAT's per-entry seeds from the generator's entropy 0..47", () => {
    const master = new NistDrbg(Uint8Array.from({ length: 48 }, (_, i) => i));
    for (const kat of kats) expect(master.randomBytes(48)).toEqual(kat.seed);
  });

  for (const kat of kats) {
    it(`KAT count ${kat.count}: encapsulation with the entry's randomness gives its ciphertext and secret`, () => {
      const { z, encapsulation } = katDraws(kat.seed);
      expect(zOf(kat.sk)).toEqual(z);
      const { ciphertext, sharedSecret } = encapsulateDeterministic(kat.pk, encapsulation);
      expect(ciphertext).toEqual(kat.ct);
      expect(sharedSecret).toEqual(kat.ss);
    });

    it(`KAT count ${kat.count}: decapsulation gives its secret`, () => {
      expect(kyber1024.decapsulate(kat.ct, kat.sk)).toEqual(kat.ss);
    });

    it(`KAT count ${kat.count}: a tampered ciphertext is rejected implicitly with SHAKE256(z || SHA3-256(c))`, () => {
      for (const index of [0, 700, 1567]) {
        const bad = tampered(kat.ct, index);
        const secret = kyber1024.decapsulate(bad, kat.sk);
        expect(secret).toEqual(kyberRejection(kat.sk, bad));
        expect(secret).not.toEqual(kat.ss);
        // ML-KEM's rejection value J(z || c) is yet another secret.
        expect(secret).not.toEqual(ml_kem1024.decapsulate(bad, kat.sk));
      }
    });
  }

  it("a ciphertext made for another key is rejected the same way", () => {
    const other = kats[1]!;
    expect(kyber1024.decapsulate(other.ct, kat0.sk)).toEqual(kyberRejection(kat0.sk, other.ct));
  });

  it("ML-KEM-1024 makes the same ciphertext from the same key and m, but another secret (the bug)", () => {
    const { encapsulation } = katDraws(kat0.seed);
    const mlkem = ml_kem1024.encapsulate(kat0.pk, sha3_256(encapsulation));
    expect(mlkem.cipherText).toEqual(kat0.ct);
    expect(mlkem.sharedSecret).not.toEqual(kat0.ss);
    expect(ml_kem1024.decapsulate(kat0.ct, kat0.sk)).not.toEqual(kat0.ss);
    expect(kyber1024.decapsulate(kat0.ct, kat0.sk)).toEqual(kat0.ss);
  });

  it("fresh key pairs: raw sizes, the secret key embeds the public key, both sides agree", () => {
    const { publicKey, secretKey } = kyber1024.keygen();
    expect(publicKey.length).toBe(1568);
    expect(secretKey.length).toBe(3168);
    expect(secretKey.subarray(1536, 3104)).toEqual(publicKey);
    expect(secretKey.subarray(3104, 3136)).toEqual(sha3_256(publicKey));
    const { ciphertext, sharedSecret } = kyber1024.encapsulate(publicKey);
    expect(ciphertext.length).toBe(1568);
    expect(sharedSecret.length).toBe(32);
    expect(kyber1024.decapsulate(ciphertext, secretKey)).toEqual(sharedSecret);
    expect(kyber1024.encapsulate(publicKey).sharedSecret).not.toEqual(sharedSecret);
  });

  it("refuses wrong lengths, out-of-range public keys and inconsistent secret keys with a KyberError, leaving inputs untouched", () => {
    const reason = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        expect(err).toBeInstanceOf(KyberError);
        return (err as KyberError).reason;
      }
      throw new Error("expected a KyberError");
    };
    const serialized = serializeKyberPublic(kat0.pk);
    expect(reason(() => kyber1024.encapsulate(serialized))).toBe("bad-length"); // libsignal's 0x08-prefixed form
    expect(reason(() => kyber1024.encapsulate(kat0.pk.subarray(1)))).toBe("bad-length");
    expect(reason(() => kyber1024.encapsulate("key" as unknown as Uint8Array))).toBe("bad-length");
    expect(reason(() => encapsulateDeterministic(kat0.pk, new Uint8Array(31)))).toBe("bad-length");
    expect(reason(() => kyber1024.decapsulate(concatBytes(new Uint8Array([0x08]), kat0.ct), kat0.sk))).toBe("bad-length");
    expect(reason(() => kyber1024.decapsulate(kat0.ct, kat0.sk.subarray(0, 3167)))).toBe("bad-length");
    expect(() => kyber1024.decapsulate(kat0.ct, kat0.sk.subarray(1))).toThrow(/secret key must be 3168 bytes, got 3167/);

    const outOfRange = kat0.pk.slice();
    // The first 12-bit coefficient is byte 0 | (byte 1 & 0x0f) << 8: make it 4095, above q - 1.
    outOfRange[0] = 0xff;
    outOfRange[1] = outOfRange[1]! | 0x0f;
    expect(reason(() => kyber1024.encapsulate(outOfRange))).toBe("invalid-public-key");

    const inconsistent = kat0.sk.slice();
    inconsistent[3104]! ^= 0x01; // H(pk)
    expect(reason(() => kyber1024.decapsulate(kat0.ct, inconsistent))).toBe("invalid-secret-key");

    expect(kyber1024.decapsulate(kat0.ct, kat0.sk)).toEqual(kat0.ss);
    expect(sha3_256(kat0.pk)).toEqual(kat0.sk.subarray(3104, 3136));
  });
});

describe("the SDK's PQXDH computes SS with round-3 Kyber1024 (issue 14)", () => {
  const alice = generateIdentityKeyPair();
  const bob = generateIdentityKeyPair();
  const bobSigned = generateKeyPair();
  const raw = (k: Uint8Array) => k.subarray(1);
  // The PQXDH KDF written out here, so a wrong KEM cannot hide behind a shared helper.
  const expectedSecrets = (dhs: Uint8Array[], ss: Uint8Array) =>
    hkdf(sha256, concatBytes(new Uint8Array(32).fill(0xff), ...dhs, ss), undefined, utf8.encode("WhisperText_X25519_SHA-256_CRYSTALS-KYBER-1024"), 96);

  it("responder: the KAT ciphertext to the KAT key yields the secrets over the KAT secret", () => {
    const base = generateKeyPair();
    const secrets = pqxdhRespond({
      ourIdentityPrivate: bob.privateKey,
      ourSignedPreKeyPrivate: bobSigned.privateKey,
      ourKyberSecretKey: kat0.sk,
      theirIdentityKey: raw(alice.publicKey),
      theirBaseKey: raw(base.publicKey),
      kyberCiphertext: kat0.ct,
    });
    const dhs = [dh(bobSigned.privateKey, alice.publicKey), dh(bob.privateKey, base.publicKey), dh(bobSigned.privateKey, base.publicKey)];
    expect(concatBytes(secrets.rootKey, secrets.chainKey, secrets.spqrKey)).toEqual(expectedSecrets(dhs, kat0.ss));
  });

  it("initiator: the secrets are over what Kyber decapsulation of its ciphertext gives", () => {
    const base = generateKeyPair();
    const { secrets, kyberCiphertext } = pqxdhInitiate({
      ourIdentityPrivate: alice.privateKey,
      ourBaseKeyPrivate: base.privateKey,
      theirIdentityKey: raw(bob.publicKey),
      theirSignedPreKey: raw(bobSigned.publicKey),
      theirKyberPreKey: kat0.pk,
    });
    const dhs = [dh(bobSigned.privateKey, alice.publicKey), dh(bob.privateKey, base.publicKey), dh(bobSigned.privateKey, base.publicKey)];
    expect(concatBytes(secrets.rootKey, secrets.chainKey, secrets.spqrKey)).toEqual(expectedSecrets(dhs, kyber1024.decapsulate(kyberCiphertext, kat0.sk)));
  });

  it("generated Kyber prekeys are 0x08-serialized round-3 key pairs", () => {
    const record = generateKyberPreKey(bob, 9, false);
    expect(record.publicKey.length).toBe(1569);
    expect(record.publicKey[0]).toBe(0x08);
    const { ciphertext, sharedSecret } = kyber1024.encapsulate(deserializeKyberPublic(record.publicKey));
    expect(kyber1024.decapsulate(ciphertext, record.secretKey)).toEqual(sharedSecret);
  });
});
