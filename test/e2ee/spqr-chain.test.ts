// Issue 14: the SPQR chain (client/signal/spqr/chain.ts, kdf.ts) on known answers captured from
// @signalapp/libsignal-client 0.103 (vectors/libsignal-0.103-spqr.json; test/node/spqr-chain.test.ts
// is the live oracle), and its retention and skip limits as observed there. Runs in workerd.
import { cbc } from "@noble/ciphers/aes.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { ml_kem768 } from "@noble/post-quantum/ml-kem.js";
import { describe, expect, it } from "vitest";
import { SpqrChain } from "../../client/signal/spqr/chain.ts";
import { SpqrError } from "../../client/signal/spqr/errors.ts";
import { epochSecret } from "../../client/signal/spqr/kdf.ts";
import vectors from "./vectors/libsignal-0.103-spqr.json";

const h = hexToBytes;
const kSpqr = h(vectors.kSpqr);
const hexOf = (b64: string) => bytesToHex(Uint8Array.from(atob(b64.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0)));

interface Recorded {
  readonly drChainKey: string;
  readonly body: string;
  readonly plaintext: string;
  readonly field5: string;
}

/** The triple ratchet's message keys: HKDF(salt = pq_key, IKM = DR seed, "WhisperMessageKeys"). */
function decrypt(m: Recorded, pqKey: Uint8Array): string {
  const seed = hmac(sha256, h(m.drChainKey), Uint8Array.of(1));
  const keys = hkdf(sha256, seed, pqKey, new TextEncoder().encode("WhisperMessageKeys"), 80);
  return new TextDecoder().decode(cbc(keys.subarray(0, 32), keys.subarray(64, 80)).decrypt(h(m.body)));
}

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof SpqrError) return e.reason;
    throw e;
  }
  throw new Error("no error thrown");
}

const K1 = epochSecret(ml_kem768.decapsulate(h(vectors.epoch1.ct1 + vectors.epoch1.ct2), h(vectors.epoch1.dk)), 1n);

describe("SPQR chain (libsignal 0.103 vectors)", () => {
  it("start: next_root and Alice's halves are what libsignal stores", () => {
    const alice = SpqrChain.start(kSpqr, "alice");
    expect(hexOf(alice.toJSON().nextRoot)).toBe(vectors.chainStart.nextRoot);
    expect(hexOf(alice.toJSON().links[0]!.recv.next)).toBe(vectors.chainStart.aliceRecvNext);
    const sent = alice.nextSendKey();
    expect(hexOf(sent.chain.toJSON().links[0]!.send.next)).toBe(vectors.chainStart.aliceSendNextAfterOne);
  });

  it("the first A2B and B2A keys decrypt libsignal's first messages, and each side's receive key matches", () => {
    const alice = SpqrChain.start(kSpqr, "alice"), bob = SpqrChain.start(kSpqr, "bob");
    const a = alice.nextSendKey();
    expect([a.epoch, a.index]).toEqual([0n, 1]);
    expect(vectors.aliceFirst.field5.slice(0, 6)).toBe("010101"); // v1, epoch field 1, index 1
    expect(decrypt(vectors.aliceFirst, a.key)).toBe(vectors.aliceFirst.plaintext);
    expect(bytesToHex(bob.receiveKey(0n, 1).key)).toBe(bytesToHex(a.key));
    const b = bob.nextSendKey();
    expect(vectors.bobFirst.field5.slice(0, 6)).toBe("010101");
    expect(decrypt(vectors.bobFirst, b.key)).toBe(vectors.bobFirst.plaintext);
    expect(bytesToHex(alice.receiveKey(0n, 1).key)).toBe(bytesToHex(b.key));
  });

  it("add epoch 1 gives libsignal's next_root and links; epoch field 2 is salted by chain epoch 1, index 1", () => {
    const alice = SpqrChain.start(kSpqr, "alice").addEpoch(1n, K1);
    const json = alice.toJSON();
    expect(hexOf(json.nextRoot)).toBe(vectors.afterEpoch1.nextRoot);
    expect(json.links.length).toBe(vectors.afterEpoch1.links);
    expect(hexOf(json.links[1]!.send.next)).toBe(vectors.afterEpoch1.epoch1SendNext);
    expect(hexOf(json.links[1]!.recv.next)).toBe(vectors.afterEpoch1.epoch1RecvNext);
    const sent = alice.setSendEpoch(1n).nextSendKey();
    expect([sent.epoch, sent.index]).toEqual([1n, 1]);
    expect(vectors.aliceFirstEpoch2.field5.slice(0, 6)).toBe("010201");
    expect(decrypt(vectors.aliceFirstEpoch2, sent.key)).toBe(vectors.aliceFirstEpoch2.plaintext);
  });
});

