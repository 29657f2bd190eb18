// client/signal/wire against libsignal 0.103 itself (issue 14): our bytes equal libsignal's,
// each side parses the other's, both refuse the same crafted and mutated inputs (with the few
// stricter rules of ours named below), and real messages from a libsignal-to-libsignal session
// decode and re-encode to the same bytes.
import * as signal from "@signalapp/libsignal-client";
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  WireError,
  decodePreKeySignalMessage,
  decodeSignalMessage,
  encodePreKeySignalMessage,
  encodeSignalMessage,
  verifyMac,
  type MacKeys,
  type SignalMessage,
  type WireErrorReason,
} from "../../client/signal/wire/index.ts";
import { concatBytes } from "../../protocol/bytes.ts";

const copy = (b: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(b);
const random = (n: number) => copy(randomBytes(n));
const ecKey = () => signal.PrivateKey.generate().getPublicKey();

/** A seeded generator (mulberry32), so a failing fuzz case can be replayed. */
function prng(seed: number): (n: number) => number {
  return (n) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * n;
  };
}

const seededBytes = (next: (n: number) => number, n: number) => Uint8Array.from({ length: n }, () => Math.floor(next(256)));
const seededKey = (next: (n: number) => number) => signal.PrivateKey.deserialize(copy(seededBytes(next, 32))).getPublicKey();

function outcome(run: () => unknown): "ok" | WireErrorReason | "libsignal-error" {
  try {
    run();
    return "ok";
  } catch (err) {
    if (err instanceof WireError) return err.reason;
    if (err instanceof signal.LibSignalErrorBase) return "libsignal-error";
    throw err;
  }
}

// Protobuf pieces for the Kyber fields libsignal's _new cannot write.
const varint = (n: number): number[] => {
  const out: number[] = [];
  for (; n > 0x7f; n = Math.floor(n / 128)) out.push((n % 128) | 0x80);
  return [...out, n];
};
const kyberFields = (id: number, ciphertext: Uint8Array) => Uint8Array.from([0x38, ...varint(id), 0x42, ...varint(ciphertext.length), ...ciphertext]);
const kyberCiphertext = () => concatBytes(Uint8Array.of(8), random(1568));

const COUNTERS = [0, 1, 2, 127, 128, 16383, 16384, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 2, 2 ** 32 - 1];

