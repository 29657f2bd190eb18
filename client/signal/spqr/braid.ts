// The ML-KEM Braid ([MLKB] §2.5; docs/spqr-notes.md §7–§8): an SCKA that exchanges one
// ML-KEM-768 key and ciphertext per epoch, cut into 32-byte erasure-coded chunks, one chunk per
// Signal message, and outputs one 32-byte epoch secret per completed exchange.
//
// Roles alternate per epoch. The ek side samples a key pair and sends header ‖ MAC_hdr, then
// ek_vector; the ct side answers the header with ct1 (its epoch secret is known from then on)
// and, once it has ek_vector and the ek side's acknowledgement of ct1, with ct2 ‖ MAC_ct. The
// side that decapsulates becomes the ct side of the next epoch.
//
// Every transition below was matched against libsignal 0.103's stored braid state after each
// message, and its verdict on forged field-5 messages (test/node/spqr-braid.test.ts), including
// the parts [MLKB] leaves loose:
// - a message of an older epoch changes nothing (a late chunk of a finished exchange is
//   accepted by libsignal and ignored);
// - a chunk of the current epoch that the state has no use for (more header after the header
//   is complete, an Ek chunk while waiting for the header, …) changes nothing;
// - the only message from a newer epoch a legitimate peer can send is the one that tells the
//   ct side (in Ct2Sampled) that its peer decapsulated; any other is refused ("bad-epoch"), as
//   libsignal refuses it;
// - a chunk index past 65535 is refused in every state, even where the chunk would be ignored;
//   any index up to 65535 is a usable parity chunk;
// - in EkSentCt1Received the ek side sends Ct1Ack (type 4) where [MLKB] sends nothing.
//
// States are immutable plain values (objects, bigints, numbers, strings, Uint8Arrays: they
// survive structured clone): send and receive return a new state and never touch the one they
// were given, so the session layer can drop a message that fails later checks.
import { type Authenticator, authenticatorInit, authenticatorUpdate, macCiphertext, macHeader, verifyCiphertext, verifyHeader } from "./authenticator.ts";
import {
  CHUNK_SIZE,
  type Chunk,
  type ChunkDecoder,
  type ChunkEncoder,
  MAX_CHUNK_INDEX,
  decoderAdd,
  decoderComplete,
  decoderMessage,
  encoderNextChunk,
  newDecoder,
  newEncoder,
} from "./erasure-code.ts";
import { SpqrError } from "./errors.ts";
import {
  CT1_LENGTH,
  CT2_LENGTH,
  EK_VECTOR_LENGTH,
  HEADER_LENGTH,
  type IncrementalKeys,
  decapsulate,
  encaps1,
  encaps2,
  generate,
} from "./incremental-mlkem768.ts";
import { epochSecret } from "./kdf.ts";
import type { SpqrMessage, SpqrMessageType } from "./wire.ts";

const MAC_LENGTH = 32;
/** header ‖ MAC_hdr: 3 chunks. */
const HEADER_MESSAGE_LENGTH = HEADER_LENGTH + MAC_LENGTH;
/** ct2 ‖ MAC_ct: 5 chunks. */
const CT2_MESSAGE_LENGTH = CT2_LENGTH + MAC_LENGTH;

/** A message being sent: its bytes and the index of the next chunk (data first, then parity). */
export type Outgoing = ChunkEncoder;

/** A message being received: the distinct chunks kept so far (at most as many as it has). */
export type Incoming = ChunkDecoder;

interface Base {
  readonly epoch: bigint;
  readonly auth: Authenticator;
}

export type BraidState =
  // ek side
  | (Base & { readonly kind: "KeysUnsampled" })
  | (Base & { readonly kind: "KeysSampled"; readonly dk: Uint8Array; readonly ekVector: Uint8Array; readonly hdrOut: Outgoing })
  | (Base & { readonly kind: "HeaderSent"; readonly dk: Uint8Array; readonly ekOut: Outgoing; readonly ct1In: Incoming })
  | (Base & { readonly kind: "Ct1Received"; readonly dk: Uint8Array; readonly ct1: Uint8Array; readonly ekOut: Outgoing })
  | (Base & { readonly kind: "EkSentCt1Received"; readonly dk: Uint8Array; readonly ct1: Uint8Array; readonly ct2In: Incoming })
  // ct side
  | (Base & { readonly kind: "NoHeaderReceived"; readonly hdrIn: Incoming })
  | (Base & { readonly kind: "HeaderReceived"; readonly header: Uint8Array })
  | (Base & { readonly kind: "Ct1Sampled"; readonly encaps: Uint8Array; readonly ct1Out: Outgoing; readonly ekIn: Incoming })
  | (Base & { readonly kind: "EkReceivedCt1Sampled"; readonly encaps: Uint8Array; readonly ct1Out: Outgoing; readonly ekVector: Uint8Array })
  | (Base & { readonly kind: "Ct1Acknowledged"; readonly encaps: Uint8Array; readonly ct1: Uint8Array; readonly ekIn: Incoming })
  | (Base & { readonly kind: "Ct2Sampled"; readonly ct2Out: Outgoing });

