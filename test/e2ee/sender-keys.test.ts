// Sender keys (issue 15) inside workerd: fixed vectors that libsignal 0.103 produced
// (SenderKeyDistributionMessage.create + groupEncrypt, captured once), then our own sender and
// receiver against each other: order, skipping, duplicates, tampering, limits, state forms.
// test/node/sender-keys.test.ts runs the same code against libsignal live.
import { describe, expect, it } from "vitest";
import { bytesToHex, concatBytes, hexToBytes, utf8 } from "../../protocol/bytes.ts";
import { messageKeys, messageKeySeed, nextChainKey } from "../../client/signal/sender-keys/chain.ts";
import { encodeDistributionMessage, encodeSenderKeyMessageBody } from "../../client/signal/sender-keys/wire.ts";
import {
  ITERATION_LIMIT,
  MAX_FORWARD_JUMPS,
  MAX_SENDER_KEY_STATES,
  MAX_SKIPPED_KEYS,
  SenderKeyError,
  checkSenderKeyRecord,
  checkSenderKeyState,
  createSenderKey,
  decodeDistributionMessage,
  decodeSenderKeyMessage,
  distributionMessage,
  groupDecrypt,
  groupEncrypt,
  processDistributionMessage,
  senderKeyRecordFromJSON,
  senderKeyRecordToJSON,
  senderKeyStateFromJSON,
  senderKeyStateToJSON,
  type SenderKeyErrorReason,
  type SenderKeyRecord,
  type SenderKeyState,
} from "../../client/signal/sender-keys/index.ts";
import { bytesField, uint32Field } from "../../client/signal/wire/protobuf.ts";
import { xeddsaSign } from "../../protocol/signal/xeddsa.ts";

// libsignal 0.103: SenderKeyDistributionMessage.create(alice.1, 6a1f3c2e-9b4d-4e8a-a7c5-0d2b8e6f1a93)
// and then three groupEncrypt calls in sequence.
const LIBSIGNAL = {
  distributionId: "6a1f3c2e9b4d4e8aa7c50d2b8e6f1a93",
  chainId: 944218520,
  chainKey: "4542577d60bf306b2f83cec340e59de56f10a140617cd0f9381b6aa6a0e27130",
  skdm:
    "330a106a1f3c2e9b4d4e8aa7c50d2b8e6f1a931098c39ec203180022204542577d60bf306b2f83cec340e59de56f10a140617cd0f9381b6aa6a0e271302a2105792ead70ca7ec84be537f829df566d5a6aa1b4940b60e4be23a6941ad4f9365c",
  messages: [
    {
      plaintext: "hello group",
      skmsg:
        "330a106a1f3c2e9b4d4e8aa7c50d2b8e6f1a931098c39ec20318002210ea27786c660edfc0d9fd3ecef0dd22d78996a59be4009fd40768fd6e669d2aa78f42fcbbc75e0d65042f9c20931fa6451c48a5e81243e99a699fbd60e9be1edf2270b5fe27483953565fc5ed133d0b80",
    },
    {
      plaintext: "",
      skmsg:
        "330a106a1f3c2e9b4d4e8aa7c50d2b8e6f1a931098c39ec203180122109c2d960b4b8655b1ef26a1d9655452825e4a9f548e36129ffa750855cc2ddba7ccdd523c3dc8f1e476f94079cb806482f7e6a555a2d102b3d469b1054bc1dbaccaf89e087b9811110e379bdc24c8ac8c",
    },
    {
      plaintext: "third message, a bit longer than one AES block",
      skmsg:
        "330a106a1f3c2e9b4d4e8aa7c50d2b8e6f1a931098c39ec20318022230118fd1107ddaa36ee57578fa7096de068906c3d9304488d7dd4a0b90584447d243fd40fe172454089c3591aa10a70c05664e6a1dad604ea7d5f60a502e49d5c3e1ce8235462539394b38c400772b80acf2489765564abc5757eed343f99799bae5c0475baf6999e73542098148207a8f",
    },
  ],
};
const vector = (i: number) => hexToBytes(LIBSIGNAL.messages[i]!.skmsg);

const DIST = Uint8Array.from({ length: 16 }, (_, i) => 0x10 + i);
const text = (s: string) => utf8.encode(s);
const read = (b: Uint8Array) => utf8.decode(b);

function expectReason(fn: () => unknown, reason: SenderKeyErrorReason): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(SenderKeyError);
  expect((caught as SenderKeyError).reason).toBe(reason);
}

