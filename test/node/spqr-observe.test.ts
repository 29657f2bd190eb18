// Issue 14: black-box facts about libsignal 0.103's SPQR (docs/spqr-notes.md), pinned against the
// oracle so the TypeScript implementation can be built on them. Every value here is recomputed
// with @noble primitives from bytes libsignal produced or stored; no libsignal source is involved.
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { sha3_256 } from "@noble/hashes/sha3.js";
import * as signal from "@signalapp/libsignal-client";
import { createDecipheriv } from "node:crypto";
import { describe, expect, it } from "vitest";

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

const te = new TextEncoder();
const Z32 = new Uint8Array(32);
const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) (out.set(p, o), (o += p.length));
  return out;
};
const be = (n: number, bytes: 4 | 8) => {
  const b = new Uint8Array(bytes);
  if (bytes === 8) new DataView(b.buffer).setBigUint64(0, BigInt(n));
  else new DataView(b.buffer).setUint32(0, n);
  return b;
};
const kdf = (salt: Uint8Array, ikm: Uint8Array, info: Uint8Array | string, n: number) =>
  hkdf(sha256, ikm, salt, typeof info === "string" ? te.encode(info) : info, n);
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** GF(2^16) mod x^16+x^12+x^3+x+1, the erasure code's field. */
function gfMul(a: number, b: number): number {
  let r = 0;
  for (; b; b >>= 1) {
    if (b & 1) r ^= a;
    a <<= 1;
    if (a & 0x10000) a ^= 0x1100b;
  }
  return r;
}
const gfInv = (a: number) => {
  let r = 1;
  for (let e = 0xfffe; e; e >>= 1, a = gfMul(a, a)) if (e & 1) r = gfMul(r, a);
  return r;
};
function lagrange(ys: number[], x: number): number {
  let acc = 0;
  ys.forEach((y, i) => {
    let num = 1, den = 1;
    ys.forEach((_, j) => {
      if (j !== i) (num = gfMul(num, x ^ j)), (den = gfMul(den, i ^ j));
    });
    acc ^= gfMul(y, gfMul(num, gfInv(den)));
  });
  return acc;
}

class Party {
  readonly sessions = new Map<string, signal.SessionRecord>();
  readonly identity = signal.IdentityKeyPair.generate();
  readonly signed = signal.PrivateKey.generate();
  readonly kyber = signal.KEMKeyPair.generate();
  readonly pre = signal.PrivateKey.generate();
  readonly session: signal.SessionStore;
  readonly identities: signal.IdentityKeyStore;
  constructor() {
    const sessions = this.sessions, identity = this.identity;
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
  }
  bundle(): signal.PreKeyBundle {
    const sign = (k: signal.PublicKey | signal.KEMPublicKey) => this.identity.privateKey.sign(k.serialize());
    return signal.PreKeyBundle.new(7, 1, 41, this.pre.getPublicKey(), 7, this.signed.getPublicKey(), sign(this.signed.getPublicKey()),
      this.identity.publicKey, 300, this.kyber.getPublicKey(), sign(this.kyber.getPublicKey()));
  }
}

/** Alice's view of a session she opened to Bob, sending only (Bob never answers). */
async function aliceSession() {
  const alice = new Party(), bob = new Party();
  const aliceAddr = signal.ProtocolAddress.new("alice", 1), bobAddr = signal.ProtocolAddress.new("bob", 1);
  await signal.processPreKeyBundle(bob.bundle(), bobAddr, aliceAddr, alice.session, alice.identities);
  const record = () => alice.sessions.get(bobAddr.toString())!.serialize();
  const send = async (text: string) => {
    const ct = await signal.signalEncrypt(new Uint8Array(te.encode(text)), bobAddr, aliceAddr, alice.session, alice.identities);
    const signalMessage = at(ct.serialize().subarray(1), 4); // PreKeySignalMessage.message
    return signalMessage;
  };
  return { record, send };
}

describe("libsignal 0.103 SPQR, observed (issue 14, docs/spqr-notes.md)", () => {
  it("frames field 5 as version, epoch, index, type, chunk index, 32-byte chunk; header = ρ ‖ H(ek) + MAC, systematic RS chunks", async () => {
    const { record, send } = await aliceSession();
    const spqrKey = at(record(), 1, 15, 1, 1);
    const pq: Uint8Array[] = [];
    for (let i = 0; i < 6; i++) {
      const signalMessage = await send(`m${i}`);
      pq.push(at(signalMessage.subarray(1, signalMessage.length - 8), 5));
    }
    pq.forEach((m, i) => {
      expect(m.length).toBe(37);
      expect([...m.subarray(0, 5)]).toEqual([1, 1, i + 1, 1, i]); // v1, epoch 1, index i+1, Hdr, chunk i
    });
    const chunk = (i: number) => pq[i]!.subarray(5);

    const keysSampled = at(record(), 1, 15, 3, 2, 1);
    const dk = fields(keysSampled).find((x) => x.v.length === 2400)!.v;
    const ek = dk.subarray(1152, 2336);
    expect(hex(chunk(0))).toBe(hex(ek.subarray(1152))); // ρ
    expect(hex(chunk(1))).toBe(hex(sha3_256(ek))); // H(ek), FIPS order t̂ ‖ ρ

    // Authenticator: root = 0, then update(epoch 1, K_spqr) with IKM = root ‖ K and a zero salt.
    const auth = kdf(Z32, cat(Z32, spqrKey), cat(te.encode("Signal_PQCKA_V1_MLKEM768:Authenticator Update"), be(1, 8)), 64);
    const mac = hmac(sha256, auth.subarray(32), cat(te.encode("Signal_PQCKA_V1_MLKEM768:ekheader"), be(1, 8), chunk(0), chunk(1)));
    expect(hex(chunk(2))).toBe(hex(mac));

    // Parity chunks 3.. are the 16 interpolating polynomials evaluated at the chunk index.
    for (let x = 3; x < 6; x++)
      for (let j = 0; j < 16; j++) {
        const ys = [0, 1, 2].map((k) => (chunk(k)[2 * j]! << 8) | chunk(k)[2 * j + 1]!);
        expect(lagrange(ys, x)).toBe((chunk(x)[2 * j]! << 8) | chunk(x)[2 * j + 1]!);
      }
  });

  it("salts WhisperMessageKeys with the SPQR chain key: HKDF(salt = pq_key, ikm = DR seed)", async () => {
    const { record, send } = await aliceSession();
    const before = record();
    const spqrKey = at(before, 1, 15, 1, 1);
    const drChainKey = at(before, 1, 6, 3, 2);
    const signalMessage = await send("hello triple ratchet");
    const body = at(signalMessage.subarray(1, signalMessage.length - 8), 4);

    const start = kdf(Z32, spqrKey, "Signal PQ Ratchet V1 Chain  Start", 96);
    const next = kdf(Z32, start.subarray(32, 64), cat(be(1, 4), te.encode("Signal PQ Ratchet V1 Chain Next")), 64);
    expect(hex(at(record(), 1, 15, 2, 4))).toBe(hex(start.subarray(0, 32))); // chain next_root
    const keys = kdf(next.subarray(32), hmac(sha256, drChainKey, new Uint8Array([1])), "WhisperMessageKeys", 80);
    const d = createDecipheriv("aes-256-cbc", keys.subarray(0, 32), keys.subarray(64, 80));
    expect(Buffer.concat([d.update(body), d.final()]).toString()).toBe("hello triple ratchet");
  });
});
