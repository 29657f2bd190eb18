import { describe, expect, it } from "vitest";
import {
  BundleError,
  MemorySignalStore,
  PROTOCOL_DESCRIPTION,
  generateIdentityKeyPair,
  generateKyberPreKey,
  generatePreKeys,
  generateRegistrationId,
  generateSignedPreKey,
  processPreKeyBundle,
  type PreKeyBundle,
} from "../../client/e2ee/index.ts";
import { deserializeEcPublic } from "../../protocol/signal/keys.ts";
import { xeddsaSign, xeddsaVerify } from "../../protocol/signal/xeddsa.ts";

function bobBundle(): PreKeyBundle {
  const identity = generateIdentityKeyPair();
  const spk = generateSignedPreKey(identity, 7);
  const kyber = generateKyberPreKey(identity, 8, false);
  const [opk] = generatePreKeys(9, 1);
  return {
    deviceId: "bob-phone",
    registrationId: generateRegistrationId(),
    identityKey: identity.publicKey,
    signedPreKey: { id: spk.id, publicKey: spk.keyPair.publicKey, signature: spk.signature },
    kyberPreKey: { id: kyber.id, publicKey: kyber.publicKey, signature: kyber.signature },
    preKey: { id: opk!.id, publicKey: opk!.keyPair.publicKey },
  };
}

const flipped = (bytes: Uint8Array, index: number): Uint8Array => bytes.map((b, i) => (i === index ? b ^ 0x01 : b));

function expectBundleError(fn: () => unknown, reason: BundleError["reason"]): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BundleError);
    expect((err as BundleError).reason).toBe(reason);
    return;
  }
  throw new Error(`expected BundleError(${reason})`);
}

describe("E2EE key generation", () => {
  it("produces libsignal-sized keys with XEdDSA signatures over the serialized publics", () => {
    const identity = generateIdentityKeyPair();
    expect(identity.publicKey.length).toBe(33);
    expect(identity.publicKey[0]).toBe(0x05);
    expect(identity.privateKey.length).toBe(32);

    const spk = generateSignedPreKey(identity, 1);
    expect(spk.id).toBe(1);
    expect(spk.keyPair.publicKey.length).toBe(33);
    expect(spk.signature.length).toBe(64);
    expect(spk.createdAtMs).toBeGreaterThan(0);
    expect(xeddsaVerify(deserializeEcPublic(identity.publicKey), spk.keyPair.publicKey, spk.signature)).toBe(true);

    const kyber = generateKyberPreKey(identity, 2, true);
    expect(kyber.publicKey.length).toBe(1569);
    expect(kyber.publicKey[0]).toBe(0x08);
    expect(kyber.signature.length).toBe(64);
    expect(kyber.lastResort).toBe(true);
    expect(xeddsaVerify(deserializeEcPublic(identity.publicKey), kyber.publicKey, kyber.signature)).toBe(true);

    const preKeys = generatePreKeys(100, 5);
    expect(preKeys.map((p) => p.id)).toEqual([100, 101, 102, 103, 104]);
    for (const p of preKeys) expect(p.keyPair.publicKey.length).toBe(33);
    expect(new Set(preKeys.map((p) => p.keyPair.privateKey.join())).size).toBe(5);
  });

  it("draws registration IDs from libsignal's range 1..16380", () => {
    for (let i = 0; i < 500; i++) {
      const id = generateRegistrationId();
      expect(Number.isInteger(id) && id >= 1 && id <= 16380).toBe(true);
    }
  });

  it("rejects prekey IDs that cannot travel as uint32", () => {
    const identity = generateIdentityKeyPair();
    expect(() => generateSignedPreKey(identity, -1)).toThrow(RangeError);
    expect(() => generateSignedPreKey(identity, 1.5)).toThrow(RangeError);
    expect(() => generatePreKeys(0xffffffff, 2)).toThrow(RangeError);
  });

  it("describes the protocol it speaks", () => {
    for (const label of ["message version 4", "0x44", "WhisperText_X25519_SHA-256_CRYSTALS-KYBER-1024", "WhisperRatchet", "WhisperMessageKeys", "SPQR", "Double Ratchet"]) {
      expect(PROTOCOL_DESCRIPTION).toContain(label);
    }
  });
});

