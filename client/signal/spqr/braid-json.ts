// The braid state as JSON-safe values (bytes as base64url, the epoch as a decimal string), for
// session storage. fromJSON accepts only what toJSON writes: every field of the named state,
// each of its exact size, so a corrupted or foreign record is refused ("bad-state") rather than
// turning into a state the protocol cannot reach.
import { base64UrlToBytes, bytesToBase64Url } from "../../../protocol/bytes.ts";
import { type Authenticator, authenticatorFromJSON, authenticatorToJSON } from "./authenticator.ts";
import type { BraidState, BraidStateKind, Incoming, Outgoing } from "./braid.ts";
import { CHUNK_SIZE, MAX_CHUNK_INDEX } from "./erasure-code.ts";
import { SpqrError } from "./errors.ts";
import { CT1_LENGTH, CT2_LENGTH, DECAPSULATION_KEY_LENGTH, EK_VECTOR_LENGTH, ENCAPS_STATE_LENGTH, HEADER_LENGTH } from "./incremental-mlkem768.ts";

const MAC_LENGTH = 32;
const U64_MAX = (1n << 64n) - 1n;

export type BraidStateJSON = { readonly kind: BraidStateKind; readonly epoch: string; readonly auth: unknown } & Readonly<Record<string, unknown>>;

type Field =
  | { readonly bytes: number }
  | { readonly outgoing: number } // message length
  | { readonly incoming: number }; // message length

/** The data each state carries beyond epoch and auth, with the byte sizes toJSON writes. */
const FIELDS: Readonly<Record<BraidStateKind, Readonly<Record<string, Field>>>> = {
  KeysUnsampled: {},
  KeysSampled: { dk: { bytes: DECAPSULATION_KEY_LENGTH }, ekVector: { bytes: EK_VECTOR_LENGTH }, hdrOut: { outgoing: HEADER_LENGTH + MAC_LENGTH } },
  HeaderSent: { dk: { bytes: DECAPSULATION_KEY_LENGTH }, ekOut: { outgoing: EK_VECTOR_LENGTH }, ct1In: { incoming: CT1_LENGTH } },
  Ct1Received: { dk: { bytes: DECAPSULATION_KEY_LENGTH }, ct1: { bytes: CT1_LENGTH }, ekOut: { outgoing: EK_VECTOR_LENGTH } },
  EkSentCt1Received: { dk: { bytes: DECAPSULATION_KEY_LENGTH }, ct1: { bytes: CT1_LENGTH }, ct2In: { incoming: CT2_LENGTH + MAC_LENGTH } },
  NoHeaderReceived: { hdrIn: { incoming: HEADER_LENGTH + MAC_LENGTH } },
  HeaderReceived: { header: { bytes: HEADER_LENGTH } },
  Ct1Sampled: { encaps: { bytes: ENCAPS_STATE_LENGTH }, ct1Out: { outgoing: CT1_LENGTH }, ekIn: { incoming: EK_VECTOR_LENGTH } },
  EkReceivedCt1Sampled: { encaps: { bytes: ENCAPS_STATE_LENGTH }, ct1Out: { outgoing: CT1_LENGTH }, ekVector: { bytes: EK_VECTOR_LENGTH } },
  Ct1Acknowledged: { encaps: { bytes: ENCAPS_STATE_LENGTH }, ct1: { bytes: CT1_LENGTH }, ekIn: { incoming: EK_VECTOR_LENGTH } },
  Ct2Sampled: { ct2Out: { outgoing: CT2_LENGTH + MAC_LENGTH } },
};

const bad = (what: string): SpqrError => new SpqrError("bad-state", `a braid state's ${what} is not one this code writes`);
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export function braidStateToJSON(state: BraidState): BraidStateJSON {
  const out: Record<string, unknown> = { kind: state.kind, epoch: state.epoch.toString(), auth: authenticatorToJSON(state.auth) };
  const values = state as unknown as Record<string, unknown>;
  for (const [name, field] of Object.entries(FIELDS[state.kind])) {
    const v = values[name];
    if ("bytes" in field) out[name] = bytesToBase64Url(v as Uint8Array);
    else if ("outgoing" in field) out[name] = { message: bytesToBase64Url((v as Outgoing).message), next: (v as Outgoing).next };
    else out[name] = (v as Incoming).chunks.map((c) => ({ index: c.index, data: bytesToBase64Url(c.data) }));
  }
  return out as BraidStateJSON;
}

function bytesFrom(v: unknown, length: number, what: string): Uint8Array {
  if (typeof v !== "string") throw bad(what);
  let b: Uint8Array;
  try {
    b = base64UrlToBytes(v);
  } catch {
    throw bad(what);
  }
  if (b.length !== length) throw bad(what);
  return b;
}

const isIndex = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= MAX_CHUNK_INDEX;

function fieldFrom(v: unknown, field: Field, name: string): unknown {
  if ("bytes" in field) return bytesFrom(v, field.bytes, name);
  if ("outgoing" in field) {
    if (!isRecord(v) || !isIndex(v.next)) throw bad(name);
    return { message: bytesFrom(v.message, field.outgoing, name), next: v.next } satisfies Outgoing;
  }
  // A decoder never holds more chunks than the message has, nor one index twice.
  if (!Array.isArray(v) || v.length > field.incoming / CHUNK_SIZE) throw bad(name);
  const chunks = v.map((c: unknown) => {
    if (!isRecord(c) || !isIndex(c.index)) throw bad(name);
    return { index: c.index, data: bytesFrom(c.data, CHUNK_SIZE, name) };
  });
  if (new Set(chunks.map((c) => c.index)).size !== chunks.length) throw bad(name);
  return { length: field.incoming, chunks } satisfies Incoming;
}

export function braidStateFromJSON(json: unknown): BraidState {
  if (!isRecord(json) || typeof json.kind !== "string" || !Object.hasOwn(FIELDS, json.kind)) throw bad("kind");
  const kind = json.kind as BraidStateKind;
  if (typeof json.epoch !== "string" || !/^[1-9][0-9]{0,19}$/.test(json.epoch) || BigInt(json.epoch) > U64_MAX) throw bad("epoch");
  let auth: Authenticator;
  try {
    auth = authenticatorFromJSON(json.auth);
  } catch {
    throw bad("authenticator");
  }
  const state: Record<string, unknown> = { kind, epoch: BigInt(json.epoch), auth };
  for (const [name, field] of Object.entries(FIELDS[kind])) state[name] = fieldFrom(json[name], field, name);
  return state as unknown as BraidState;
}
