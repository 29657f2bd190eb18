// One error class for the wire layer, with a reason a caller can switch on (drop the message,
// ask for a session reset, log a protocol violation) without parsing text. Messages never
// quote the input: it is attacker-controlled.

export type WireErrorReason =
  /** A version byte libsignal would also refuse: too old (< 3) or unknown (> 4). */
  | "bad-version"
  /** Version 3 (pre-PQXDH): libsignal still parses it, but its sessions refuse it ("X3DH no longer supported"). */
  | "legacy-version"
  /** The input ends before a field, a length, or the MAC does. */
  | "truncated"
  /** Not a protobuf libsignal would parse: bad tag, wire type, varint, or group nesting. */
  | "malformed"
  /** A field libsignal requires is absent. */
  | "missing-field"
  /** A number too large for its uint32 field, or not an integer at all. */
  | "out-of-range"
  /** A key or KEM ciphertext of the wrong type byte or length; a MAC key that is not 32 bytes. */
  | "bad-key"
  /** The MAC does not match. */
  | "bad-mac";

export class WireError extends Error {
  readonly reason: WireErrorReason;
  /** The protobuf field concerned, by its wire.proto name, when there is one. */
  readonly field: string | undefined;
  constructor(reason: WireErrorReason, message: string, field?: string) {
    super(message);
    this.name = "WireError";
    this.reason = reason;
    this.field = field;
  }
}
