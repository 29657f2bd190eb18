// Issue 14: PQXDH and the Double Ratchet's key schedule (client/signal/pqxdh.ts, kdf.ts,
// message-cipher.ts) against @signalapp/libsignal-client 0.103 as a black box. libsignal's
// serialized SessionRecord is its public storage protobuf, so its root and chain keys can be
// read and compared with ours; its messages are checked by their MAC and decrypted with our keys.
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { concatBytes } from "@noble/hashes/utils.js";
import * as signal from "@signalapp/libsignal-client";
import { describe, expect, it } from "vitest";
import { chainStep, deriveMessageKeys, ratchetStep, type MessageKeys } from "../../client/signal/kdf.ts";
import { decryptBody, encryptBody } from "../../client/signal/message-cipher.ts";
import { initiatorChains, pqxdhRespond } from "../../client/signal/pqxdh.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const utf8 = (s: string) => new Uint8Array(new TextEncoder().encode(s));

// ---- A generic protobuf wire reader: no schema, so the field numbers below are observations. ----

type Value = bigint | Uint8Array;
interface Field {
  readonly number: number;
  readonly value: Value;
}

function readFields(bytes: Uint8Array): Field[] {
  const fields: Field[] = [];
  let i = 0;
  const varint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (i >= bytes.length || shift > 63n) throw new Error("truncated varint");
      const b = bytes[i++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
    }
  };
  while (i < bytes.length) {
    const key = Number(varint());
    const [number, wireType] = [key >>> 3, key & 7];
    if (number === 0) throw new Error("field number 0");
    if (wireType === 0) fields.push({ number, value: varint() });
    else if (wireType === 2) {
      const length = Number(varint());
      if (i + length > bytes.length) throw new Error("truncated field");
      fields.push({ number, value: bytes.subarray(i, i + length) });
      i += length;
    } else if (wireType === 1 || wireType === 5) {
      const length = wireType === 1 ? 8 : 4;
      if (i + length > bytes.length) throw new Error("truncated fixed field");
      fields.push({ number, value: bytes.subarray(i, i + length) });
      i += length;
    } else throw new Error(`unexpected wire type ${wireType}`);
  }
  return fields;
}

/** The length-delimited field at a path of field numbers (first occurrence at each level). */
function bytesAt(message: Uint8Array, ...path: number[]): Uint8Array {
  let current = message;
  for (const n of path) {
    const f = readFields(current).find((x) => x.number === n);
    if (!f || !(f.value instanceof Uint8Array)) throw new Error(`no bytes field ${n} on path ${path.join(".")}`);
    current = f.value;
  }
  return current;
}

/** A varint field; proto3/proto2 writers omit zeros, so absence reads as 0. */
function uintAt(message: Uint8Array, n: number): number {
  const f = readFields(message).find((x) => x.number === n);
  if (f && typeof f.value !== "bigint") throw new Error(`field ${n} is not a varint`);
  return f ? Number(f.value) : 0;
}

function repeatedAt(message: Uint8Array, n: number): Uint8Array[] {
  return readFields(message)
    .filter((f) => f.number === n)
    .map((f) => {
      if (!(f.value instanceof Uint8Array)) throw new Error(`field ${n} is not length-delimited`);
      return f.value;
    });
}

/** A protobuf message with every occurrence of one top-level field removed. */
function withoutField(message: Uint8Array, drop: number): Uint8Array {
  const kept: Uint8Array[] = [];
  let i = 0;
  const varint = (): number => {
    let result = 0;
    for (let scale = 1; ; scale *= 128) {
      const b = message[i++]!;
      result += (b & 0x7f) * scale;
      if (!(b & 0x80)) return result;
    }
  };
  while (i < message.length) {
    const start = i;
    const key = varint();
    const wireType = key & 7;
    if (wireType === 0) varint();
    else if (wireType === 2) {
      const length = varint(); // before the +=, which would read i first
      i += length;
    }
    else if (wireType === 1 || wireType === 5) i += wireType === 1 ? 8 : 4;
    else throw new Error(`unexpected wire type ${wireType}`);
    if (key >>> 3 !== drop) kept.push(message.subarray(start, i));
  }
  return concatBytes(...kept);
}

