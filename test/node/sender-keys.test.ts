// Sender keys (issue 15) against @signalapp/libsignal-client 0.103, both directions: its SKDMs and
// SenderKeyMessages through our receiver, ours through its processSenderKeyDistributionMessage and
// groupDecrypt, byte equality where the encoding is deterministic, and the same verdict from both
// receivers on orderings, duplicates, tampering, limits, chain eviction and rotation.
import * as signal from "@signalapp/libsignal-client";
import { describe, expect, it } from "vitest";
import { bytesToHex, concatBytes, hexToBytes, utf8 } from "../../protocol/bytes.ts";
import { deserializeEcPublic } from "../../protocol/signal/keys.ts";
import { xeddsaVerify } from "../../protocol/signal/xeddsa.ts";
import { nextChainKey } from "../../client/signal/sender-keys/chain.ts";
import { encodeDistributionMessage, encodeSenderKeyMessageBody } from "../../client/signal/sender-keys/wire.ts";
import {
  MAX_FORWARD_JUMPS,
  MAX_SENDER_KEY_STATES,
  SenderKeyError,
  createSenderKey,
  decodeDistributionMessage,
  decodeSenderKeyMessage,
  distributionMessage,
  groupDecrypt,
  groupEncrypt,
  processDistributionMessage,
  type SenderKeyErrorReason,
  type SenderKeyRecord,
  type SenderKeyState,
} from "../../client/signal/sender-keys/index.ts";
import { Stores } from "./libsignal-stores.ts";

type Buf = Uint8Array<ArrayBuffer>;
const buf = (b: Uint8Array): Buf => Uint8Array.from(b);
const uuidOf = (id: Uint8Array) => bytesToHex(id).replace(/^(.{8})(.{4})(.{4})(.{4})/, "$1-$2-$3-$4-");
const idOf = (uuid: string) => hexToBytes(uuid.replaceAll("-", ""));
const randomId = () => crypto.getRandomValues(new Uint8Array(16));
const text = (s: string) => utf8.encode(s);

/** libsignal's verdict in our vocabulary, from its error codes and messages. */
function classify(err: unknown): SenderKeyErrorReason {
  if (err instanceof SenderKeyError) return err.reason;
  const e = err as { code?: unknown; message?: string };
  if (e.code === signal.ErrorCode.DuplicatedMessage) return "duplicate";
  const message = e.message ?? "";
  if (message.includes("missing sender key state")) return "no-sender-key";
  if (message.includes("invalid signature")) return "bad-signature";
  if (message.includes("too far into the future")) return "too-far";
  if (message.includes("decryption failed")) return "bad-ciphertext";
  if (message.includes("version was")) return "bad-version";
  if (message.includes("protobuf") || message.includes("too short") || message.includes("bad key type")) return "malformed";
  throw err;
}

/** A libsignal device receiving sender keys. */
class TheirReceiver {
  readonly stores = new Stores();
  async process(from: signal.ProtocolAddress, skdm: Uint8Array): Promise<void> {
    await signal.processSenderKeyDistributionMessage(from, signal.SenderKeyDistributionMessage.deserialize(buf(skdm)), this.stores.senderKeyStore);
  }
  async open(from: signal.ProtocolAddress, skmsg: Uint8Array): Promise<string> {
    try {
      return utf8.decode(await signal.groupDecrypt(from, this.stores.senderKeyStore, buf(skmsg)));
    } catch (err) {
      return `error:${classify(err)}`;
    }
  }
}

/** Our device receiving sender keys: one record per (sender, distribution id). */
class OurReceiver {
  readonly records = new Map<string, SenderKeyRecord>();
  async process(from: signal.ProtocolAddress, skdm: Uint8Array): Promise<void> {
    const key = `${from.toString()}/${bytesToHex(decodeDistributionMessage(skdm).distributionId)}`;
    this.records.set(key, processDistributionMessage(this.records.get(key), skdm));
  }
  async open(from: signal.ProtocolAddress, skmsg: Uint8Array): Promise<string> {
    try {
      const key = `${from.toString()}/${bytesToHex(decodeSenderKeyMessage(skmsg).distributionId)}`;
      const out = groupDecrypt(this.records.get(key), skmsg);
      this.records.set(key, out.record);
      return utf8.decode(out.plaintext);
    } catch (err) {
      return `error:${classify(err)}`;
    }
  }
}

type Receiver = TheirReceiver | OurReceiver;

