/**
 * Every Noise failure is a NoiseError with a machine-readable reason, so callers
 * (the Durable Object, the client SDK) can map it to a close code without parsing text.
 */
export type NoiseErrorReason =
  | "invalid-protocol-name"
  | "unsupported-algorithm"
  | "missing-key"
  | "truncated"
  | "too-large"
  | "decrypt-failed"
  | "invalid-key"
  | "nonce-exhausted"
  | "wrong-turn"
  | "handshake-complete"
  | "handshake-incomplete"
  | "invalid-state";

export class NoiseError extends Error {
  readonly reason: NoiseErrorReason;
  constructor(reason: NoiseErrorReason, message: string) {
    super(message);
    this.name = "NoiseError";
    this.reason = reason;
  }
}

/** Noise spec §3: every Noise message is at most 65535 bytes. */
export const MAX_NOISE_MESSAGE = 65535;