export type BraidStateKind = BraidState["kind"];
type StateOf<K extends BraidStateKind> = Extract<BraidState, { kind: K }>;

export type BraidMessage = Omit<SpqrMessage, "index">;

export interface OutputKey {
  readonly epoch: bigint;
  readonly key: Uint8Array;
}

export interface SendResult {
  readonly state: BraidState;
  readonly message: BraidMessage;
  /** The newest epoch the peer is sure to know when this message arrives: the chain epoch that salts it. */
  readonly sendingEpoch: bigint;
  readonly outputKey?: OutputKey;
}

export interface ReceiveResult {
  readonly state: BraidState;
  /** The chain epoch whose key salted the received message (its epoch field − 1). */
  readonly receivingEpoch: bigint;
  readonly outputKey?: OutputKey;
}

/**
 * Where the braid's randomness comes from. The defaults are the CSPRNG; tests replace them to
 * replay a peer's choices byte for byte (libsignal's stored dk and encapsulation m).
 */
export interface BraidRandomness {
  readonly keys?: () => IncrementalKeys;
  readonly encapsMessage?: () => Uint8Array;
}

/** The states at epoch 1 ([MLKB]; observed in libsignal's fresh sessions): the PQXDH initiator is the ek side. */
export function initialBraidState(kSpqr: Uint8Array, role: "alice" | "bob"): BraidState {
  const auth = authenticatorInit(kSpqr);
  return role === "alice"
    ? { kind: "KeysUnsampled", epoch: 1n, auth }
    : { kind: "NoHeaderReceived", epoch: 1n, auth, hdrIn: newDecoder(HEADER_MESSAGE_LENGTH) };
}

/** The epoch whose chain key salts what this state sends: the one before the epoch being negotiated. */
export const sendingEpoch = (state: BraidState): bigint => state.epoch - 1n;

// ---- chunks ---------------------------------------------------------------------------------

function nextChunk(out: Outgoing): { chunk: Chunk; out: Outgoing } {
  const { chunk, encoder } = encoderNextChunk(out);
  return { chunk, out: encoder };
}

function checkChunk(chunk: Chunk): void {
  if (!Number.isInteger(chunk.index) || chunk.index < 0 || chunk.index > MAX_CHUNK_INDEX)
    throw new SpqrError("chunk-index-too-large", "chunk indices stop at 65535");
  if (!(chunk.data instanceof Uint8Array) || chunk.data.length !== CHUNK_SIZE) throw new SpqrError("bad-length", "a chunk is 32 bytes");
}

/** Adds a chunk; a repeated index, or any chunk once complete, leaves the value as it was. */
function addChunk(inc: Incoming, chunk: Chunk | undefined): Incoming {
  if (!chunk) throw new SpqrError("missing-chunk", "this message type carries a chunk");
  checkChunk(chunk);
  return decoderAdd(inc, chunk);
}

const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
};

// ---- Send -----------------------------------------------------------------------------------

function sent(state: BraidState, type: SpqrMessageType, chunk?: Chunk, outputKey?: OutputKey): SendResult {
  const message: BraidMessage = chunk ? { epoch: state.epoch, type, chunk } : { epoch: state.epoch, type };
  return { state, message, sendingEpoch: sendingEpoch(state), ...(outputKey ? { outputKey } : {}) };
}

