// Sender key state as plain data (numbers, Uint8Arrays, arrays, plain objects): it survives
// structured clone (IndexedDB, postMessage) as it is; JSON goes through codec.ts. Every operation
// returns new objects and never mutates its input, so a caller stores the result only once an
// operation succeeds.

/** What libsignal 0.103 keeps per (sender, distribution id): the 5 most recent chains, newest first. */
export const MAX_SENDER_KEY_STATES = 5;
/** Skipped message keys kept per chain (libsignal 0.103: the 2000 most recent). */
export const MAX_SKIPPED_KEYS = 2000;
/** The furthest a message may be ahead of the chain (libsignal 0.103: 25000 accepted, 25001 refused). */
export const MAX_FORWARD_JUMPS = 25000;
/**
 * One past the last uint32: a chain whose next iteration is this has used every iteration the
 * wire can number, and neither sends nor receives again.
 */
export const ITERATION_LIMIT = 2 ** 32;

/** Our own sending chain for one distribution id (libsignal keeps this in the sender's own SenderKeyRecord). */
export interface SenderKeyState {
  readonly distributionId: Uint8Array;
  readonly chainId: number;
  /** The iteration the next message will carry. */
  readonly iteration: number;
  readonly chainKey: Uint8Array;
  /** 33 bytes, 0x05-prefixed. */
  readonly signingPublic: Uint8Array;
  /** 32 bytes, X25519/XEdDSA. */
  readonly signingPrivate: Uint8Array;
}

export interface SkippedKey {
  readonly iteration: number;
  /** The message key seed (what libsignal stores too); messageKeys() expands it. */
  readonly seed: Uint8Array;
}

/** One sender chain as a receiver holds it. */
export interface ReceivedChain {
  readonly chainId: number;
  /** The next iteration expected in order. */
  readonly iteration: number;
  readonly chainKey: Uint8Array;
  /** 33 bytes, 0x05-prefixed: the key every message of this chain is signed with. */
  readonly signingKey: Uint8Array;
  /** Keys of iterations skipped over and not yet received, oldest first. */
  readonly skipped: readonly SkippedKey[];
}

/** What a receiver keeps for one (sender address, distribution id). */
export interface SenderKeyRecord {
  readonly distributionId: Uint8Array;
  /** Newest first, at most MAX_SENDER_KEY_STATES, chain ids distinct. */
  readonly states: readonly ReceivedChain[];
}
