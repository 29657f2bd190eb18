// Issue 14: SPQR's authenticator and KDF_OK (client/signal/spqr/authenticator.ts, kdf.ts) on
// known answers captured from @signalapp/libsignal-client 0.103 (vectors/libsignal-0.103-spqr.json,
// written by a black-box run; test/node/spqr-chain.test.ts is the live oracle). Runs in workerd.
import { ml_kem768 } from "@noble/post-quantum/ml-kem.js";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { describe, expect, it } from "vitest";
import {
  authenticatorFromJSON,
  authenticatorInit,
  authenticatorToJSON,
  authenticatorUpdate,
  macCiphertext,
  macHeader,
  verifyCiphertext,
  verifyHeader,
} from "../../client/signal/spqr/authenticator.ts";
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
    expect(authenticatorToJSON(authenticatorInit(kSpqr))).toEqual(
      authenticatorToJSON(authenticatorFromJSON({ rootKey: b64(vectors.authInit.rootKey), macKey: b64(vectors.authInit.macKey) })),
    );
  });

  it("reproduces and verifies libsignal's epoch-1 header MAC", () => {
    const auth = authenticatorInit(kSpqr);
    const header = h(vectors.header.header);
    expect(bytesToHex(macHeader(auth, 1n, header))).toBe(vectors.header.mac);
    verifyHeader(auth, 1n, header, h(vectors.header.mac));
  });

  it("KDF_OK, update(1, K_1) and the ct MAC match libsignal's epoch-1 exchange", () => {
    const updated = authenticatorUpdate(authenticatorInit(kSpqr), 1n, K1);
    expect(bytesToHex(macCiphertext(updated, 1n, ct1, ct2))).toBe(epoch1.mac);
    verifyCiphertext(updated, 1n, ct1, ct2, h(epoch1.mac));
    // libsignal's decapsulating side stores exactly this authenticator for epoch 2.
    const stored = vectors.afterEpoch1.aliceAuth;
    expect(stored.epoch).toBe(2);
    expect(authenticatorToJSON(updated)).toEqual({ rootKey: b64(stored.rootKey), macKey: b64(stored.macKey) });
  });

  it("refuses a flipped bit, the wrong epoch, or the pre-update key with bad-mac", () => {
    const auth = authenticatorInit(kSpqr);
    const header = h(vectors.header.header), mac = h(vectors.header.mac);
    const flipped = mac.slice();
    flipped[31]! ^= 1;
    expect(reason(() => verifyHeader(auth, 1n, header, flipped))).toBe("bad-mac");
    expect(reason(() => verifyHeader(auth, 2n, header, mac))).toBe("bad-mac");
    expect(reason(() => verifyCiphertext(auth, 1n, ct1, ct2, h(epoch1.mac)))).toBe("bad-mac");
  });

  it("is immutable: update returns a new value and leaves the old one as it was", () => {
    const auth = authenticatorInit(kSpqr);
    const before = authenticatorToJSON(auth);
    const after = authenticatorUpdate(auth, 1n, K1);
    expect(authenticatorToJSON(auth)).toEqual(before);
    expect(authenticatorToJSON(after)).not.toEqual(before);
  });

  it("refuses wrong sizes and bad state with typed errors", () => {
    const auth = authenticatorInit(kSpqr);
    expect(reason(() => authenticatorInit(new Uint8Array(31)))).toBe("bad-length");
    expect(reason(() => macHeader(auth, 1n, new Uint8Array(63)))).toBe("bad-length");
    expect(reason(() => verifyHeader(auth, 1n, h(vectors.header.header), new Uint8Array(16)))).toBe("bad-length");
    expect(reason(() => macCiphertext(auth, 1n, ct1, new Uint8Array(127)))).toBe("bad-length");
    expect(reason(() => macHeader(auth, -1n, h(vectors.header.header)))).toBe("out-of-range");
    expect(reason(() => authenticatorUpdate(auth, 1n << 64n, K1))).toBe("out-of-range");
    expect(reason(() => epochSecret(new Uint8Array(33), 1n))).toBe("bad-length");
    expect(reason(() => authenticatorFromJSON({ rootKey: "AAAA", macKey: authenticatorToJSON(auth).macKey }))).toBe("bad-state");
    expect(reason(() => authenticatorFromJSON(null))).toBe("bad-state");
    expect(authenticatorFromJSON(JSON.parse(JSON.stringify(authenticatorToJSON(auth))))).toEqual(auth);
    expect(structuredClone(auth)).toEqual(auth);
  });
});

function b64(hex: string): string {
  return btoa(String.fromCharCode(...h(hex))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
