// Issue 14: our SPQR (client/signal/spqr/index.ts: braid plus chain) as one party of a live
// libsignal 0.103 session. libsignal Alice and libsignal Bob talk to each other; beside each runs
// our facade, fed exactly what that libsignal party is fed (the peer's field 5, in libsignal's
// delivery order) and asked to send whenever it sends. Our field 5 must equal libsignal's byte
// for byte, our pq_key must decrypt the body libsignal wrote (HKDF salt of WhisperMessageKeys,
// with the DR seed from libsignal's record), and our braid must be in the state libsignal stores
// (SessionStructure 15.3, variants numbered in [MLKB] order) at the same epoch, after every step.
//
// The braid's two random choices cannot be reproduced from the wire, so they are injected from
// libsignal's record, read right after libsignal made them: the ek side's ML-KEM-768 dk (stored
// in KeysSampled; header, ek_vector and dk all follow from it) and the ct side's encapsulation
// message m (the last 32 bytes of the 2080-byte encapsulation state stored in Ct1Sampled:
// found by black-box search, encaps1 with it reproduces libsignal's ct1 exactly). A separate
// test runs without injection and compares what is deterministic.
import { cbc } from "@noble/ciphers/aes.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import * as signal from "@signalapp/libsignal-client";
import { describe, expect, it } from "vitest";
import type { BraidRandomness, BraidStateKind } from "../../client/signal/spqr/braid.ts";
import { SpqrError } from "../../client/signal/spqr/errors.ts";
import { chainReceiveKey } from "../../client/signal/spqr/chain.ts";
import { initSpqr, spqrReceive, spqrSend, spqrStateFromJSON, spqrStateToJSON, type SpqrState } from "../../client/signal/spqr/index.ts";
import { decodeSpqrMessage, encodeSpqrMessage, type SpqrMessageType } from "../../client/signal/spqr/wire.ts";
import { decodeSignalMessage, encodeSignalMessage } from "../../client/signal/wire/signal-message.ts";

type Field = { f: number; t: number; v: Uint8Array; n: bigint };
function varint(b: Uint8Array, o: number): [bigint, number] {
  let x = 0n;
  for (let s = 0n; ; s += 7n) {
    const c = b[o++]!;
    x |= BigInt(c & 0x7f) << s;
    if (!(c & 0x80)) return [x, o];
  }
}
/** A generic protobuf wire reader: enough to walk libsignal's messages and session records. */
function fields(b: Uint8Array): Field[] {
  const out: Field[] = [];
  for (let o = 0; o < b.length; ) {
    const [k, o1] = varint(b, o);
    const f = Number(k >> 3n), t = Number(k & 7n);
    if (t === 0) {
      const [n, o2] = varint(b, o1);
      out.push({ f, t, v: new Uint8Array(), n });
      o = o2;
    } else if (t === 2) {
      const [l, o2] = varint(b, o1);
      out.push({ f, t, v: b.subarray(o2, o2 + Number(l)), n: 0n });
      o = o2 + Number(l);
    } else throw new Error(`unexpected wire type ${t}`);
  }
  return out;
}
const at = (b: Uint8Array, ...path: number[]): Uint8Array =>
  path.reduce((cur, f) => {
    const hit = fields(cur).find((x) => x.f === f);
    if (!hit) throw new Error(`no field ${f}`);
    return hit.v;
  }, b);
const hex = bytesToHex;

/** libsignal's braid variants (SessionStructure 15.3), numbered as [MLKB] lists the states. */
const VARIANTS: readonly BraidStateKind[] = [
  "KeysUnsampled", "KeysSampled", "HeaderSent", "Ct1Received", "EkSentCt1Received",
  "NoHeaderReceived", "HeaderReceived", "Ct1Sampled", "EkReceivedCt1Sampled", "Ct1Acknowledged", "Ct2Sampled",
];

function libsignalBraid(record: Uint8Array): { kind: BraidStateKind; epoch: bigint; data: Field[] } {
  const variant = fields(at(record, 1, 15, 3))[0]!;
  const data = fields(at(variant.v, 1));
  return { kind: VARIANTS[variant.f - 1]!, epoch: data.find((x) => x.f === 1)?.n ?? 0n, data };
}