export function send(state: BraidState, randomness: BraidRandomness = {}): SendResult {
  switch (state.kind) {
    case "KeysUnsampled": {
      const keys = randomness.keys ? randomness.keys() : generate();
      const mac = macHeader(state.auth, state.epoch, keys.header);
      const { chunk, out } = nextChunk(newEncoder(concat(keys.header, mac)));
      return sent({ kind: "KeysSampled", epoch: state.epoch, auth: state.auth, dk: keys.decapsulationKey, ekVector: keys.ekVector, hdrOut: out }, "hdr", chunk);
    }
    case "KeysSampled": {
      const { chunk, out } = nextChunk(state.hdrOut);
      return sent({ ...state, hdrOut: out }, "hdr", chunk);
    }
    case "HeaderSent": {
      const { chunk, out } = nextChunk(state.ekOut);
      return sent({ ...state, ekOut: out }, "ek", chunk);
    }
    case "Ct1Received": {
      const { chunk, out } = nextChunk(state.ekOut);
      return sent({ ...state, ekOut: out }, "ekCt1Ack", chunk);
    }
    case "EkSentCt1Received":
      return sent(state, "ct1Ack");
    case "NoHeaderReceived":
      return sent(state, "none");
    case "HeaderReceived": {
      // The secret is fixed by ct1 alone, so the ct side knows this epoch's key from here on.
      const { ct1, sharedSecret, state: encaps } = randomness.encapsMessage
        ? encaps1(state.header, randomness.encapsMessage())
        : encaps1(state.header);
      const key = epochSecret(sharedSecret, state.epoch);
      const auth = authenticatorUpdate(state.auth, state.epoch, key);
      const { chunk, out } = nextChunk(newEncoder(ct1));
      const next: StateOf<"Ct1Sampled"> = { kind: "Ct1Sampled", epoch: state.epoch, auth, encaps, ct1Out: out, ekIn: newDecoder(EK_VECTOR_LENGTH) };
      return sent(next, "ct1", chunk, { epoch: state.epoch, key });
    }
    case "Ct1Sampled":
    case "EkReceivedCt1Sampled": {
      const { chunk, out } = nextChunk(state.ct1Out);
      return sent({ ...state, ct1Out: out }, "ct1", chunk);
    }
    case "Ct1Acknowledged":
      return sent(state, "none");
    case "Ct2Sampled": {
      const { chunk, out } = nextChunk(state.ct2Out);
      return sent({ ...state, ct2Out: out }, "ct2", chunk);
    }
  }
}

// ---- Receive --------------------------------------------------------------------------------

function received(state: BraidState, message: BraidMessage, outputKey?: OutputKey): ReceiveResult {
  return { state, receivingEpoch: message.epoch - 1n, ...(outputKey ? { outputKey } : {}) };
}

/** Encaps2 and MAC_ct, once the ct side has both ek_vector and the acknowledgement of ct1. */
function sampleCt2(state: Base & { readonly encaps: Uint8Array }, ct1: Uint8Array, ekVector: Uint8Array): StateOf<"Ct2Sampled"> {
  const ct2 = encaps2(state.encaps, ekVector);
  const mac = macCiphertext(state.auth, state.epoch, ct1, ct2);
  return { kind: "Ct2Sampled", epoch: state.epoch, auth: state.auth, ct2Out: newEncoder(concat(ct2, mac)) };
}

const isAck = (type: SpqrMessageType): boolean => type === "ekCt1Ack" || type === "ct1Ack";
const carriesEk = (type: SpqrMessageType): boolean => type === "ek" || type === "ekCt1Ack";