/** The sender state `n` iterations on, without sending n messages (the chain is public math). */
function advanced(state: SenderKeyState, n: number): SenderKeyState {
  let chainKey = state.chainKey;
  for (let i = 0; i < n; i++) chainKey = nextChainKey(chainKey);
  return { ...state, iteration: state.iteration + n, chainKey };
}

const encryptAt = (state: SenderKeyState, n: number, plaintext = `m${n}`) => groupEncrypt(advanced(state, n - state.iteration), text(plaintext)).message;

function setup(): { sender: SenderKeyState; record: SenderKeyRecord } {
  const sender = createSenderKey(DIST);
  return { sender, record: processDistributionMessage(undefined, distributionMessage(sender)) };
}

/** Decrypts and returns the plaintext text, threading the record through. */
function receiver(record: SenderKeyRecord) {
  return {
    get record() {
      return record;
    },
    open(skmsg: Uint8Array): string {
      const out = groupDecrypt(record, skmsg);
      record = out.record;
      return read(out.plaintext);
    },
  };
}

describe("libsignal 0.103 vectors", () => {
  it("parses its SKDM and re-encodes it byte for byte", () => {
    const skdm = hexToBytes(LIBSIGNAL.skdm);
    const parsed = decodeDistributionMessage(skdm);
    expect(bytesToHex(parsed.distributionId)).toBe(LIBSIGNAL.distributionId);
    expect(parsed.chainId).toBe(LIBSIGNAL.chainId);
    expect(parsed.iteration).toBe(0);
    expect(bytesToHex(parsed.chainKey)).toBe(LIBSIGNAL.chainKey);
    expect(parsed.signingKey[0]).toBe(0x05);
    expect(bytesToHex(encodeDistributionMessage(parsed))).toBe(LIBSIGNAL.skdm);
  });

  it("re-encodes its SenderKeyMessages' signed part byte for byte", () => {
    LIBSIGNAL.messages.forEach((_, i) => {
      const m = decodeSenderKeyMessage(vector(i));
      expect(m.iteration).toBe(i);
      expect(m.chainId).toBe(LIBSIGNAL.chainId);
      expect(bytesToHex(concatBytes(encodeSenderKeyMessageBody(m), m.signature))).toBe(LIBSIGNAL.messages[i]!.skmsg);
    });
  });

  it("decrypts its messages in order and out of order", () => {
    const first = processDistributionMessage(undefined, hexToBytes(LIBSIGNAL.skdm));
    const inOrder = receiver(first);
    expect(LIBSIGNAL.messages.map((_, i) => inOrder.open(vector(i)))).toEqual(LIBSIGNAL.messages.map((m) => m.plaintext));
    const shuffled = receiver(first);
    expect([2, 0, 1].map((i) => shuffled.open(vector(i)))).toEqual([2, 0, 1].map((i) => LIBSIGNAL.messages[i]!.plaintext));
    expectReason(() => shuffled.open(vector(1)), "duplicate");
  });

  it("derives the body keys as HKDF(seed, 'WhisperGroup') = IV 16 ‖ AES key 32", () => {
    // Done by hand here so a change to chain.ts cannot hide behind itself.
    const keys = messageKeys(messageKeySeed(hexToBytes(LIBSIGNAL.chainKey)));
    expect(keys.iv.length).toBe(16);
    expect(keys.cipherKey.length).toBe(32);
    const record = processDistributionMessage(undefined, hexToBytes(LIBSIGNAL.skdm));
    expect(read(groupDecrypt(record, vector(0)).plaintext)).toBe("hello group");
  });
});

