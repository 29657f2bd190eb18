import { MAX_NOISE_MESSAGE } from "../noise/index.ts";
import { PipesError } from "./errors.ts";

export function tagFrame(tag: number, message: Uint8Array): Uint8Array {
  const frame = new Uint8Array(message.length + 1);
  frame[0] = tag;
  frame.set(message, 1);
  return frame;
}

export function untagFrame(frame: Uint8Array): { tag: number; message: Uint8Array } {
  if (frame.length < 2) throw new PipesError("malformed", "handshake frame too short");
  if (frame.length > MAX_NOISE_MESSAGE + 1) throw new PipesError("malformed", "handshake frame too large");
  return { tag: frame[0]!, message: frame.subarray(1) };
}