class Party {
  readonly sessions = new Map<string, signal.SessionRecord>();
  readonly identity = signal.IdentityKeyPair.generate();
  readonly keys = { signed: signal.PrivateKey.generate(), kyber: signal.KEMKeyPair.generate(), pre: signal.PrivateKey.generate() };
  readonly session: signal.SessionStore;
  readonly identities: signal.IdentityKeyStore;
  readonly preKeys: signal.PreKeyStore;
  readonly signedPreKeys: signal.SignedPreKeyStore;
  readonly kyberPreKeys: signal.KyberPreKeyStore;
  constructor() {
    const { sessions, identity, keys } = this;
    const sig = (k: signal.PublicKey | signal.KEMPublicKey) => identity.privateKey.sign(k.serialize());
    this.session = new (class extends signal.SessionStore {
      async saveSession(a: signal.ProtocolAddress, r: signal.SessionRecord) { sessions.set(a.toString(), r); }
      async getSession(a: signal.ProtocolAddress) { return sessions.get(a.toString()) ?? null; }
      async getExistingSessions(as: signal.ProtocolAddress[]) { return as.map((a) => sessions.get(a.toString())!); }
    })();
    this.identities = new (class extends signal.IdentityKeyStore {
      async getIdentityKey() { return identity.privateKey; }
      async getLocalRegistrationId() { return 7; }
      async saveIdentity() { return signal.IdentityChange.NewOrUnchanged; }
      async isTrustedIdentity() { return true; }
      async getIdentity() { return null; }
    })();
    this.preKeys = new (class extends signal.PreKeyStore {
      async savePreKey() {}
      async getPreKey() { return signal.PreKeyRecord.new(41, keys.pre.getPublicKey(), keys.pre); }
      async removePreKey() {}
    })();
    this.signedPreKeys = new (class extends signal.SignedPreKeyStore {
      async saveSignedPreKey() {}
      async getSignedPreKey() { return signal.SignedPreKeyRecord.new(7, 0, keys.signed.getPublicKey(), keys.signed, sig(keys.signed.getPublicKey())); }
    })();
    this.kyberPreKeys = new (class extends signal.KyberPreKeyStore {
      async saveKyberPreKey() {}
      async getKyberPreKey() { return signal.KyberPreKeyRecord.new(300, 0, keys.kyber, sig(keys.kyber.getPublicKey())); }
      async markKyberPreKeyUsed() {}
    })();
  }
  bundle(): signal.PreKeyBundle {
    const sig = (k: signal.PublicKey | signal.KEMPublicKey) => this.identity.privateKey.sign(k.serialize());
    return signal.PreKeyBundle.new(7, 1, 41, this.keys.pre.getPublicKey(), 7, this.keys.signed.getPublicKey(), sig(this.keys.signed.getPublicKey()),
      this.identity.publicKey, 300, this.keys.kyber.getPublicKey(), sig(this.keys.kyber.getPublicKey()));
  }
}

type Side = "alice" | "bob";
const peer = (s: Side): Side => (s === "alice" ? "bob" : "alice");

interface Sent {
  readonly from: Side;
  readonly ct: signal.CiphertextMessage;
  readonly text: string;
  readonly field5: Uint8Array;
  /** Our pq_key for this message, from the sender's mirror. */
  readonly pqKey: Uint8Array;
}

/**
 * The ek side's keys from libsignal's stored dk = dk_pke ‖ ek ‖ H(ek) ‖ z, ek = t̂ ‖ ρ
 * (FIPS 203): header = ρ ‖ H(ek), ek_vector = t̂.
 */
function keysFromDk(dk: Uint8Array) {
  return { header: dk.slice(2304, 2368), ekVector: dk.slice(1152, 2304), decapsulationKey: dk.slice() };
}