describe("ours to ours", () => {
  it("writes the version 3 byte and libsignal's layout", () => {
    const { sender } = setup();
    const skdm = distributionMessage(sender);
    expect(skdm[0]).toBe(0x33);
    expect(skdm.length).toBe(1 + 18 + 1 + varintLength(sender.chainId) + 2 + 34 + 35);
    const { message } = groupEncrypt(sender, text("x"));
    expect(message[0]).toBe(0x33);
    expect(message.length).toBe(1 + 18 + 1 + varintLength(sender.chainId) + 2 + 18 + 64);
    expect(sender.chainId).toBeLessThan(2 ** 31);
  });

  it("decrypts in order, and the sender's state moves on", () => {
    let { sender, record } = setup();
    const r = receiver(record);
    for (let i = 0; i < 20; i++) {
      const out = groupEncrypt(sender, text(`message ${i}`));
      expect(out.state.iteration).toBe(i + 1);
      sender = out.state;
      expect(r.open(out.message)).toBe(`message ${i}`);
    }
    expect(r.record.states[0]!.iteration).toBe(20);
    expect(r.record.states[0]!.skipped).toEqual([]);
  });

  it("decrypts out of order, keeps skipped keys until used, and refuses duplicates", () => {
    const { sender, record } = setup();
    const messages = [0, 1, 2, 3, 4].map((n) => encryptAt(sender, n));
    const r = receiver(record);
    expect(r.open(messages[3]!)).toBe("m3");
    expect(r.record.states[0]!.skipped.map((k) => k.iteration)).toEqual([0, 1, 2]);
    expect(r.open(messages[1]!)).toBe("m1");
    expectReason(() => r.open(messages[1]!), "duplicate");
    expectReason(() => r.open(messages[3]!), "duplicate");
    expect(r.open(messages[4]!)).toBe("m4");
    expect(r.open(messages[0]!)).toBe("m0");
    expect(r.open(messages[2]!)).toBe("m2");
    expect(r.record.states[0]!.skipped).toEqual([]);
  });

  it("decrypts an empty plaintext (one block of padding)", () => {
    const { sender, record } = setup();
    const { message } = groupEncrypt(sender, new Uint8Array(0));
    expect(decodeSenderKeyMessage(message).ciphertext.length).toBe(16);
    expect(groupDecrypt(record, message).plaintext).toEqual(new Uint8Array(0));
  });

  it("a receiver that joins late starts at the SKDM's iteration", () => {
    let { sender } = setup();
    const early = groupEncrypt(sender, text("before")).message;
    sender = advanced(sender, 1);
    const late = processDistributionMessage(undefined, distributionMessage(sender));
    expectReason(() => groupDecrypt(late, early), "duplicate");
    expect(read(groupDecrypt(late, groupEncrypt(sender, text("after")).message).plaintext)).toBe("after");
  });
});

describe("failures change nothing", () => {
  function tamperCase(mutate: (m: Uint8Array) => Uint8Array, reason: SenderKeyErrorReason) {
    const { sender, record } = setup();
    const message = encryptAt(sender, 0);
    const before = JSON.stringify(senderKeyRecordToJSON(record));
    expectReason(() => groupDecrypt(record, mutate(message.slice())), reason);
    expect(JSON.stringify(senderKeyRecordToJSON(record))).toBe(before);
    expect(read(groupDecrypt(record, message).plaintext)).toBe("m0");
  }

  it("refuses a flipped signature bit", () => tamperCase((m) => ((m[m.length - 1]! ^= 1), m), "bad-signature"));
  it("refuses a flipped ciphertext bit (the signature covers it)", () => tamperCase((m) => ((m[m.length - 70]! ^= 1), m), "bad-signature"));
  it("refuses another low nibble in the version (the signature covers the byte as sent)", () => tamperCase((m) => ((m[0] = 0x30), m), "bad-signature"));
  it("refuses versions 2 and 4", () => {
    tamperCase((m) => ((m[0] = 0x23), m), "bad-version");
    tamperCase((m) => ((m[0] = 0x43), m), "bad-version");
  });
  it("refuses a truncated message", () => tamperCase((m) => m.subarray(0, 64), "malformed"));

  it("checks the signature before the iteration, as libsignal does", () => {
    const { sender, record } = setup();
    const message = encryptAt(sender, 0);
    const { record: after } = groupDecrypt(record, message);
    const broken = message.slice();
    broken[broken.length - 1]! ^= 1;
    expectReason(() => groupDecrypt(after, broken), "bad-signature");
    const far = encryptAt(sender, MAX_FORWARD_JUMPS + 1);
    far[far.length - 1]! ^= 1;
    expectReason(() => groupDecrypt(record, far), "bad-signature");
  });

  it("refuses a signature by another key", () => {
    const { sender, record } = setup();
    const forger = createSenderKey(DIST);
    const forged = groupEncrypt({ ...forger, chainId: sender.chainId, chainKey: sender.chainKey }, text("forged")).message;
    expectReason(() => groupDecrypt(record, forged), "bad-signature");
  });

  it("refuses a well-signed body that is not AES-CBC under the message keys", () => {
    const { sender, record } = setup();
    for (const ciphertext of [new Uint8Array(0), new Uint8Array(15), new Uint8Array(16)]) {
      const body = encodeSenderKeyMessageBody({ distributionId: DIST, chainId: sender.chainId, iteration: 0, ciphertext });
      const signedWithSender = signed(sender, body);
      expectReason(() => groupDecrypt(record, signedWithSender), "bad-ciphertext");
    }
    expect(read(groupDecrypt(record, encryptAt(sender, 0)).plaintext)).toBe("m0");
  });

  it("needs a record, the right distribution id and a known chain id", () => {
    const { sender, record } = setup();
    const message = encryptAt(sender, 0);
    expectReason(() => groupDecrypt(undefined, message), "no-sender-key");
    const other = processDistributionMessage(undefined, distributionMessage(createSenderKey(DIST)));
    expectReason(() => groupDecrypt(other, message), "no-sender-key");
    const elsewhere = processDistributionMessage(undefined, distributionMessage(createSenderKey(new Uint8Array(16))));
    expectReason(() => groupDecrypt(elsewhere, message), "wrong-distribution");
    expectReason(() => processDistributionMessage(elsewhere, distributionMessage(sender)), "wrong-distribution");
    expect(record.states.length).toBe(1);
  });
});