/** A libsignal sender. Rotating drops its own record, as Signal's clients do, so create() starts a new chain. */
class TheirSender {
  readonly stores = new Stores();
  readonly address: signal.ProtocolAddress;
  constructor(
    name: string,
    readonly distributionId: Uint8Array,
  ) {
    this.address = signal.ProtocolAddress.new(name, 1);
  }
  async skdm(): Promise<Uint8Array> {
    return (await signal.SenderKeyDistributionMessage.create(this.address, uuidOf(this.distributionId), this.stores.senderKeyStore)).serialize();
  }
  async send(s: string): Promise<Uint8Array> {
    await this.skdm(); // libsignal's groupEncrypt needs a chain; create() keeps an existing one
    return (await signal.groupEncrypt(this.address, uuidOf(this.distributionId), this.stores.senderKeyStore, buf(text(s)))).serialize();
  }
  rotate(): void {
    this.stores.senderKeys.clear();
  }
}

class OurSender {
  state: SenderKeyState;
  readonly address: signal.ProtocolAddress;
  constructor(
    name: string,
    readonly distributionId: Uint8Array,
  ) {
    this.address = signal.ProtocolAddress.new(name, 1);
    this.state = createSenderKey(distributionId);
  }
  async skdm(): Promise<Uint8Array> {
    return distributionMessage(this.state);
  }
  async send(s: string): Promise<Uint8Array> {
    const out = groupEncrypt(this.state, text(s));
    this.state = out.state;
    return out.message;
  }
  rotate(): void {
    this.state = createSenderKey(this.distributionId);
  }
  /** Jumps the chain on without sending: what a sender whose messages were all lost looks like. */
  skip(n: number): void {
    let chainKey = this.state.chainKey;
    for (let i = 0; i < n; i++) chainKey = nextChainKey(chainKey);
    this.state = { ...this.state, iteration: this.state.iteration + n, chainKey };
  }
}

type Sender = TheirSender | OurSender;

const pairs: [string, () => Sender, () => Receiver][] = [
  ["libsignal → ours", () => new TheirSender("alice", randomId()), () => new OurReceiver()],
  ["ours → libsignal", () => new OurSender("alice", randomId()), () => new TheirReceiver()],
];

/** Runs one scenario on both our receiver and libsignal's, for the same sender's messages: same verdicts. */
async function sameVerdicts(sender: Sender, script: (deliver: (skmsg: Uint8Array) => Promise<void>, distribute: (skdm: Uint8Array) => Promise<void>) => Promise<void>): Promise<string[]> {
  const ours = new OurReceiver();
  const theirs = new TheirReceiver();
  const fromOurs: string[] = [];
  const fromTheirs: string[] = [];
  await script(
    async (m) => {
      fromOurs.push(await ours.open(sender.address, m));
      fromTheirs.push(await theirs.open(sender.address, m));
    },
    async (d) => {
      await ours.process(sender.address, d);
      await theirs.process(sender.address, d);
    },
  );
  expect(fromOurs).toEqual(fromTheirs);
  return fromOurs;
}

