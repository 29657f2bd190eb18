// The triple ratchet as libsignal runs it for message version 4: the Double Ratchet
// (signal.org/docs/specifications/doubleratchet, with libsignal's chain keeping) whose message
// keys are salted by SPQR, the sparse post-quantum ratchet (docs/spqr-notes.md). Functions are
// pure: they return a new state and never touch the one passed in, so a message that fails to
// authenticate leaves the stored session exactly as it was.
import { deserializeEcPublic, KeyFormatError } from "../../protocol/signal/keys.ts";
import { timingSafeEqual } from "../../protocol/bytes.ts";
import { chainStep, deriveMessageKeys, KeyScheduleError, ratchetStep, type MessageKeys } from "../signal/kdf.ts";
import { decryptBody, encryptBody, MessageCipherError } from "../signal/message-cipher.ts";
import { spqrReceive, spqrSend, type SpqrState } from "../signal/spqr/index.ts";
import { SpqrError } from "../signal/spqr/errors.ts";
import { encodeSignalMessage, verifyMac, WireError, type DecodedSignalMessage } from "../signal/wire/index.ts";
import { DecryptError, SessionError } from "./errors.ts";
import { generateKeyPair, type KeyPair } from "./keys.ts";

/** A forward jump within one chain beyond this is refused (libsignal's limit). */
export const MAX_FORWARD_JUMP = 25_000;
/** Skipped message keys kept per receiving chain, oldest dropped first (libsignal's limit). */
export const MAX_SKIPPED_PER_CHAIN = 2_000;
/** Receiving chains kept per session, oldest dropped first: libsignal keeps five. */
export const MAX_RECEIVER_CHAINS = 5;
const MAX_COUNTER = 0xffffffff;

export interface ChainState {
  readonly key: Uint8Array;
  /** Number of the next message in this chain. */
  readonly index: number;
}

/**
 * A key passed over in a receiving chain. The seed, not the message keys: with SPQR the keys
 * also depend on the message's own SPQR key, known only when the message arrives.
 */
export interface SkippedSeed {
  readonly counter: number;
  readonly seed: Uint8Array;
}

export interface ReceiverChain {
  /** The peer's ratchet public key for this chain, 33 bytes (0x05 ‖ X25519). */
  readonly ratchetKey: Uint8Array;
  readonly chain: ChainState;
  /** Oldest first. */
  readonly skipped: readonly SkippedSeed[];
}

export interface RatchetState {
  readonly rootKey: Uint8Array;
  readonly sendingRatchet: KeyPair;
  readonly sendingChain: ChainState;
  /** What the wire's previous_counter carries: the last index of the sending chain before this one. */
  readonly previousCounter: number;
  /** Oldest first. */
  readonly receiverChains: readonly ReceiverChain[];
  /** Plain data (bigints and Uint8Arrays included), so it survives structured clone; state-codec turns it into JSON. */
  readonly spqr: SpqrState;
}

/** Who the MAC binds a message to: 33-byte serialized identity keys. */
export interface Identities {
  readonly local: Uint8Array;
  readonly remote: Uint8Array;
}

const sameKey = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && timingSafeEqual(a, b);

/** Whether this state has a receiving chain for the ratchet key: then only it can decrypt the message. */
export function recognizesRatchetKey(state: RatchetState, ratchetKey: Uint8Array): boolean {
  return state.receiverChains.some((c) => sameKey(c.ratchetKey, ratchetKey));
}

/** Encrypts one message into a serialized SignalMessage (MAC included). */
export function ratchetEncrypt(state: RatchetState, identities: Identities, plaintext: Uint8Array): { state: RatchetState; body: Uint8Array } {
  const chain = state.sendingChain;
  if (chain.index > MAX_COUNTER) throw new SessionError("sending chain exhausted");
  const { messageKeySeed, nextChainKey } = chainStep(chain.key);
  const sent = spqrSend(state.spqr);
  const keys = deriveMessageKeys(messageKeySeed, sent.pqKey);
  const body = encodeSignalMessage(
    {
      ratchetKey: state.sendingRatchet.publicKey,
      counter: chain.index,
      previousCounter: state.previousCounter,
      ciphertext: encryptBody(keys, plaintext),
      pqRatchet: sent.field5,
    },
    { macKey: keys.macKey, senderIdentityKey: identities.local, receiverIdentityKey: identities.remote },
  );
  return { state: { ...state, sendingChain: { key: nextChainKey, index: chain.index + 1 }, spqr: sent.state }, body };
}

