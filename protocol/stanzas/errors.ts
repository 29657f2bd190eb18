/**
 * Why a stanza was refused. Every refusal reaches the sender as <nack code="..."/>; the
 * codes are part of the wire contract (docs/stanzas.md), so they only ever get added to.
 */
export type NackCode =
  | "malformed" // not XML the parser accepts, or a stanza that breaks the vocabulary
  | "unsupported" // a stanza or iq payload this gateway does not know
  | "too-large" // over a size limit
  | "unknown-recipient" // no such user
  | "device-list-mismatch" // the enc children do not match the recipient's devices (see devices=)
  | "recipient-refused" // blocked by the recipient or their provider allowlist
  | "invalid-key" // a key upload whose signature does not verify
  | "rate-limited" // per-user or per-provider limit; retry after retry_ms
  | "stale-epoch" // a group message for an epoch that is not the group's current one (see epoch=)
  | "forbidden" // the sender's provider is suspended: the session is closed with 4403 right after
  | "internal"; // the gateway failed; retrying is safe

export class StanzaError extends Error {
  constructor(
    readonly code: NackCode,
    message: string,
    readonly attrs: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = "StanzaError";
  }
}