function lengthDelimited(number: number, body: Uint8Array): Uint8Array {
  const varint = (n: number): number[] => {
    const out: number[] = [];
    for (; n > 127; n = Math.floor(n / 128)) out.push((n % 128) | 128);
    out.push(n);
    return out;
  };
  return concatBytes(Uint8Array.from([...varint((number << 3) | 2), ...varint(body.length)]), body);
}

// ---- libsignal's storage.proto and wire.proto, as far as these tests use them ----

const Record = { currentSession: 1 } as const;
const Session = {
  version: 1,
  localIdentity: 2,
  remoteIdentity: 3,
  rootKey: 4,
  previousCounter: 5,
  senderChain: 6,
  receiverChains: 7,
  pendingPreKey: 9,
  remoteRegistrationId: 10,
  localRegistrationId: 11,
  aliceBaseKey: 13,
  pendingKyberPreKey: 14,
  pqRatchetState: 15,
} as const;
const Chain = { ratchetKey: 1, ratchetPrivate: 2, chainKey: 3, messageKeys: 4 } as const;
const ChainKey = { index: 1, key: 2 } as const;
const StoredMessageKey = { index: 1, seed: 5 } as const;
const PreKeyMessage = { preKeyId: 1, baseKey: 2, identityKey: 3, message: 4, registrationId: 5, signedPreKeyId: 6, kyberPreKeyId: 7, kyberCiphertext: 8 } as const;
const Message = { ratchetKey: 1, counter: 2, previousCounter: 3, ciphertext: 4, pqRatchet: 5 } as const;
const VERSION_BYTE = 0x44; // (current version 4 << 4) | 4
const MAC_LENGTH = 8;

const raw = (serializedKey: Uint8Array) => serializedKey.subarray(1); // drop the 0x05 / 0x08 type byte

function currentSession(record: signal.SessionRecord): Uint8Array {
  return bytesAt(record.serialize(), Record.currentSession);
}

interface ChainView {
  readonly ratchetKey: Uint8Array;
  readonly index: number;
  readonly key: Uint8Array;
}

function chainView(chain: Uint8Array): ChainView {
  const ck = bytesAt(chain, Chain.chainKey);
  return { ratchetKey: bytesAt(chain, Chain.ratchetKey), index: uintAt(ck, ChainKey.index), key: bytesAt(ck, ChainKey.key) };
}

function receiverChain(session: Uint8Array, ratchetKey: Uint8Array): Uint8Array {
  const chain = repeatedAt(session, Session.receiverChains).find((c) => hex(bytesAt(c, Chain.ratchetKey)) === hex(ratchetKey));
  if (!chain) throw new Error("no receiver chain for that ratchet key");
  return chain;
}

/** A SignalMessage split into the parts its MAC covers. */
interface SignalMessageView {
  readonly versioned: Uint8Array; // version byte ‖ protobuf: what the MAC covers
  readonly body: Uint8Array;
  readonly mac: Uint8Array;
}

function signalMessageView(serialized: Uint8Array): SignalMessageView {
  expect(serialized[0]).toBe(VERSION_BYTE);
  return {
    versioned: serialized.subarray(0, serialized.length - MAC_LENGTH),
    body: serialized.subarray(1, serialized.length - MAC_LENGTH),
    mac: serialized.subarray(serialized.length - MAC_LENGTH),
  };
}

function macOf(keys: MessageKeys, senderIdentity: Uint8Array, receiverIdentity: Uint8Array, m: SignalMessageView): Uint8Array {
  return hmac(sha256, keys.macKey, concatBytes(senderIdentity, receiverIdentity, m.versioned)).subarray(0, MAC_LENGTH);
}

/** The SignalMessage inside a PreKeySignalMessage, or the message itself. */
function innerMessage(c: signal.CiphertextMessage): Uint8Array {
  const s = c.serialize();
  return c.type() === signal.CiphertextMessageType.PreKey ? bytesAt(s.subarray(1), PreKeyMessage.message) : s;
}

function chainAt(chainKey: Uint8Array, index: number): Uint8Array {
  let ck = chainKey;
  for (let i = 0; i < index; i++) ck = chainStep(ck).nextChainKey;
  return ck;
}

// ---- libsignal parties in memory ----

