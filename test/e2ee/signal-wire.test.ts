// libsignal's message wire format (issue 14), inside workerd: fixed vectors that libsignal
// 0.103 produced (SignalMessage._new / PreKeySignalMessage._new with the inputs below), round
// trips, and every refusal. test/node/signal-wire.test.ts runs the same codec against libsignal.
import { describe, expect, it } from "vitest";
import {
  MAC_LENGTH,
  WireError,
  decodePreKeySignalMessage,
  decodeSignalMessage,
  encodePreKeySignalMessage,
  encodeSignalMessage,
  verifyMac,
  type MacKeys,
  type PreKeySignalMessage,
  type SignalMessage,
  type WireErrorReason,
} from "../../client/signal/wire/index.ts";
import { bytesToHex, concatBytes, hexToBytes } from "../../protocol/bytes.ts";

/** 0x05 ‖ 32 consecutive bytes from `start`: a key libsignal accepts, easy to read in hex. */
const key = (start: number) => Uint8Array.from([5, ...Array.from({ length: 32 }, (_, i) => (start + i) & 0xff)]);
const keys: MacKeys = {
  macKey: Uint8Array.from({ length: 32 }, (_, i) => 0xa0 + i),
  senderIdentityKey: key(0x40),
  receiverIdentityKey: key(0x80),
};
const kyberCiphertext = Uint8Array.from({ length: 1569 }, (_, i) => (i === 0 ? 8 : i & 0xff));

const small: SignalMessage = { ratchetKey: key(1), counter: 1, previousCounter: 0, ciphertext: Uint8Array.of(1, 2, 3), pqRatchet: new Uint8Array(0) };
// Written out field by field; the MAC is what libsignal computed for these inputs.
const SMALL_HEX =
  "44" + // version 4, sender's highest version 4
  "0a21" + bytesToHex(key(1)) + // 1 ratchet_key, 33 bytes
  "1001" + // 2 counter = 1
  "1800" + // 3 previous_counter = 0: libsignal writes the zero
  "2203010203" + // 4 ciphertext; no field 5, as pq_ratchet is empty
  "b8a7dcaa379f441d"; // MAC

const withPq: SignalMessage = { ratchetKey: key(1), counter: 300, previousCounter: 2, ciphertext: new Uint8Array(0), pqRatchet: Uint8Array.of(1, 1, 1, 0) };
const WITH_PQ_HEX = "44" + "0a21" + bytesToHex(key(1)) + "10ac02" + "1802" + "2200" + "2a0401010100" + "ffd14a0fce0b0c8b";

const prekey: PreKeySignalMessage = {
  registrationId: 1234,
  preKeyId: 41,
  signedPreKeyId: 7,
  baseKey: key(0x20),
  identityKey: key(0x40),
  kyberPreKeyId: 300,
  kyberCiphertext,
  message: hexToBytes(SMALL_HEX),
};
// libsignal's PreKeySignalMessage._new cannot take the Kyber part; its real messages carry it
// as fields 7 and 8 after the rest (the node test checks that against live sessions).
const PREKEY_HEX =
  "44" +
  "0829" + // 1 pre_key_id = 41
  "1221" + bytesToHex(key(0x20)) + // 2 base_key
  "1a21" + bytesToHex(key(0x40)) + // 3 identity_key
  "2235" + SMALL_HEX + // 4 message, 53 bytes
  "28d209" + // 5 registration_id = 1234
  "3007" + // 6 signed_pre_key_id = 7
  "38ac02" + // 7 kyber_pre_key_id = 300
  "42a10c" + bytesToHex(kyberCiphertext); // 8 kyber_ciphertext, 1569 bytes

function refusal(run: () => unknown): { reason: WireErrorReason; field: string | undefined } {
  try {
    run();
  } catch (err) {
    if (err instanceof WireError) return { reason: err.reason, field: err.field };
    throw err;
  }
  throw new Error("expected a WireError");
}

// Protobuf pieces for crafting inputs.
const varint = (n: number): number[] => {
  const out: number[] = [];
  for (; n > 0x7f; n = Math.floor(n / 128)) out.push((n % 128) | 0x80);
  return [...out, n];
};
const vf = (field: number, n: number) => [...varint(field * 8), ...varint(n)];
const bf = (field: number, b: ArrayLike<number>) => [...varint(field * 8 + 2), ...varint(b.length), ...Array.from(b)];
const MAC = [1, 2, 3, 4, 5, 6, 7, 8];
const R = bf(1, key(1));
const C = vf(2, 5);
const P = vf(3, 1);
const X = bf(4, [9, 9, 9]);
const signalBytes = (body: number[], version = 0x44) => Uint8Array.from([version, ...body, ...MAC]);

