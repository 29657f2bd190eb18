/**
 * WebSocket close codes the gateway uses (4000-4999 is the application range, RFC 6455 §7.4.2).
 * Shared by gateway and client so both sides name a failure the same way.
 */
export const CloseCode = {
  /** Normal shutdown by either side. */
  NORMAL: 1000,
  /** The gateway is restarting or rotating keys; reconnect. */
  SERVICE_RESTART: 1012,
  /** A frame that is not a binary Noise message, or one the current state cannot accept. */
  MALFORMED_FRAME: 4400,
  /** Handshake failed: bad Noise message, wrong prologue or key, failed certificate. */
  HANDSHAKE_FAILED: 4401,
  /** The client authenticated but may not act for this user/device. */
  FORBIDDEN: 4403,
  /** A newer session of the same device took over; the device runs somewhere else now. */
  SESSION_REPLACED: 4409,
  /**
   * This device was removed from its user (by itself, a sibling or its provider): its session
   * ends and later handshakes are refused; only a new enrollment brings it back.
   */
  DEVICE_REMOVED: 4410,
  /** The handshake did not finish in time. */
  HANDSHAKE_TIMEOUT: 4408,
  /** A frame larger than one Noise message (65535 bytes). */
  FRAME_TOO_LARGE: 4413,
  /** A transport message failed authentication: tampered, replayed, reordered or nonce reuse. */
  DECRYPT_FAILED: 4420,
  /** The gateway hit an internal error; reconnecting is safe. */
  INTERNAL_ERROR: 4500,
} as const;

export type CloseCodeValue = (typeof CloseCode)[keyof typeof CloseCode];

/**
 * Codes after which reconnecting cannot help: the credentials are refused, the device was
 * removed, or another copy of this device is connected (reconnecting would only take the
 * session back and forth).
 */
export function isFatalClose(code: number): boolean {
  return code === CloseCode.FORBIDDEN || code === CloseCode.SESSION_REPLACED || code === CloseCode.DEVICE_REMOVED;
}
