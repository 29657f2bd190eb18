export { readClientStanza, STANZA_ID, MAX_ENCS, MAX_STANZA_BYTES, type AckClass, type ClientStanza, type Enc, type EncType, type GroupPrivacy, type IqQuery, type ReceiptType } from "./client-stanzas.ts";
export { StanzaError, type NackCode } from "./errors.ts";
export * from "./server-stanzas.ts";
export * from "./prekey-stanzas.ts";
export * from "./group-stanzas.ts";