describe("limits (libsignal 0.103's)", () => {
  it(`accepts a jump of ${MAX_FORWARD_JUMPS} iterations and refuses ${MAX_FORWARD_JUMPS + 1}`, () => {
    const { sender, record } = setup();
    expectReason(() => groupDecrypt(record, encryptAt(sender, MAX_FORWARD_JUMPS + 1)), "too-far");
    const out = groupDecrypt(record, encryptAt(sender, MAX_FORWARD_JUMPS));
    expect(read(out.plaintext)).toBe(`m${MAX_FORWARD_JUMPS}`);
    // The limit counts from the chain's position, not from the start.
    expect(read(groupDecrypt(out.record, encryptAt(sender, 2 * MAX_FORWARD_JUMPS + 1)).plaintext)).toBe(`m${2 * MAX_FORWARD_JUMPS + 1}`);
  });

  it(`keeps the newest ${MAX_SKIPPED_KEYS} skipped keys`, () => {
    const { sender, record } = setup();
    const { record: after } = groupDecrypt(record, encryptAt(sender, 2500));
    expect(after.states[0]!.skipped.length).toBe(MAX_SKIPPED_KEYS);
    expectReason(() => groupDecrypt(after, encryptAt(sender, 499)), "duplicate");
    expect(read(groupDecrypt(after, encryptAt(sender, 500)).plaintext)).toBe("m500");
    expect(read(groupDecrypt(after, encryptAt(sender, 2499)).plaintext)).toBe("m2499");
  });

  it("evicts the oldest skipped keys first across several jumps", () => {
    const { sender, record } = setup();
    const r = receiver(record);
    r.open(encryptAt(sender, 1500));
    r.open(encryptAt(sender, 3001));
    const kept = r.record.states[0]!.skipped.map((k) => k.iteration);
    expect(kept.length).toBe(MAX_SKIPPED_KEYS);
    expect(kept[0]).toBe(1000);
    expect(kept.includes(1500)).toBe(false);
    expectReason(() => r.open(encryptAt(sender, 999)), "duplicate");
    expect(r.open(encryptAt(sender, 1000))).toBe("m1000");
  });

  it("numbers iterations up to 2^32 - 1, then the chain is exhausted", () => {
    const sender = createSenderKey(DIST);
    const last: SenderKeyState = { ...sender, iteration: ITERATION_LIMIT - 1 };
    const record = processDistributionMessage(undefined, distributionMessage(last));
    const out = groupEncrypt(last, text("last"));
    expect(out.state.iteration).toBe(ITERATION_LIMIT);
    const { record: done } = groupDecrypt(record, out.message);
    expect(done.states[0]!.iteration).toBe(ITERATION_LIMIT);
    expectReason(() => groupEncrypt(out.state, text("more")), "exhausted");
    expectReason(() => distributionMessage(out.state), "exhausted");
    expectReason(() => groupDecrypt(done, out.message), "duplicate");
    expect(senderKeyRecordFromJSON(JSON.parse(JSON.stringify(senderKeyRecordToJSON(done))))).toEqual(done);
  });
});

