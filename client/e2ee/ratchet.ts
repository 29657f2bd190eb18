// The Double Ratchet (signal.org/docs/specifications/doubleratchet) over one session's
// state. Functions are pure: they return a new state and never touch the one passed in, so a
// message that fails to decrypt leaves the stored session exactly as it was.
import { concatBytes, timingSafeEqual } from "../../protocol/bytes.ts";
import { DecryptError, SessionError } from "./errors.ts";
import { kdfCk, kdfRk, openMessage, sealMessage } from "./kdf.ts";
import { dh, generateKeyPair, type KeyPair } from "./keys.ts";
import { encodeSignalMessage, headerAssociatedData, type MessageHeader, type SignalMessage } from "./messages.ts";

/** Most message keys one incoming message may make us skip (the spec's MAX_SKIP). */
export const MAX_SKIP = 2000;
/** Most skipped message keys a session keeps; the oldest go first. */
export const MAX_SKIPPED_KEYS = 2000;
/** Recent receiving ratchet keys remembered, so an old chain's replay reads as "duplicate". */
export const MAX_PREVIOUS_RECEIVING_KEYS = 32;
const MAX_COUNTER = 0xffffffff;

export interface ChainState {
  readonly key: Uint8Array;
  /** Number of the next message in this chain (Ns / Nr). */
  readonly index: number;
}

export interface SkippedKey {
  readonly ratchetKey: Uint8Array;
  readonly counter: number;
  readonly messageKey: Uint8Array;
}

export interface RatchetState {
  readonly rootKey: Uint8Array;
  /** DHs. */
  readonly sendingRatchet: KeyPair;
  /** CKs / Ns; absent for the responder until its first receive. */
  readonly sendingChain: ChainState | undefined;
  /** PN. */
  readonly previousSendingLength: number;
  /** DHr (serialized); absent for the initiator until its first receive. */
  readonly receivingRatchetKey: Uint8Array | undefined;
  /** CKr / Nr. */
  readonly receivingChain: ChainState | undefined;
  /** Earlier DHr values, newest last. */
  readonly previousReceivingKeys: readonly Uint8Array[];
  /** MKSKIPPED, oldest first. */
  readonly skipped: readonly SkippedKey[];
}

/** Alice: SK is the root key and Bob's signed prekey his first ratchet key (DR spec §3.3 / §7.1). */
export function initInitiator(sharedKey: Uint8Array, theirSignedPreKey: Uint8Array): RatchetState {
  const sendingRatchet = generateKeyPair();
  const { rootKey, chainKey } = kdfRk(sharedKey, dh(sendingRatchet.privateKey, theirSignedPreKey));
  return {
    rootKey,
    sendingRatchet,
    sendingChain: { key: chainKey, index: 0 },
    previousSendingLength: 0,
    receivingRatchetKey: theirSignedPreKey,
    receivingChain: undefined,
    previousReceivingKeys: [],
    skipped: [],
  };
}

/** Bob: his signed prekey pair is his first ratchet key pair; he sends only after receiving. */
export function initResponder(sharedKey: Uint8Array, signedPreKey: KeyPair): RatchetState {
  return {
    rootKey: sharedKey,
    sendingRatchet: signedPreKey,
    sendingChain: undefined,
    previousSendingLength: 0,
    receivingRatchetKey: undefined,
    receivingChain: undefined,
    previousReceivingKeys: [],
    skipped: [],
  };
}

/** Returns the new state and a versioned SignalMessage body. */
export function ratchetEncrypt(state: RatchetState, associatedData: Uint8Array, plaintext: Uint8Array): { state: RatchetState; body: Uint8Array } {
  const chain = state.sendingChain;
  if (!chain) throw new SessionError("the responder cannot send before it has received a message");
  if (chain.index > MAX_COUNTER) throw new SessionError("sending chain exhausted");
  const { messageKey, chainKey } = kdfCk(chain.key);
  const header: MessageHeader = { ratchetKey: state.sendingRatchet.publicKey, previousCounter: state.previousSendingLength, counter: chain.index };
  const ciphertext = sealMessage(messageKey, concatBytes(associatedData, headerAssociatedData(header)), plaintext);
  return { state: { ...state, sendingChain: { key: chainKey, index: chain.index + 1 } }, body: encodeSignalMessage({ ...header, ciphertext }) };
}

const sameKey = (a: Uint8Array, b: Uint8Array | undefined): boolean => b !== undefined && timingSafeEqual(a, b);