/** libsignal's previous_counter: the index of the last message sent on the chain being replaced. */
const lastIndexOf = (chain: ChainState): number => Math.max(chain.index, 1) - 1;

/** A DH ratchet step on a ratchet key never seen: a new receiving chain, and a new sending chain after it. */
function stepTo(state: RatchetState, theirRatchetKey: Uint8Array): { state: RatchetState; chain: ReceiverChain } {
  const theirs = deserializeEcPublic(theirRatchetKey);
  const receiving = ratchetStep(state.rootKey, state.sendingRatchet.privateKey, theirs);
  const sendingRatchet = generateKeyPair();
  const sending = ratchetStep(receiving.rootKey, sendingRatchet.privateKey, theirs);
  const chain: ReceiverChain = { ratchetKey: theirRatchetKey.slice(), chain: { key: receiving.chainKey, index: 0 }, skipped: [] };
  const next: RatchetState = {
    ...state,
    rootKey: sending.rootKey,
    sendingRatchet,
    sendingChain: { key: sending.chainKey, index: 0 },
    previousCounter: lastIndexOf(state.sendingChain),
    receiverChains: [...state.receiverChains, chain].slice(-MAX_RECEIVER_CHAINS),
  };
  return { state: next, chain };
}

/** The seed for message `counter` of a chain, and the chain after it. */
function seedFor(chain: ReceiverChain, counter: number): { chain: ReceiverChain; seed: Uint8Array } {
  if (counter < chain.chain.index) {
    const found = chain.skipped.find((s) => s.counter === counter);
    if (!found) throw new DecryptError("duplicate", `message ${counter} of this chain was already decrypted`);
    return { chain: { ...chain, skipped: chain.skipped.filter((s) => s !== found) }, seed: found.seed };
  }
  if (counter - chain.chain.index > MAX_FORWARD_JUMP) {
    throw new DecryptError("too-many-skipped", `message skips ${counter - chain.chain.index} keys (max ${MAX_FORWARD_JUMP})`);
  }
  const skipped = [...chain.skipped];
  let { key, index } = chain.chain;
  while (index < counter) {
    const step = chainStep(key);
    skipped.push({ counter: index, seed: step.messageKeySeed });
    key = step.nextChainKey;
    index++;
  }
  const { messageKeySeed, nextChainKey } = chainStep(key);
  return {
    chain: { ...chain, chain: { key: nextChainKey, index: counter + 1 }, skipped: skipped.slice(-MAX_SKIPPED_PER_CHAIN) },
    seed: messageKeySeed,
  };
}

export interface Decrypted {
  readonly state: RatchetState;
  readonly plaintext: Uint8Array;
}

/** Maps the primitives' refusals onto the SDK's reasons; anything else is a bug and propagates. */
function asDecryptError(err: unknown): never {
  if (err instanceof DecryptError) throw err;
  if (err instanceof WireError) throw new DecryptError(err.reason === "bad-mac" ? "auth-failed" : "malformed", err.message);
  // SPQR's chain has its own skip limit, one key ahead of the Double Ratchet's: it can refuse first.
  if (err instanceof SpqrError && err.reason === "too-far") throw new DecryptError("too-many-skipped", err.message);
  if (err instanceof SpqrError || err instanceof KeyScheduleError || err instanceof MessageCipherError || err instanceof KeyFormatError) {
    throw new DecryptError("malformed", err.message);
  }
  throw err;
}

/** Decrypts one SignalMessage. Throws DecryptError; `state` is never modified. */
export function ratchetDecrypt(state: RatchetState, identities: Identities, message: DecodedSignalMessage): Decrypted {
  try {
    let next = state;
    let chain = state.receiverChains.find((c) => sameKey(c.ratchetKey, message.ratchetKey));
    if (!chain) ({ state: next, chain } = stepTo(state, message.ratchetKey));
    const { chain: advanced, seed } = seedFor(chain, message.counter);
    const received = spqrReceive(next.spqr, message.pqRatchet);
    const keys: MessageKeys = deriveMessageKeys(seed, received.pqKey);
    verifyMac(message, { macKey: keys.macKey, senderIdentityKey: identities.remote, receiverIdentityKey: identities.local });
    const plaintext = decryptBody(keys, message.ciphertext);
    const receiverChains = next.receiverChains.map((c) => (c === chain ? advanced : c));
    return { state: { ...next, receiverChains, spqr: received.state }, plaintext };
  } catch (err) {
    asDecryptError(err);
  }
}