describe("SignalMessage wire format", () => {
  it("encodes a small message to libsignal's exact bytes", () => {
    expect(bytesToHex(encodeSignalMessage(small, keys))).toBe(SMALL_HEX);
    expect(bytesToHex(encodeSignalMessage(withPq, keys))).toBe(WITH_PQ_HEX);
  });

  it("decodes libsignal's bytes and verifies their MAC", () => {
    const decoded = decodeSignalMessage(hexToBytes(WITH_PQ_HEX));
    expect(decoded).toMatchObject({ versionByte: 0x44, counter: 300, previousCounter: 2, ratchetKey: key(1), ciphertext: new Uint8Array(0), pqRatchet: Uint8Array.of(1, 1, 1, 0) });
    expect(() => verifyMac(decoded, keys)).not.toThrow();
  });

  it("round-trips edge values", () => {
    for (const counter of [0, 1, 127, 128, 2 ** 31, 2 ** 32 - 1]) {
      const message: SignalMessage = { ratchetKey: key(9), counter, previousCounter: 2 ** 32 - 1 - counter, ciphertext: crypto.getRandomValues(new Uint8Array(counter % 5000)), pqRatchet: crypto.getRandomValues(new Uint8Array(counter % 40)) };
      const bytes = encodeSignalMessage(message, keys);
      const decoded = decodeSignalMessage(bytes);
      expect(decoded).toMatchObject(message);
      expect(decoded.serialized).toEqual(bytes);
      verifyMac(decoded, keys);
    }
  });

  it("refuses a MAC that does not match, under the wrong keys too", () => {
    const bytes = hexToBytes(SMALL_HEX);
    for (let i = 0; i < bytes.length; i++) {
      const flipped = bytes.slice();
      flipped[i]! ^= 0x01;
      let outcome: WireErrorReason | "accepted" = "accepted";
      try {
        verifyMac(decodeSignalMessage(flipped), keys);
      } catch (err) {
        outcome = (err as WireError).reason;
      }
      // Flipping any byte either breaks the parse or the MAC: nothing gets through.
      expect(outcome, `byte ${i}`).not.toBe("accepted");
    }
    const decoded = decodeSignalMessage(bytes);
    expect(refusal(() => verifyMac(decoded, { ...keys, senderIdentityKey: keys.receiverIdentityKey, receiverIdentityKey: keys.senderIdentityKey })).reason).toBe("bad-mac");
    expect(refusal(() => verifyMac(decoded, { ...keys, macKey: new Uint8Array(32) })).reason).toBe("bad-mac");
    expect(refusal(() => verifyMac(decoded, { ...keys, macKey: new Uint8Array(16) })).reason).toBe("bad-key");
  });

  it("accepts what libsignal accepts beyond the canonical form", () => {
    // Each of these parsed in libsignal 0.103 with the value shown.
    expect(decodeSignalMessage(signalBytes([...R, ...C, ...X])).previousCounter).toBe(0);
    expect(decodeSignalMessage(signalBytes([...X, ...P, ...C, ...R])).counter).toBe(5);
    expect(decodeSignalMessage(signalBytes([...R, ...C, ...vf(2, 9), ...P, ...X])).counter).toBe(9);
    expect(decodeSignalMessage(signalBytes([...R, ...C, ...P, ...bf(4, [])])).ciphertext).toEqual(new Uint8Array(0));
    expect(decodeSignalMessage(signalBytes([...R, ...C, ...P, ...X, ...bf(5, [])])).pqRatchet).toEqual(new Uint8Array(0));
    expect(decodeSignalMessage(signalBytes([...R, 0x10, 0x85, 0x00, ...P, ...X])).counter).toBe(5);
    expect(decodeSignalMessage(signalBytes([...R, 0x10, 0xff, 0xff, 0xff, 0xff, 0x0f, ...P, ...X])).counter).toBe(2 ** 32 - 1);
    const unknown = [...vf(9, 1), ...bf(15, [1, 2]), 0x4d, 1, 2, 3, 4, 0x49, 1, 2, 3, 4, 5, 6, 7, 8, 0x4b, ...vf(1, 3), 0x5b, 0x5c, 0x4c];
    expect(decodeSignalMessage(signalBytes([...R, ...C, ...P, ...X, ...unknown])).counter).toBe(5);
    // Field 6 (wire.proto `addresses`): libsignal parses it as bytes and ignores its content.
    expect(decodeSignalMessage(signalBytes([...R, ...C, ...X, ...bf(6, [1])])).counter).toBe(5);
    const deep = [...new Array<number>(100).fill(0x4b), ...new Array<number>(100).fill(0x4c)];
    expect(decodeSignalMessage(signalBytes([...R, ...C, ...X, ...deep])).counter).toBe(5);
    for (const version of [0x40, 0x43, 0x45, 0x4f]) expect(decodeSignalMessage(signalBytes([...R, ...C, ...X], version)).versionByte).toBe(version);
  });

  it.each<[string, Uint8Array, WireErrorReason, string?]>([
    ["empty input", new Uint8Array(0), "truncated"],
    ["a version byte alone", Uint8Array.of(0x44), "truncated"],
    ["version byte and 7 MAC bytes", Uint8Array.of(0x44, 1, 2, 3, 4, 5, 6, 7), "truncated"],
    ["the small vector less one byte", hexToBytes(SMALL_HEX).subarray(0, -1), "truncated"],
    ["a length past the end", signalBytes([...R, ...C, 0x22, 0x05, 9, 9]), "truncated"],
    ["legacy version 3", signalBytes([...R, ...C, ...X], 0x33), "legacy-version"],
    ["version 3 announcing 4", signalBytes([...R, ...C, ...X], 0x34), "legacy-version"],
    ["version 2", signalBytes([...R, ...C, ...X], 0x24), "bad-version"],
    ["version 0", signalBytes([...R, ...C, ...X], 0x04), "bad-version"],
    ["version 5", signalBytes([...R, ...C, ...X], 0x54), "bad-version"],
    ["no fields", signalBytes([]), "missing-field", "ratchet_key"],
    ["no ratchet_key", signalBytes([...C, ...P, ...X]), "missing-field", "ratchet_key"],
    ["no counter (a zero counter is still written)", signalBytes([...R, ...P, ...X]), "missing-field", "counter"],
    ["no ciphertext", signalBytes([...R, ...C, ...P]), "missing-field", "ciphertext"],
    ["a trailing byte", signalBytes([...R, ...C, ...P, ...X, 0xff]), "truncated"],
    ["a trailing zero (field 0)", signalBytes([...R, ...C, ...P, ...X, 0x00]), "malformed"],
    ["counter as bytes", signalBytes([...R, ...bf(2, [5]), ...P, ...X]), "malformed"],
    ["counter as fixed32", signalBytes([...R, 0x15, 5, 0, 0, 0, ...P, ...X]), "malformed"],
    ["ratchet_key as a varint", signalBytes([...vf(1, 5), ...C, ...X]), "malformed"],
    ["pq_ratchet as a varint", signalBytes([...R, ...C, ...X, ...vf(5, 1)]), "malformed"],
    ["field 6 (addresses) as a varint", signalBytes([...R, ...C, ...X, ...vf(6, 1)]), "malformed"],
    ["a known field as a group", signalBytes([...R, ...C, ...X, 0x0b, 0x0c]), "malformed"],
    ["an 11-byte varint", signalBytes([...R, 0x10, ...new Array<number>(10).fill(0x80), 0x00, ...X]), "malformed"],
    ["a 10-byte varint over 64 bits", signalBytes([...R, 0x10, ...new Array<number>(9).fill(0xff), 0x7f, ...X]), "malformed"],
    ["a tag over 32 bits", signalBytes([...R, ...C, ...X, 0x80, 0x80, 0x80, 0x80, 0x10, 1]), "malformed"],
    ["an end-group alone", signalBytes([...R, ...C, ...X, 0x4c]), "malformed"],
    ["a group closed by another field", signalBytes([...R, ...C, ...X, 0x4b, 0x54]), "malformed"],
    ["wire type 6", signalBytes([...R, ...C, ...X, 0x4e]), "malformed"],
    ["groups nested 101 deep", signalBytes([...R, ...C, ...X, ...new Array<number>(101).fill(0x4b), ...new Array<number>(101).fill(0x4c)]), "malformed"],
    ["counter of 2^32 (libsignal truncates to 0)", signalBytes([...R, ...vf(2, 2 ** 32), ...X]), "out-of-range", "counter"],
    ["previous_counter of 2^32 + 1", signalBytes([...R, ...C, ...vf(3, 2 ** 32 + 1), ...X]), "out-of-range", "previous_counter"],
    ["ratchet_key of 32 bytes", signalBytes([...bf(1, key(1).subarray(1)), ...C, ...X]), "bad-key", "ratchet_key"],
    ["ratchet_key of type 6", signalBytes([...bf(1, [6, ...key(1).subarray(1)]), ...C, ...X]), "bad-key", "ratchet_key"],
    ["ratchet_key of 34 bytes (libsignal ignores the extra byte)", signalBytes([...bf(1, [...key(1), 0]), ...C, ...X]), "bad-key", "ratchet_key"],
    ["an empty ratchet_key", signalBytes([...bf(1, []), ...C, ...X]), "bad-key", "ratchet_key"],
  ])("refuses %s", (_name, bytes, reason, field) => {
    const got = refusal(() => decodeSignalMessage(bytes));
    expect(got.reason).toBe(reason);
    if (field) expect(got.field).toBe(field);
  });

  it("refuses to encode what cannot be sent", () => {
    for (const counter of [-1, 1.5, 2 ** 32, Number.NaN]) {
      expect(refusal(() => encodeSignalMessage({ ...small, counter }, keys))).toEqual({ reason: "out-of-range", field: "counter" });
      expect(refusal(() => encodeSignalMessage({ ...small, previousCounter: counter }, keys))).toEqual({ reason: "out-of-range", field: "previous_counter" });
    }
    expect(refusal(() => encodeSignalMessage({ ...small, ratchetKey: key(1).subarray(1) }, keys)).reason).toBe("bad-key");
    expect(refusal(() => encodeSignalMessage(small, { ...keys, senderIdentityKey: new Uint8Array(33) })).reason).toBe("bad-key");
    expect(refusal(() => encodeSignalMessage(small, { ...keys, macKey: new Uint8Array(31) })).reason).toBe("bad-key");
  });

  it("keeps the MAC over the bytes as received, not over a re-encoding", () => {
    // A non-canonical but validly MACed encoding (counter as a padded varint).
    const body = Uint8Array.from([0x44, ...R, 0x10, 0x81, 0x00, ...vf(3, 0), ...bf(4, [1, 2, 3])]);
    const canonical = encodeSignalMessage({ ...small, ratchetKey: key(1) }, keys);
    const mac = canonical.subarray(canonical.length - MAC_LENGTH);
    const decoded = decodeSignalMessage(concatBytes(body, mac));
    expect(decoded.counter).toBe(1);
    expect(refusal(() => verifyMac(decoded, keys)).reason).toBe("bad-mac");
  });
});

