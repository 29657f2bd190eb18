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
import {
  type SpqrChain,
  chainAddEpoch,
  chainFromJSON,
  chainNextSendKey,
  chainReceiveEpochs,
  chainReceiveKey,
  chainSetSendEpoch,
  chainStart,
  chainToJSON,
} from "../../client/signal/spqr/chain.ts";
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
    const alice = chainStart(kSpqr, "alice");
    expect(hexOf(chainToJSON(alice).nextRoot)).toBe(vectors.chainStart.nextRoot);
    expect(hexOf(chainToJSON(alice).links[0]!.recv.next)).toBe(vectors.chainStart.aliceRecvNext);
    const sent = chainNextSendKey(alice);
    expect(hexOf(chainToJSON(sent.chain).links[0]!.send.next)).toBe(vectors.chainStart.aliceSendNextAfterOne);
  });

  it("the first A2B and B2A keys decrypt libsignal's first messages, and each side's receive key matches", () => {
    const alice = chainStart(kSpqr, "alice"), bob = chainStart(kSpqr, "bob");
    const a = chainNextSendKey(alice);
    expect([a.epoch, a.index]).toEqual([0n, 1]);
    expect(vectors.aliceFirst.field5.slice(0, 6)).toBe("010101"); // v1, epoch field 1, index 1
    expect(decrypt(vectors.aliceFirst, a.key)).toBe(vectors.aliceFirst.plaintext);
    expect(bytesToHex(chainReceiveKey(bob, 0n, 1).key)).toBe(bytesToHex(a.key));
    const b = chainNextSendKey(bob);
    expect(vectors.bobFirst.field5.slice(0, 6)).toBe("010101");
    expect(decrypt(vectors.bobFirst, b.key)).toBe(vectors.bobFirst.plaintext);
    expect(bytesToHex(chainReceiveKey(alice, 0n, 1).key)).toBe(bytesToHex(b.key));
  });

  it("add epoch 1 gives libsignal's next_root and links; epoch field 2 is salted by chain epoch 1, index 1", () => {
    const alice = chainAddEpoch(chainStart(kSpqr, "alice"), 1n, K1);
    const json = chainToJSON(alice);
    expect(hexOf(json.nextRoot)).toBe(vectors.afterEpoch1.nextRoot);
    expect(json.links.length).toBe(vectors.afterEpoch1.links);
    expect(hexOf(json.links[1]!.send.next)).toBe(vectors.afterEpoch1.epoch1SendNext);
    expect(hexOf(json.links[1]!.recv.next)).toBe(vectors.afterEpoch1.epoch1RecvNext);
    const sent = chainNextSendKey(chainSetSendEpoch(alice, 1n));
    expect([sent.epoch, sent.index]).toEqual([1n, 1]);
    expect(vectors.aliceFirstEpoch2.field5.slice(0, 6)).toBe("010201");
    expect(decrypt(vectors.aliceFirstEpoch2, sent.key)).toBe(vectors.aliceFirstEpoch2.plaintext);
  });
});