class Party {
  readonly identity = signal.IdentityKeyPair.generate();
  readonly registrationId = 1 + Math.floor(Math.random() * 16000);
  readonly address: signal.ProtocolAddress;
  readonly sessions = new Map<string, signal.SessionRecord>();
  readonly preKeys = new Map<number, signal.PreKeyRecord>();
  readonly signedPreKeys = new Map<number, signal.SignedPreKeyRecord>();
  readonly kyberPreKeys = new Map<number, signal.KyberPreKeyRecord>();

  constructor(name: string) {
    this.address = signal.ProtocolAddress.new(name, 1);
  }

  readonly sessionStore = ((p: Party) =>
    new (class extends signal.SessionStore {
      async saveSession(a: signal.ProtocolAddress, r: signal.SessionRecord) {
        p.sessions.set(a.toString(), r);
      }
      async getSession(a: signal.ProtocolAddress) {
        return p.sessions.get(a.toString()) ?? null;
      }
      async getExistingSessions(as: signal.ProtocolAddress[]) {
        return as.map((a) => p.sessions.get(a.toString())!);
      }
    })())(this);

  readonly identityStore = ((p: Party) =>
    new (class extends signal.IdentityKeyStore {
      readonly known = new Map<string, signal.PublicKey>();
      async getIdentityKey() {
        return p.identity.privateKey;
      }
      async getLocalRegistrationId() {
        return p.registrationId;
      }
      async saveIdentity(a: signal.ProtocolAddress, key: signal.PublicKey) {
        this.known.set(a.toString(), key);
        return signal.IdentityChange.NewOrUnchanged;
      }
      async isTrustedIdentity() {
        return true;
      }
      async getIdentity(a: signal.ProtocolAddress) {
        return this.known.get(a.toString()) ?? null;
      }
    })())(this);

  readonly preKeyStore = ((p: Party) =>
    new (class extends signal.PreKeyStore {
      async savePreKey(id: number, r: signal.PreKeyRecord) {
        p.preKeys.set(id, r);
      }
      async getPreKey(id: number) {
        return p.preKeys.get(id)!;
      }
      async removePreKey(id: number) {
        p.preKeys.delete(id);
      }
    })())(this);

  readonly signedPreKeyStore = ((p: Party) =>
    new (class extends signal.SignedPreKeyStore {
      async saveSignedPreKey(id: number, r: signal.SignedPreKeyRecord) {
        p.signedPreKeys.set(id, r);
      }
      async getSignedPreKey(id: number) {
        return p.signedPreKeys.get(id)!;
      }
    })())(this);

  readonly kyberPreKeyStore = ((p: Party) =>
    new (class extends signal.KyberPreKeyStore {
      async saveKyberPreKey(id: number, r: signal.KyberPreKeyRecord) {
        p.kyberPreKeys.set(id, r);
      }
      async getKyberPreKey(id: number) {
        return p.kyberPreKeys.get(id)!;
      }
      async markKyberPreKeyUsed() {}
    })())(this);

  /** A bundle as a libsignal client publishes it; the one-time EC prekey is optional. */
  bundle(withOneTimePreKey: boolean): signal.PreKeyBundle {
    const signed = signal.PrivateKey.generate();
    const signedSig = this.identity.privateKey.sign(signed.getPublicKey().serialize());
    this.signedPreKeys.set(7, signal.SignedPreKeyRecord.new(7, Date.now(), signed.getPublicKey(), signed, signedSig));
    const kyber = signal.KEMKeyPair.generate();
    const kyberSig = this.identity.privateKey.sign(kyber.getPublicKey().serialize());
    this.kyberPreKeys.set(300, signal.KyberPreKeyRecord.new(300, Date.now(), kyber, kyberSig));
    const pre = signal.PrivateKey.generate();
    if (withOneTimePreKey) this.preKeys.set(41, signal.PreKeyRecord.new(41, pre.getPublicKey(), pre));
    return signal.PreKeyBundle.new(
      this.registrationId,
      1,
      withOneTimePreKey ? 41 : null,
      withOneTimePreKey ? pre.getPublicKey() : null,
      7,
      signed.getPublicKey(),
      signedSig,
      this.identity.publicKey,
      300,
      kyber.getPublicKey(),
      kyberSig,
    );
  }

  session(peer: Party): Uint8Array {
    return currentSession(this.sessions.get(peer.address.toString())!);
  }

  encrypt(peer: Party, text: string): Promise<signal.CiphertextMessage> {
    return signal.signalEncrypt(utf8(text), peer.address, this.address, this.sessionStore, this.identityStore);
  }

