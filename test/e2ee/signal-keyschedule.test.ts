// Issue 14: the key schedule (client/signal/pqxdh.ts, kdf.ts, message-cipher.ts) on known
// answers captured from @signalapp/libsignal-client 0.103 (test/node/signal-keyschedule.test.ts
// is the live oracle run; vectors/libsignal-0.103-keyschedule.json its recorded output). Run in
// workerd, so these prove the same bytes there, with no libsignal.
import { x25519 } from "@noble/curves/ed25519.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, concatBytes, hexToBytes } from "@noble/hashes/utils.js";
import { describe, expect, it } from "vitest";
import { chainStep, deriveMessageKeys, KeyScheduleError, ratchetStep, rootStep, type MessageKeys } from "../../client/signal/kdf.ts";
import { kyber1024 } from "../../client/signal/kyber1024.ts";
import { decryptBody, encryptBody, MessageCipherError } from "../../client/signal/message-cipher.ts";
import { initiatorChains, pqxdhInitiate, pqxdhRespond, type PqxdhSecrets } from "../../client/signal/pqxdh.ts";
import vectors from "./vectors/libsignal-0.103-keyschedule.json";

const h = hexToBytes;
const MAC_LENGTH = 8;

interface RecordedMessage {
  readonly counter: number;
  readonly plaintext: string;
  readonly signalMessage: string;
  readonly ciphertext: string;
  readonly spqrKey?: string;
}

function chainAt(chainKey: Uint8Array, index: number): Uint8Array {
  let ck = chainKey;
  for (let i = 0; i < index; i++) ck = chainStep(ck).nextChainKey;
  return ck;
}

function respond(v: typeof vectors.withOneTimePreKey | typeof vectors.withoutOneTimePreKey): PqxdhSecrets {
  return pqxdhRespond({
    ourIdentityPrivate: h(v.bobIdentityPrivate),
    ourSignedPreKeyPrivate: h(v.bobSignedPreKeyPrivate),
    ourOneTimePreKeyPrivate: v.bobOneTimePreKeyPrivate === null ? undefined : h(v.bobOneTimePreKeyPrivate),
    ourKyberSecretKey: h(v.bobKyberSecretKey),
    theirIdentityKey: h(v.aliceIdentityPublic).subarray(1),
    theirBaseKey: h(v.aliceBaseKey),
    kyberCiphertext: h(v.kyberCiphertext),
  });
}

const hexSecrets = (s: PqxdhSecrets) => ({ rootKey: bytesToHex(s.rootKey), chainKey: bytesToHex(s.chainKey), spqrKey: bytesToHex(s.spqrKey) });

/** The message opens under these keys: its 8-byte MAC verifies, and its body decrypts and re-encrypts to the same bytes. */
function expectOpens(keys: MessageKeys, senderIdentity: string, receiverIdentity: string, m: RecordedMessage): void {
  const serialized = h(m.signalMessage);
  const mac = hmac(sha256, keys.macKey, concatBytes(h(senderIdentity), h(receiverIdentity), serialized.subarray(0, -MAC_LENGTH)));
  expect(bytesToHex(mac.subarray(0, MAC_LENGTH))).toBe(bytesToHex(serialized.subarray(-MAC_LENGTH)));
  expect(new TextDecoder().decode(decryptBody(keys, h(m.ciphertext)))).toBe(m.plaintext);
  expect(bytesToHex(encryptBody(keys, new TextEncoder().encode(m.plaintext)))).toBe(m.ciphertext);
}

function macMatches(keys: MessageKeys, senderIdentity: string, receiverIdentity: string, m: RecordedMessage): boolean {
  const serialized = h(m.signalMessage);
  const mac = hmac(sha256, keys.macKey, concatBytes(h(senderIdentity), h(receiverIdentity), serialized.subarray(0, -MAC_LENGTH)));
  return bytesToHex(mac.subarray(0, MAC_LENGTH)) === bytesToHex(serialized.subarray(-MAC_LENGTH));
}

