export { Channel, FrameTag, MAX_TRANSPORT_PAYLOAD, PROLOGUE, PROTOCOL, type ChannelId } from "./constants.ts";
export { PipesError, type PipesErrorReason } from "./errors.ts";
export { PipesInitiator, type InitiatorOptions, type InitiatorResult, type PipesMode, type ServerResponse } from "./initiator.ts";
export { PipesResponder, type ClientIdentity, type FirstMessage, type ResponderSnapshot } from "./responder.ts";
export { SecureChannel, type OpenedFrame, type SecureChannelSnapshot } from "./secure-channel.ts";
export { decodeBatch, encodeBatch, framePayload, frameRuns, MAX_BATCH_STANZAS } from "./stanza-batch.ts";
