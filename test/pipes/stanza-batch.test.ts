import { describe, expect, it } from "vitest";
import { utf8 } from "../../protocol/bytes.ts";
import { Channel, decodeBatch, encodeBatch, framePayload, frameRuns, MAX_BATCH_STANZAS, MAX_TRANSPORT_PAYLOAD, PipesError } from "../../protocol/pipes/index.ts";

const text = (b: Uint8Array) => utf8.decode(b);

describe("stanza batches (channel 0x02)", () => {
  it("round-trips stanzas in order, each behind its 2-byte big-endian length", () => {
    const stanzas = ["<a/>", "<message id='x'/>", "é".repeat(300)].map((s) => utf8.encode(s));
    const batch = encodeBatch(stanzas);
    expect([...batch.subarray(0, 2)]).toEqual([0, 4]);
    expect(batch.length).toBe(stanzas.reduce((n, s) => n + 2 + s.length, 0));
    expect(decodeBatch(batch).map(text)).toEqual(stanzas.map(text));
  });

  it.each([
    ["an empty batch", new Uint8Array(0), "empty batch"],
    ["a lone length byte", Uint8Array.of(0), "no room for a length"],
    ["a zero length", Uint8Array.of(0, 0), "empty stanza"],
    ["a length past the end", Uint8Array.of(0, 5, 60, 97, 47, 62), "runs past the frame"],
    ["a good stanza then a truncated one", Uint8Array.of(0, 4, 60, 97, 47, 62, 0, 9, 60), "runs past the frame"],
  ])("refuses %s whole", (_what, payload, message) => {
    expect(() => decodeBatch(payload)).toThrow(PipesError);
    expect(() => decodeBatch(payload)).toThrow(message);
  });

  it(`refuses more than ${MAX_BATCH_STANZAS} stanzas`, () => {
    const one = Uint8Array.of(0, 1, 0x20);
    const payload = new Uint8Array(one.length * (MAX_BATCH_STANZAS + 1));
    for (let i = 0; i <= MAX_BATCH_STANZAS; i++) payload.set(one, i * one.length);
    expect(() => decodeBatch(payload)).toThrow(`more than ${MAX_BATCH_STANZAS}`);
    expect(decodeBatch(payload.subarray(0, one.length * MAX_BATCH_STANZAS))).toHaveLength(MAX_BATCH_STANZAS);
  });

  it("will not write a batch the reader would refuse", () => {
    expect(() => encodeBatch([utf8.encode("<a/>"), new Uint8Array(0)])).toThrow("empty stanza");
    expect(() => encodeBatch([new Uint8Array(40_000), new Uint8Array(40_000)])).toThrow(`exceeds ${MAX_TRANSPORT_PAYLOAD}`);
    expect(() => encodeBatch(Array.from({ length: MAX_BATCH_STANZAS + 1 }, () => Uint8Array.of(0x20)))).toThrow(`exceeds ${MAX_BATCH_STANZAS}`);
  });

  it("frames one stanza on the plain channel and more as a batch", () => {
    const [a, b] = [utf8.encode("<a/>"), utf8.encode("<b/>")];
    expect(framePayload([a])).toEqual({ channel: Channel.STANZA, payload: a });
    const batch = framePayload([a, b]);
    expect(batch.channel).toBe(Channel.STANZAS);
    expect(decodeBatch(batch.payload).map(text)).toEqual(["<a/>", "<b/>"]);
  });

  it("packs runs that each fit one transport message, in order", () => {
    const sizes = [30_000, 30_000, 10_000, 1, 65_510, 10];
    const runs = frameRuns(sizes, (n) => n);
    expect(runs).toEqual([[30_000, 30_000], [10_000, 1], [65_510], [10]]);
    for (const run of runs.filter((r) => r.length > 1)) expect(run.reduce((n, s) => n + 2 + s, 0)).toBeLessThanOrEqual(MAX_TRANSPORT_PAYLOAD);
    const many = frameRuns(Array.from({ length: MAX_BATCH_STANZAS + 3 }, () => 1), (n) => n);
    expect(many.map((r) => r.length)).toEqual([MAX_BATCH_STANZAS, 3]);
  });
});
