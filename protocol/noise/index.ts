export { resolveSuite } from "./algorithms.ts";
export { CipherState, type CipherStateSnapshot } from "./cipher-state.ts";
export { MAX_NOISE_MESSAGE, NoiseError, type NoiseErrorReason } from "./errors.ts";
export {
  HandshakeState,
  type HandshakeOptions,
  type HandshakeResult,
  type HandshakeSnapshot,
} from "./handshake-state.ts";
export { isLowOrderX25519 } from "./low-order.ts";
export { handshakePattern, parseProtocolName, type HandshakePattern, type ProtocolName } from "./patterns.ts";
export type { Backend, CipherSuite, KeyPair } from "./suite.ts";
