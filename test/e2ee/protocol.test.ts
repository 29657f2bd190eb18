// Re-derives a first message from its wire bytes with nothing but the formulas in
// PROTOCOL_DESCRIPTION and noble primitives: the library's own KDF code is not used, so
// this pins the documented protocol rather than whatever the code happens to do.
import { gcm } from "@noble/ciphers/aes.js";
import { x25519 } from "@noble/curves/ed25519.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { sha3_256, shake256 } from "@noble/hashes/sha3.js";
import { ml_kem1024 } from "@noble/post-quantum/ml-kem.js";
import { describe, expect, it } from "vitest";
import {
  MemorySignalStore,
  SessionCipher,
  generateIdentityKeyPair,
  generateKyberPreKey,
  generatePreKeys,
  generateRegistrationId,
  generateSignedPreKey,
  processPreKeyBundle,
} from "../../client/e2ee/index.ts";
import "../../proto/runtime.ts";
import { parley } from "../../proto/generated/parley.js";
import { concatBytes, utf8 } from "../../protocol/bytes.ts";

const raw = (serialized: Uint8Array): Uint8Array => serialized.subarray(1);
const u32be = (n: number): Uint8Array => {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
};

describe("E2EE wire protocol, re-derived independently", () => {
  for (const withOneTimePreKey of [true, false]) {
    it(`matches the documented PQXDH + Double Ratchet derivation (${withOneTimePreKey ? "with" : "without"} DH4)`, () => {
      const aliceIdentity = generateIdentityKeyPair();
      const alice = new MemorySignalStore(aliceIdentity, generateRegistrationId());
      const bobIdentity = generateIdentityKeyPair();
      const spk = generateSignedPreKey(bobIdentity, 3);
      const kyber = generateKyberPreKey(bobIdentity, 4, false);
      const [opk] = generatePreKeys(5, 1);
      processPreKeyBundle(alice, "net.bob", {
        deviceId: "bob",
        registrationId: 77,
        identityKey: bobIdentity.publicKey,
        signedPreKey: { id: spk.id, publicKey: spk.keyPair.publicKey, signature: spk.signature },
        kyberPreKey: { id: kyber.id, publicKey: kyber.publicKey, signature: kyber.signature },
        ...(withOneTimePreKey ? { preKey: { id: opk!.id, publicKey: opk!.keyPair.publicKey } } : {}),
      });
      const sent = new SessionCipher(alice, "net.bob").encrypt(utf8.encode("spec check"));
      expect(sent.type).toBe("pkmsg");

      // Outer message: version byte, then PreKeySignalMessage.
      expect(sent.body[0]).toBe(0x01);
      const pk = parley.e2ee.PreKeySignalMessage.decode(sent.body.subarray(1));
      expect(pk.registrationId).toBe(alice.registrationId());
      expect(pk.preKeyId ?? undefined).toBe(withOneTimePreKey ? 5 : undefined);
      expect(pk.signedPreKeyId).toBe(3);
      expect(pk.kyberPreKeyId).toBe(4);
      expect(pk.identityKey).toEqual(aliceIdentity.publicKey);
      expect(pk.baseKey.length).toBe(33);
      expect(pk.kyberCiphertext.length).toBe(1568);

      // PQXDH, Bob's side.
      const dhs = [
        x25519.getSharedSecret(spk.keyPair.privateKey, raw(pk.identityKey)), // DH1 = DH(IK_A, SPK_B)
        x25519.getSharedSecret(bobIdentity.privateKey, raw(pk.baseKey)), // DH2 = DH(EK_A, IK_B)
        x25519.getSharedSecret(spk.keyPair.privateKey, raw(pk.baseKey)), // DH3 = DH(EK_A, SPK_B)
      ];
      if (withOneTimePreKey) dhs.push(x25519.getSharedSecret(opk!.keyPair.privateKey, raw(pk.baseKey))); // DH4
      // Round-3 Kyber1024 (libsignal's 0x08): for an honest ciphertext ML-KEM yields K̄, and SS = SHAKE256(K̄ || SHA3-256(c)).
      const ss = shake256(concatBytes(ml_kem1024.decapsulate(pk.kyberCiphertext, kyber.secretKey), sha3_256(pk.kyberCiphertext)), { dkLen: 32 });
      const sk = hkdf(sha256, concatBytes(new Uint8Array(32).fill(0xff), ...dhs, ss), new Uint8Array(32), utf8.encode("Parley_PQXDH_X25519_SHA-256_ML-KEM-1024"), 32);
      const ad = concatBytes(aliceIdentity.publicKey, bobIdentity.publicKey);

      // Inner message: version byte, then SignalMessage; Alice's first chain hangs off DH(DHs_A, SPK_B).
      expect(pk.message[0]).toBe(0x01);
      const msg = parley.e2ee.SignalMessage.decode(pk.message.subarray(1));
      expect(msg.counter ?? 0).toBe(0);
      expect(msg.previousCounter ?? 0).toBe(0);
      const rootOut = hkdf(sha256, x25519.getSharedSecret(spk.keyPair.privateKey, raw(msg.ratchetKey)), sk, utf8.encode("Parley_DR_Root"), 64);
      const chainKey = rootOut.subarray(32);
      const messageKey = hmac(sha256, chainKey, Uint8Array.of(0x01));
      const keys = hkdf(sha256, messageKey, new Uint8Array(32), utf8.encode("Parley_DR_Message"), 44);
      const header = concatBytes(Uint8Array.of(0x01), msg.ratchetKey, u32be(0), u32be(0));
      const plaintext = gcm(keys.subarray(0, 32), keys.subarray(32), concatBytes(ad, header)).decrypt(msg.ciphertext);
      expect(utf8.decode(plaintext)).toBe("spec check");

      // The second message uses the next chain key, HMAC(ck, 0x02).
      const second = new SessionCipher(alice, "net.bob").encrypt(utf8.encode("second"));
      const msg2 = parley.e2ee.SignalMessage.decode(parley.e2ee.PreKeySignalMessage.decode(second.body.subarray(1)).message.subarray(1));
      expect(msg2.counter).toBe(1);
      const mk2 = hmac(sha256, hmac(sha256, chainKey, Uint8Array.of(0x02)), Uint8Array.of(0x01));
      const keys2 = hkdf(sha256, mk2, new Uint8Array(32), utf8.encode("Parley_DR_Message"), 44);
      const header2 = concatBytes(Uint8Array.of(0x01), msg2.ratchetKey, u32be(0), u32be(1));
      expect(utf8.decode(gcm(keys2.subarray(0, 32), keys2.subarray(32), concatBytes(ad, header2)).decrypt(msg2.ciphertext))).toBe("second");
    });
  }

  it("keeps session records structured-clone safe", () => {
    const aliceStore = new MemorySignalStore(generateIdentityKeyPair(), 1);
    const bobIdentity = generateIdentityKeyPair();
    const spk = generateSignedPreKey(bobIdentity, 1);
    const kyber = generateKyberPreKey(bobIdentity, 2, true);
    const bobStore = new MemorySignalStore(bobIdentity, 2);
    bobStore.storeSignedPreKey(spk);
    bobStore.storeKyberPreKey(kyber);
    processPreKeyBundle(aliceStore, "net.bob", {
      deviceId: "bob",
      registrationId: 2,
      identityKey: bobIdentity.publicKey,
      signedPreKey: { id: 1, publicKey: spk.keyPair.publicKey, signature: spk.signature },
      kyberPreKey: { id: 2, publicKey: kyber.publicKey, signature: kyber.signature },
    });
    const alice = new SessionCipher(aliceStore, "net.bob");
    const bob = new SessionCipher(bobStore, "net.alice");
    const m = alice.encrypt(utf8.encode("clone me"));
    expect(utf8.decode(bob.decrypt(m.type, m.body))).toBe("clone me");
    for (const [store, address] of [[aliceStore, "net.bob"], [bobStore, "net.alice"]] as const) {
      store.storeSession(address, structuredClone(store.loadSession(address)!));
    }
    const reply = bob.encrypt(utf8.encode("cloned"));
    expect(utf8.decode(alice.decrypt(reply.type, reply.body))).toBe("cloned");
  });
});
