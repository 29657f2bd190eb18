// SignalMessage field 5 (docs/spqr-notes.md §4) inside workerd: the layout byte by byte, round
// trips at the limits of every varint, and each refusal as a typed SpqrError, on both the
// decoding and the encoding side. test/node/spqr-primitives replays libsignal's own field 5s.
import { randomBytes } from "@noble/hashes/utils.js";
import { describe, expect, it } from "vitest";
import { SpqrError, type SpqrErrorReason } from "../../client/signal/spqr/errors.ts";
import { decodeSpqrMessage, encodeSpqrMessage, type SpqrMessage, type SpqrMessageType } from "../../client/signal/spqr/wire.ts";
import { bytesToHex, hexToBytes } from "../../protocol/bytes.ts";

function refuses(fn: () => unknown, reason: SpqrErrorReason): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SpqrError);
    expect((e as SpqrError).reason).toBe(reason);
    return;
  }
  throw new Error(`expected SpqrError ${reason}`);
}

const chunk = hexToBytes("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
const ALL: readonly SpqrMessageType[] = ["none", "hdr", "ek", "ekCt1Ack", "ct1Ack", "ct1", "ct2"];
const WITH_CHUNK = new Set<SpqrMessageType>(["hdr", "ek", "ekCt1Ack", "ct1", "ct2"]);

describe("SPQR field 5 codec (issue 14)", () => {
  it("writes the observed layout: 0x01, varint epoch, varint index, type byte, [varint chunk index, 32 bytes]", () => {
    expect(bytesToHex(encodeSpqrMessage({ epoch: 1n, index: 3, type: "none" }))).toBe("01010300");
    expect(bytesToHex(encodeSpqrMessage({ epoch: 2n, index: 1, type: "ct1Ack" }))).toBe("01020104");
    expect(bytesToHex(encodeSpqrMessage({ epoch: 1n, index: 1, type: "hdr", chunk: { index: 0, data: chunk } }))).toBe(`0101010100${bytesToHex(chunk)}`);
    expect(bytesToHex(encodeSpqrMessage({ epoch: 1n, index: 200, type: "ct2", chunk: { index: 300, data: chunk } }))).toBe(
      `0101c80106ac02${bytesToHex(chunk)}`,
    );
    ALL.forEach((type, byte) => {
      const m: SpqrMessage = WITH_CHUNK.has(type) ? { epoch: 5n, index: 9, type, chunk: { index: 4, data: chunk } } : { epoch: 5n, index: 9, type };
      const bytes = encodeSpqrMessage(m);
      expect(bytes[3]).toBe(byte);
      expect(bytes.length).toBe(WITH_CHUNK.has(type) ? 37 : 4);
      expect(decodeSpqrMessage(bytes)).toEqual(m);
    });
  });

  it("round-trips at the limits: epoch 0 and 2^64−1, index and chunk index 0, 127, 128 and 2^32−1", () => {
    for (const epoch of [0n, 127n, 128n, 1n << 63n, (1n << 64n) - 1n])
      for (const index of [0, 127, 128, 16384, 0xffff_ffff])
        for (const chunkIndex of [0, 127, 128, 65535, 65536, 0xffff_ffff]) {
          const m: SpqrMessage = { epoch, index, type: "ek", chunk: { index: chunkIndex, data: randomBytes(32) } };
          const bytes = encodeSpqrMessage(m);
          expect(decodeSpqrMessage(bytes)).toEqual(m);
          expect(bytesToHex(encodeSpqrMessage(decodeSpqrMessage(bytes)))).toBe(bytesToHex(bytes));
        }
    expect(bytesToHex(encodeSpqrMessage({ epoch: (1n << 64n) - 1n, index: 0xffff_ffff, type: "none" }))).toBe("01ffffffffffffffffff01ffffffff0f00");
  });

  it("the decoded chunk is a copy: changing the input afterwards does not change it", () => {
    const bytes = encodeSpqrMessage({ epoch: 1n, index: 1, type: "ct1", chunk: { index: 2, data: chunk } });
    const m = decodeSpqrMessage(bytes);
    bytes.fill(0);
    expect(bytesToHex(m.chunk!.data)).toBe(bytesToHex(chunk));
  });

  it("refuses malformed field 5 bytes with a reason", () => {
    const hdr = (tail: string) => hexToBytes(`01010101${tail}`);
    const cases: [string, SpqrErrorReason][] = [
      ["", "truncated"],
      ["00010100", "bad-version"],
      ["02010100", "bad-version"],
      ["01", "truncated"],
      ["0181", "truncated"], // inside the epoch
      ["0101", "truncated"], // no index
      ["010101", "truncated"], // no type
      ["01010107", "unknown-type"],
      ["010101ff", "unknown-type"],
      ["0101010000", "unexpected-chunk"], // None with a byte after it
      ["0101010400" + bytesToHex(chunk), "unexpected-chunk"], // Ct1Ack with a chunk
      ["01010101", "missing-chunk"],
      ["01010106", "missing-chunk"],
      ["0101010180", "truncated"], // inside the chunk index
      [bytesToHex(hdr("00" + bytesToHex(chunk).slice(2))), "truncated"], // 31-byte chunk
      [bytesToHex(hdr("00" + bytesToHex(chunk) + "00")), "trailing-bytes"],
      ["01ffffffffffffffffff0201" + "00", "out-of-range"], // epoch 2^64
      ["01ffffffffffffffffffff01" + "0100", "overlong-varint"], // 11-byte epoch
      ["0101ffffffff1000", "out-of-range"], // index 2^32
      ["0101ffffffffff0100", "overlong-varint"], // 6-byte index
      ["01810001" + "00", "overlong-varint"], // epoch 1 written in 2 bytes
      ["0101800000", "overlong-varint"], // index 0 written in 2 bytes
      ["010101018000" + bytesToHex(chunk), "overlong-varint"], // chunk index 0 in 2 bytes
      ["01010101ffffffff10" + bytesToHex(chunk), "out-of-range"], // chunk index 2^32
    ];
    for (const [hex, reason] of cases) refuses(() => decodeSpqrMessage(hexToBytes(hex)), reason);
  });

  it("refuses to encode a message it could not decode", () => {
    const data = chunk;
    const cases: [SpqrMessage, SpqrErrorReason][] = [
      [{ epoch: -1n, index: 0, type: "none" }, "out-of-range"],
      [{ epoch: 1n << 64n, index: 0, type: "none" }, "out-of-range"],
      [{ epoch: 1 as unknown as bigint, index: 0, type: "none" }, "out-of-range"],
      [{ epoch: 1n, index: -1, type: "none" }, "out-of-range"],
      [{ epoch: 1n, index: 2 ** 32, type: "none" }, "out-of-range"],
      [{ epoch: 1n, index: 0.5, type: "none" }, "out-of-range"],
      [{ epoch: 1n, index: 0, type: "bogus" as SpqrMessageType }, "unknown-type"],
      [{ epoch: 1n, index: 0, type: "hdr" }, "missing-chunk"],
      [{ epoch: 1n, index: 0, type: "none", chunk: { index: 0, data } }, "unexpected-chunk"],
      [{ epoch: 1n, index: 0, type: "ct1Ack", chunk: { index: 0, data } }, "unexpected-chunk"],
      [{ epoch: 1n, index: 0, type: "ct1", chunk: { index: 0, data: data.subarray(1) } }, "bad-length"],
      [{ epoch: 1n, index: 0, type: "ct1", chunk: { index: 2 ** 32, data } }, "out-of-range"],
    ];
    for (const [m, reason] of cases) refuses(() => encodeSpqrMessage(m), reason);
  });
});