  async decrypt(peer: Party, c: signal.CiphertextMessage): Promise<string> {
    const plaintext =
      c.type() === signal.CiphertextMessageType.PreKey
        ? await signal.signalDecryptPreKey(
            signal.PreKeySignalMessage.deserialize(c.serialize()),
            peer.address,
            this.address,
            this.sessionStore,
            this.identityStore,
            this.preKeyStore,
            this.signedPreKeyStore,
            this.kyberPreKeyStore,
          )
        : await signal.signalDecrypt(signal.SignalMessage.deserialize(c.serialize()), peer.address, this.address, this.sessionStore, this.identityStore);
    return new TextDecoder().decode(plaintext);
  }

  /**
   * Rewrites our stored session without its SPQR state: libsignal then treats it as a session
   * from before SPQR, so the message keys it uses are the Double Ratchet's alone.
   */
  stripSpqr(peer: Party): void {
    const session = withoutField(this.session(peer), Session.pqRatchetState);
    this.sessions.set(peer.address.toString(), signal.SessionRecord.deserialize(new Uint8Array(lengthDelimited(Record.currentSession, session))));
  }
}

async function startSession(withOneTimePreKey: boolean) {
  const [alice, bob] = [new Party("alice"), new Party("bob")];
  await signal.processPreKeyBundle(bob.bundle(withOneTimePreKey), bob.address, alice.address, alice.sessionStore, alice.identityStore);
  const aliceBefore = alice.session(bob); // before her first encryption: chains at index 0
  const first = await alice.encrypt(bob, "first");
  expect(first.type()).toBe(signal.CiphertextMessageType.PreKey);
  const pkm = first.serialize();
  expect(pkm[0]).toBe(VERSION_BYTE);
  const preKeyMessage = pkm.subarray(1);
  const bobKeys = {
    identity: bob.identity.privateKey.serialize(),
    signedPreKey: bob.signedPreKeys.get(7)!.privateKey().serialize(),
    signedPreKeyPublic: raw(bob.signedPreKeys.get(7)!.publicKey().serialize()),
    oneTimePreKey: withOneTimePreKey ? bob.preKeys.get(41)!.privateKey().serialize() : undefined,
    kyber: raw(bob.kyberPreKeys.get(300)!.secretKey().serialize()),
  };
  return { alice, bob, aliceBefore, first, preKeyMessage, bobKeys };
}

type Started = Awaited<ReturnType<typeof startSession>>;

function ourBobSecrets(s: Started) {
  return pqxdhRespond({
    ourIdentityPrivate: s.bobKeys.identity,
    ourSignedPreKeyPrivate: s.bobKeys.signedPreKey,
    ourOneTimePreKeyPrivate: s.bobKeys.oneTimePreKey,
    ourKyberSecretKey: s.bobKeys.kyber,
    theirIdentityKey: raw(bytesAt(s.preKeyMessage, PreKeyMessage.identityKey)),
    theirBaseKey: raw(bytesAt(s.preKeyMessage, PreKeyMessage.baseKey)),
    kyberCiphertext: raw(bytesAt(s.preKeyMessage, PreKeyMessage.kyberCiphertext)),
  });
}