describe("prekey bundle verification", () => {
  const alice = () => new MemorySignalStore(generateIdentityKeyPair(), generateRegistrationId());

  it("accepts a genuine bundle", () => {
    const store = alice();
    expect(processPreKeyBundle(store, "net.bob", bobBundle())).toEqual({ identityChanged: false });
    expect(store.loadSession("net.bob")).toBeDefined();
  });

  it("rejects a tampered signed-prekey signature, and stores nothing", () => {
    const bundle = bobBundle();
    const store = alice();
    const tampered = { ...bundle, signedPreKey: { ...bundle.signedPreKey, signature: flipped(bundle.signedPreKey.signature, 5) } };
    expectBundleError(() => processPreKeyBundle(store, "net.bob", tampered), "bad-signature");
    expect(store.loadSession("net.bob")).toBeUndefined();
    expect(store.identityOf("net.bob")).toBeUndefined();
  });

  it("rejects a tampered Kyber signature or a swapped Kyber key", () => {
    const bundle = bobBundle();
    const badSignature = { ...bundle, kyberPreKey: { ...bundle.kyberPreKey, signature: flipped(bundle.kyberPreKey.signature, 40) } };
    expectBundleError(() => processPreKeyBundle(alice(), "net.bob", badSignature), "bad-signature");
    const badKey = { ...bundle, kyberPreKey: { ...bundle.kyberPreKey, publicKey: flipped(bundle.kyberPreKey.publicKey, 700) } };
    expectBundleError(() => processPreKeyBundle(alice(), "net.bob", badKey), "bad-signature");
  });

  it("rejects prekeys signed by another identity", () => {
    const bundle = bobBundle();
    expectBundleError(() => processPreKeyBundle(alice(), "net.bob", { ...bundle, identityKey: generateIdentityKeyPair().publicKey }), "bad-signature");
  });

  it("rejects malformed keys and signatures", () => {
    const bundle = bobBundle();
    const cases: PreKeyBundle[] = [
      { ...bundle, identityKey: bundle.identityKey.subarray(1) },
      { ...bundle, identityKey: Uint8Array.of(0x06, ...bundle.identityKey.subarray(1)) },
      { ...bundle, signedPreKey: { ...bundle.signedPreKey, signature: bundle.signedPreKey.signature.subarray(0, 63) } },
      { ...bundle, kyberPreKey: { ...bundle.kyberPreKey, publicKey: bundle.kyberPreKey.publicKey.subarray(1) } },
      { ...bundle, preKey: { id: 9, publicKey: new Uint8Array(32) } },
      { ...bundle, registrationId: -1 },
      { ...bundle, signedPreKey: { ...bundle.signedPreKey, id: 2 ** 32 } },
    ];
    for (const c of cases) expectBundleError(() => processPreKeyBundle(alice(), "net.bob", c), "malformed");
  });

  it("rejects a signed low-order prekey as malformed", () => {
    const identity = generateIdentityKeyPair();
    const bundle = bobBundle();
    // u = 0 is a low-order point: X25519 with it yields all zeros, which noble refuses.
    const lowOrder = new Uint8Array(33);
    lowOrder[0] = 0x05;
    const signed = {
      ...bundle,
      identityKey: identity.publicKey,
      signedPreKey: { id: 1, publicKey: lowOrder, signature: xeddsaSign(identity.privateKey, lowOrder) },
      kyberPreKey: (() => {
        const k = generateKyberPreKey(identity, 2, false);
        return { id: k.id, publicKey: k.publicKey, signature: k.signature };
      })(),
    };
    expectBundleError(() => processPreKeyBundle(alice(), "net.bob", signed), "malformed");
  });
});