describe("SignalMessage against libsignal", () => {
  it("encodes byte for byte as SignalMessage._new, and each side parses the other's", () => {
    const next = prng(14);
    for (let i = 0; i < 120; i++) {
      const [ratchet, sender, receiver] = [ecKey(), ecKey(), ecKey()];
      const macKey = random(32);
      const pick = () => (next(3) < 1 ? COUNTERS[Math.floor(next(COUNTERS.length))]! : Math.floor(next(2 ** 32)));
      const sizes = [0, 1, 37, 1000, 70_000];
      const message: SignalMessage = {
        ratchetKey: ratchet.serialize(),
        counter: pick(),
        previousCounter: pick(),
        ciphertext: random(sizes[i % 5]!),
        pqRatchet: random(sizes[Math.floor(i / 5) % 4]!),
      };
      const keys: MacKeys = { macKey, senderIdentityKey: sender.serialize(), receiverIdentityKey: receiver.serialize() };

      const theirs = signal.SignalMessage._new(4, macKey, ratchet, message.counter, message.previousCounter, copy(message.ciphertext), sender, receiver, copy(message.pqRatchet));
      const ours = encodeSignalMessage(message, keys);
      expect(ours).toEqual(theirs.serialize());

      const parsed = signal.SignalMessage.deserialize(copy(ours));
      expect([parsed.counter(), parsed.messageVersion(), parsed.body(), parsed.pqRatchet()]).toEqual([message.counter, 4, message.ciphertext, message.pqRatchet]);

      const decoded = decodeSignalMessage(theirs.serialize());
      expect(decoded).toMatchObject(message);
      // libsignal 0.103's TypeScript API has no verifyMac; its MAC is the one just compared
      // byte for byte, and libsignal's own check is exercised by the session tests below.
      expect(() => verifyMac(decoded, keys)).not.toThrow();
      expect(outcome(() => verifyMac(decoded, { ...keys, macKey: random(32) }))).toBe("bad-mac");
    }
  });

  it("libsignal refuses the same encodings we refuse", () => {
    // Seeded throughout, so a disagreement found here replays.
    const next = prng(1414);
    const bytes = (n: number) => copy(seededBytes(next, n));
    const libsignal = () => signal.SignalMessage._new(4, bytes(32), seededKey(next), Math.floor(next(300)), Math.floor(next(300)), bytes(3), seededKey(next), seededKey(next), bytes(Math.floor(next(40))));
    // Where we are deliberately stricter than libsignal's parser. Everything else must agree.
    const stricter: readonly WireErrorReason[] = ["out-of-range", "bad-key", "legacy-version"];
    let refused = 0;
    for (let i = 0; i < 3000; i++) {
      const bytes = libsignal().serialize();
      const mutated = mutate(bytes, next);
      const ours = outcome(() => decodeSignalMessage(mutated));
      const theirs = outcome(() => signal.SignalMessage.deserialize(mutated));
      if (ours === "ok" || theirs !== "ok") {
        expect(ours === "ok", `case ${i}: ours ${ours}, libsignal ${theirs}`).toBe(theirs === "ok");
      } else {
        expect(stricter, `case ${i}`).toContain(ours);
        if (ours === "legacy-version") expect(signal.SignalMessage.deserialize(mutated).messageVersion()).toBe(3);
      }
      if (theirs !== "ok") refused++;
    }
    // The mutations must reach both outcomes, or the test proves nothing.
    expect(refused).toBeGreaterThan(500);
    expect(refused).toBeLessThan(2900);
  });

  it("documents where libsignal's parser is more lenient than ours", () => {
    const body = (counter: number[], keyBytes: Uint8Array) =>
      Uint8Array.from([0x44, 0x0a, keyBytes.length, ...keyBytes, 0x10, ...counter, 0x22, 0x01, 0x09, 1, 2, 3, 4, 5, 6, 7, 8]);
    const key = ecKey().serialize();
    // 2^32 + 5: libsignal keeps the low 32 bits.
    const wide = body([0x85, 0x80, 0x80, 0x80, 0x10], key);
    expect(signal.SignalMessage.deserialize(wide).counter()).toBe(5);
    expect(outcome(() => decodeSignalMessage(wide))).toBe("out-of-range");
    // A 34-byte key: libsignal ignores the extra byte.
    const long = body([5], Uint8Array.from([...key, 0]));
    expect(signal.SignalMessage.deserialize(long).counter()).toBe(5);
    expect(outcome(() => decodeSignalMessage(long))).toBe("bad-key");
    // Version 3 still parses in libsignal (a session refuses it: see the PreKey test below).
    const legacy = Uint8Array.from([0x33, ...body([5], key).subarray(1)]);
    expect(signal.SignalMessage.deserialize(legacy).messageVersion()).toBe(3);
    expect(outcome(() => decodeSignalMessage(legacy))).toBe("legacy-version");
  });
});

/** Truncation, extension, byte flips, insertions and deletions: what a fuzzer would try first. */
function mutate(bytes: Uint8Array<ArrayBuffer>, next: (n: number) => number): Uint8Array<ArrayBuffer> {
  const at = Math.floor(next(bytes.length));
  switch (Math.floor(next(6))) {
    case 0:
      return bytes.slice(0, at);
    case 1:
      return copy(concatBytes(bytes, seededBytes(next, 1 + Math.floor(next(4)))));
    case 2: {
      const out = bytes.slice();
      out[at] = Math.floor(next(256));
      return out;
    }
    case 3:
      return copy(concatBytes(bytes.subarray(0, at), Uint8Array.of(Math.floor(next(256))), bytes.subarray(at)));
    case 4:
      return copy(concatBytes(bytes.subarray(0, at), bytes.subarray(at + 1)));
    default: {
      // Flip a high or low nibble bit of the version byte, or a length/tag byte near the front.
      const out = bytes.slice();
      const pos = Math.floor(next(Math.min(bytes.length, 40)));
      out[pos]! ^= 1 << Math.floor(next(8));
      return out;
    }
  }
}