describe("records of several chains", () => {
  it(`keeps the ${MAX_SENDER_KEY_STATES} newest chains, so in-flight messages of a rotated key still decrypt`, () => {
    let record: SenderKeyRecord | undefined;
    const senders = Array.from({ length: MAX_SENDER_KEY_STATES + 1 }, () => createSenderKey(DIST));
    const messages = senders.map((s) => {
      record = processDistributionMessage(record, distributionMessage(s));
      return groupEncrypt(s, text(`chain ${s.chainId}`)).message;
    });
    expect(record!.states.length).toBe(MAX_SENDER_KEY_STATES);
    expect(record!.states.map((s) => s.chainId)).toEqual(senders.slice(1).reverse().map((s) => s.chainId));
    expectReason(() => groupDecrypt(record, messages[0]!), "no-sender-key");
    for (let i = 1; i < senders.length; i++) expect(read(groupDecrypt(record, messages[i]!).plaintext)).toBe(`chain ${senders[i]!.chainId}`);
  });

  it("a resent SKDM (same chain, same key) keeps the state as it is and makes it the newest", () => {
    const { sender, record: first } = setup();
    const r = receiver(first);
    r.open(encryptAt(sender, 2));
    const resent = processDistributionMessage(r.record, distributionMessage(advanced(sender, 5)));
    expect(resent.states[0]).toEqual(r.record.states[0]);
    let record = resent;
    for (let i = 0; i < MAX_SENDER_KEY_STATES - 1; i++) record = processDistributionMessage(record, distributionMessage(createSenderKey(DIST)));
    record = processDistributionMessage(record, distributionMessage(sender));
    record = processDistributionMessage(record, distributionMessage(createSenderKey(DIST)));
    expect(record.states.map((s) => s.chainId)).toContain(sender.chainId);
    expect(read(groupDecrypt(record, encryptAt(sender, 0)).plaintext)).toBe("m0");
  });

  it("an SKDM for a known chain id under another signing key replaces that chain", () => {
    const { sender, record } = setup();
    const other = createSenderKey(DIST);
    const impostor: SenderKeyState = { ...other, chainId: sender.chainId };
    const replaced = processDistributionMessage(record, distributionMessage(impostor));
    expect(replaced.states.length).toBe(1);
    expectReason(() => groupDecrypt(replaced, encryptAt(sender, 0)), "bad-signature");
    expect(read(groupDecrypt(replaced, encryptAt(impostor, 0)).plaintext)).toBe("m0");
  });
});

describe("state forms", () => {
  it("round-trips state and record through JSON", () => {
    const { sender, record } = setup();
    const r = receiver(record);
    r.open(encryptAt(sender, 3));
    const full = processDistributionMessage(r.record, distributionMessage(createSenderKey(DIST)));
    const viaJson = senderKeyRecordFromJSON(JSON.parse(JSON.stringify(senderKeyRecordToJSON(full))));
    expect(viaJson).toEqual(full);
    expect(read(groupDecrypt(viaJson, encryptAt(sender, 1)).plaintext)).toBe("m1");
    const state = senderKeyStateFromJSON(JSON.parse(JSON.stringify(senderKeyStateToJSON(sender))));
    expect(state).toEqual(sender);
    expect(read(groupDecrypt(record, groupEncrypt(state, text("again")).message).plaintext)).toBe("again");
  });

  it("survives structuredClone as it is", () => {
    const { sender, record } = setup();
    const clonedSender = structuredClone(sender);
    const clonedRecord = structuredClone(groupDecrypt(record, encryptAt(sender, 2)).record);
    expect(checkSenderKeyState(clonedSender)).toEqual(sender);
    expect(checkSenderKeyRecord(clonedRecord).states[0]!.skipped.length).toBe(2);
    expect(read(groupDecrypt(clonedRecord, groupEncrypt(clonedSender, text("cloned")).message).plaintext)).toBe("cloned");
  });

  it("refuses damaged JSON", () => {
    const { sender, record } = setup();
    const withSkipped = groupDecrypt(record, encryptAt(sender, 2)).record;
    const good = senderKeyRecordToJSON(withSkipped) as Record<string, unknown>;
    const goodState = senderKeyStateToJSON(sender) as Record<string, unknown>;
    const chain = (good.states as Record<string, unknown>[])[0]!;
    const damagedRecords: unknown[] = [
      null,
      { ...good, v: 2 },
      { ...good, distributionId: "AAAA" },
      { ...good, states: [] },
      { ...good, states: [chain, chain] },
      { ...good, states: Array(MAX_SENDER_KEY_STATES + 1).fill(chain) },
      { ...good, extra: 1 },
      { ...good, states: [{ ...chain, iteration: -1 }] },
      { ...good, states: [{ ...chain, iteration: ITERATION_LIMIT + 1 }] },
      { ...good, states: [{ ...chain, signingKey: goodState.signingPrivate }] },
      { ...good, states: [{ ...chain, skipped: [...(chain.skipped as unknown[])].reverse() }] },
      { ...good, states: [{ ...chain, iteration: 1 }] },
      { ...good, states: [{ ...chain, chainKey: 7 }] },
    ];
    for (const bad of damagedRecords) expectReason(() => senderKeyRecordFromJSON(bad), "bad-state");
    const other = senderKeyStateToJSON(createSenderKey(DIST)) as Record<string, unknown>;
    const damagedStates: unknown[] = [
      { ...goodState, v: undefined },
      { ...goodState, signingPublic: other.signingPublic },
      { ...goodState, chainId: 2 ** 32 },
      { ...goodState, iteration: 1.5 },
      { ...goodState, chainKey: "!!" },
    ];
    for (const bad of damagedStates) expectReason(() => senderKeyStateFromJSON(bad), "bad-state");
    expectReason(() => checkSenderKeyRecord({ ...withSkipped, distributionId: "x" }), "bad-state");
  });
});

