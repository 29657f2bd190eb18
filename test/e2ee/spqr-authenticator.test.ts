// Issue 14: SPQR's authenticator and KDF_OK (client/signal/spqr/authenticator.ts, kdf.ts) on
// known answers captured from @signalapp/libsignal-client 0.103 (vectors/libsignal-0.103-spqr.json,
// written by a black-box run; test/node/spqr-chain.test.ts is the live oracle). Runs in workerd.
import { ml_kem768 } from "@noble/post-quantum/ml-kem.js";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { describe, expect, it } from "vitest";
import { Authenticator } from "../../client/signal/spqr/authenticator.ts";
import { SpqrError } from "../../client/signal/spqr/errors.ts";
import { epochSecret } from "../../client/signal/spqr/kdf.ts";
import vectors from "./vectors/libsignal-0.103-spqr.json";

const h = hexToBytes;
const kSpqr = h(vectors.kSpqr);
const { epoch1 } = vectors;
const ct1 = h(epoch1.ct1), ct2 = h(epoch1.ct2);
const K1 = epochSecret(ml_kem768.decapsulate(new Uint8Array([...ct1, ...ct2]), h(epoch1.dk)), 1n);

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof SpqrError) return e.reason;
    throw e;
  }
  throw new Error("no error thrown");
}

describe("SPQR authenticator (libsignal 0.103 vectors)", () => {
  it("init(K_spqr) gives libsignal's stored root and MAC keys", () => {
    expect(Authenticator.init(kSpqr).toJSON()).toEqual(
      Authenticator.fromJSON({ rootKey: b64(vectors.authInit.rootKey), macKey: b64(vectors.authInit.macKey) }).toJSON(),
    );
  });

  it("reproduces and verifies libsignal's epoch-1 header MAC", () => {
    const auth = Authenticator.init(kSpqr);
    const header = h(vectors.header.header);
    expect(bytesToHex(auth.macHeader(1n, header))).toBe(vectors.header.mac);
    auth.verifyHeader(1n, header, h(vectors.header.mac));
  });

  it("KDF_OK, update(1, K_1) and the ct MAC match libsignal's epoch-1 exchange", () => {
    const updated = Authenticator.init(kSpqr).update(1n, K1);
    expect(bytesToHex(updated.macCiphertext(1n, ct1, ct2))).toBe(epoch1.mac);
    updated.verifyCiphertext(1n, ct1, ct2, h(epoch1.mac));
    // libsignal's decapsulating side stores exactly this authenticator for epoch 2.
    const stored = vectors.afterEpoch1.aliceAuth;
    expect(stored.epoch).toBe(2);
    expect(updated.toJSON()).toEqual({ rootKey: b64(stored.rootKey), macKey: b64(stored.macKey) });
  });

  it("refuses a flipped bit, the wrong epoch, or the pre-update key with bad-mac", () => {
    const auth = Authenticator.init(kSpqr);
    const header = h(vectors.header.header), mac = h(vectors.header.mac);
    const flipped = mac.slice();
    flipped[31]! ^= 1;
    expect(reason(() => auth.verifyHeader(1n, header, flipped))).toBe("bad-mac");
    expect(reason(() => auth.verifyHeader(2n, header, mac))).toBe("bad-mac");
    expect(reason(() => auth.verifyCiphertext(1n, ct1, ct2, h(epoch1.mac)))).toBe("bad-mac");
  });

  it("is immutable: update returns a new value and leaves the old one as it was", () => {
    const auth = Authenticator.init(kSpqr);
    const before = auth.toJSON();
    const after = auth.update(1n, K1);
    expect(auth.toJSON()).toEqual(before);
    expect(after.toJSON()).not.toEqual(before);
  });

  it("refuses wrong sizes and bad state with typed errors", () => {
    const auth = Authenticator.init(kSpqr);
    expect(reason(() => Authenticator.init(new Uint8Array(31)))).toBe("bad-length");
    expect(reason(() => auth.macHeader(1n, new Uint8Array(63)))).toBe("bad-length");
    expect(reason(() => auth.verifyHeader(1n, h(vectors.header.header), new Uint8Array(16)))).toBe("bad-length");
    expect(reason(() => auth.macCiphertext(1n, ct1, new Uint8Array(127)))).toBe("bad-length");
    expect(reason(() => auth.macHeader(-1n, h(vectors.header.header)))).toBe("out-of-range");
    expect(reason(() => auth.update(1n << 64n, K1))).toBe("out-of-range");
    expect(reason(() => epochSecret(new Uint8Array(33), 1n))).toBe("bad-length");
    expect(reason(() => Authenticator.fromJSON({ rootKey: "AAAA", macKey: auth.toJSON().macKey }))).toBe("bad-state");
    expect(reason(() => Authenticator.fromJSON(null))).toBe("bad-state");
    expect(Authenticator.fromJSON(JSON.parse(JSON.stringify(auth))).toJSON()).toEqual(auth.toJSON());
  });
});

function b64(hex: string): string {
  return btoa(String.fromCharCode(...h(hex))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