describe("PreKeySignalMessage wire format", () => {
  it("encodes libsignal's exact bytes, and omits an absent pre_key_id", () => {
    expect(bytesToHex(encodePreKeySignalMessage(prekey))).toBe(PREKEY_HEX);
    expect(bytesToHex(encodePreKeySignalMessage({ ...prekey, preKeyId: undefined }))).toBe(PREKEY_HEX.replace("440829", "44"));
    // Zero is a present value, written like any other.
    expect(bytesToHex(encodePreKeySignalMessage({ ...prekey, preKeyId: 0, registrationId: 0 }))).toBe(PREKEY_HEX.replace("440829", "440800").replace("28d209", "2800"));
  });

  it("decodes its own and libsignal-shaped bytes, the inner message included", () => {
    const decoded = decodePreKeySignalMessage(hexToBytes(PREKEY_HEX));
    expect(decoded).toMatchObject({ ...prekey, versionByte: 0x44 });
    expect(decoded.signalMessage.counter).toBe(1);
    verifyMac(decoded.signalMessage, keys);
    expect(decodePreKeySignalMessage(encodePreKeySignalMessage({ ...prekey, preKeyId: undefined })).preKeyId).toBeUndefined();
    expect(decodePreKeySignalMessage(encodePreKeySignalMessage({ ...prekey, preKeyId: 0 })).preKeyId).toBe(0);
  });

  const F: Record<number, number[]> = {
    1: vf(1, 41),
    2: bf(2, key(0x20)),
    3: bf(3, key(0x40)),
    4: bf(4, hexToBytes(SMALL_HEX)),
    5: vf(5, 1234),
    6: vf(6, 7),
    7: vf(7, 300),
    8: bf(8, kyberCiphertext),
  };
  const build = (over: Record<number, number[] | null> = {}, order = [1, 2, 3, 4, 5, 6, 7, 8], version = 0x44) =>
    Uint8Array.from([version, ...order.flatMap((f) => (f in over ? over[f] : F[f]) ?? [])]);

  it("accepts what libsignal accepts beyond the canonical form", () => {
    expect(decodePreKeySignalMessage(build({ 5: null })).registrationId).toBe(0);
    expect(decodePreKeySignalMessage(build({ 1: null })).preKeyId).toBeUndefined();
    expect(decodePreKeySignalMessage(build({}, [8, 7, 6, 5, 4, 3, 2, 1])).preKeyId).toBe(41);
    expect(decodePreKeySignalMessage(Uint8Array.from([...build(), ...vf(20, 1)])).signedPreKeyId).toBe(7);
    expect(decodePreKeySignalMessage(build({}, undefined, 0x43)).versionByte).toBe(0x43);
    expect(decodePreKeySignalMessage(build({ 7: vf(7, 0), 6: vf(6, 0) })).kyberPreKeyId).toBe(0);
    // Field 9 and above are unknown to libsignal 0.103's PreKeySignalMessage, of any wire type.
    expect(decodePreKeySignalMessage(Uint8Array.from([...build(), ...bf(9, [1]), 0x4d, 1, 2, 3, 4])).kyberPreKeyId).toBe(300);
  });

  it.each<[string, Uint8Array, WireErrorReason, string?]>([
    ["empty input", new Uint8Array(0), "truncated"],
    ["a version byte alone", Uint8Array.of(0x44), "missing-field"],
    ["one byte short", build().subarray(0, -1), "truncated"],
    ["a trailing byte", Uint8Array.from([...build(), 0xff]), "truncated"],
    ["legacy version 3 (libsignal: X3DH no longer supported)", build({}, undefined, 0x34), "legacy-version"],
    ["version 2", build({}, undefined, 0x24), "bad-version"],
    ["version 5", build({}, undefined, 0x54), "bad-version"],
    ["no base_key", build({ 2: null }), "missing-field", "base_key"],
    ["no identity_key", build({ 3: null }), "missing-field", "identity_key"],
    ["no message", build({ 4: null }), "missing-field", "message"],
    ["no signed_pre_key_id", build({ 6: null }), "missing-field", "signed_pre_key_id"],
    ["no Kyber part", build({ 7: null, 8: null }), "missing-field", "kyber_pre_key_id"],
    ["no kyber_pre_key_id", build({ 7: null }), "missing-field", "kyber_pre_key_id"],
    ["no kyber_ciphertext", build({ 8: null }), "missing-field", "kyber_ciphertext"],
    ["kyber_ciphertext without its type byte", build({ 8: bf(8, kyberCiphertext.subarray(1)) }), "bad-key", "kyber_ciphertext"],
    ["kyber_ciphertext of 1570 bytes", build({ 8: bf(8, [...kyberCiphertext, 0]) }), "bad-key", "kyber_ciphertext"],
    ["kyber_ciphertext of type 9", build({ 8: bf(8, [9, ...kyberCiphertext.subarray(1)]) }), "bad-key", "kyber_ciphertext"],
    ["base_key of type 6", build({ 2: bf(2, [6, ...key(0x20).subarray(1)]) }), "bad-key", "base_key"],
    ["identity_key of 34 bytes", build({ 3: bf(3, [...key(0x40), 0]) }), "bad-key", "identity_key"],
    ["an empty inner message", build({ 4: bf(4, []) }), "truncated"],
    ["an inner message that does not parse", build({ 4: bf(4, [0x44, 1, 2, 3, 4, 5, 6, 7, 8, 9]) }), "malformed"],
    ["an inner message of version 3", build({ 4: bf(4, [0x33, ...hexToBytes(SMALL_HEX).subarray(1)]) }), "legacy-version"],
    ["registration_id over 32 bits", build({ 5: vf(5, 2 ** 32 + 1) }), "out-of-range", "registration_id"],
    ["pre_key_id over 32 bits", build({ 1: vf(1, 2 ** 32 + 1) }), "out-of-range", "pre_key_id"],
  ])("refuses %s", (_name, bytes, reason, field) => {
    const got = refusal(() => decodePreKeySignalMessage(bytes));
    expect(got.reason).toBe(reason);
    if (field) expect(got.field).toBe(field);
  });

  it("refuses to encode what cannot be sent", () => {
    expect(refusal(() => encodePreKeySignalMessage({ ...prekey, message: Uint8Array.of(0x44) })).reason).toBe("truncated");
    expect(refusal(() => encodePreKeySignalMessage({ ...prekey, kyberCiphertext: kyberCiphertext.subarray(1) })).reason).toBe("bad-key");
    expect(refusal(() => encodePreKeySignalMessage({ ...prekey, baseKey: new Uint8Array(33) })).reason).toBe("bad-key");
    expect(refusal(() => encodePreKeySignalMessage({ ...prekey, preKeyId: 2 ** 32 })).field).toBe("pre_key_id");
    expect(refusal(() => encodePreKeySignalMessage({ ...prekey, kyberPreKeyId: -1 })).field).toBe("kyber_pre_key_id");
  });
});
