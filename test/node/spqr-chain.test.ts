// Issue 14: the SPQR chain, KDF_OK and authenticator (client/signal/spqr/{chain,kdf,authenticator}.ts)
// against live libsignal 0.103 sessions. Two libsignal parties exchange bursts of messages over
// several SPQR epochs, with some messages held back and delivered after an epoch boundary; our
// modules mirror both sides from the wire alone (plus libsignal's ML-KEM dk and DR chain keys
// read from its session records) and must decrypt every body libsignal wrote, agree with its
// stored chain state, and accept and refuse exactly the messages libsignal accepts and refuses.
import { cbc } from "@noble/ciphers/aes.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { ml_kem768 } from "@noble/post-quantum/ml-kem.js";
import * as signal from "@signalapp/libsignal-client";
import { describe, expect, it } from "vitest";
import { type Authenticator, authenticatorInit, authenticatorUpdate, verifyCiphertext, verifyHeader } from "../../client/signal/spqr/authenticator.ts";
import {
  type SpqrChain,
  type SpqrRole,
  chainAddEpoch,
  chainEpoch,
  chainNextSendKey,
  chainReceiveEpochs,
  chainReceiveKey,
  chainSetSendEpoch,
  chainStart,
} from "../../client/signal/spqr/chain.ts";
import { SpqrError } from "../../client/signal/spqr/errors.ts";
import { epochSecret } from "../../client/signal/spqr/kdf.ts";

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
const find = (b: Uint8Array, ...path: number[]): Field | undefined => {
  let hit: Field | undefined;
  let cur = b;
  for (const f of path) {
    hit = fields(cur).find((x) => x.f === f);
    if (!hit) return undefined;
    cur = hit.v;
  }
  return hit;
};
const at = (b: Uint8Array, ...path: number[]) => find(b, ...path)!.v;
const num = (b: Uint8Array, ...path: number[]) => find(b, ...path)?.n ?? 0n;

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

interface Sent {
  readonly fromAlice: boolean;
  readonly ct: signal.CiphertextMessage;
  readonly text: string;
  readonly epoch: bigint; // field 5 epoch
  readonly index: number; // field 5 index
  readonly type: number;
  readonly chunk?: { index: number; data: Uint8Array };
  readonly body: Uint8Array;
  /** DR message-key seed: HMAC-SHA256(sender chain key before encrypting, 0x01). */
  readonly seed: Uint8Array;
  readonly senderRecord: Uint8Array;
}

/** A libsignal session, Alice (PQXDH initiator) to Bob. `send` and `deliver` return libsignal's view. */
async function session() {
  const alice = new Party(), bob = new Party();
  const aAddr = signal.ProtocolAddress.new("alice", 1), bAddr = signal.ProtocolAddress.new("bob", 1);
  await signal.processPreKeyBundle(bob.bundle(), bAddr, aAddr, alice.session, alice.identities);
  const record = (fromAlice: boolean) => (fromAlice ? alice.sessions.get(bAddr.toString()) : bob.sessions.get(aAddr.toString()))!.serialize();
  const kSpqr = at(record(true), 1, 15, 1, 1).slice();
  let n = 0;
  const send = async (fromAlice: boolean, withSeed = true): Promise<Sent> => {
    const [from, fa, ta] = fromAlice ? [alice, aAddr, bAddr] : [bob, bAddr, aAddr];
    const seed = withSeed ? hmac(sha256, at(record(fromAlice), 1, 6, 3, 2), Uint8Array.of(1)) : new Uint8Array();
    const text = `message ${n++}`;
    const ct = await signal.signalEncrypt(new Uint8Array(new TextEncoder().encode(text)), ta, fa, from.session, from.identities);
    const outer = ct.serialize();
    const sm = ct.type() === signal.CiphertextMessageType.PreKey ? at(outer.subarray(1), 4) : outer;
    const body = sm.subarray(1, sm.length - 8);
    const pq = at(body, 5);
    let o = 1, e: bigint, i: bigint;
    [e, o] = varint(pq, o);
    [i, o] = varint(pq, o);
    const type = pq[o++]!;
    let chunk: Sent["chunk"];
    if (o < pq.length) {
      const [ci, o2] = varint(pq, o);
      chunk = { index: Number(ci), data: pq.slice(o2) };
    }
    return { fromAlice, ct, text, epoch: e, index: Number(i), type, chunk, body: at(body, 4).slice(), seed, senderRecord: withSeed ? record(fromAlice) : new Uint8Array() };
  };
  const deliver = async (m: Sent): Promise<string> => {
    const [to, fa, ta] = m.fromAlice ? [bob, aAddr, bAddr] : [alice, bAddr, aAddr];
    try {
      const pt = m.ct.type() === signal.CiphertextMessageType.PreKey
        ? await signal.signalDecryptPreKey(signal.PreKeySignalMessage.deserialize(m.ct.serialize()), fa, ta, to.session, to.identities, to.preKeys, to.signedPreKeys, to.kyberPreKeys)
        : await signal.signalDecrypt(signal.SignalMessage.deserialize(m.ct.serialize()), fa, ta, to.session, to.identities);
      expect(new TextDecoder().decode(pt)).toBe(m.text);
      return "ok";
    } catch (e) {
      return (e as Error).message;
    }
  };
  return { kSpqr, send, deliver, record };
}