describe("SPQR chain retention and limits (as libsignal 0.103 behaves)", () => {
  const pair = () => ({ alice: SpqrChain.start(kSpqr, "alice"), bob: SpqrChain.start(kSpqr, "bob") });
  function sendMany(chain: SpqrChain, n: number) {
    const keys: string[] = [""];
    for (let i = 0; i < n; i++) {
      const s = chain.nextSendKey();
      chain = s.chain;
      keys.push(bytesToHex(s.key));
    }
    return { chain, keys };
  }

  it("takes keys out of order and refuses a used one with key-used", () => {
    const { alice, bob } = pair();
    const { keys } = sendMany(alice, 5);
    let r = bob;
    for (const i of [3, 1, 5, 2, 4]) {
      const got = r.receiveKey(0n, i);
      expect(bytesToHex(got.key)).toBe(keys[i]);
      r = got.chain;
    }
    expect(reason(() => r.receiveKey(0n, 3))).toBe("key-used");
  });

  it("allows a jump of 25000 past the counter and refuses 25001 (libsignal: \"Key jump\")", () => {
    const { bob } = pair();
    const first = bob.receiveKey(0n, 1).chain;
    expect(reason(() => first.receiveKey(0n, 25_002))).toBe("too-far");
    const far = first.receiveKey(0n, 25_001);
    expect(far.chain.toJSON().links[0]!.recv.skipped.length).toBe(2000);
  });

  it("keeps the newest 2000 skipped keys and refuses older ones with too-far (libsignal: \"Key trimmed\")", () => {
    const { alice, bob } = pair();
    const { keys } = sendMany(alice, 2600);
    const r = bob.receiveKey(0n, 1).chain.receiveKey(0n, 2600).chain;
    expect(reason(() => r.receiveKey(0n, 599))).toBe("too-far");
    expect(reason(() => r.receiveKey(0n, 2))).toBe("too-far");
    expect(bytesToHex(r.receiveKey(0n, 600).key)).toBe(keys[600]);
    expect(bytesToHex(r.receiveKey(0n, 2599).key)).toBe(keys[2599]);
    // Ten more skipped keys (2601..2610) push out the ten oldest stored ones (600..609).
    const r2 = r.receiveKey(0n, 2611).chain;
    expect(reason(() => r2.receiveKey(0n, 609))).toBe("too-far");
    expect(bytesToHex(r2.receiveKey(0n, 610).key)).toBe(keys[610]);
  });

  it("keeps epochs from send epoch − 1 up: older links go when the send epoch moves (libsignal: \"epoch not in valid range\")", () => {
    const K = (n: number) => new Uint8Array(32).fill(n);
    let bob = SpqrChain.start(kSpqr, "bob").addEpoch(1n, K1).addEpoch(2n, K(2)).addEpoch(3n, K(3));
    let alice = SpqrChain.start(kSpqr, "alice").addEpoch(1n, K1).addEpoch(2n, K(2)).addEpoch(3n, K(3));
    const old = alice.nextSendKey(); // held in epoch 0
    alice = old.chain.setSendEpoch(1n);
    const e1 = alice.nextSendKey();
    expect(bytesToHex(bob.receiveKey(1n, 1).key)).toBe(bytesToHex(e1.key));
    bob = bob.setSendEpoch(1n);
    expect(bob.receiveEpochs).toEqual([0n, 1n, 2n, 3n]);
    expect(bytesToHex(bob.receiveKey(0n, 1).key)).toBe(bytesToHex(old.key)); // one epoch before the send epoch: kept
    bob = bob.setSendEpoch(2n);
    expect(bob.receiveEpochs).toEqual([1n, 2n, 3n]);
    expect(reason(() => bob.receiveKey(0n, 1))).toBe("too-far");
    expect(bytesToHex(bob.receiveKey(1n, 1).key)).toBe(bytesToHex(e1.key));
    expect(reason(() => bob.receiveKey(4n, 1))).toBe("unknown-epoch");
    expect(reason(() => bob.setSendEpoch(1n))).toBe("bad-epoch");
    expect(reason(() => bob.setSendEpoch(4n))).toBe("unknown-epoch");
    expect(reason(() => bob.addEpoch(5n, K(5)))).toBe("bad-epoch");
  });

  it("is immutable: a receive, send or epoch change leaves the old chain as it was", () => {
    const { alice, bob } = pair();
    sendMany(alice, 3);
    const before = JSON.stringify(bob);
    const got = bob.receiveKey(0n, 3);
    bob.nextSendKey();
    bob.addEpoch(1n, K1);
    expect(JSON.stringify(bob)).toBe(before);
    const mid = JSON.stringify(got.chain);
    got.chain.receiveKey(0n, 1);
    expect(JSON.stringify(got.chain)).toBe(mid);
    expect(bytesToHex(bob.receiveKey(0n, 3).key)).toBe(bytesToHex(got.key));
  });

  it("round-trips through JSON and refuses malformed state or input", () => {
    const { alice, bob } = pair();
    sendMany(alice, 4);
    const chain = bob.receiveKey(0n, 4).chain.addEpoch(1n, K1);
    const copy = SpqrChain.fromJSON(JSON.parse(JSON.stringify(chain)));
    expect(JSON.stringify(copy)).toBe(JSON.stringify(chain));
    expect(bytesToHex(copy.receiveKey(0n, 2).key)).toBe(bytesToHex(chain.receiveKey(0n, 2).key));
    const json = JSON.parse(JSON.stringify(chain));
    expect(reason(() => SpqrChain.fromJSON({ ...json, role: "carol" }))).toBe("bad-state");
    expect(reason(() => SpqrChain.fromJSON({ ...json, sendEpoch: "7" }))).toBe("bad-state");
    expect(reason(() => SpqrChain.fromJSON({ ...json, links: [] }))).toBe("bad-state");
    expect(reason(() => SpqrChain.fromJSON({ ...json, links: [json.links[1], json.links[0]] }))).toBe("bad-state");
    expect(reason(() => SpqrChain.start(new Uint8Array(16), "alice"))).toBe("bad-length");
    expect(reason(() => chain.receiveKey(0n, 0))).toBe("out-of-range");
    expect(reason(() => chain.receiveKey(-1n, 1))).toBe("out-of-range");
  });
});
