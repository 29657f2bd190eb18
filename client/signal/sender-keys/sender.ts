// The sending side of sender keys: one chain per distribution id, announced to each member
// device by a SenderKeyDistributionMessage sent over the pairwise session, then one signed
// SenderKeyMessage per group message.
import { x25519 } from "@noble/curves/ed25519.js";
import { concatBytes } from "../../../protocol/bytes.ts";
import { serializeEcPublic } from "../../../protocol/signal/keys.ts";
import { xeddsaSign } from "../../../protocol/signal/xeddsa.ts";
import { encryptBody } from "../message-cipher.ts";
import { CHAIN_KEY_LENGTH, messageKeys, messageKeySeed, nextChainKey } from "./chain.ts";
import { SenderKeyError } from "./errors.ts";
import { ITERATION_LIMIT, type SenderKeyState } from "./state.ts";
import { DISTRIBUTION_ID_LENGTH, encodeDistributionMessage, encodeSenderKeyMessageBody, requireBytes } from "./wire.ts";

/**
 * A new sending chain. libsignal draws chain ids as 31-bit numbers (300 of its ids never had
 * the top bit set); any uint32 is accepted on receipt, so this is only for looking alike.
 */
export function createSenderKey(distributionId: Uint8Array): SenderKeyState {
  requireBytes(distributionId, DISTRIBUTION_ID_LENGTH, "distributionId");
  const signingPrivate = x25519.utils.randomSecretKey();
  return {
    distributionId: distributionId.slice(),
    chainId: crypto.getRandomValues(new Uint32Array(1))[0]! >>> 1,
    iteration: 0,
    chainKey: crypto.getRandomValues(new Uint8Array(CHAIN_KEY_LENGTH)),
    signingPublic: serializeEcPublic(x25519.getPublicKey(signingPrivate)),
    signingPrivate,
  };
}

function requireUsable(state: SenderKeyState): void {
  if (state.iteration >= ITERATION_LIMIT) throw new SenderKeyError("exhausted", "this sender key has used all its iterations; create a new one");
}

/**
 * The SKDM for the chain as it stands: a receiver can decrypt this iteration and later ones, not
 * earlier (libsignal's create() does the same for an existing chain).
 */
export function distributionMessage(state: SenderKeyState): Uint8Array {
  requireUsable(state);
  return encodeDistributionMessage({
    distributionId: state.distributionId,
    chainId: state.chainId,
    iteration: state.iteration,
    chainKey: state.chainKey,
    signingKey: state.signingPublic,
  });
}

export interface GroupEncryptResult {
  /** Store this before sending the message: reusing an iteration would reuse its keys. */
  readonly state: SenderKeyState;
  /** The serialized SenderKeyMessage (libsignal's `skmsg`, CiphertextMessageType.SenderKey = 7). */
  readonly message: Uint8Array;
}

export function groupEncrypt(state: SenderKeyState, plaintext: Uint8Array): GroupEncryptResult {
  requireUsable(state);
  if (!(plaintext instanceof Uint8Array)) throw new TypeError("plaintext must be a Uint8Array");
  const body = encodeSenderKeyMessageBody({
    distributionId: state.distributionId,
    chainId: state.chainId,
    iteration: state.iteration,
    ciphertext: encryptBody(messageKeys(messageKeySeed(state.chainKey)), plaintext),
  });
  return {
    state: { ...state, iteration: state.iteration + 1, chainKey: nextChainKey(state.chainKey) },
    message: concatBytes(body, xeddsaSign(state.signingPrivate, body)),
  };
}