describe("libsignal 0.103 storage and wire field numbers (issue 14)", () => {
  it("a fresh initiator record and its PreKeySignalMessage decode as storage.proto and wire.proto say", async () => {
    const s = await startSession(true);
    const session = s.aliceBefore;
    expect(uintAt(session, Session.version)).toBe(4);
    expect(bytesAt(session, Session.localIdentity)).toEqual(s.alice.identity.publicKey.serialize());
    expect(bytesAt(session, Session.remoteIdentity)).toEqual(s.bob.identity.publicKey.serialize());
    expect(bytesAt(session, Session.rootKey)).toHaveLength(32);
    expect(uintAt(session, Session.remoteRegistrationId)).toBe(s.bob.registrationId);
    expect(uintAt(session, Session.localRegistrationId)).toBe(s.alice.registrationId);
    expect(uintAt(session, Session.previousCounter)).toBe(0);
    const sender = bytesAt(session, Session.senderChain);
    expect(bytesAt(sender, Chain.ratchetKey)).toHaveLength(33);
    expect(bytesAt(sender, Chain.ratchetPrivate)).toHaveLength(32);
    expect(chainView(sender).index).toBe(0);
    expect(repeatedAt(session, Session.receiverChains)).toHaveLength(1);

    const m = s.preKeyMessage;
    expect(uintAt(m, PreKeyMessage.preKeyId)).toBe(41);
    expect(uintAt(m, PreKeyMessage.signedPreKeyId)).toBe(7);
    expect(uintAt(m, PreKeyMessage.kyberPreKeyId)).toBe(300);
    expect(uintAt(m, PreKeyMessage.registrationId)).toBe(s.alice.registrationId);
    expect(bytesAt(m, PreKeyMessage.identityKey)).toEqual(s.alice.identity.publicKey.serialize());
    expect(bytesAt(m, PreKeyMessage.baseKey)).toEqual(bytesAt(session, Session.aliceBaseKey));
    const kyberCiphertext = bytesAt(m, PreKeyMessage.kyberCiphertext);
    expect([kyberCiphertext.length, kyberCiphertext[0]]).toEqual([1569, 0x08]);
    // The pending prekeys libsignal keeps until Bob answers: ids, base key and Kyber ciphertext.
    const pending = bytesAt(session, Session.pendingPreKey);
    expect([uintAt(pending, 1), uintAt(pending, 3)]).toEqual([41, 7]);
    expect(bytesAt(pending, 2)).toEqual(bytesAt(m, PreKeyMessage.baseKey));
    const pendingKyber = bytesAt(session, Session.pendingKyberPreKey);
    expect(uintAt(pendingKyber, 1)).toBe(300);
    expect(bytesAt(pendingKyber, 2)).toEqual(kyberCiphertext);

    const inner = signalMessageView(bytesAt(m, PreKeyMessage.message));
    expect(bytesAt(inner.body, Message.ratchetKey)).toEqual(bytesAt(sender, Chain.ratchetKey));
    expect(uintAt(inner.body, Message.counter)).toBe(0);
    expect(bytesAt(inner.body, Message.ciphertext).length % 16).toBe(0);
    expect(bytesAt(inner.body, Message.pqRatchet).length).toBeGreaterThan(0);
  });
});

