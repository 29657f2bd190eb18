// The byte in front of every 1:1 ciphertext message: the message's version in the high nibble,
// the sender's highest supported version in the low one (libsignal writes (4 << 4) | 4).
import { WireError } from "./errors.ts";

export const MESSAGE_VERSION = 4;
export const LEGACY_MESSAGE_VERSION = 3;
/** What libsignal 0.103 writes, and all this codec writes. */
export const VERSION_BYTE = (MESSAGE_VERSION << 4) | MESSAGE_VERSION;

/**
 * Checks a received version byte. Only the high nibble is the message's version: libsignal
 * accepts any low nibble (0x40 and 0x4f parse and decrypt), as a sender that also speaks a
 * later version would announce it there, so we do too.
 */
export function readVersionByte(byte: number): number {
  const version = byte >> 4;
  if (version === MESSAGE_VERSION) return version;
  if (version === LEGACY_MESSAGE_VERSION) throw new WireError("legacy-version", "message version 3 (X3DH) is no longer supported");
  throw new WireError("bad-version", version < LEGACY_MESSAGE_VERSION ? `message version ${version} is too old` : `message version ${version} is unknown`);
}
