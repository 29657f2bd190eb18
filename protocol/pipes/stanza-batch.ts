import { Channel, MAX_TRANSPORT_PAYLOAD, type ChannelId } from "./constants.ts";
import { PipesError } from "./errors.ts";

/**
 * Several stanzas in one transport message (channel 0x02): each is a 2-byte big-endian
 * length, then that many bytes of UTF-8 XML. One seal, one WebSocket message and one
 * attachment write then serve a whole run of stanzas, which is what makes a window of
 * messages in flight cheaper per message than one at a time.
 */
export const BATCH_ENTRY_OVERHEAD = 2;

/** Stanzas one batch may hold: bounds the work one frame can ask of a peer. */
export const MAX_BATCH_STANZAS = 512;

export function encodeBatch(stanzas: readonly Uint8Array[]): Uint8Array {
  const size = stanzas.reduce((n, s) => n + BATCH_ENTRY_OVERHEAD + s.length, 0);
  if (size > MAX_TRANSPORT_PAYLOAD) throw new PipesError("malformed", `batch of ${size} bytes exceeds ${MAX_TRANSPORT_PAYLOAD}`);
  if (stanzas.length > MAX_BATCH_STANZAS) throw new PipesError("malformed", `batch of ${stanzas.length} stanzas exceeds ${MAX_BATCH_STANZAS}`);
  const out = new Uint8Array(size);
  let at = 0;
  for (const s of stanzas) {
    if (s.length === 0) throw new PipesError("malformed", "empty stanza in a batch");
    out[at] = s.length >>> 8;
    out[at + 1] = s.length & 0xff;
    out.set(s, at + BATCH_ENTRY_OVERHEAD);
    at += BATCH_ENTRY_OVERHEAD + s.length;
  }
  return out;
}

/** Splits a batch into its stanzas (views into `payload`), or throws without having handed out any. */
export function decodeBatch(payload: Uint8Array): Uint8Array[] {
  const stanzas: Uint8Array[] = [];
  let at = 0;
  while (at < payload.length) {
    if (at + BATCH_ENTRY_OVERHEAD > payload.length) throw new PipesError("malformed", `batch truncated at byte ${at}: no room for a length`);
    const length = (payload[at]! << 8) | payload[at + 1]!;
    if (length === 0) throw new PipesError("malformed", `empty stanza in a batch at byte ${at}`);
    const end = at + BATCH_ENTRY_OVERHEAD + length;
    if (end > payload.length) throw new PipesError("malformed", `batch truncated: a ${length}-byte stanza at byte ${at} runs past the frame`);
    if (stanzas.length === MAX_BATCH_STANZAS) throw new PipesError("malformed", `batch holds more than ${MAX_BATCH_STANZAS} stanzas`);
    stanzas.push(payload.subarray(at + BATCH_ENTRY_OVERHEAD, end));
    at = end;
  }
  if (stanzas.length === 0) throw new PipesError("malformed", "empty batch");
  return stanzas;
}

/**
 * Splits items (stanzas, or what carries them), in order, into runs that each fit one
 * transport message (framePayload makes one of each).
 */
export function frameRuns<T>(items: readonly T[], bytesOf: (item: T) => number): T[][] {
  const runs: T[][] = [];
  let run: T[] = [];
  let size = 0;
  for (const s of items) {
    const cost = BATCH_ENTRY_OVERHEAD + bytesOf(s);
    if (run.length > 0 && (size + cost > MAX_TRANSPORT_PAYLOAD || run.length === MAX_BATCH_STANZAS)) {
      runs.push(run);
      run = [];
      size = 0;
    }
    run.push(s);
    size += cost;
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

/** A run of stanzas as one transport plaintext: one alone on the plain stanza channel (no length prefix), more as a batch. */
export function framePayload(run: readonly Uint8Array[]): { readonly channel: ChannelId; readonly payload: Uint8Array } {
  return run.length === 1 ? { channel: Channel.STANZA, payload: run[0]! } : { channel: Channel.STANZAS, payload: encodeBatch(run) };
}