describe.each([
  ["with a one-time EC prekey", true],
  ["with no one-time EC prekey", false],
])("PQXDH and the first ratchet steps against libsignal 0.103, %s (issue 14)", (_name, withOneTimePreKey) => {
  it("Bob's PQXDH from his private keys reproduces the keys libsignal's Alice stored", async () => {
    const s = await startSession(withOneTimePreKey);
    const secrets = ourBobSecrets(s);
    const session = s.aliceBefore;
    // The PQXDH chain key is Alice's receiving chain under SPK_B, i.e. Bob's first sending chain.
    const receiving = chainView(receiverChain(session, s.bob.signedPreKeys.get(7)!.publicKey().serialize()));
    expect([receiving.index, hex(receiving.key)]).toEqual([0, hex(secrets.chainKey)]);
    // The third 32 bytes are the SPQR ratchet's initial secret (first field of its stored state).
    expect(hex(bytesAt(session, Session.pqRatchetState, 1, 1))).toBe(hex(secrets.spqrKey));

    // Alice's own first ratchet step, from her ratchet private key as libsignal stored it.
    const sender = bytesAt(session, Session.senderChain);
    const alice = initiatorChains(secrets, bytesAt(sender, Chain.ratchetPrivate), s.bobKeys.signedPreKeyPublic);
    expect(hex(alice.rootKey)).toBe(hex(bytesAt(session, Session.rootKey)));
    expect(hex(alice.sendingChainKey)).toBe(hex(chainView(sender).key));
    expect(hex(alice.receivingChainKey)).toBe(hex(secrets.chainKey));

    // Bob's side of the same step: his SPK against the ratchet key in Alice's message.
    const aliceRatchet = raw(bytesAt(signalMessageView(bytesAt(s.preKeyMessage, PreKeyMessage.message)).body, Message.ratchetKey));
    const bob = ratchetStep(secrets.rootKey, s.bobKeys.signedPreKey, aliceRatchet);
    expect([hex(bob.rootKey), hex(bob.chainKey)]).toEqual([hex(alice.rootKey), hex(alice.sendingChainKey)]);
  });

  it("chain steps over three messages, then Bob's and Alice's DH ratchet steps, match libsignal's records", async () => {
    const s = await startSession(withOneTimePreKey);
    const secrets = ourBobSecrets(s);
    const aliceSender = bytesAt(s.aliceBefore, Session.senderChain);
    const aliceRatchetKey = bytesAt(aliceSender, Chain.ratchetKey);
    const sendCk0 = chainView(aliceSender).key;
    const messages = [s.first, await s.alice.encrypt(s.bob, "second"), await s.alice.encrypt(s.bob, "third")];
    const aliceAfter = chainView(bytesAt(s.alice.session(s.bob), Session.senderChain));
    expect([aliceAfter.index, hex(aliceAfter.key)]).toEqual([3, hex(chainAt(sendCk0, 3))]);
    messages.forEach((c, counter) => expect(uintAt(signalMessageView(innerMessage(c)).body, Message.counter)).toBe(counter));

    for (const [i, c] of messages.entries()) expect(await s.bob.decrypt(s.alice, c)).toBe(["first", "second", "third"][i]);
    const bobSession = s.bob.session(s.alice);
    const bobReceiving = chainView(receiverChain(bobSession, aliceRatchetKey));
    expect([bobReceiving.index, hex(bobReceiving.key)]).toEqual([3, hex(chainAt(sendCk0, 3))]);
    // Bob ratchets forward on receipt: a fresh key of his against Alice's ratchet key, from the
    // root the receiving step produced.
    const receivedRoot = ratchetStep(secrets.rootKey, s.bobKeys.signedPreKey, raw(aliceRatchetKey)).rootKey;
    const bobSender = bytesAt(bobSession, Session.senderChain);
    const bobStep = ratchetStep(receivedRoot, bytesAt(bobSender, Chain.ratchetPrivate), raw(aliceRatchetKey));
    expect(hex(bytesAt(bobSession, Session.rootKey))).toBe(hex(bobStep.rootKey));
    expect([chainView(bobSender).index, hex(chainView(bobSender).key)]).toEqual([0, hex(bobStep.chainKey)]);

    // Bob's reply: a plain SignalMessage under his new ratchet key; Alice's mirror steps.
    const reply = await s.bob.encrypt(s.alice, "reply");
    expect(reply.type()).toBe(signal.CiphertextMessageType.Whisper);
    const replyBody = signalMessageView(reply.serialize()).body;
    expect(bytesAt(replyBody, Message.ratchetKey)).toEqual(bytesAt(bobSender, Chain.ratchetKey));
    expect(await s.alice.decrypt(s.bob, reply)).toBe("reply");
    const aliceSession = s.alice.session(s.bob);
    const aliceReceiving = chainView(receiverChain(aliceSession, bytesAt(bobSender, Chain.ratchetKey)));
    expect([aliceReceiving.index, hex(aliceReceiving.key)]).toEqual([1, hex(chainAt(bobStep.chainKey, 1))]);
    const aliceSender2 = bytesAt(aliceSession, Session.senderChain);
    const aliceStep = ratchetStep(bobStep.rootKey, bytesAt(aliceSender2, Chain.ratchetPrivate), raw(bytesAt(bobSender, Chain.ratchetKey)));
    expect(hex(bytesAt(aliceSession, Session.rootKey))).toBe(hex(aliceStep.rootKey));
    expect(hex(chainView(aliceSender2).key)).toBe(hex(aliceStep.chainKey));
    // libsignal stores the last counter it sent under the old chain (index − 1), not the count.
    expect(uintAt(aliceSession, Session.previousCounter)).toBe(2);
  });
});

