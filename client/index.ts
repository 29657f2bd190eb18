export { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from "./backoff.ts";
export { ParleyConnection, SDK_VERSION, type ConnectionEvents, type ConnectionOptions, type ConnectionState } from "./connection.ts";
export { enroll, EnrollmentError, type Enrollment } from "./enroll.ts";
export { globalWebSocketFactory, type SocketFactory, type SocketLike } from "./socket.ts";
export { CloseCode } from "../protocol/close-codes.ts";
export { Messenger, MemorySeenStore, NackError, newStanzaId, type IncomingMessage, type IncomingNotification, type IncomingReceipt, type SeenStore } from "./messenger.ts";
export { SecureMessenger, type ReceivedContent, type SecureMessengerEvents } from "./secure-messenger.ts";
export * as e2ee from "./e2ee/index.ts";
export { decodeContent, encodeContent, type Content, type ContentBody, type MediaContent } from "../protocol/content.ts";