describe("PreKeySignalMessage against libsignal", () => {
  const inner = () => signal.SignalMessage._new(4, random(32), ecKey(), 0, 0, random(16), ecKey(), ecKey(), random(37));

  it("encodes byte for byte as libsignal, with and without pre_key_id, and each side parses the other's", () => {
    const next = prng(41);
    for (let i = 0; i < 60; i++) {
      const [base, identity, message] = [ecKey(), signal.IdentityKeyPair.generate().publicKey, inner()];
      const preKeyId = i % 3 === 0 ? null : i % 3 === 1 ? 0 : Math.floor(next(2 ** 32));
      const registrationId = i % 4 === 0 ? 0 : Math.floor(next(2 ** 32));
      const signedPreKeyId = COUNTERS[i % COUNTERS.length]!;
      const kyberPreKeyId = Math.floor(next(2 ** 32));
      const ciphertext = kyberCiphertext();

      const ours = encodePreKeySignalMessage({
        registrationId,
        preKeyId: preKeyId ?? undefined,
        signedPreKeyId,
        baseKey: base.serialize(),
        identityKey: identity.serialize(),
        kyberPreKeyId,
        kyberCiphertext: ciphertext,
        message: message.serialize(),
      });
      // libsignal's _new cannot take the Kyber part; its session messages append fields 7
      // and 8 to the rest (checked against real sessions below).
      const theirs = signal.PreKeySignalMessage._new(4, registrationId, preKeyId, signedPreKeyId, base, identity, message).serialize();
      expect(ours).toEqual(concatBytes(theirs, kyberFields(kyberPreKeyId, ciphertext)));

      const parsed = signal.PreKeySignalMessage.deserialize(copy(ours));
      expect([parsed.preKeyId(), parsed.registrationId(), parsed.signedPreKeyId(), parsed.version()]).toEqual([preKeyId, registrationId, signedPreKeyId, 4]);

      const decoded = decodePreKeySignalMessage(ours);
      expect(decoded).toMatchObject({ preKeyId: preKeyId ?? undefined, registrationId, signedPreKeyId, kyberPreKeyId, kyberCiphertext: ciphertext, message: message.serialize() });
      expect(decoded.signalMessage.counter).toBe(0);
    }
  });

  it("libsignal refuses the same encodings we refuse", () => {
    const next = prng(4141);
    const bytes = (n: number) => copy(seededBytes(next, n));
    const build = () => {
      const message = signal.SignalMessage._new(4, bytes(32), seededKey(next), 0, 0, bytes(16), seededKey(next), seededKey(next), bytes(37));
      const base = signal.PreKeySignalMessage._new(4, 1234, next(2) < 1 ? 41 : null, 7, seededKey(next), seededKey(next), message).serialize();
      return copy(concatBytes(base, kyberFields(300, concatBytes(Uint8Array.of(8), bytes(1568)))));
    };
    // libsignal checks the Kyber ciphertext's shape only when it decapsulates; we check it here
    // (see "refuses at session level" below), so bad-key is ours alone, as are wide values.
    const stricter: readonly WireErrorReason[] = ["out-of-range", "bad-key", "legacy-version"];
    let refused = 0;
    for (let i = 0; i < 2000; i++) {
      const mutated = mutate(build(), next);
      const ours = outcome(() => decodePreKeySignalMessage(mutated));
      const theirs = outcome(() => signal.PreKeySignalMessage.deserialize(mutated));
      if (ours === "ok" || theirs !== "ok") {
        expect(ours === "ok", `case ${i}: ours ${ours}, libsignal ${theirs}`).toBe(theirs === "ok");
      } else {
        expect(stricter, `case ${i}`).toContain(ours);
      }
      if (theirs !== "ok") refused++;
    }
    expect(refused).toBeGreaterThan(300);
    expect(refused).toBeLessThan(1900);
  });
});

/** libsignal's stores, in memory (as in libsignal-interop.test.ts). */
class Stores {
  readonly identity = signal.IdentityKeyPair.generate();
  readonly registrationId = 1 + Math.floor(Math.random() * 16000);
  readonly #sessions = new Map<string, signal.SessionRecord>();
  readonly #identities = new Map<string, signal.PublicKey>();
  readonly #preKeys = new Map<number, signal.PreKeyRecord>();
  readonly #signedPreKeys = new Map<number, signal.SignedPreKeyRecord>();
  readonly #kyberPreKeys = new Map<number, signal.KyberPreKeyRecord>();

  readonly session: signal.SessionStore;
  readonly identityStore: signal.IdentityKeyStore;
  readonly preKeyStore: signal.PreKeyStore;
  readonly signedPreKeyStore: signal.SignedPreKeyStore;
  readonly kyberPreKeyStore: signal.KyberPreKeyStore;