describe("parsing as libsignal does", () => {
  const key = Uint8Array.from([5, ...Array.from({ length: 32 }, (_, i) => i + 1)]);
  const fields = { 1: DIST, 2: 5, 3: 0, 4: new Uint8Array(32).fill(9), 5: key } as Record<number, Uint8Array | number | undefined>;
  const skdm = (f: Record<number, Uint8Array | number | undefined>, version = 0x33) =>
    concatBytes(
      Uint8Array.of(version),
      ...Object.entries(f).flatMap(([n, v]) => (v === undefined ? [] : [typeof v === "number" ? uint32Field(Number(n), v) : bytesField(Number(n), v)])),
    );

  it("accepts any low nibble, any uint32 chain id and iteration, and unknown fields", () => {
    expect(decodeDistributionMessage(skdm(fields, 0x3f)).chainId).toBe(5);
    expect(decodeDistributionMessage(skdm({ ...fields, 2: 2 ** 32 - 1, 3: 2 ** 32 - 1 })).iteration).toBe(2 ** 32 - 1);
    expect(decodeDistributionMessage(concatBytes(skdm(fields), uint32Field(9, 1))).chainId).toBe(5);
  });

  it("refuses what libsignal refuses", () => {
    for (const n of [1, 2, 3, 4, 5]) expectReason(() => decodeDistributionMessage(skdm({ ...fields, [n]: undefined })), "malformed");
    expectReason(() => decodeDistributionMessage(skdm({ ...fields, 1: new Uint8Array(15) })), "malformed");
    expectReason(() => decodeDistributionMessage(skdm({ ...fields, 4: new Uint8Array(31) })), "malformed");
    expectReason(() => decodeDistributionMessage(skdm({ ...fields, 5: key.subarray(1) })), "malformed");
    expectReason(() => decodeDistributionMessage(skdm({ ...fields, 5: Uint8Array.of(6, ...key.subarray(1)) })), "malformed");
    expectReason(() => decodeDistributionMessage(concatBytes(skdm(fields), Uint8Array.of(0xff))), "malformed");
    expectReason(() => decodeDistributionMessage(Uint8Array.of(0x33)), "malformed");
    expectReason(() => decodeDistributionMessage(skdm(fields, 0x23)), "bad-version");
    expectReason(() => decodeDistributionMessage(skdm(fields, 0x43)), "bad-version");
    const body = skdm({ 1: DIST, 2: 5, 3: 0, 4: new Uint8Array(16) });
    for (const n of [1, 2, 3, 4]) {
      const partial = skdm({ 1: DIST, 2: 5, 3: 0, 4: new Uint8Array(16), [n]: undefined });
      expectReason(() => decodeSenderKeyMessage(concatBytes(partial, new Uint8Array(64))), "malformed");
    }
    expect(decodeSenderKeyMessage(concatBytes(body, new Uint8Array(64))).ciphertext.length).toBe(16);
    expectReason(() => decodeSenderKeyMessage(concatBytes(Uint8Array.of(0x33), new Uint8Array(63))), "malformed");
  });
});

function varintLength(n: number): number {
  let length = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    length++;
  }
  return length;
}

/** A SenderKeyMessage with a body of our choosing, signed by the sender's real key. */
function signed(sender: SenderKeyState, body: Uint8Array): Uint8Array {
  return concatBytes(body, xeddsaSign(sender.signingPrivate, body));
}