describe("encoding, byte for byte", () => {
  it("libsignal's SKDM parses to its getters and re-encodes identically", async () => {
    const sender = new TheirSender("alice", randomId());
    await sender.send("advance");
    const bytes = await sender.skdm();
    const theirs = signal.SenderKeyDistributionMessage.deserialize(buf(bytes));
    const ours = decodeDistributionMessage(bytes);
    expect(bytes[0]).toBe(0x33);
    expect(ours.chainId).toBe(theirs.chainId());
    expect(ours.iteration).toBe(1);
    expect(ours.iteration).toBe(theirs.iteration());
    expect(ours.chainKey).toEqual(theirs.chainKey());
    expect(uuidOf(ours.distributionId)).toBe(theirs.distributionId());
    expect(encodeDistributionMessage(ours)).toEqual(bytes);
    // create() again keeps the chain and reports where it stands, as distributionMessage() does.
    await sender.send("advance again");
    const again = decodeDistributionMessage(await sender.skdm());
    expect([again.chainId, again.iteration]).toEqual([ours.chainId, 2]);
    expect(again.chainKey).toEqual(nextChainKey(ours.chainKey));
  });

  it("our SKDM equals libsignal's _new for the same fields, and parses back to them", async () => {
    const state = createSenderKey(randomId());
    const ours = distributionMessage(state);
    const theirs = signal.SenderKeyDistributionMessage._new(3, uuidOf(state.distributionId), state.chainId, 0, buf(state.chainKey), signal.PublicKey.deserialize(buf(state.signingPublic)));
    expect(bytesToHex(ours)).toBe(bytesToHex(theirs.serialize()));
    const parsed = signal.SenderKeyDistributionMessage.deserialize(buf(ours));
    expect([parsed.chainId(), parsed.iteration(), bytesToHex(parsed.chainKey()), parsed.distributionId()]).toEqual([
      state.chainId,
      0,
      bytesToHex(state.chainKey),
      uuidOf(state.distributionId),
    ]);
    // Zeros are written, not omitted: libsignal's encoding of chain id 0 and iteration 0.
    const zero = { distributionId: state.distributionId, chainId: 0, iteration: 0, chainKey: state.chainKey, signingKey: state.signingPublic };
    expect(encodeDistributionMessage(zero)).toEqual(signal.SenderKeyDistributionMessage._new(3, uuidOf(state.distributionId), 0, 0, buf(state.chainKey), signal.PublicKey.deserialize(buf(state.signingPublic))).serialize());
  });

  it("libsignal's SenderKeyMessage re-encodes identically and its signature verifies under XEdDSA over version ‖ protobuf", async () => {
    const sender = new TheirSender("alice", randomId());
    const signingKey = decodeDistributionMessage(await sender.skdm()).signingKey;
    for (const s of ["one", "", "a longer message that spans several AES blocks"]) {
      const bytes = await sender.send(s);
      const m = decodeSenderKeyMessage(bytes);
      expect(concatBytes(encodeSenderKeyMessageBody(m), m.signature)).toEqual(bytes);
      expect(xeddsaVerify(deserializeEcPublic(signingKey), bytes.subarray(0, bytes.length - 64), m.signature)).toBe(true);
      const theirs = signal.SenderKeyMessage.deserialize(buf(bytes));
      expect([m.chainId, m.iteration, bytesToHex(m.ciphertext)]).toEqual([theirs.chainId(), theirs.iteration(), bytesToHex(theirs.ciphertext())]);
    }
  });

  it("our SenderKeyMessage has libsignal's signed part (signatures are randomized, so compared by verification)", () => {
    const state = createSenderKey(randomId());
    const { message } = groupEncrypt(state, text("hi"));
    const m = decodeSenderKeyMessage(message);
    const theirs = signal.SenderKeyMessage._new(3, uuidOf(state.distributionId), state.chainId, 0, buf(m.ciphertext), signal.PrivateKey.deserialize(buf(state.signingPrivate))).serialize();
    expect(bytesToHex(theirs.subarray(0, theirs.length - 64))).toBe(bytesToHex(message.subarray(0, message.length - 64)));
    const parsed = signal.SenderKeyMessage.deserialize(buf(message));
    expect(parsed.verifySignature(signal.PublicKey.deserialize(buf(state.signingPublic)))).toBe(true);
    expect(parsed.verifySignature(signal.PrivateKey.generate().getPublicKey())).toBe(false);
    expect(xeddsaVerify(state.signingPublic.subarray(1), theirs.subarray(0, theirs.length - 64), theirs.subarray(theirs.length - 64))).toBe(true);
  });
});