/** Whether this state has ever received on the message's ratchet key: then only it can decrypt the message. */
export function recognizesRatchetKey(state: RatchetState, ratchetKey: Uint8Array): boolean {
  return (
    sameKey(ratchetKey, state.receivingRatchetKey) ||
    state.previousReceivingKeys.some((k) => sameKey(ratchetKey, k)) ||
    state.skipped.some((s) => sameKey(ratchetKey, s.ratchetKey))
  );
}

/** Advances `chain` to message `until`, storing the keys passed over in `skipped`. */
function skipTo(chain: ChainState, ratchetKey: Uint8Array, until: number, skipped: SkippedKey[]): ChainState {
  if (until - chain.index > MAX_SKIP) throw new DecryptError("too-many-skipped", `message skips ${until - chain.index} keys (max ${MAX_SKIP})`);
  let { key, index } = chain;
  while (index < until) {
    const next = kdfCk(key);
    skipped.push({ ratchetKey, counter: index, messageKey: next.messageKey });
    key = next.chainKey;
    index++;
  }
  return { key, index };
}

function open(messageKey: Uint8Array, associatedData: Uint8Array, message: SignalMessage): Uint8Array {
  const plaintext = openMessage(messageKey, concatBytes(associatedData, headerAssociatedData(message)), message.ciphertext);
  if (!plaintext) throw new DecryptError("auth-failed", "message authentication failed");
  return plaintext;
}

export interface Decrypted {
  readonly state: RatchetState;
  readonly plaintext: Uint8Array;
  /** Decrypted with a stored skipped key: an old message, no sign the peer still uses this session. */
  readonly late: boolean;
}

/** Decrypts one message (DR spec RatchetDecrypt). Throws DecryptError; `state` is never modified. */
export function ratchetDecrypt(state: RatchetState, associatedData: Uint8Array, message: SignalMessage): Decrypted {
  const { ratchetKey, counter } = message;

  const skippedIndex = state.skipped.findIndex((s) => s.counter === counter && sameKey(ratchetKey, s.ratchetKey));
  if (skippedIndex >= 0) {
    const plaintext = open(state.skipped[skippedIndex]!.messageKey, associatedData, message);
    return { state: { ...state, skipped: state.skipped.filter((_, i) => i !== skippedIndex) }, plaintext, late: true };
  }

  const skipped = [...state.skipped];
  let next: RatchetState = state;
  let chain: ChainState;
  if (state.receivingChain && sameKey(ratchetKey, state.receivingRatchetKey)) {
    if (counter < state.receivingChain.index) throw new DecryptError("duplicate", "message already decrypted");
    chain = state.receivingChain;
  } else if (state.previousReceivingKeys.some((k) => sameKey(ratchetKey, k))) {
    // An old chain whose remaining keys were all used or evicted.
    throw new DecryptError("duplicate", "message from a finished chain already decrypted");
  } else {
    // DH ratchet step: close the current receiving chain at PN, then derive fresh receiving
    // and sending chains from the peer's new ratchet key.
    if (state.receivingChain && state.receivingRatchetKey) {
      skipTo(state.receivingChain, state.receivingRatchetKey, message.previousCounter, skipped);
    }
    let shared: Uint8Array;
    let sendingRatchet: KeyPair;
    let sendShared: Uint8Array;
    try {
      shared = dh(state.sendingRatchet.privateKey, ratchetKey);
      sendingRatchet = generateKeyPair();
      sendShared = dh(sendingRatchet.privateKey, ratchetKey);
    } catch {
      throw new DecryptError("malformed", "invalid ratchet key");
    }
    const receiving = kdfRk(state.rootKey, shared);
    const sending = kdfRk(receiving.rootKey, sendShared);
    const previousReceivingKeys = state.receivingRatchetKey
      ? [...state.previousReceivingKeys, state.receivingRatchetKey].slice(-MAX_PREVIOUS_RECEIVING_KEYS)
      : state.previousReceivingKeys;
    chain = { key: receiving.chainKey, index: 0 };
    next = {
      rootKey: sending.rootKey,
      sendingRatchet,
      sendingChain: { key: sending.chainKey, index: 0 },
      previousSendingLength: state.sendingChain?.index ?? 0,
      receivingRatchetKey: ratchetKey,
      receivingChain: chain,
      previousReceivingKeys,
      skipped,
    };
  }

  chain = skipTo(chain, ratchetKey, counter, skipped);
  const { messageKey, chainKey } = kdfCk(chain.key);
  const plaintext = open(messageKey, associatedData, message);
  return {
    state: { ...next, receivingChain: { key: chainKey, index: counter + 1 }, skipped: skipped.slice(-MAX_SKIPPED_KEYS) },
    plaintext,
    late: false,
  };
}
