/** Handshake-orchestration failures, each mapped to one close code by the caller. */
export type PipesErrorReason = "malformed" | "unexpected-frame" | "handshake-failed";

export class PipesError extends Error {
  constructor(
    readonly reason: PipesErrorReason,
    message: string,
  ) {
    super(message);
    this.name = "PipesError";
  }
}