describe("message keys, MAC and body cipher against libsignal 0.103 (issue 14)", () => {
  it("without SPQR state: HKDF(seed, no salt, WhisperMessageKeys) opens libsignal's messages both ways", async () => {
    const s = await startSession(true);
    const [aliceIk, bobIk] = [s.alice.identity.publicKey.serialize(), s.bob.identity.publicKey.serialize()];
    expect(await s.bob.decrypt(s.alice, s.first)).toBe("first"); // a normal (SPQR) session first
    // Alice → Bob: three more messages, after her record lost its SPQR state.
    const aliceStripped = await startSession(true);
    aliceStripped.alice.stripSpqr(aliceStripped.bob);
    const start = chainView(bytesAt(aliceStripped.alice.session(aliceStripped.bob), Session.senderChain));
    const texts = ["one", "two", "three, a little longer than one AES block"];
    for (const [k, text] of texts.entries()) {
      const m = signalMessageView(innerMessage(await aliceStripped.alice.encrypt(aliceStripped.bob, text)));
      expect(uintAt(m.body, Message.counter)).toBe(start.index + k);
      expect(readFields(m.body).some((f) => f.number === Message.pqRatchet)).toBe(false);
      const keys = deriveMessageKeys(chainStep(chainAt(start.key, k)).messageKeySeed);
      const [sIk, rIk] = [aliceStripped.alice.identity.publicKey.serialize(), aliceStripped.bob.identity.publicKey.serialize()];
      expect(hex(macOf(keys, sIk, rIk, m))).toBe(hex(m.mac));
      expect(hex(macOf(keys, rIk, sIk, m))).not.toBe(hex(m.mac)); // sender's identity comes first
      const body = bytesAt(m.body, Message.ciphertext);
      expect(new TextDecoder().decode(decryptBody(keys, body))).toBe(text);
      expect(hex(encryptBody(keys, utf8(text)))).toBe(hex(body));
    }
    // Bob → Alice after a DH ratchet step: Bob's record, stripped after he received.
    const bobSender = bytesAt(s.bob.session(s.alice), Session.senderChain);
    s.bob.stripSpqr(s.alice);
    const m = signalMessageView((await s.bob.encrypt(s.alice, "reply")).serialize());
    const keys = deriveMessageKeys(chainStep(chainView(bobSender).key).messageKeySeed);
    expect(hex(macOf(keys, bobIk, aliceIk, m))).toBe(hex(m.mac));
    expect(new TextDecoder().decode(decryptBody(keys, bytesAt(m.body, Message.ciphertext)))).toBe("reply");
  });

  it("with SPQR (every new session): SPQR's key for the message is the HKDF salt, from counter 0 on", async () => {
    const s = await startSession(true);
    const [aliceIk, bobIk] = [s.alice.identity.publicKey.serialize(), s.bob.identity.publicKey.serialize()];
    const sendCk0 = chainView(bytesAt(s.aliceBefore, Session.senderChain)).key;
    const texts = ["first", "second", "third"];
    const messages = [s.first, await s.alice.encrypt(s.bob, texts[1]!), await s.alice.encrypt(s.bob, texts[2]!)];
    // Delivered last-first, Bob stores what the skipped messages need: the EC seeds in his
    // receiving chain, and SPQR's keys (4-byte index ‖ 32-byte key) in its receiving chain.
    expect(await s.bob.decrypt(s.alice, messages[2]!)).toBe("third");
    const bobSession = s.bob.session(s.alice);
    const receiving = receiverChain(bobSession, bytesAt(bytesAt(s.aliceBefore, Session.senderChain), Chain.ratchetKey));
    const seeds = new Map(repeatedAt(receiving, Chain.messageKeys).map((k) => [uintAt(k, StoredMessageKey.index), bytesAt(k, StoredMessageKey.seed)]));
    const stored = bytesAt(bobSession, Session.pqRatchetState, 2, 3, 2, 3); // libsignal 0.103's SPQR state layout, observed
    const spqrKeys = new Map<number, Uint8Array>();
    for (let o = 0; o + 36 <= stored.length; o += 36) spqrKeys.set(new DataView(stored.buffer, stored.byteOffset + o).getUint32(0), stored.subarray(o + 4, o + 36));
    expect([...seeds.keys()].sort()).toEqual([0, 1]);
    expect([...spqrKeys.keys()].sort()).toEqual([1, 2]); // SPQR counts this chain's messages from 1

    for (const counter of [0, 1]) {
      const seed = chainStep(chainAt(sendCk0, counter)).messageKeySeed;
      expect(hex(seeds.get(counter)!)).toBe(hex(seed));
      const m = signalMessageView(innerMessage(messages[counter]!));
      expect(hex(macOf(deriveMessageKeys(seed), aliceIk, bobIk, m))).not.toBe(hex(m.mac)); // the EC keys alone do not open it
      const keys = deriveMessageKeys(seed, spqrKeys.get(counter + 1)!);
      expect(hex(macOf(keys, aliceIk, bobIk, m))).toBe(hex(m.mac));
      expect(new TextDecoder().decode(decryptBody(keys, bytesAt(m.body, Message.ciphertext)))).toBe(texts[counter]);
    }
  });
});
