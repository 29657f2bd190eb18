// Issue 14: our round-3 Kyber1024 against libsignal's 0x08 keys. libsignal's Node API has no raw
// encapsulate/decapsulate, so this proves the layouts (keys both ways, and that libsignal's own
// PQXDH ciphertext is a valid encapsulation to our key); the shared secret itself is pinned by the
// NIST round-3 KAT in test/e2ee/kyber1024.test.ts.
import { sha3_256, shake256 } from "@noble/hashes/sha3.js";
import * as signal from "@signalapp/libsignal-client";
import { describe, expect, it } from "vitest";
import { generateIdentityKeyPair, generateKyberPreKey, generateSignedPreKey } from "../../client/e2ee/keys.ts";
import { kyber1024 } from "../../client/signal/kyber1024.ts";
import { concatBytes } from "../../protocol/bytes.ts";
import { deserializeKyberPublic, serializeKyberPublic } from "../../protocol/signal/keys.ts";

const copy = (b: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(b);
/** libsignal serializes secret KEM keys with the same type byte as public ones. */
const withType = (raw: Uint8Array) => concatBytes(new Uint8Array([0x08]), raw);
/** Round 3's implicit-rejection value KDF(z || H(c)): what decapsulation yields for a ciphertext not made for the key. */
const rejection = (sk: Uint8Array, ct: Uint8Array) => shake256(concatBytes(sk.subarray(3136), sha3_256(ct)), { dkLen: 32 });

// Minimal protobuf writer and reader, for libsignal's documented storage and wire schemas.
function varint(n: number): number[] {
  const out: number[] = [];
  for (; n >= 0x80; n = Math.floor(n / 0x80)) out.push((n % 0x80) | 0x80);
  out.push(n);
  return out;
}
const bytesField = (field: number, value: Uint8Array) => concatBytes(new Uint8Array([...varint((field << 3) | 2), ...varint(value.length)]), value);
function bytesFieldOf(message: Uint8Array, wanted: number): Uint8Array | undefined {
  const readVarint = (at: { offset: number }) => {
    let value = 0;
    for (let scale = 1; ; scale *= 0x80) {
      const byte = message[at.offset++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
    }
  };
  const at = { offset: 0 };
  while (at.offset < message.length) {
    const tag = readVarint(at);
    const [field, wire] = [tag >>> 3, tag & 7];
    if (wire === 0) readVarint(at);
    else if (wire === 1) at.offset += 8;
    else if (wire === 5) at.offset += 4;
    else if (wire === 2) {
      const length = readVarint(at);
      if (field === wanted) return message.subarray(at.offset, at.offset + length);
      at.offset += length;
    } else throw new Error(`unexpected wire type ${wire}`);
  }
  return undefined;
}

/** Alice's libsignal stores, in memory: all that processPreKeyBundle and signalEncrypt need. */
function aliceStores() {
  const identity = signal.IdentityKeyPair.generate();
  const sessions = new Map<string, signal.SessionRecord>();
  const identities = new Map<string, signal.PublicKey>();
  const sessionStore = new (class extends signal.SessionStore {
    async saveSession(a: signal.ProtocolAddress, r: signal.SessionRecord) {
      sessions.set(a.toString(), r);
    }
    async getSession(a: signal.ProtocolAddress) {
      return sessions.get(a.toString()) ?? null;
    }
    async getExistingSessions(as: signal.ProtocolAddress[]) {
      return as.map((a) => sessions.get(a.toString())!);
    }
  })();
  const identityStore = new (class extends signal.IdentityKeyStore {
    async getIdentityKey() {
      return identity.privateKey;
    }
    async getLocalRegistrationId() {
      return 5;
    }
    async saveIdentity(a: signal.ProtocolAddress, key: signal.PublicKey) {
      identities.set(a.toString(), key);
      return signal.IdentityChange.NewOrUnchanged;
    }
    async isTrustedIdentity() {
      return true;
    }
    async getIdentity(a: signal.ProtocolAddress) {
      return identities.get(a.toString()) ?? null;
    }
  })();
  return { sessionStore, identityStore };
}

describe("round-3 Kyber1024 against libsignal's 0x08 keys (issue 14)", () => {
  it("libsignal accepts our key pairs, as KEM keys and inside a KyberPreKeyRecord", () => {
    const { publicKey, secretKey } = kyber1024.keygen();
    const serialized = serializeKyberPublic(publicKey);
    expect(signal.KEMPublicKey.deserialize(copy(serialized)).serialize()).toEqual(serialized);
    expect(signal.KEMSecretKey.deserialize(copy(withType(secretKey))).serialize()).toEqual(withType(secretKey));

    // SignedPreKeyRecordStructure: id 1, public_key 2, private_key 3, signature 4, timestamp 5 (fixed64).
    const timestamp = new Uint8Array(9);
    timestamp[0] = (5 << 3) | 1;
    const record = concatBytes(new Uint8Array([0x08, 42]), bytesField(2, serialized), bytesField(3, withType(secretKey)), bytesField(4, new Uint8Array(64)), timestamp);
    const theirs = signal.KyberPreKeyRecord.deserialize(copy(record));
    expect(theirs.id()).toBe(42);
    expect(theirs.publicKey().serialize()).toEqual(serialized);
    expect(theirs.secretKey().serialize()).toEqual(withType(secretKey));
  });

  it("libsignal's key pairs work with ours: its secret key decapsulates what we encapsulate to its public key", () => {
    for (let i = 0; i < 3; i++) {
      const pair = signal.KEMKeyPair.generate();
      const publicKey = deserializeKyberPublic(pair.getPublicKey().serialize());
      const secret = pair.getSecretKey().serialize();
      expect(secret.length).toBe(3169);
      expect(secret[0]).toBe(0x08);
      const secretKey = secret.subarray(1);
      // Layout s || pk || H(pk) || z, as ours.
      expect(secretKey.subarray(1536, 3104)).toEqual(publicKey);
      expect(secretKey.subarray(3104, 3136)).toEqual(sha3_256(publicKey));
      const { ciphertext, sharedSecret } = kyber1024.encapsulate(publicKey);
      expect(kyber1024.decapsulate(ciphertext, secretKey)).toEqual(sharedSecret);
    }
  });

  it("libsignal's PQXDH encapsulates to our Kyber prekey with a ciphertext our decapsulation accepts", async () => {
    const bob = generateIdentityKeyPair();
    const signed = generateSignedPreKey(bob, 7);
    const kyber = generateKyberPreKey(bob, 300, true);
    const { sessionStore, identityStore } = aliceStores();
    const bobAddress = signal.ProtocolAddress.new("bob", 1);
    const aliceAddress = signal.ProtocolAddress.new("alice", 1);
    const bundle = signal.PreKeyBundle.new(
      77,
      1,
      null,
      null,
      signed.id,
      signal.PublicKey.deserialize(copy(signed.keyPair.publicKey)),
      copy(signed.signature),
      signal.PublicKey.deserialize(copy(bob.publicKey)),
      kyber.id,
      signal.KEMPublicKey.deserialize(copy(kyber.publicKey)),
      copy(kyber.signature),
    );
    await signal.processPreKeyBundle(bundle, bobAddress, aliceAddress, sessionStore, identityStore);
    const sent = await signal.signalEncrypt(copy(new TextEncoder().encode("hi")), bobAddress, aliceAddress, sessionStore, identityStore);
    expect(sent.type()).toBe(signal.CiphertextMessageType.PreKey);

    // PreKeySignalMessage: a version byte, then protobuf with kyber_ciphertext in field 8 (0x08 || 1568 bytes).
    const wire = sent.serialize();
    const field = bytesFieldOf(wire.subarray(1), 8);
    expect(field?.length).toBe(1569);
    expect(field![0]).toBe(0x08);
    const ciphertext = field!.subarray(1);
    // Not the rejection value: libsignal's c re-encrypts exactly under our key (same K-PKE, same
    // G(m || H(pk)) coins), which a layout mismatch anywhere would break.
    const secret = kyber1024.decapsulate(ciphertext, kyber.secretKey);
    expect(secret).not.toEqual(rejection(kyber.secretKey, ciphertext));
    // A ciphertext one bit off is rejected, so the check above can tell.
    const bad = ciphertext.slice();
    bad[100] = bad[100]! ^ 1;
    expect(kyber1024.decapsulate(bad, kyber.secretKey)).toEqual(rejection(kyber.secretKey, bad));
  });
});