/** libsignal Alice ↔ libsignal Bob, each shadowed by our facade. */
async function mirroredSession(inject: boolean) {
  const party = { alice: new Party(), bob: new Party() };
  const addr = { alice: signal.ProtocolAddress.new("alice", 1), bob: signal.ProtocolAddress.new("bob", 1) };
  await signal.processPreKeyBundle(party.bob.bundle(), addr.bob, addr.alice, party.alice.session, party.alice.identities);
  const record = (s: Side) => party[s].sessions.get(addr[peer(s)].toString())!.serialize();
  const kSpqr = at(record("alice"), 1, 15, 1, 1).slice(); // before Bob answers, the record holds K_spqr
  const ours: Record<Side, SpqrState> = { alice: initSpqr(kSpqr, "alice"), bob: initSpqr(kSpqr, "bob") };
  const seen = new Set<BraidStateKind>();
  let n = 0;

  /** Our braid must be where libsignal's is (skipped for Bob before his record exists). */
  const expectSameState = (s: Side) => {
    const theirs = libsignalBraid(record(s));
    expect({ kind: ours[s].braid.kind, epoch: ours[s].braid.epoch }).toEqual({ kind: theirs.kind, epoch: theirs.epoch });
    seen.add(theirs.kind);
  };

  /** libsignal's random choice, read from its record right after it made it. */
  const randomness = (s: Side): BraidRandomness => ({
    keys: () => keysFromDk(libsignalBraid(record(s)).data.find((x) => x.t === 2 && x.v.length === 2400)!.v),
    encapsMessage: () => libsignalBraid(record(s)).data.find((x) => x.f === 4)!.v.slice(2048, 2080),
  });

  const send = async (from: Side): Promise<Sent> => {
    const seed = hmac(sha256, at(record(from), 1, 6, 3, 2), Uint8Array.of(1)); // DR message-key seed
    const text = `message ${n++}`;
    const ct = await signal.signalEncrypt(new Uint8Array(new TextEncoder().encode(text)), addr[peer(from)], addr[from], party[from].session, party[from].identities);
    const outer = ct.serialize();
    const sm = ct.type() === signal.CiphertextMessageType.PreKey ? at(outer.subarray(1), 4) : outer;
    const body = sm.subarray(1, sm.length - 8);
    const field5 = at(body, 5).slice();

    const sent = spqrSend(ours[from], inject ? randomness(from) : undefined);
    ours[from] = sent.state;
    if (inject) {
      expect(hex(sent.field5)).toBe(hex(field5));
      const keys = hkdf(sha256, seed, sent.pqKey, new TextEncoder().encode("WhisperMessageKeys"), 80);
      expect(new TextDecoder().decode(cbc(keys.subarray(0, 32), keys.subarray(64, 80)).decrypt(at(body, 4)))).toBe(text);
      expectSameState(from);
    } else {
      const a = decodeSpqrMessage(sent.field5), b = decodeSpqrMessage(field5);
      expect({ ...a, chunk: a.chunk?.index }).toEqual({ ...b, chunk: b.chunk?.index });
    }
    return { from, ct, text, field5, pqKey: sent.pqKey };
  };

  const deliver = async (m: Sent): Promise<void> => {
    const to = peer(m.from);
    const p = party[to];
    const pt = m.ct.type() === signal.CiphertextMessageType.PreKey
      ? await signal.signalDecryptPreKey(signal.PreKeySignalMessage.deserialize(m.ct.serialize()), addr[m.from], addr[to], p.session, p.identities, p.preKeys, p.signedPreKeys, p.kyberPreKeys)
      : await signal.signalDecrypt(signal.SignalMessage.deserialize(m.ct.serialize()), addr[m.from], addr[to], p.session, p.identities);
    expect(new TextDecoder().decode(pt)).toBe(m.text);
    const received = spqrReceive(ours[to], m.field5);
    // Every stored state must survive storage: continue from the JSON copy.
    ours[to] = spqrStateFromJSON(JSON.parse(JSON.stringify(spqrStateToJSON(received.state))));
    if (inject) {
      expect(hex(received.pqKey)).toBe(hex(m.pqKey));
      expectSameState(to);
    }
  };

  /**
   * A message from `from` that libsignal never wrote: a real DR position and keys (libsignal
   * encrypts, the ciphertext is dropped), but our own field 5, salted with the pq_key our
   * receiving mirror derives for (epoch − 1, index). Delivered to libsignal; returns its verdict.
   */
  const forge = async (from: Side, field5: { epoch: bigint; index: number; type: SpqrMessageType; chunk?: { index: number; data: Uint8Array } }) => {
    const to = peer(from);
    const seed = hmac(sha256, at(record(from), 1, 6, 3, 2), Uint8Array.of(1));
    const real = await signal.signalEncrypt(new Uint8Array(new TextEncoder().encode("dropped")), addr[to], addr[from], party[from].session, party[from].identities);
    const decoded = decodeSignalMessage(real.serialize());
    // The dropped message moved libsignal's sender on; move ours the same way.
    const mirrored = spqrSend(ours[from], randomness(from));
    expect(hex(mirrored.field5)).toBe(hex(decoded.pqRatchet));
    ours[from] = mirrored.state;
    // For an epoch our chain has no key for, any key: libsignal has none either.
    let pqKey: Uint8Array = new Uint8Array(32).fill(1);
    try {
      pqKey = chainReceiveKey(ours[to].chain, field5.epoch - 1n, field5.index).key;
    } catch (e) {
      if (!(e instanceof SpqrError)) throw e;
    }
    const keys = hkdf(sha256, seed, pqKey, new TextEncoder().encode("WhisperMessageKeys"), 80);
    const ciphertext = cbc(keys.subarray(0, 32), keys.subarray(64, 80)).encrypt(new TextEncoder().encode("forged"));
    const bytes = encodeSignalMessage({ ...decoded, ciphertext, pqRatchet: encodeSpqrMessage(field5) }, {
      macKey: keys.subarray(32, 64),
      senderIdentityKey: party[from].identity.publicKey.serialize(),
      receiverIdentityKey: party[to].identity.publicKey.serialize(),
    });
    const before = libsignalBraid(record(to));
    let verdict: string;
    try {
      const pt = await signal.signalDecrypt(signal.SignalMessage.deserialize(new Uint8Array(bytes)), addr[from], addr[to], party[to].session, party[to].identities);
      verdict = new TextDecoder().decode(pt) === "forged" ? "accepted" : "garbled";
    } catch (e) {
      verdict = `refused: ${(e as Error).message}`;
    }
    const after = libsignalBraid(record(to));
    let ourVerdict: string;
    try {
      const r = spqrReceive(ours[to], encodeSpqrMessage(field5));
      expect(hex(r.pqKey)).toBe(hex(pqKey));
      ours[to] = r.state;
      ourVerdict = "accepted";
    } catch (e) {
      if (!(e instanceof SpqrError)) throw e;
      ourVerdict = `refused: ${e.reason}`;
    }
    return { libsignal: verdict, ours: ourVerdict, before: `${before.kind}@${before.epoch}`, after: `${after.kind}@${after.epoch}` };
  };

  return { send, deliver, forge, expectSameState, ours, seen };
}