describe.each(pairs)("%s", (_, makeSender, makeReceiver) => {
  it("decrypts in order, including an empty message", async () => {
    const sender = makeSender();
    const receiver = makeReceiver();
    await receiver.process(sender.address, await sender.skdm());
    for (const s of ["first", "", "third", "x".repeat(1000)]) expect(await receiver.open(sender.address, await sender.send(s))).toBe(s);
  });

  it("decrypts out of order and refuses duplicates, as libsignal does", async () => {
    const sender = makeSender();
    const verdicts = await sameVerdicts(sender, async (deliver, distribute) => {
      await distribute(await sender.skdm());
      const messages = [];
      for (let i = 0; i < 6; i++) messages.push(await sender.send(`m${i}`));
      for (const i of [3, 0, 3, 5, 1, 4, 2, 0, 5]) await deliver(messages[i]!);
    });
    expect(verdicts).toEqual(["m3", "m0", "error:duplicate", "m5", "m1", "m4", "m2", "error:duplicate", "error:duplicate"]);
  });

  it("refuses tampered messages and unknown chains the same way", async () => {
    const sender = makeSender();
    const stranger = makeSender();
    const verdicts = await sameVerdicts(sender, async (deliver, distribute) => {
      await deliver(await sender.send("before any SKDM"));
      await distribute(await sender.skdm());
      const good = await sender.send("good");
      const flip = (i: number, v?: number) => {
        const m = good.slice();
        m[i < 0 ? m.length + i : i] = v ?? m[i < 0 ? m.length + i : i]! ^ 1;
        return m;
      };
      await deliver(flip(-1));
      await deliver(flip(-70));
      await deliver(flip(0, 0x30));
      await deliver(flip(0, 0x23));
      await deliver(flip(0, 0x43));
      await deliver(good.subarray(0, 64));
      await deliver(await stranger.send("another distribution id"));
      await deliver(good);
      await deliver(flip(-1)); // a replay with a broken signature: the signature is checked first
    });
    expect(verdicts).toEqual([
      "error:no-sender-key",
      "error:bad-signature",
      "error:bad-signature",
      "error:bad-signature",
      "error:bad-version",
      "error:bad-version",
      "error:malformed",
      "error:no-sender-key",
      "good",
      "error:bad-signature",
    ]);
  });

  it("a receiver given a later SKDM cannot read earlier messages, and a resent SKDM changes nothing", async () => {
    const sender = makeSender();
    const verdicts = await sameVerdicts(sender, async (deliver, distribute) => {
      const early = await sender.send("early");
      await distribute(await sender.skdm());
      const a = await sender.send("a");
      const b = await sender.send("b");
      await deliver(b);
      await distribute(await sender.skdm());
      await deliver(a);
      await deliver(early);
      await deliver(b);
    });
    expect(verdicts).toEqual(["b", "a", "error:duplicate", "error:duplicate"]);
  });
});

describe("limits, both ways", () => {
  it(`a libsignal receiver takes a jump of ${MAX_FORWARD_JUMPS} from us and refuses ${MAX_FORWARD_JUMPS + 1}, like ours`, async () => {
    for (const [jump, expected] of [
      [MAX_FORWARD_JUMPS, "far"],
      [MAX_FORWARD_JUMPS + 1, "error:too-far"],
    ] as const) {
      const sender = new OurSender("alice", randomId());
      const verdicts = await sameVerdicts(sender, async (deliver, distribute) => {
        await distribute(await sender.skdm());
        sender.skip(jump);
        await deliver(await sender.send("far"));
      });
      expect(verdicts).toEqual([expected]);
    }
  });

  it("both keep the newest 2000 skipped keys of our sender, across several jumps", async () => {
    const sender = new OurSender("alice", randomId());
    const distributionSkdm = await sender.skdm();
    const at = (n: number) => {
      const s = new OurSender("alice", sender.distributionId);
      s.state = sender.state;
      s.skip(n);
      return s.send(`m${n}`);
    };
    const verdicts = await sameVerdicts(sender, async (deliver, distribute) => {
      await distribute(distributionSkdm);
      await deliver(await at(1500));
      await deliver(await at(3001));
      for (const n of [999, 1000, 1500, 2999, 3000, 3001, 3002]) await deliver(await at(n));
    });
    expect(verdicts).toEqual(["m1500", "m3001", "error:duplicate", "m1000", "error:duplicate", "m2999", "m3000", "error:duplicate", "m3002"]);
  });

  it("our receiver takes libsignal's 2500th message, keeps its 2000 newest skipped keys, and refuses its 25001st jump", async () => {
    const sender = new TheirSender("alice", randomId());
    const skdm = await sender.skdm();
    const kept = new Map<number, Uint8Array>();
    for (let i = 0; i <= MAX_FORWARD_JUMPS + 1; i++) {
      const m = await sender.send(`m${i}`);
      if ([499, 500, 2499, 2500, MAX_FORWARD_JUMPS, MAX_FORWARD_JUMPS + 1].includes(i)) kept.set(i, m);
    }
    const receiver = new OurReceiver();
    await receiver.process(sender.address, skdm);
    const opened = [];
    for (const i of [2500, 499, 500, 2499]) opened.push(await receiver.open(sender.address, kept.get(i)!));
    expect(opened).toEqual(["m2500", "error:duplicate", "m500", "m2499"]);
    for (const [jump, expected] of [
      [MAX_FORWARD_JUMPS + 1, "error:too-far"],
      [MAX_FORWARD_JUMPS, `m${MAX_FORWARD_JUMPS}`],
    ] as const) {
      const fresh = new OurReceiver();
      await fresh.process(sender.address, skdm);
      expect(await fresh.open(sender.address, kept.get(jump)!)).toBe(expected);
    }
  }, 120_000);
});

