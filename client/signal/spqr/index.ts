// SPQR as the session layer sees it ([DR] §5–§6; docs/spqr-notes.md §8): the braid moves the
// ML-KEM exchange forward by one chunk per message (SignalMessage field 5) and hands each
// epoch secret to the chain; the chain gives every message its pq_key, the salt of that
// message's WhisperMessageKeys.
//
// Which key salts a message: the sender uses the next key of its send direction in the braid's
// sending epoch (the epoch being negotiated, minus one), and writes that key's counter as the
// field-5 index; the receiver looks up (epoch field − 1, index) in its receive direction.
//
// Every function returns a new state and leaves its argument as it was: the session layer
// stores the result only once the message has authenticated. States are plain data (objects,
// arrays, bigints, numbers, strings, Uint8Arrays), so a session record holding one survives
// structured clone (IndexedDB, postMessage) as it is; JSON needs spqrStateToJSON.
import { type BraidRandomness, type BraidState, initialBraidState, receive, send } from "./braid.ts";
import { braidStateFromJSON, braidStateToJSON, type BraidStateJSON } from "./braid-json.ts";
import {
  type SpqrChain,
  type SpqrChainJSON,
  type SpqrRole,
  chainAddEpoch,
  chainFromJSON,
  chainNextSendKey,
  chainReceiveKey,
  chainSetSendEpoch,
  chainStart,
  chainToJSON,
} from "./chain.ts";
import { SpqrError } from "./errors.ts";
import { decodeSpqrMessage, encodeSpqrMessage } from "./wire.ts";

export { SpqrError, type SpqrErrorReason } from "./errors.ts";
export type { BraidRandomness, BraidState, SpqrChain, SpqrRole };

export interface SpqrState {
  readonly braid: BraidState;
  readonly chain: SpqrChain;
}

/** Plain JSON (what JSON.stringify writes and JSON.parse gives back), so storage layers can type it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type SpqrStateJSON = { [key: string]: JsonValue };

/** A fresh SPQR state from PQXDH's K_spqr; `role` "alice" is the side that sent the first PreKeySignalMessage. */
export function initSpqr(kSpqr: Uint8Array, role: SpqrRole): SpqrState {
  return { braid: initialBraidState(kSpqr, role), chain: chainStart(kSpqr, role) };
}

/**
 * The field 5 of the next message and the pq_key that salts its message keys. `randomness` is
 * for tests that replay a peer's key pair or encapsulation; leave it out otherwise.
 */
export function spqrSend(state: SpqrState, randomness?: BraidRandomness): { state: SpqrState; field5: Uint8Array; pqKey: Uint8Array } {
  const sent = send(state.braid, randomness);
  let chain = state.chain;
  if (sent.outputKey) chain = chainAddEpoch(chain, sent.outputKey.epoch, sent.outputKey.key);
  const next = chainNextSendKey(chainSetSendEpoch(chain, sent.sendingEpoch));
  const field5 = encodeSpqrMessage({ ...sent.message, index: next.index });
  return { state: { braid: sent.state, chain: next.chain }, field5, pqKey: next.key };
}

/**
 * Reads a received field 5: the pq_key that salted the message, and the state after it. Throws
 * SpqrError (and changes nothing) on a malformed field, a key the chain no longer has or never
 * had, a header or ciphertext MAC that fails, or an epoch the peer cannot be in.
 */
export function spqrReceive(state: SpqrState, field5: Uint8Array): { state: SpqrState; pqKey: Uint8Array } {
  const message = decodeSpqrMessage(field5);
  if (message.epoch < 1n) throw new SpqrError("bad-epoch", "braid epochs start at 1");
  // The key first: a message whose key the chain refuses never costs a decapsulation.
  const looked = chainReceiveKey(state.chain, message.epoch - 1n, message.index);
  const received = receive(state.braid, message);
  let chain = looked.chain;
  if (received.outputKey) chain = chainAddEpoch(chain, received.outputKey.epoch, received.outputKey.key);
  return { state: { braid: received.state, chain }, pqKey: looked.key };
}

export function spqrStateToJSON(state: SpqrState): SpqrStateJSON {
  // Both halves are built from strings, numbers, arrays and plain objects only.
  const json: { braid: BraidStateJSON; chain: SpqrChainJSON } = { braid: braidStateToJSON(state.braid), chain: chainToJSON(state.chain) };
  return json as unknown as SpqrStateJSON;
}

export function spqrStateFromJSON(json: unknown): SpqrState {
  if (typeof json !== "object" || json === null) throw new SpqrError("bad-state", "an SPQR state is an object");
  const { braid, chain } = json as Record<string, unknown>;
  return { braid: braidStateFromJSON(braid), chain: chainFromJSON(chain) };
}
