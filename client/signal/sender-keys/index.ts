// Signal's sender keys (group messaging), byte for byte with libsignal 0.103: the sender makes
// one chain per distribution id (createSenderKey), sends its SenderKeyDistributionMessage to each
// member device over the pairwise session (distributionMessage), and then one SenderKeyMessage
// per group message (groupEncrypt). Each receiver keeps a record per (sender address,
// distribution id) (processDistributionMessage, groupDecrypt). Pure functions over plain data;
// a failed call throws SenderKeyError and leaves its input as it was.
//
// To rotate (after a member or device leaves), the sender drops its state and calls
// createSenderKey again: the new chain id goes out in a new SKDM, and receivers keep the old
// chain beside it (up to MAX_SENDER_KEY_STATES) so messages still in flight decrypt.
export { SenderKeyError, type SenderKeyErrorReason } from "./errors.ts";
export {
  ITERATION_LIMIT,
  MAX_FORWARD_JUMPS,
  MAX_SENDER_KEY_STATES,
  MAX_SKIPPED_KEYS,
  type ReceivedChain,
  type SenderKeyRecord,
  type SenderKeyState,
  type SkippedKey,
} from "./state.ts";
export { createSenderKey, distributionMessage, groupEncrypt, type GroupEncryptResult } from "./sender.ts";
export { groupDecrypt, processDistributionMessage, type GroupDecryptResult } from "./receiver.ts";
export {
  DISTRIBUTION_ID_LENGTH,
  SENDER_KEY_VERSION,
  SENDER_KEY_VERSION_BYTE,
  decodeDistributionMessage,
  decodeSenderKeyMessage,
  type DecodedSenderKeyMessage,
  type DistributionMessage,
  type SenderKeyMessage,
} from "./wire.ts";
export {
  SENDER_KEY_JSON_VERSION,
  checkSenderKeyRecord,
  checkSenderKeyState,
  senderKeyRecordFromJSON,
  senderKeyRecordToJSON,
  senderKeyStateFromJSON,
  senderKeyStateToJSON,
  type JsonValue,
} from "./codec.ts";