describe("records of several chains, as libsignal keeps them", () => {
  it(`both keep the ${MAX_SENDER_KEY_STATES} newest chains; a resent SKDM makes its chain the newest; another signing key replaces a chain`, async () => {
    const distributionId = randomId();
    const chains = Array.from({ length: 8 }, () => new OurSender("alice", distributionId));
    const address = chains[0]!.address;
    const impostor = new OurSender("alice", distributionId);
    impostor.state = { ...impostor.state, chainId: chains[7]!.state.chainId };
    const firsts = await Promise.all(chains.map((c) => groupEncrypt(c.state, text(`chain ${c.state.chainId}`)).message));
    const ours = new OurReceiver();
    const theirs = new TheirReceiver();
    const distribute = async (skdm: Uint8Array) => {
      await ours.process(address, skdm);
      await theirs.process(address, skdm);
    };
    const verdicts = async (messages: Uint8Array[]) => {
      const a = [];
      const b = [];
      for (const m of messages) {
        a.push(await ours.open(address, m));
        b.push(await theirs.open(address, m));
      }
      expect(a).toEqual(b);
      return a;
    };
    for (let i = 0; i < 5; i++) await distribute(distributionMessage(chains[i]!.state)); // 0..4
    await distribute(distributionMessage(chains[0]!.state)); // 0 becomes the newest
    await distribute(distributionMessage(chains[5]!.state)); // evicts 1, not 0
    await distribute(distributionMessage(chains[7]!.state));
    await distribute(distributionMessage(impostor.state)); // replaces 7 in place of a new state
    const outcome = await verdicts([...firsts.slice(0, 6), firsts[7]!, groupEncrypt(impostor.state, text("impostor")).message]);
    expect(outcome).toEqual([
      `chain ${chains[0]!.state.chainId}`,
      "error:no-sender-key",
      "error:no-sender-key",
      `chain ${chains[3]!.state.chainId}`,
      `chain ${chains[4]!.state.chainId}`,
      `chain ${chains[5]!.state.chainId}`,
      "error:bad-signature",
      "impostor",
    ]);
  });
});

describe("a group of libsignal and SDK devices", () => {
  it("several senders, each to every other member, and a sender that rotates mid-conversation", async () => {
    const distributionIds = { alice: randomId(), bob: randomId(), carol: randomId(), dave: randomId() };
    const senders: Sender[] = [
      new TheirSender("alice", distributionIds.alice),
      new OurSender("bob", distributionIds.bob),
      new TheirSender("carol", distributionIds.carol),
      new OurSender("dave", distributionIds.dave),
    ];
    const receivers: Receiver[] = [new TheirReceiver(), new OurReceiver(), new TheirReceiver(), new OurReceiver()];
    const everyoneBut = (i: number) => receivers.filter((_, j) => j !== i);
    const distribute = async (i: number) => {
      const skdm = await senders[i]!.skdm();
      for (const r of everyoneBut(i)) await r.process(senders[i]!.address, skdm);
    };
    const deliver = async (i: number, m: Uint8Array) => Promise.all(everyoneBut(i).map((r) => r.open(senders[i]!.address, m)));
    for (let i = 0; i < senders.length; i++) await distribute(i);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < senders.length; i++) {
        const s = `round ${round} from ${i}`;
        expect(await deliver(i, await senders[i]!.send(s))).toEqual([s, s, s]);
      }
    }
    // Each sender rotates (as after a member leaves); a message sent just before is still in flight.
    for (let i = 0; i < senders.length; i++) {
      const inFlight = await senders[i]!.send(`old chain ${i}`);
      const oldChain = decodeSenderKeyMessage(inFlight).chainId;
      senders[i]!.rotate();
      await distribute(i);
      const fresh = await senders[i]!.send(`new chain ${i}`);
      expect(decodeSenderKeyMessage(fresh).chainId).not.toBe(oldChain);
      expect(await deliver(i, fresh)).toEqual(Array(3).fill(`new chain ${i}`));
      expect(await deliver(i, inFlight)).toEqual(Array(3).fill(`old chain ${i}`));
      expect(await deliver(i, await senders[i]!.send(`new chain ${i} again`))).toEqual(Array(3).fill(`new chain ${i} again`));
    }
  });
});

it("reads distribution ids as libsignal's UUIDs", () => {
  const id = idOf("6a1f3c2e-9b4d-4e8a-a7c5-0d2b8e6f1a93");
  expect(uuidOf(id)).toBe("6a1f3c2e-9b4d-4e8a-a7c5-0d2b8e6f1a93");
});