describe("the key schedule on libsignal 0.103's recorded bytes (issue 14)", () => {
  const v = vectors.withOneTimePreKey;

  it.each([
    ["with a one-time EC prekey", vectors.withOneTimePreKey],
    ["with no one-time EC prekey", vectors.withoutOneTimePreKey],
  ])("PQXDH %s: Bob's secrets, then Alice's first ratchet step", (_name, w) => {
    const secrets = respond(w);
    expect(hexSecrets(secrets)).toEqual(w.pqxdh);
    const alice = initiatorChains(secrets, h(w.aliceRatchetPrivate), h(w.bobSignedPreKeyPublic));
    expect({ rootKey: bytesToHex(alice.rootKey), sendingChainKey: bytesToHex(alice.sendingChainKey) }).toEqual(w.aliceFirstStep);
    expect(bytesToHex(alice.receivingChainKey)).toBe(w.pqxdh.chainKey);
  });

  it("the one-time prekey's DH is part of the input: leaving it out changes every secret", () => {
    const { ourOneTimePreKeyPrivate: _dropped, ...withoutDh4 } = {
      ourIdentityPrivate: h(v.bobIdentityPrivate),
      ourSignedPreKeyPrivate: h(v.bobSignedPreKeyPrivate),
      ourOneTimePreKeyPrivate: h(v.bobOneTimePreKeyPrivate),
      ourKyberSecretKey: h(v.bobKyberSecretKey),
      theirIdentityKey: h(v.aliceIdentityPublic).subarray(1),
      theirBaseKey: h(v.aliceBaseKey),
      kyberCiphertext: h(v.kyberCiphertext),
    };
    expect(pqxdhRespond(withoutDh4).rootKey).not.toEqual(h(v.pqxdh.rootKey));
  });

  it("SPQR sessions: the SPQR key for the message salts the message keys, counters 0 and 1", () => {
    const sending = h(v.aliceFirstStep.sendingChainKey);
    for (const m of v.spqrMessages) {
      const seed = chainStep(chainAt(sending, m.counter)).messageKeySeed;
      expect(macMatches(deriveMessageKeys(seed), v.aliceIdentityPublic, v.bobIdentityPublic, m)).toBe(false);
      expectOpens(deriveMessageKeys(seed, h(m.spqrKey)), v.aliceIdentityPublic, v.bobIdentityPublic, m);
    }
  });

  it("sessions without SPQR state: unsalted message keys, Alice's chain at counter 3", () => {
    const seed = chainStep(chainAt(h(v.aliceFirstStep.sendingChainKey), v.plainMessage.counter)).messageKeySeed;
    expectOpens(deriveMessageKeys(seed), v.aliceIdentityPublic, v.bobIdentityPublic, v.plainMessage);
    expect(macMatches(deriveMessageKeys(seed), v.bobIdentityPublic, v.aliceIdentityPublic, v.plainMessage)).toBe(false);
  });

  it("Bob's DH ratchet steps on receipt, and his reply on the new chain", () => {
    const secrets = respond(v);
    const received = ratchetStep(secrets.rootKey, h(v.bobSignedPreKeyPrivate), h(v.aliceRatchetPublic));
    expect(bytesToHex(received.chainKey)).toBe(v.aliceFirstStep.sendingChainKey);
    const sending = ratchetStep(received.rootKey, h(v.bobRatchetPrivate), h(v.aliceRatchetPublic));
    expect({ rootKey: bytesToHex(sending.rootKey), sendingChainKey: bytesToHex(sending.chainKey) }).toEqual(v.bobStep);
    const keys = deriveMessageKeys(chainStep(chainAt(sending.chainKey, v.plainReply.counter)).messageKeySeed);
    expectOpens(keys, v.bobIdentityPublic, v.aliceIdentityPublic, v.plainReply);
  });
});

