// Re-derives a first message from its wire bytes with nothing but the formulas in
// PROTOCOL_DESCRIPTION and docs/spqr-notes.md, and noble primitives: the library's own KDF,
// wire and SPQR code is not used, so this pins the documented protocol rather than whatever
// the code happens to do. (test/node/ checks the same against libsignal itself.)
import { cbc } from "@noble/ciphers/aes.js";
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
import { concatBytes, utf8 } from "../../protocol/bytes.ts";

const raw = (serialized: Uint8Array): Uint8Array => serialized.subarray(1);
const Z32 = new Uint8Array(32);

/** Just enough protobuf to read libsignal's two messages: field number → varint or bytes. */
function fields(buf: Uint8Array): Map<number, bigint | Uint8Array> {
  const out = new Map<number, bigint | Uint8Array>();
  let i = 0;
  const varint = (): bigint => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = buf[i++]!;
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return v;
    }
  };
  while (i < buf.length) {
    const key = Number(varint());
    if ((key & 7) === 0) out.set(key >> 3, varint());
    else {
      const length = Number(varint());
      out.set(key >> 3, buf.subarray(i, i + length));
      i += length;
    }
  }
  return out;
}

describe("libsignal's message version 4, re-derived independently", () => {
  for (const withOneTimePreKey of [true, false]) {
    it(`an SDK first message opens with the documented PQXDH, ratchet, SPQR and message keys (${withOneTimePreKey ? "with" : "without"} DH4)`, () => {
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

      // PreKeySignalMessage: version byte 0x44, then protobuf.
      expect(sent.body[0]).toBe(0x44);
      const pk = fields(sent.body.subarray(1));
      expect(pk.get(5)).toBe(BigInt(alice.registrationId()));
      expect(pk.get(1)).toBe(withOneTimePreKey ? 5n : undefined);
      expect(pk.get(6)).toBe(3n);
      expect(pk.get(7)).toBe(4n);
      expect(pk.get(3)).toEqual(aliceIdentity.publicKey);
      const baseKey = pk.get(2) as Uint8Array;
      const kyberCiphertext = pk.get(8) as Uint8Array;
      expect(kyberCiphertext.length).toBe(1569);
      expect(kyberCiphertext[0]).toBe(0x08);

      // PQXDH with round-3 Kyber: SS = SHAKE256(K̄ ‖ SHA3-256(c)), K̄ from ML-KEM decapsulation of a valid c.
      const c = kyberCiphertext.subarray(1);
      const ss = shake256(concatBytes(ml_kem1024.decapsulate(c, kyber.secretKey), sha3_256(c)), { dkLen: 32 });
      const dhs = [
        x25519.getSharedSecret(spk.keyPair.privateKey, raw(aliceIdentity.publicKey)),
        x25519.getSharedSecret(bobIdentity.privateKey, raw(baseKey)),
        x25519.getSharedSecret(spk.keyPair.privateKey, raw(baseKey)),
        ...(withOneTimePreKey ? [x25519.getSharedSecret(opk!.keyPair.privateKey, raw(baseKey))] : []),
      ];
      const pqxdh = hkdf(sha256, concatBytes(new Uint8Array(32).fill(0xff), ...dhs, ss), undefined, utf8.encode("WhisperText_X25519_SHA-256_CRYSTALS-KYBER-1024"), 96);
      const [rootKey, spqrKey] = [pqxdh.subarray(0, 32), pqxdh.subarray(64)];

      // The inner SignalMessage: 0x44 ‖ protobuf ‖ 8-byte MAC.
      const inner = pk.get(4) as Uint8Array;
      expect(inner[0]).toBe(0x44);
      const sm = fields(inner.subarray(1, inner.length - 8));
      const ratchetKey = sm.get(1) as Uint8Array;
      expect(sm.get(2)).toBe(0n);
      expect(sm.get(3)).toBe(0n);

      // Bob's receiving chain: the root step over DH(SPK_B, Alice's ratchet key).
      const step = hkdf(sha256, x25519.getSharedSecret(spk.keyPair.privateKey, raw(ratchetKey)), rootKey, utf8.encode("WhisperRatchet"), 64);
      const seed = hmac(sha256, step.subarray(32), Uint8Array.of(0x01));

      // SPQR: Alice's first message is epoch 1, index 1, a header chunk; its key is the first of the A2B chain.
      const field5 = sm.get(5) as Uint8Array;
      expect([...field5.subarray(0, 4)]).toEqual([0x01, 0x01, 0x01, 0x01]);
      const chain = hkdf(sha256, spqrKey, Z32, utf8.encode("Signal PQ Ratchet V1 Chain  Start"), 96);
      const next = hkdf(sha256, chain.subarray(32, 64), Z32, concatBytes(Uint8Array.of(0, 0, 0, 1), utf8.encode("Signal PQ Ratchet V1 Chain Next")), 64);
      const pqKey = next.subarray(32);

      const keys = hkdf(sha256, seed, pqKey, utf8.encode("WhisperMessageKeys"), 80);
      const mac = hmac(sha256, keys.subarray(32, 64), concatBytes(aliceIdentity.publicKey, bobIdentity.publicKey, inner.subarray(0, inner.length - 8)));
      expect(inner.subarray(inner.length - 8)).toEqual(mac.subarray(0, 8));
      const body = cbc(keys.subarray(0, 32), keys.subarray(64, 80)).decrypt(sm.get(4) as Uint8Array);
      expect(utf8.decode(body)).toBe("spec check");
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

    // Through SPQR epochs (chunk decoders half full, an ML-KEM exchange in flight), cloned at every step.
    for (let i = 0; i < 200; i++) {
      const [from, to] = i % 2 === 0 ? [alice, bob] : [bob, alice];
      const sent = from.encrypt(utf8.encode(`m${i}`));
      for (const [store, address] of [[aliceStore, "net.bob"], [bobStore, "net.alice"]] as const) {
        store.storeSession(address, structuredClone(store.loadSession(address)!));
      }
      expect(utf8.decode(to.decrypt(sent.type, sent.body))).toBe(`m${i}`);
    }
  });
});
