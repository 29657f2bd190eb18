// One error class for sender keys, with a reason a caller can switch on: ask the sender for a
// new SenderKeyDistributionMessage (no-sender-key), drop silently (duplicate), or log a protocol
// violation (bad-signature, malformed). Messages never quote input bytes: they are attacker-controlled.

export type SenderKeyErrorReason =
  /** Not a message libsignal would parse: too short, bad protobuf, a missing field, a wrong-sized key. */
  | "malformed"
  /** A version byte whose high nibble is not 3 (libsignal: "too old" below, "unrecognized" above). */
  | "bad-version"
  /** The message's distribution id is not the one of the record it was given to. */
  | "wrong-distribution"
  /** No record, or no state in it for the message's chain id: the sender's SKDM never arrived or was evicted. */
  | "no-sender-key"
  /** The XEdDSA signature does not verify under the chain's signing key. */
  | "bad-signature"
  /** An iteration already decrypted, or one whose skipped key is no longer kept. */
  | "duplicate"
  /** More than MAX_FORWARD_JUMPS iterations ahead of the chain. */
  | "too-far"
  /** Signed correctly, but the body is not AES-256-CBC/PKCS#7 under this iteration's keys. */
  | "bad-ciphertext"
  /** The sending chain has used every iteration a uint32 can number. */
  | "exhausted"
  /** A stored state or record (JSON or structured data) that fails validation. */
  | "bad-state";

export class SenderKeyError extends Error {
  readonly reason: SenderKeyErrorReason;
  constructor(reason: SenderKeyErrorReason, message: string) {
    super(message);
    this.name = "SenderKeyError";
    this.reason = reason;
  }
}