function decryptBody(m: Sent, pqKey: Uint8Array): string {
  const keys = hkdf(sha256, m.seed, pqKey, new TextEncoder().encode("WhisperMessageKeys"), 80);
  return new TextDecoder().decode(cbc(keys.subarray(0, 32), keys.subarray(64, 80)).decrypt(m.body));
}

function spqrReason(fn: () => unknown): string {
  try {
    fn();
    return "ok";
  } catch (e) {
    if (e instanceof SpqrError) return e.reason;
    throw e;
  }
}

/**
 * The braid's epoch secrets, recomputed from the wire: ct1/ct2 data chunks (the code is
 * systematic) and the ek side's dk from its record. Each epoch is also authenticated the way
 * the braid does it: header MAC with the key before the update, ct MAC with the key after.
 */
class EpochSecrets {
  readonly #chunks = new Map<string, Uint8Array>(); // `${epoch}:${type}:${index}`
  readonly #dk = new Map<bigint, Uint8Array>();
  readonly #secrets: Uint8Array[] = [];
  #auth: Authenticator;
  constructor(kSpqr: Uint8Array) {
    this.#auth = authenticatorInit(kSpqr);
  }
  observe(m: Sent, record: Uint8Array): void {
    if (m.chunk) this.#chunks.set(`${m.epoch}:${m.type}:${m.chunk.index}`, m.chunk.data);
    const variant = fields(at(record, 1, 15, 3))[0]!;
    const state = fields(at(variant.v, 1));
    const dk = state.find((x) => x.t === 2 && x.v.length === 2400);
    if (dk) this.#dk.set(state.find((x) => x.f === 1)?.n ?? 0n, dk.v.slice());
  }
  /** K_n, n = 1, 2, … in order. */
  get(epoch: bigint): Uint8Array {
    while (BigInt(this.#secrets.length) < epoch) {
      const n = BigInt(this.#secrets.length + 1);
      const join = (type: number, count: number) => {
        const out = new Uint8Array(32 * count);
        for (let i = 0; i < count; i++) out.set(this.#chunks.get(`${n}:${type}:${i}`)!, 32 * i);
        return out;
      };
      const hdr = join(1, 3), ct1 = join(5, 30), ct2m = join(6, 5);
      const ct2 = ct2m.subarray(0, 128);
      verifyHeader(this.#auth, n, hdr.subarray(0, 64), hdr.subarray(64));
      const secret = epochSecret(ml_kem768.decapsulate(new Uint8Array([...ct1, ...ct2]), this.#dk.get(n)!), n);
      this.#auth = authenticatorUpdate(this.#auth, n, secret);
      verifyCiphertext(this.#auth, n, ct1, ct2, ct2m.subarray(128));
      this.#secrets.push(secret);
    }
    return this.#secrets[Number(epoch) - 1]!;
  }
}

/** Our chain for one side, fed lazily with the epoch secrets it needs. */
class Mirror {
  chain: SpqrChain;
  constructor(kSpqr: Uint8Array, role: SpqrRole, readonly secrets: EpochSecrets) {
    this.chain = chainStart(kSpqr, role);
  }
  #have(epoch: bigint) {
    while (chainEpoch(this.chain) < epoch) this.chain = chainAddEpoch(this.chain, chainEpoch(this.chain) + 1n, this.secrets.get(chainEpoch(this.chain) + 1n));
  }
  send(m: Sent): Uint8Array {
    const epoch = m.epoch - 1n; // a message whose epoch field is e is salted by chain epoch e − 1
    this.#have(epoch);
    if (epoch !== this.chain.sendEpoch) this.chain = chainSetSendEpoch(this.chain, epoch);
    const s = chainNextSendKey(this.chain);
    expect([s.epoch, s.index]).toEqual([epoch, m.index]);
    this.chain = s.chain;
    return s.key;
  }
  receive(m: Sent): Uint8Array {
    this.#have(m.epoch - 1n);
    const r = chainReceiveKey(this.chain, m.epoch - 1n, m.index);
    this.chain = r.chain;
    return r.key;
  }
}

/** libsignal's chain (SessionStructure 15.2): newest epoch (2), send epoch (5), next_root (4), links (3). */
function expectSameChain(ours: SpqrChain, record: Uint8Array): void {
  const chain = at(record, 1, 15, 2);
  const links = fields(chain).filter((x) => x.f === 3).length;
  const newest = num(chain, 2);
  expect(ours.sendEpoch).toBe(num(chain, 5));
  expect(chainReceiveEpochs(ours)[0]).toBe(newest - BigInt(links) + 1n);
  if (chainEpoch(ours) === newest) {
    expect(chainReceiveEpochs(ours).length).toBe(links);
    expect(bytesToHex(ours.nextRoot)).toBe(bytesToHex(at(chain, 4)));
  }
}

describe("SPQR chain against libsignal 0.103 (issue 14)", () => {
  it("salts every message over five epochs, out of order across epoch boundaries, as libsignal does", async () => {
    const s = await session();
    const secrets = new EpochSecrets(s.kSpqr);
    const mirror = { alice: new Mirror(s.kSpqr, "alice", secrets), bob: new Mirror(s.kSpqr, "bob", secrets) };
    const held: { burst: number; m: Sent; key: Uint8Array }[] = [];
    const verdicts: string[] = [];
    const epochsDecrypted = new Set<bigint>();
    for (let burst = 0; burst < 20; burst++) {
      const fromAlice = burst % 2 === 0;
      const [sender, receiver] = fromAlice ? [mirror.alice, mirror.bob] : [mirror.bob, mirror.alice];
      const sent: { m: Sent; key: Uint8Array }[] = [];
      for (let i = 0; i < 45; i++) {
        const m = await s.send(fromAlice);
        secrets.observe(m, m.senderRecord);
        const key = sender.send(m);
        expect(decryptBody(m, key)).toBe(m.text); // libsignal's body, our pq_key
        epochsDecrypted.add(m.epoch);
        expectSameChain(sender.chain, m.senderRecord);
        sent.push({ m, key });
      }
      for (const [i, { m, key }] of sent.entries()) {
        if (fromAlice && i >= 10 && i < 20) {
          held.push({ burst, m, key });
          continue;
        }
        expect(await s.deliver(m)).toBe("ok");
        expect(bytesToHex(receiver.receive(m))).toBe(bytesToHex(key));
      }
      if (!fromAlice) continue;
      // One held message from every earlier Alice burst: libsignal decides, our chain must agree.
      const tried = new Set<number>();
      for (const h of held.filter((x) => !tried.has(x.burst) && tried.add(x.burst))) {
        held.splice(held.indexOf(h), 1);
        const before = mirror.bob.chain;
        const theirs = await s.deliver(h.m);
        let key: Uint8Array | undefined;
        const ours = spqrReason(() => (key = mirror.bob.receive(h.m)));
        if (theirs === "ok") {
          expect(ours).toBe("ok");
          expect(bytesToHex(key!)).toBe(bytesToHex(h.key));
        } else {
          mirror.bob.chain = before;
          // libsignal refuses in SPQR ("epoch not in valid range", then ours must refuse too) or,
          // once the message's DR chain is gone (5 receiver chains kept: 6 Alice bursts later),
          // in the Double Ratchet (its MAC fails), where SPQR itself had the key.
          if (ours === "ok") expect(burst - h.burst).toBeGreaterThanOrEqual(10);
          else expect(ours).toBe("too-far");
        }
        verdicts.push(`${h.burst}->${burst} e${h.m.epoch}: ${theirs === "ok" ? "ok" : "refused"} / ${ours}`);
      }
      expectSameChain(mirror.bob.chain, s.record(false));
    }
    for (const e of [1n, 2n, 3n, 4n, 5n]) expect(epochsDecrypted.has(e)).toBe(true); // epoch field e ≥ 2 included
    // Messages of chain epoch 0 still decrypt while epoch 1 is the send epoch, and are refused
    // by both once the receiver's send epoch is 2 (libsignal: "epoch not in valid range: 0").
    expect(verdicts).toContain("0->8 e1: ok / ok");
    expect(verdicts).toContain("2->10 e1: refused / too-far");
  }, 120_000);

  /**
   * Alice sends n1 messages, Bob receives only the first and answers, Alice sends n2 more on a
   * new DR chain. Bob's DR sees two modest jumps; SPQR sees one long one in chain epoch 0. So
   * what libsignal refuses here, SPQR refused (its log says "Key trimmed" / "Key jump").
   */
  async function twoChains(n1: number, n2: number, wanted: readonly number[]) {
    const s = await session();
    const secrets = new EpochSecrets(s.kSpqr);
    const alice = new Mirror(s.kSpqr, "alice", secrets), bob = new Mirror(s.kSpqr, "bob", secrets);
    const byIndex = new Map<number, { m: Sent; key: Uint8Array }>();
    const sendAll = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const index = alice.chain.links[0]!.send.ctr + 1;
        const m = await s.send(true, wanted.includes(index));
        const key = alice.send(m);
        if (wanted.includes(index)) byIndex.set(index, { m, key });
      }
    };
    await sendAll(n1);
    expect(await s.deliver(byIndex.get(1)!.m)).toBe("ok");
    bob.receive(byIndex.get(1)!.m);
    expect(await s.deliver(await s.send(false, false))).toBe("ok");
    bob.chain = chainNextSendKey(bob.chain).chain;
    await sendAll(n2);
    const attempt = async (index: number) => {
      const { m, key } = byIndex.get(index)!;
      const theirs = await s.deliver(m);
      let ours: Uint8Array | undefined;
      const reason = spqrReason(() => (ours = bob.receive(m)));
      if (reason === "ok") {
        expect(bytesToHex(ours!)).toBe(bytesToHex(key));
        expect(decryptBody(m, ours!)).toBe(m.text);
      }
      return `${index}: ${theirs === "ok" ? "ok" : "refused"} / ${reason}`;
    };
    return { attempt };
  }

  it("keeps the newest 2000 skipped keys of a direction, as libsignal does", async () => {
    const { attempt } = await twoChains(1300, 1300, [1, 500, 599, 600, 2599, 2600]);
    expect(await attempt(2600)).toBe("2600: ok / ok"); // 2598 skipped; 600..2599 kept
    expect(await attempt(500)).toBe("500: refused / too-far");
    expect(await attempt(599)).toBe("599: refused / too-far");
    expect(await attempt(600)).toBe("600: ok / ok");
    expect(await attempt(2599)).toBe("2599: ok / ok");
    // A replay: libsignal's Double Ratchet refuses it first ("message with old counter"); our
    // chain refuses it as well.
    expect(await attempt(600)).toBe("600: refused / key-used");
  }, 120_000);

  it("lets a receive index run 25000 past the counter and no further, as libsignal does", async () => {
    const { attempt } = await twoChains(13000, 13000, [1, 25001, 25002, 26000]);
    expect(await attempt(26000)).toBe("26000: refused / too-far");
    expect(await attempt(25002)).toBe("25002: refused / too-far");
    expect(await attempt(25001)).toBe("25001: ok / ok");
  }, 180_000);
});