  constructor() {
    const [sessions, identities, preKeys, signedPreKeys, kyberPreKeys] = [this.#sessions, this.#identities, this.#preKeys, this.#signedPreKeys, this.#kyberPreKeys];
    const { identity, registrationId } = this;
    this.session = new (class extends signal.SessionStore {
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
    this.identityStore = new (class extends signal.IdentityKeyStore {
      async getIdentityKey() {
        return identity.privateKey;
      }
      async getLocalRegistrationId() {
        return registrationId;
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
    this.preKeyStore = new (class extends signal.PreKeyStore {
      async savePreKey(id: number, r: signal.PreKeyRecord) {
        preKeys.set(id, r);
      }
      async getPreKey(id: number) {
        return preKeys.get(id)!;
      }
      async removePreKey(id: number) {
        preKeys.delete(id);
      }
    })();
    this.signedPreKeyStore = new (class extends signal.SignedPreKeyStore {
      async saveSignedPreKey(id: number, r: signal.SignedPreKeyRecord) {
        signedPreKeys.set(id, r);
      }
      async getSignedPreKey(id: number) {
        return signedPreKeys.get(id)!;
      }
    })();
    this.kyberPreKeyStore = new (class extends signal.KyberPreKeyStore {
      async saveKyberPreKey(id: number, r: signal.KyberPreKeyRecord) {
        kyberPreKeys.set(id, r);
      }
      async getKyberPreKey(id: number) {
        return kyberPreKeys.get(id)!;
      }
      async markKyberPreKeyUsed() {}
    })();
  }

  bundle(withPreKey: boolean): signal.PreKeyBundle {
    const signed = signal.PrivateKey.generate();
    const signedSig = this.identity.privateKey.sign(signed.getPublicKey().serialize());
    this.#signedPreKeys.set(7, signal.SignedPreKeyRecord.new(7, Date.now(), signed.getPublicKey(), signed, signedSig));
    const kyber = signal.KEMKeyPair.generate();
    const kyberSig = this.identity.privateKey.sign(kyber.getPublicKey().serialize());
    this.#kyberPreKeys.set(300, signal.KyberPreKeyRecord.new(300, Date.now(), kyber, kyberSig));
    const pre = signal.PrivateKey.generate();
    this.#preKeys.set(41, signal.PreKeyRecord.new(41, pre.getPublicKey(), pre));
    return signal.PreKeyBundle.new(
      this.registrationId, 1, withPreKey ? 41 : null, withPreKey ? pre.getPublicKey() : null,
      7, signed.getPublicKey(), signedSig, this.identity.publicKey, 300, kyber.getPublicKey(), kyberSig,
    );
  }
}

function flipLastBit(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  out[out.length - 1]! ^= 1;
  return out;
}

const ALICE = signal.ProtocolAddress.new("alice", 1);
const BOB = signal.ProtocolAddress.new("bob", 1);
const DUMMY_KEYS: MacKeys = { macKey: new Uint8Array(32), senderIdentityKey: ecKey().serialize(), receiverIdentityKey: ecKey().serialize() };

async function session(withPreKey: boolean) {
  const [alice, bob] = [new Stores(), new Stores()];
  await signal.processPreKeyBundle(bob.bundle(withPreKey), BOB, ALICE, alice.session, alice.identityStore);
  return { alice, bob };
}

/** Our re-encoding of a decoded message, MAC aside (we do not hold the session's MAC key). */
function reencodedBody(bytes: Uint8Array): Uint8Array {
  const decoded = decodeSignalMessage(bytes);
  return encodeSignalMessage(decoded, DUMMY_KEYS).subarray(0, -8);
}

describe("real libsignal sessions", () => {
  it.each([true, false])("decodes and re-encodes every message byte for byte (one-time prekey: %s)", async (withPreKey) => {
    const { alice, bob } = await session(withPreKey);
    const pqLengths: number[] = [];
    // Bursts and alternation, so both sending chains and several DH ratchet steps occur.
    for (const [i, who] of [..."aaabbbababaaaabbbbab"].entries()) {
      const [from, to, fromAddress, toAddress] = who === "a" ? [alice, bob, ALICE, BOB] : [bob, alice, BOB, ALICE];
      const sent = await signal.signalEncrypt(copy(new TextEncoder().encode(`message ${i}`)), toAddress, fromAddress, from.session, from.identityStore);
      const bytes = sent.serialize();
      let inner: Uint8Array;
      if (sent.type() === signal.CiphertextMessageType.PreKey) {
        const decoded = decodePreKeySignalMessage(bytes);
        const theirs = signal.PreKeySignalMessage.deserialize(bytes);
        expect(decoded).toMatchObject({ preKeyId: withPreKey ? 41 : undefined, signedPreKeyId: 7, kyberPreKeyId: 300, registrationId: alice.registrationId });
        expect(theirs.preKeyId()).toBe(withPreKey ? 41 : null);
        expect(decoded.identityKey).toEqual(alice.identity.publicKey.serialize());
        expect(decoded.kyberCiphertext.length).toBe(1569);
        // The whole message, inner SignalMessage and its MAC included, re-encodes exactly.
        expect(encodePreKeySignalMessage(decoded)).toEqual(bytes);
        await signal.signalDecryptPreKey(theirs, fromAddress, toAddress, to.session, to.identityStore, to.preKeyStore, to.signedPreKeyStore, to.kyberPreKeyStore);
        inner = decoded.message;
      } else {
        expect(sent.type()).toBe(signal.CiphertextMessageType.Whisper);
        const theirs = signal.SignalMessage.deserialize(bytes);
        expect(decodeSignalMessage(bytes).counter).toBe(theirs.counter());
        await signal.signalDecrypt(theirs, fromAddress, toAddress, to.session, to.identityStore);
        inner = bytes;
      }
      expect(reencodedBody(inner)).toEqual(inner.subarray(0, -8));
      const decoded = decodeSignalMessage(inner);
      expect(decoded.pqRatchet).toEqual(signal.SignalMessage.deserialize(copy(inner)).pqRatchet());
      pqLengths.push(decoded.pqRatchet.length);
    }
    // Every version-4 session message carries an SPQR message (4 or 37 bytes in 0.103).
    expect(pqLengths.every((n) => n > 0)).toBe(true);
  });

  // What libsignal's session does with what its parser lets through: the grounds for our
  // stricter decode rules and for requiring pre_key_id to be carried faithfully.
  it.each<[string, (fields: Map<number, number | Uint8Array>) => number | void, string]>([
    ["a Kyber ciphertext without its type byte", (f) => void f.set(8, (f.get(8) as Uint8Array).subarray(1)), "bad KEM key type"],
    ["a Kyber ciphertext of 1570 bytes", (f) => void f.set(8, concatBytes(f.get(8) as Uint8Array, Uint8Array.of(0))), "bad KEM ciphertext length"],
    ["version 3", () => 0x34, "X3DH no longer supported"],
    ["a dropped pre_key_id", (f) => void f.delete(1), "decryption failed"],
    ["a flipped MAC bit", (f) => void f.set(4, flipLastBit(f.get(4) as Uint8Array)), "decryption failed"],
  ])("libsignal's session refuses %s", async (_name, change, error) => {
    const { alice, bob } = await session(true);
    const sent = (await signal.signalEncrypt(copy(new TextEncoder().encode("hi")), BOB, ALICE, alice.session, alice.identityStore)).serialize();
    const decoded = decodePreKeySignalMessage(sent);
    const fields = new Map<number, number | Uint8Array>([
      [1, decoded.preKeyId!], [2, decoded.baseKey], [3, decoded.identityKey], [4, decoded.message.slice()],
      [5, decoded.registrationId], [6, decoded.signedPreKeyId], [7, decoded.kyberPreKeyId], [8, decoded.kyberCiphertext],
    ]);
    const version = change(fields) ?? 0x44;
    const body = [...fields].sort(([a], [b]) => a - b).flatMap(([field, value]) =>
      typeof value === "number" ? [field * 8, ...varint(value)] : [field * 8 + 2, ...varint(value.length), ...value],
    );
    const crafted = Uint8Array.from([version, ...body]);
    const attempt = signal.signalDecryptPreKey(signal.PreKeySignalMessage.deserialize(crafted), ALICE, BOB, bob.session, bob.identityStore, bob.preKeyStore, bob.signedPreKeyStore, bob.kyberPreKeyStore);
    await expect(attempt).rejects.toThrow(error);
    // We refuse the first three at decode; the last two only the session can catch.
    const ours = outcome(() => decodePreKeySignalMessage(crafted));
    expect(ours).toBe(error === "decryption failed" ? "ok" : error.startsWith("X3DH") ? "legacy-version" : "bad-key");
  });
});
