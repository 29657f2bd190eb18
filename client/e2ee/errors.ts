// Errors carry a machine-readable reason so the SDK can react (re-fetch a bundle, drop a
// replay, warn the user) without parsing messages.

export type BundleErrorReason = "bad-signature" | "malformed";

/** A prekey bundle that must not be used: a signature does not verify, or a key is malformed. */
export class BundleError extends Error {
  readonly reason: BundleErrorReason;
  constructor(reason: BundleErrorReason, message: string) {
    super(message);
    this.name = "BundleError";
    this.reason = reason;
  }
}

export type DecryptErrorReason = "no-session" | "malformed" | "unknown-prekey" | "auth-failed" | "duplicate" | "too-many-skipped";

/** A message that could not be decrypted. The stored session is left exactly as it was. */
export class DecryptError extends Error {
  readonly reason: DecryptErrorReason;
  constructor(reason: DecryptErrorReason, message: string) {
    super(message);
    this.name = "DecryptError";
    this.reason = reason;
  }
}

/** Encrypting without a session (call processPreKeyBundle first), or a sending chain exhausted. */
export class SessionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SessionError";
  }
}

/** Persisted state (MemorySignalStore.importState) that is not a valid export. */
export class StateFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StateFormatError";
  }
}