describe("SPQR chain retention and limits (as libsignal 0.103 behaves)", () => {
  const pair = () => ({ alice: chainStart(kSpqr, "alice"), bob: chainStart(kSpqr, "bob") });
  function sendMany(chain: SpqrChain, n: number) {
    const keys: string[] = [""];
    for (let i = 0; i < n; i++) {
      const s = chainNextSendKey(chain);
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
      const got = chainReceiveKey(r, 0n, i);
      expect(bytesToHex(got.key)).toBe(keys[i]);
      r = got.chain;
    }
    expect(reason(() => chainReceiveKey(r, 0n, 3))).toBe("key-used");
  });

  it("allows a jump of 25000 past the counter and refuses 25001 (libsignal: \"Key jump\")", () => {
    const { bob } = pair();
    const first = chainReceiveKey(bob, 0n, 1).chain;
    expect(reason(() => chainReceiveKey(first, 0n, 25_002))).toBe("too-far");
    const far = chainReceiveKey(first, 0n, 25_001);
    expect(chainToJSON(far.chain).links[0]!.recv.skipped.length).toBe(2000);
  });

  it("keeps the newest 2000 skipped keys and refuses older ones with too-far (libsignal: \"Key trimmed\")", () => {
    const { alice, bob } = pair();
    const { keys } = sendMany(alice, 2600);
    const r = chainReceiveKey(chainReceiveKey(bob, 0n, 1).chain, 0n, 2600).chain;
    expect(reason(() => chainReceiveKey(r, 0n, 599))).toBe("too-far");
    expect(reason(() => chainReceiveKey(r, 0n, 2))).toBe("too-far");
    expect(bytesToHex(chainReceiveKey(r, 0n, 600).key)).toBe(keys[600]);
    expect(bytesToHex(chainReceiveKey(r, 0n, 2599).key)).toBe(keys[2599]);
    // Ten more skipped keys (2601..2610) push out the ten oldest stored ones (600..609).
    const r2 = chainReceiveKey(r, 0n, 2611).chain;
    expect(reason(() => chainReceiveKey(r2, 0n, 609))).toBe("too-far");
    expect(bytesToHex(chainReceiveKey(r2, 0n, 610).key)).toBe(keys[610]);
  });

  it("keeps epochs from send epoch − 1 up: older links go when the send epoch moves (libsignal: \"epoch not in valid range\")", () => {
    const K = (n: number) => new Uint8Array(32).fill(n);
    let bob = chainAddEpoch(chainAddEpoch(chainAddEpoch(chainStart(kSpqr, "bob"), 1n, K1), 2n, K(2)), 3n, K(3));
    let alice = chainAddEpoch(chainAddEpoch(chainAddEpoch(chainStart(kSpqr, "alice"), 1n, K1), 2n, K(2)), 3n, K(3));
    const old = chainNextSendKey(alice); // held in epoch 0
    alice = chainSetSendEpoch(old.chain, 1n);
    const e1 = chainNextSendKey(alice);
    expect(bytesToHex(chainReceiveKey(bob, 1n, 1).key)).toBe(bytesToHex(e1.key));
    bob = chainSetSendEpoch(bob, 1n);
    expect(chainReceiveEpochs(bob)).toEqual([0n, 1n, 2n, 3n]);
    expect(bytesToHex(chainReceiveKey(bob, 0n, 1).key)).toBe(bytesToHex(old.key)); // one epoch before the send epoch: kept
    bob = chainSetSendEpoch(bob, 2n);
    expect(chainReceiveEpochs(bob)).toEqual([1n, 2n, 3n]);
    expect(reason(() => chainReceiveKey(bob, 0n, 1))).toBe("too-far");
    expect(bytesToHex(chainReceiveKey(bob, 1n, 1).key)).toBe(bytesToHex(e1.key));
    expect(reason(() => chainReceiveKey(bob, 4n, 1))).toBe("unknown-epoch");
    expect(reason(() => chainSetSendEpoch(bob, 1n))).toBe("bad-epoch");
    expect(reason(() => chainSetSendEpoch(bob, 4n))).toBe("unknown-epoch");
    expect(reason(() => chainAddEpoch(bob, 5n, K(5)))).toBe("bad-epoch");
  });

  it("is immutable: a receive, send or epoch change leaves the old chain as it was", () => {
    const { alice, bob } = pair();
    sendMany(alice, 3);
    const before = JSON.stringify(chainToJSON(bob));
    const got = chainReceiveKey(bob, 0n, 3);
    chainNextSendKey(bob);
    chainAddEpoch(bob, 1n, K1);
    expect(JSON.stringify(chainToJSON(bob))).toBe(before);
    const mid = JSON.stringify(chainToJSON(got.chain));
    chainReceiveKey(got.chain, 0n, 1);
    expect(JSON.stringify(chainToJSON(got.chain))).toBe(mid);
    expect(bytesToHex(chainReceiveKey(bob, 0n, 3).key)).toBe(bytesToHex(got.key));
  });

  it("round-trips through JSON and refuses malformed state or input", () => {
    const { alice, bob } = pair();
    sendMany(alice, 4);
    const chain = chainAddEpoch(chainReceiveKey(bob, 0n, 4).chain, 1n, K1);
    const copy = chainFromJSON(JSON.parse(JSON.stringify(chainToJSON(chain))));
    expect(JSON.stringify(chainToJSON(copy))).toBe(JSON.stringify(chainToJSON(chain)));
    expect(copy).toEqual(chain);
    expect(structuredClone(chain)).toEqual(chain); // plain data: nothing for a clone to lose
    expect(bytesToHex(chainReceiveKey(copy, 0n, 2).key)).toBe(bytesToHex(chainReceiveKey(chain, 0n, 2).key));
    const json = JSON.parse(JSON.stringify(chainToJSON(chain)));
    expect(reason(() => chainFromJSON({ ...json, role: "carol" }))).toBe("bad-state");
    expect(reason(() => chainFromJSON({ ...json, sendEpoch: "7" }))).toBe("bad-state");
    expect(reason(() => chainFromJSON({ ...json, links: [] }))).toBe("bad-state");
    expect(reason(() => chainFromJSON({ ...json, links: [json.links[1], json.links[0]] }))).toBe("bad-state");
    expect(reason(() => chainStart(new Uint8Array(16), "alice"))).toBe("bad-length");
    expect(reason(() => chainReceiveKey(chain, 0n, 0))).toBe("out-of-range");
    expect(reason(() => chainReceiveKey(chain, -1n, 1))).toBe("out-of-range");
  });
});
