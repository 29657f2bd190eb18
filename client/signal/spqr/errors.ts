// One error class for all of SPQR (wire codec, erasure code, incremental ML-KEM, authenticator,
// chain, braid), with a reason a caller can switch on without parsing text: the session layer
// drops a message on any of them and keeps its stored state. Messages never quote the input:
// it is attacker-controlled. Each module adds the reasons it throws, grouped under its name.

export type SpqrErrorReason =
  // wire.ts (field 5)
  /** The first byte is not 0x01 (SPQR v1). */
  | "bad-version"
  /** Field 5 is empty, or ends inside a varint, before the type byte, or inside the chunk. */
  | "truncated"
  /** A varint longer than its field allows (over 10 bytes for u64, over 5 for u32), or with a non-minimal encoding. */
  | "overlong-varint"
  /** A number does not fit its field: epoch above 2^64−1, index or chunk index above 2^32−1, or not an integer. */
  | "out-of-range"
  /** A type byte outside 0..6. */
  | "unknown-type"
  /** A chunk on a type that carries none (None, Ct1Ack). */
  | "unexpected-chunk"
  /** A type that carries a chunk (Hdr, Ek, EkCt1Ack, Ct1, Ct2) without one. */
  | "missing-chunk"
  /** Bytes after the last field. */
  | "trailing-bytes"
  // erasure-code.ts
  /** A message that is not a positive multiple of 32 bytes, or a chunk that is not 32 bytes. */
  | "bad-length"
  /** A chunk index past 65535: the code's evaluation points are GF(2^16) elements. */
  | "chunk-index-too-large"
  /** message() asked of a decoder that has fewer distinct chunks than the message has. */
  | "incomplete"
  /** toJSON/fromJSON: a serialized state that is not one this code wrote. */
  | "bad-state"
  // incremental-mlkem768.ts
  /** The ek_vector does not hash to the H(ek) the header announced: SHA3-256(ek_vector ‖ ρ) ≠ header[32..64). */
  | "ek-mismatch"
  /** An ek_vector with a coefficient outside 0..q−1 (FIPS 203 §7.2 modulus check). */
  | "invalid-ek"
  /** A decapsulation key whose embedded H(ek) does not match its ek (FIPS 203 §7.3 hash check). */
  | "invalid-dk"
  // authenticator.ts
  /** A header or ciphertext MAC that does not verify. */
  | "bad-mac"
  // chain.ts
  /** A receive index too far ahead of the chain, or an epoch too old to be kept. */
  | "too-far"
  /** A message key already used (a replay or a duplicate). */
  | "key-used"
  /** An epoch the chain has no link for. */
  | "unknown-epoch"
  /**
   * addEpoch with an epoch that is not the next one, or a send epoch that would go backwards;
   * braid.ts: a field-5 epoch of 0, or newer than the peer can legitimately have reached.
   */
  | "bad-epoch";

export class SpqrError extends Error {
  readonly reason: SpqrErrorReason;
  constructor(reason: SpqrErrorReason, message: string) {
    super(message);
    this.name = "SpqrError";
    this.reason = reason;
  }
}
