// The receiving side: a record per (sender address, distribution id) holding the sender's recent
// chains, filled by SenderKeyDistributionMessages and advanced by SenderKeyMessages. Each rule
// below is libsignal 0.103's observed behaviour (test/node/sender-keys.test.ts).
import { timingSafeEqual } from "../../../protocol/bytes.ts";
import { deserializeEcPublic } from "../../../protocol/signal/keys.ts";
import { xeddsaVerify } from "../../../protocol/signal/xeddsa.ts";
import { decryptBody, MessageCipherError } from "../message-cipher.ts";
import { messageKeys, messageKeySeed, nextChainKey } from "./chain.ts";
import { SenderKeyError } from "./errors.ts";
import {
  ITERATION_LIMIT,
  MAX_FORWARD_JUMPS,
  MAX_SENDER_KEY_STATES,
  MAX_SKIPPED_KEYS,
  type ReceivedChain,
  type SenderKeyRecord,
  type SkippedKey,
} from "./state.ts";
import { decodeDistributionMessage, decodeSenderKeyMessage } from "./wire.ts";

function requireDistribution(record: SenderKeyRecord, distributionId: Uint8Array): void {
  if (!timingSafeEqual(record.distributionId, distributionId)) {
    throw new SenderKeyError("wrong-distribution", "message is for another distribution id than this record");
  }
}

/**
 * Adds the chain an SKDM announces, as the newest state. An SKDM for a chain id the record
 * already holds under the same signing key (a resend, possibly at a later iteration) keeps
 * that state as it is, keys and position in the chain included, and only makes it the newest;
 * under a different signing key it replaces it. Beyond MAX_SENDER_KEY_STATES the oldest goes.
 */
export function processDistributionMessage(record: SenderKeyRecord | undefined, skdm: Uint8Array): SenderKeyRecord {
  const message = decodeDistributionMessage(skdm);
  if (record) requireDistribution(record, message.distributionId);
  const existing = record?.states.find((s) => s.chainId === message.chainId);
  const others = (record?.states ?? []).filter((s) => s.chainId !== message.chainId);
  const newest: ReceivedChain =
    existing && timingSafeEqual(existing.signingKey, message.signingKey)
      ? existing
      : { chainId: message.chainId, iteration: message.iteration, chainKey: message.chainKey, signingKey: message.signingKey, skipped: [] };
  return { distributionId: message.distributionId, states: [newest, ...others].slice(0, MAX_SENDER_KEY_STATES) };
}

/** The seed for `iteration`, and the chain as it stands after it. */
function advance(chain: ReceivedChain, iteration: number): { seed: Uint8Array; chain: ReceivedChain } {
  if (iteration < chain.iteration) {
    const index = chain.skipped.findIndex((k) => k.iteration === iteration);
    if (index < 0) throw new SenderKeyError("duplicate", `iteration ${iteration} was already received, or its key is no longer kept`);
    return { seed: chain.skipped[index]!.seed, chain: { ...chain, skipped: chain.skipped.filter((_, i) => i !== index) } };
  }
  if (chain.iteration >= ITERATION_LIMIT) throw new SenderKeyError("duplicate", "this chain has used all its iterations");
  if (iteration - chain.iteration > MAX_FORWARD_JUMPS) {
    throw new SenderKeyError("too-far", `iteration is more than ${MAX_FORWARD_JUMPS} ahead of the chain`);
  }
  // Only the newest MAX_SKIPPED_KEYS skipped keys survive, so older seeds are not even derived.
  const skippedNow = iteration - chain.iteration;
  const firstKept = Math.max(0, skippedNow - MAX_SKIPPED_KEYS);
  const fresh: SkippedKey[] = [];
  let chainKey = chain.chainKey;
  for (let i = 0; i < skippedNow; i++) {
    if (i >= firstKept) fresh.push({ iteration: chain.iteration + i, seed: messageKeySeed(chainKey) });
    chainKey = nextChainKey(chainKey);
  }
  const skipped = [...chain.skipped, ...fresh];
  return {
    seed: messageKeySeed(chainKey),
    chain: { ...chain, iteration: iteration + 1, chainKey: nextChainKey(chainKey), skipped: skipped.slice(Math.max(0, skipped.length - MAX_SKIPPED_KEYS)) },
  };
}

export interface GroupDecryptResult {
  readonly record: SenderKeyRecord;
  readonly plaintext: Uint8Array;
}

/**
 * Verifies and decrypts one SenderKeyMessage. Checks run in libsignal's order: the chain by
 * its id, then the signature, then the iteration (duplicate, too far), then the body. On any
 * failure the record given is the one to keep; on success store the returned one. A record's
 * states keep their order here: only SKDMs reorder them.
 */
export function groupDecrypt(record: SenderKeyRecord | undefined, skmsg: Uint8Array): GroupDecryptResult {
  const message = decodeSenderKeyMessage(skmsg);
  if (!record) throw new SenderKeyError("no-sender-key", "no sender key for this sender and distribution id");
  requireDistribution(record, message.distributionId);
  const index = record.states.findIndex((s) => s.chainId === message.chainId);
  if (index < 0) throw new SenderKeyError("no-sender-key", "no sender key state for this message's chain id");
  const state = record.states[index]!;
  if (!xeddsaVerify(deserializeEcPublic(state.signingKey), message.signed, message.signature)) {
    throw new SenderKeyError("bad-signature", "sender key message signature does not verify");
  }
  const { seed, chain } = advance(state, message.iteration);
  let plaintext: Uint8Array;
  try {
    plaintext = decryptBody(messageKeys(seed), message.ciphertext);
  } catch (err) {
    if (err instanceof MessageCipherError) throw new SenderKeyError("bad-ciphertext", `sender key message body: ${err.message}`);
    throw err;
  }
  return { record: { ...record, states: record.states.map((s, i) => (i === index ? chain : s)) }, plaintext };
}