describe("PQXDH between our own initiator and responder (issue 14)", () => {
  const keyPair = () => {
    const privateKey = x25519.utils.randomSecretKey();
    return { privateKey, publicKey: x25519.getPublicKey(privateKey) };
  };

  it.each([true, false])("both sides agree (one-time prekey: %s), and Bob's first receiving step is Alice's sending chain", (withOneTimePreKey) => {
    const [aliceIk, aliceEk, aliceRatchet, bobIk, bobSpk, bobOpk] = [keyPair(), keyPair(), keyPair(), keyPair(), keyPair(), keyPair()];
    const bobKyber = kyber1024.keygen();
    const { secrets, kyberCiphertext } = pqxdhInitiate({
      ourIdentityPrivate: aliceIk.privateKey,
      ourBaseKeyPrivate: aliceEk.privateKey,
      theirIdentityKey: bobIk.publicKey,
      theirSignedPreKey: bobSpk.publicKey,
      theirOneTimePreKey: withOneTimePreKey ? bobOpk.publicKey : undefined,
      theirKyberPreKey: bobKyber.publicKey,
    });
    const bob = pqxdhRespond({
      ourIdentityPrivate: bobIk.privateKey,
      ourSignedPreKeyPrivate: bobSpk.privateKey,
      ourOneTimePreKeyPrivate: withOneTimePreKey ? bobOpk.privateKey : undefined,
      ourKyberSecretKey: bobKyber.secretKey,
      theirIdentityKey: aliceIk.publicKey,
      theirBaseKey: aliceEk.publicKey,
      kyberCiphertext,
    });
    expect(hexSecrets(bob)).toEqual(hexSecrets(secrets));
    const alice = initiatorChains(secrets, aliceRatchet.privateKey, bobSpk.publicKey);
    const bobReceiving = ratchetStep(bob.rootKey, bobSpk.privateKey, aliceRatchet.publicKey);
    expect([bytesToHex(bobReceiving.rootKey), bytesToHex(bobReceiving.chainKey)]).toEqual([bytesToHex(alice.rootKey), bytesToHex(alice.sendingChainKey)]);
  });
});

describe("bad input gets a typed error (issue 14)", () => {
  const v = vectors.withOneTimePreKey;
  const reason = (run: () => unknown) => {
    try {
      run();
    } catch (e) {
      if (e instanceof KeyScheduleError || e instanceof MessageCipherError) return e.reason;
      throw e;
    }
    throw new Error("expected an error");
  };

  it("libsignal's 33-byte serialized keys are refused where raw keys are expected", () => {
    expect(reason(() => ratchetStep(new Uint8Array(32), h(v.bobRatchetPrivate), h(v.aliceIdentityPublic)))).toBe("bad-length");
    expect(reason(() => pqxdhRespond({ ...baseResponder(), kyberCiphertext: concatBytes(Uint8Array.of(0x08), h(v.kyberCiphertext)) }))).toBe("bad-length");
  });

  it("a low-order X25519 point is refused, not turned into an all-zero secret", () => {
    expect(reason(() => ratchetStep(new Uint8Array(32), h(v.bobRatchetPrivate), new Uint8Array(32)))).toBe("invalid-public-key");
  });

  it("keys of the wrong size anywhere in the schedule", () => {
    expect(reason(() => rootStep(new Uint8Array(31), new Uint8Array(32)))).toBe("bad-length");
    expect(reason(() => chainStep(new Uint8Array(33)))).toBe("bad-length");
    expect(reason(() => deriveMessageKeys(new Uint8Array(32), new Uint8Array(16)))).toBe("bad-length");
    expect(reason(() => encryptBody({ cipherKey: new Uint8Array(16), iv: new Uint8Array(16) }, new Uint8Array(1)))).toBe("bad-key");
  });

  it("a body that is not whole blocks, or whose padding is wrong", () => {
    const keys = deriveMessageKeys(new Uint8Array(32));
    expect(reason(() => decryptBody(keys, new Uint8Array(15)))).toBe("bad-length");
    expect(reason(() => decryptBody(keys, new Uint8Array(0)))).toBe("bad-length");
    // 16 bytes of data, then a whole block of 0x10 padding; flipping the first block's last
    // byte flips the padding's last byte (CBC), to 0xef.
    const body = encryptBody(keys, new Uint8Array(16));
    body[15]! ^= 0xff;
    expect(reason(() => decryptBody(keys, body))).toBe("bad-padding");
  });

  function baseResponder() {
    return {
      ourIdentityPrivate: h(v.bobIdentityPrivate),
      ourSignedPreKeyPrivate: h(v.bobSignedPreKeyPrivate),
      ourKyberSecretKey: h(v.bobKyberSecretKey),
      theirIdentityKey: h(v.aliceIdentityPublic).subarray(1),
      theirBaseKey: h(v.aliceBaseKey),
      kyberCiphertext: h(v.kyberCiphertext),
    };
  }
});