export function receive(state: BraidState, message: BraidMessage): ReceiveResult {
  if (message.epoch < 1n) throw new SpqrError("bad-epoch", "braid epochs start at 1");
  // libsignal refuses a chunk index past 65535 whatever the state would do with the chunk.
  if (message.chunk) checkChunk(message.chunk);
  if (message.epoch < state.epoch) return received(state, message);
  if (message.epoch > state.epoch) {
    // The peer has decapsulated our ciphertext and moved on: we are the next epoch's ek side.
    if (state.kind === "Ct2Sampled" && message.epoch === state.epoch + 1n)
      return received({ kind: "KeysUnsampled", epoch: message.epoch, auth: state.auth }, message);
    throw new SpqrError("bad-epoch", "a message from an epoch the peer cannot have reached");
  }
  const { type } = message;
  switch (state.kind) {
    case "KeysUnsampled":
    case "HeaderReceived":
    case "Ct2Sampled":
      return received(state, message);
    case "KeysSampled": {
      // The first ct1 chunk shows the header arrived: switch to sending ek_vector.
      if (type !== "ct1") return received(state, message);
      const ct1In = addChunk(newDecoder(CT1_LENGTH), message.chunk);
      return receivedHeaderSent({ kind: "HeaderSent", epoch: state.epoch, auth: state.auth, dk: state.dk, ekOut: newEncoder(state.ekVector), ct1In }, message);
    }
    case "HeaderSent": {
      if (type !== "ct1") return received(state, message);
      return receivedHeaderSent({ ...state, ct1In: addChunk(state.ct1In, message.chunk) }, message);
    }
    case "Ct1Received": {
      // The first ct2 chunk shows ek_vector arrived: stop sending it.
      if (type !== "ct2") return received(state, message);
      const ct2In = addChunk(newDecoder(CT2_MESSAGE_LENGTH), message.chunk);
      return receivedCt2({ kind: "EkSentCt1Received", epoch: state.epoch, auth: state.auth, dk: state.dk, ct1: state.ct1, ct2In }, message);
    }
    case "EkSentCt1Received": {
      if (type !== "ct2") return received(state, message);
      return receivedCt2({ ...state, ct2In: addChunk(state.ct2In, message.chunk) }, message);
    }
    case "NoHeaderReceived": {
      if (type !== "hdr") return received(state, message);
      const hdrIn = addChunk(state.hdrIn, message.chunk);
      if (!decoderComplete(hdrIn)) return received({ ...state, hdrIn }, message);
      const bytes = decoderMessage(hdrIn);
      const header = bytes.slice(0, HEADER_LENGTH);
      verifyHeader(state.auth, state.epoch, header, bytes.subarray(HEADER_LENGTH));
      return received({ kind: "HeaderReceived", epoch: state.epoch, auth: state.auth, header }, message);
    }
    case "Ct1Sampled": {
      const ekIn = carriesEk(type) ? addChunk(state.ekIn, message.chunk) : state.ekIn;
      const acked = isAck(type);
      const ct1 = state.ct1Out.message;
      if (decoderComplete(ekIn)) {
        const ekVector = decoderMessage(ekIn);
        if (acked) return received(sampleCt2(state, ct1, ekVector), message);
        // Checked now, not at the acknowledgement: a key that does not match its header is refused where it completes.
        encaps2(state.encaps, ekVector);
        return received({ kind: "EkReceivedCt1Sampled", epoch: state.epoch, auth: state.auth, encaps: state.encaps, ct1Out: state.ct1Out, ekVector }, message);
      }
      if (acked) return received({ kind: "Ct1Acknowledged", epoch: state.epoch, auth: state.auth, encaps: state.encaps, ct1, ekIn }, message);
      return received({ ...state, ekIn }, message);
    }
    case "EkReceivedCt1Sampled": {
      if (!isAck(type)) return received(state, message);
      return received(sampleCt2(state, state.ct1Out.message, state.ekVector), message);
    }
    case "Ct1Acknowledged": {
      if (!carriesEk(type)) return received(state, message);
      const ekIn = addChunk(state.ekIn, message.chunk);
      if (!decoderComplete(ekIn)) return received({ ...state, ekIn }, message);
      return received(sampleCt2(state, state.ct1, decoderMessage(ekIn)), message);
    }
  }
}

function receivedHeaderSent(state: StateOf<"HeaderSent">, message: BraidMessage): ReceiveResult {
  if (!decoderComplete(state.ct1In)) return received(state, message);
  const ekOut = state.ekOut;
  return received({ kind: "Ct1Received", epoch: state.epoch, auth: state.auth, dk: state.dk, ct1: decoderMessage(state.ct1In), ekOut }, message);
}

/** Decapsulates once ct2 ‖ MAC_ct is complete; the ek side then becomes the ct side of the next epoch. */
function receivedCt2(state: StateOf<"EkSentCt1Received">, message: BraidMessage): ReceiveResult {
  if (!decoderComplete(state.ct2In)) return received(state, message);
  const bytes = decoderMessage(state.ct2In);
  const ct2 = bytes.subarray(0, CT2_LENGTH);
  const key = epochSecret(decapsulate(state.dk, state.ct1, ct2), state.epoch);
  const auth = authenticatorUpdate(state.auth, state.epoch, key);
  verifyCiphertext(auth, state.epoch, state.ct1, ct2, bytes.subarray(CT2_LENGTH));
  const next: StateOf<"NoHeaderReceived"> = { kind: "NoHeaderReceived", epoch: state.epoch + 1n, auth, hdrIn: newDecoder(HEADER_MESSAGE_LENGTH) };
  return received(next, message, { epoch: state.epoch, key });
}