/** mulberry32: a deterministic schedule, so a failure replays from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("SPQR braid + facade against libsignal 0.103 (issue 14)", () => {
  it("alternating messages over 3 epochs: our field 5 equals libsignal's byte for byte on both sides", async () => {
    const s = await mirroredSession(true);
    for (let i = 0; s.ours.alice.braid.epoch < 4n; i++) {
      expect(i).toBeLessThan(400);
      await s.deliver(await s.send(i % 2 ? "bob" : "alice"));
    }
    // Every state but EkReceivedCt1Sampled occurs in strict alternation; the bursts below reach it.
    expect(s.seen.size).toBe(10);
  });

  it("one-sided bursts, including ek_vector outrunning ct1 (EkReceivedCt1Sampled)", async () => {
    for (const [a, b] of [[40, 1], [1, 40], [7, 3]] as const) {
      const s = await mirroredSession(true);
      for (let turn = 0; s.ours.alice.braid.epoch < 3n || s.ours.bob.braid.epoch < 3n; turn++) {
        expect(turn).toBeLessThan(400);
        const side: Side = turn % 2 ? "bob" : "alice";
        for (let k = 0; k < (side === "alice" ? a : b); k++) await s.deliver(await s.send(side));
      }
      if (a === 40 || b === 40) expect(s.seen.has("EkReceivedCt1Sampled")).toBe(true);
    }
  });

  it("bursts delivered out of order, with losses and late messages: libsignal and we agree on every byte", async () => {
    for (const seed of [11, 12, 13]) {
      const r = rng(seed);
      const s = await mirroredSession(true);
      let first = true;
      for (let turn = 0; s.ours.alice.braid.epoch < 3n || s.ours.bob.braid.epoch < 3n; turn++) {
        expect(turn).toBeLessThan(600);
        const side: Side = turn % 2 ? "bob" : "alice";
        const burst: Sent[] = [];
        for (let k = 1 + Math.floor(r() * 12); k > 0; k--) burst.push(await s.send(side));
        // Shuffle, then lose about one in six (never the very first: Bob needs a PreKeySignalMessage).
        for (let i = burst.length - 1; i > 0; i--) {
          const j = Math.floor(r() * (i + 1));
          [burst[i], burst[j]] = [burst[j]!, burst[i]!];
        }
        for (const m of burst) {
          if (!first && r() < 1 / 6) continue;
          first = false;
          await s.deliver(m);
        }
      }
    }
  });

  it("without injected randomness the deterministic parts still match: epoch, index, type and chunk index", async () => {
    const s = await mirroredSession(false);
    // Through epoch 1 until our Alice, the ek side with a key pair of her own, decapsulates
    // libsignal Bob's ciphertext for libsignal Alice's key: that must fail the ciphertext MAC,
    // which is what binds an epoch's secret to its key pair.
    let failure = "";
    for (let i = 0; i < 400 && !failure; i++) {
      try {
        await s.deliver(await s.send(i % 2 ? "bob" : "alice"));
      } catch (e) {
        if (!(e instanceof SpqrError)) throw e;
        failure = e.reason;
      }
    }
    expect(failure).toBe("bad-mac");
    expect([s.ours.alice.braid.kind, s.ours.alice.braid.epoch]).toEqual(["EkSentCt1Received", 1n]);
  });

  it("accepts, ignores and refuses the same forged field-5 messages as libsignal, in the same states", async () => {
    const s = await mirroredSession(true);
    const chunk = (index: number) => ({ index, data: new Uint8Array(32).fill(9) });
    const same = async (from: Side, m: Parameters<typeof s.forge>[1], expected: "accepted" | "refused") => {
      const v = await s.forge(from, m);
      expect([v.libsignal.split(":")[0], v.ours.split(":")[0]]).toEqual([expected, expected]);
      expect(v.after).toBe(v.before); // nothing forged here moves libsignal's braid
      s.expectSameState(peer(from));
    };
    const run = async (from: number, to: number) => {
      for (let i = from; i < to; i++) await s.deliver(await s.send(i % 2 ? "bob" : "alice"));
    };
    await run(0, 7); // Bob in Ct1Sampled@1, Alice in HeaderSent@1
    expect([s.ours.alice.braid.kind, s.ours.bob.braid.kind]).toEqual(["HeaderSent", "Ct1Sampled"]);
    // A type the state has no use for, in the current epoch: ignored.
    await same("alice", { epoch: 1n, index: 1000, type: "ct1", chunk: chunk(3) }, "accepted");
    await same("alice", { epoch: 1n, index: 1001, type: "hdr", chunk: chunk(3) }, "accepted"); // header already complete
    await same("alice", { epoch: 1n, index: 1002, type: "ct2", chunk: chunk(3) }, "accepted");
    await same("bob", { epoch: 1n, index: 1000, type: "ct2", chunk: chunk(3) }, "accepted"); // ct2 before ct1 is complete
    await same("bob", { epoch: 1n, index: 1001, type: "hdr", chunk: chunk(3) }, "accepted");
    await same("bob", { epoch: 1n, index: 1002, type: "ekCt1Ack", chunk: chunk(3) }, "accepted");
    // Chunk indices: any parity index up to 65535 is taken, 65536 and up refused even where the chunk would be ignored.
    await same("alice", { epoch: 1n, index: 1003, type: "ct1", chunk: chunk(65535) }, "accepted");
    await same("alice", { epoch: 1n, index: 1004, type: "hdr", chunk: chunk(70000) }, "refused");
    await same("alice", { epoch: 1n, index: 1005, type: "ek", chunk: chunk(70000) }, "refused");
    // An epoch the peer cannot have reached: refused (libsignal: "decryption failed"), nothing changes.
    await same("alice", { epoch: 2n, index: 1, type: "none" }, "refused");
    await same("alice", { epoch: 3n, index: 1, type: "none" }, "refused");
    // The session goes on, byte for byte; after the hand-over, an epoch-1 message is still taken and ignored.
    await run(7, 90);
    expect([s.ours.alice.braid.epoch, s.ours.bob.braid.epoch]).toEqual([2n, 2n]);
    await same("alice", { epoch: 1n, index: 2000, type: "ek", chunk: chunk(5) }, "accepted");
    await same("bob", { epoch: 1n, index: 2000, type: "ct2", chunk: chunk(5) }, "accepted");
    await same("bob", { epoch: 1n, index: 2001, type: "ct2", chunk: chunk(70000) }, "refused");
    await run(90, 100);
  });
});
